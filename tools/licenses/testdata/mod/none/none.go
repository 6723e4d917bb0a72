// Package none is a license fixture.
package none
