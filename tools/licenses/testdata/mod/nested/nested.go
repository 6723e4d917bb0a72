// Package nested is a license fixture.
package nested
