// Package apache2 is a license fixture.
package apache2
