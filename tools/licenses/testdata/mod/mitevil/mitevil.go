// Package mitevil is a license fixture.
package mitevil
