// Package json is a license fixture.
package json
