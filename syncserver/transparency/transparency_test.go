package transparency_test

import (
	"errors"
	"testing"

	"appariement/shared/api"
	"appariement/syncserver/rounds/roundstest"
	"appariement/syncserver/transparency"
)

// code is the api.Code of err, "" if none.
func code(err error) api.Code {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestRefusals: an unknown round, a leaf or trees the log does not hold
// are refused with their codes; a known round without submissions is an
// empty list, not nil.
func TestRefusals(t *testing.T) {
	st := roundstest.Open(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R", Postes: 1})
	l := transparency.New(st)
	size, err := l.TreeSize()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		err  error
		want api.Code
	}{
		{"unknown round", func() error { _, err := l.Own("NOPE", "I1"); return err }(), api.CodeUnknownRound},
		{"leaf beyond the tree", func() error { _, err := l.Inclusion(size+5, size+6); return err }(), api.CodeNotFound},
		{"trees beyond the log", func() error { _, err := l.Consistency(size+1, size+9); return err }(), api.CodeNotFound},
	} {
		if got := code(c.err); got != c.want {
			t.Errorf("%s: %v (code %q), want %q", c.name, c.err, got, c.want)
		}
	}
	own, err := l.Own("R", "I1")
	if err != nil || own == nil || len(own) != 0 {
		t.Errorf("own submissions of a known round: %v, %v; want an empty list", own, err)
	}
	if _, err := l.Checkpoint(); err != nil {
		t.Errorf("checkpoint: %v", err)
	}
}
