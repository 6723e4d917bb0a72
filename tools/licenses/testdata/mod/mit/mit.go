// Package mit is a license fixture.
package mit
