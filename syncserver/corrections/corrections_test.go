package corrections

import (
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/notify"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var (
	rts    = &domain.Person{ID: "r1", Role: domain.RoleRTS, LastName: "Petit", FirstName: "Anne", Email: "anne@example.fr"}
	rts2   = &domain.Person{ID: "r2", Role: domain.RoleRTS, LastName: "Grand", FirstName: "Luc", Email: "luc@example.fr"}
	intern = &domain.Person{ID: "i1", Role: domain.RoleIntern, LastName: "Martin", FirstName: "Léa", Email: "lea@example.fr",
		Specialty: "MG", Subdivision: "PARIS"}
	coord = &domain.Person{ID: "c1", Role: domain.RoleCoordinator, LastName: "Coord", FirstName: "C", Specialty: "MG", Subdivision: "LYON"}
	admin = &domain.Person{ID: "adm", Role: domain.RoleAdmin, LastName: "Admin", FirstName: "A"}
)

// open returns the correction queue over a real store in t.TempDir()
// with round R1 and its poste P1 (RTS r1, MG × PARIS, RTS e-mail
// old@example.fr), and the store.
func open(t *testing.T) (*Service, *store.Store) {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Key: key, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Update(func(tx store.Tx) error {
		for _, p := range []*domain.Person{rts, rts2, intern, coord, admin} {
			if err := tx.PutPerson(*p); err != nil {
				return err
			}
		}
		if err := tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1", Name: "R", Procedure: domain.Appariement, Number: 1, State: domain.StateDraft}}); err != nil {
			return err
		}
		_, err := store.PutPostes(tx, "R1", []domain.Poste{
			{ID: "P1", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, RTSEmail: "old@example.fr", Capacity: 1, Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"},
			{ID: "P2", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, RTSEmail: "old@example.fr", Capacity: 1, Etablissement: "CHU", Service: "S2", Town: "Paris", Title: "T2"},
		}, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := notify.New(st, nil, false, "app@example.fr", nil)
	if err != nil {
		t.Fatal(err)
	}
	return New(st, m, nil), st
}

func code(err error) api.Code {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not an api.Error"
	}
	return ""
}

func TestFile(t *testing.T) {
	c, _ := open(t)
	msg := "l'adresse est fausse"
	for _, tc := range []struct {
		name string
		who  *domain.Person
		in   api.CorrectionRequest
		want api.Code
	}{
		{"no message", rts, api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldTitle, Proposed: "X"}, api.CodeBadRequest},
		{"two targets", rts, api.CorrectionRequest{Round: "R1", Poste: "P1", Person: rts.ID, Field: api.FieldTitle, Message: msg}, api.CodeBadRequest},
		{"unknown round", rts, api.CorrectionRequest{Round: "R9", Poste: "P1", Field: api.FieldTitle, Proposed: "X", Message: msg}, api.CodeUnknownRound},
		{"unknown poste", rts, api.CorrectionRequest{Round: "R1", Poste: "P9", Field: api.FieldTitle, Proposed: "X", Message: msg}, api.CodeUnknownPoste},
		{"not my poste", rts2, api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldTitle, Proposed: "X", Message: msg}, api.CodeForbidden},
		{"out of scope", coord, api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldTitle, Proposed: "X", Message: msg}, api.CodeForbidden},
		{"unknown field", rts, api.CorrectionRequest{Round: "R1", Poste: "P1", Field: "colour", Proposed: "X", Message: msg}, api.CodeBadRequest},
		{"same value", rts, api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldTitle, Proposed: "T", Message: msg}, api.CodeBadRequest},
		{"bad e-mail", rts, api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldRTSEmail, Proposed: "nope", Message: msg}, api.CodeBadRequest},
		{"other's record", rts, api.CorrectionRequest{Person: intern.ID, Field: api.FieldEmail, Proposed: "a@example.fr", Message: msg}, api.CodeForbidden},
		{"unknown person", admin, api.CorrectionRequest{Person: "x", Field: api.FieldEmail, Proposed: "a@example.fr", Message: msg}, api.CodeNotFound},
		{"scope not other", admin, api.CorrectionRequest{Specialty: "MG", Subdivision: "PARIS", Field: api.FieldTitle, Message: msg}, api.CodeBadRequest},
		{"poste", rts, api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldRTSEmail, Proposed: "new@example.fr", Message: msg}, ""},
		{"own record", rts, api.CorrectionRequest{Person: rts.ID, Field: api.FieldFirstName, Proposed: "Annie", Message: msg}, ""},
		{"scope", coord, api.CorrectionRequest{Specialty: "MG", Subdivision: "LYON", Field: api.FieldOther, Message: msg}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cr, err := c.File(tc.who, now, tc.in)
			if got := code(err); got != tc.want {
				t.Fatalf("File: %v, want %q", err, tc.want)
			}
			if tc.want == "" && (cr.ID == "" || cr.Status != api.CorrectionRequested || cr.Author != tc.who.ID) {
				t.Errorf("filed %+v", cr)
			}
		})
	}
	for _, tc := range []struct {
		who    *domain.Person
		status api.CorrectionStatus
		n      int
		want   api.Code
	}{
		{admin, "", 3, ""}, {rts, "open", 2, ""}, {rts2, "", 0, ""}, {coord, "", 1, ""},
		{admin, api.CorrectionApplied, 0, ""}, {admin, "lost", 0, api.CodeBadRequest},
	} {
		out, err := c.List(tc.who, tc.status, "")
		if code(err) != tc.want || len(out) != tc.n {
			t.Errorf("List(%s, %q): %d, %v; want %d, %q", tc.who.ID, tc.status, len(out), err, tc.n, tc.want)
		}
	}
}

// TestDecide: the state machine of a request, and applying an RTS e-mail
// to the poste, the RTS's other postes with the same address and the RTS.
func TestDecide(t *testing.T) {
	c, st := open(t)
	cr, err := c.File(rts, now, api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldRTSEmail, Proposed: "new@example.fr", Message: "adresse fausse"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		id   string
		in   api.CorrectionDecision
		want api.Code
	}{
		{"unknown decision", cr.ID, api.CorrectionDecision{Status: "maybe"}, api.CodeBadRequest},
		{"refused without reason", cr.ID, api.CorrectionDecision{Status: api.CorrectionRefused}, api.CodeBadRequest},
		{"unknown request", "nope", api.CorrectionDecision{Status: api.CorrectionAccepted}, api.CodeNotFound},
		{"accepted", cr.ID, api.CorrectionDecision{Status: api.CorrectionAccepted}, ""},
		{"applied", cr.ID, api.CorrectionDecision{Status: api.CorrectionApplied}, ""},
		{"refused once applied", cr.ID, api.CorrectionDecision{Status: api.CorrectionRefused, Reason: "trop tard"}, api.CodeInvalidState},
	} {
		if _, err := c.Decide(admin, now, tc.id, tc.in); code(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	err = st.View(func(tx store.Tx) error {
		for _, id := range []string{"P1", "P2"} {
			p, err := tx.Poste("R1", id)
			if err != nil {
				return err
			}
			if p.RTSEmail != "new@example.fr" {
				t.Errorf("%s: RTS e-mail %q after the correction", id, p.RTSEmail)
			}
		}
		got, err := tx.Correction(cr.ID)
		if err != nil {
			return err
		}
		if got.Status != store.CorrectionStatus(api.CorrectionApplied) || len(got.History) != 3 {
			t.Errorf("stored request %+v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
