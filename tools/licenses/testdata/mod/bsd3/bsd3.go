// Package bsd3 is a license fixture.
package bsd3
