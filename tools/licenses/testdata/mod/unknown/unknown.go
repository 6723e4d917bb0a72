// Package unknown is a license fixture.
package unknown
