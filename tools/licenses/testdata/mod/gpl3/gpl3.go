// Package gpl3 is a license fixture.
package gpl3
