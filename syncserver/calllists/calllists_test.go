package calllists_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/syncserver/calllists"
	"appariement/syncserver/rounds"
	"appariement/syncserver/rounds/roundstest"
	"appariement/syncserver/store"
)

var admin = rounds.Actor{ID: "admin", Role: domain.RoleAdmin, Now: roundstest.Now}

func refusal(t *testing.T, name string, err error, want api.Code, fr string) {
	t.Helper()
	var e *api.Error
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v, want accepted", name, err)
	case want == "":
	case !errors.As(err, &e) || e.Code != want || (fr != "" && e.Message != fr):
		t.Errorf("%s: %#v, want %s %q", name, err, want, fr)
	}
}

func list(ids ...string) []calllist.Entry {
	out := []calllist.Entry{}
	for k, id := range ids {
		out = append(out, calllist.Entry{Rank: k + 1, Intern: id})
	}
	return out
}

// TestPublishVersions: a first version needs no reason; a new one needs
// a reason and a change, and tells each intern moved by how much.
func TestPublishVersions(t *testing.T) {
	st := roundstest.Open(t)
	var published []string
	moved := 0
	s := calllists.New(calllists.Config{Store: st, Published: func(r string) { published = append(published, r) },
		Notify: func(tx store.Tx, round string, version int, reason string, moves []calllist.Move, now time.Time) error {
			moved += len(moves)
			return nil
		}})
	roundstest.Write(t, st, roundstest.Round{ID: "R", Interns: 2, Postes: 2})
	steps := []struct {
		name    string
		entries []calllist.Entry // imported before publishing (nil: none)
		reason  string
		want    api.Code
		fr      string
		version int
	}{
		{"first", list("i1", "i2"), "", "", "", 1},
		{"identical", nil, "même liste", api.CodeConflict, "la liste d'appel en préparation du tour R est identique à la version 1 publiée", 0},
		{"no reason", list("i2", "i1"), "", api.CodeBadRequest,
			"motif obligatoire pour publier la version 2 de la liste d'appel du tour R (reclassement)", 0},
		{"reclassified", nil, "erreur de classement", "", "", 2},
	}
	for _, c := range steps {
		if c.entries != nil {
			d, err := s.Import(admin, "R", api.ImportCallListRequest{Seed: "s", Entries: c.entries})
			if err != nil || !d.Report.OK || d.Report.Eligible != 2 || d.Report.Places != 2 {
				t.Fatalf("%s: import %+v, %v", c.name, d, err)
			}
		}
		out, err := s.Publish(admin, "R", api.PublishCallListRequest{Reason: c.reason})
		refusal(t, c.name, err, c.want, c.fr)
		if err == nil && out.Version != c.version {
			t.Errorf("%s: published version %d, want %d", c.name, out.Version, c.version)
		}
	}
	if len(published) != 2 || moved != 2 {
		t.Errorf("Published called for %v, %d moves notified; want 2 publications and 2 moves", published, moved)
	}
	vs, err := s.Versions("R")
	if err != nil || len(vs) != 2 || vs[1].Reason != "erreur de classement" {
		t.Errorf("versions: %+v, %v", vs, err)
	}
	n, err := s.Notices("i1", "R")
	if err != nil || n.Version != 2 || n.Rank != 2 || len(n.Notices) != 1 || n.Notices[0].Message == "" {
		t.Errorf("notices of i1: %+v, %v", n, err)
	}
	v, err := s.Version("R", 1)
	if err != nil || v.Version != 1 || len(v.Envelope) == 0 {
		t.Errorf("version 1: %+v, %v", v, err)
	}
	_, err = s.Version("R", 7)
	refusal(t, "version 7", err, api.CodeNotFound, "le tour R n'a pas de version 7 de sa liste d'appel")
}

// TestPublishRefusedWithReport: a list missing an intern is kept as a
// draft but refused at publication with the report (422).
func TestPublishRefusedWithReport(t *testing.T) {
	st := roundstest.Open(t)
	s := calllists.New(calllists.Config{Store: st})
	roundstest.Write(t, st, roundstest.Round{ID: "R", Interns: 2, Postes: 2})
	d, err := s.Import(admin, "R", api.ImportCallListRequest{Seed: "s", Entries: list("i1")})
	if err != nil || d.Report.OK {
		t.Fatalf("import: %+v, %v", d, err)
	}
	_, err = s.Publish(admin, "R", api.PublishCallListRequest{})
	var ref *calllists.Refused
	if !errors.As(err, &ref) || ref.Code != api.CodeInvalidCallList || ref.Status != http.StatusUnprocessableEntity ||
		ref.Report == nil || ref.Report.OK {
		t.Fatalf("publish: %#v", err)
	}
	refusal(t, "refused as api.Error", err, api.CodeInvalidCallList, "")
	_, err = s.Version("R", 0)
	refusal(t, "nothing published", err, api.CodeNotFound, "la liste d'appel du tour R n'est pas encore publiée")
	if dr, err := s.Draft("R"); err != nil || len(dr.List.Entries) != 1 {
		t.Errorf("the draft stays: %+v, %v", dr, err)
	}
}

func TestRefusals(t *testing.T) {
	st := roundstest.Open(t)
	s := calllists.New(calllists.Config{Store: st})
	roundstest.Write(t, st, roundstest.Round{ID: "R", Interns: 2, Postes: 2})
	roundstest.Write(t, st, roundstest.Round{ID: "A", Procedure: domain.Appariement})
	roundstest.Write(t, st, roundstest.Round{ID: "M", State: domain.StateMatched})
	ok := list("i1", "i2")
	for _, c := range []struct {
		name string
		fn   func() error
		want api.Code
		fr   string
	}{
		{"appariement", func() error { _, err := s.Import(admin, "A", api.ImportCallListRequest{Entries: ok}); return err },
			api.CodeInvalidState, "le tour A n'est pas un choix au rang en ligne : il n'a pas de liste d'appel"},
		{"matched", func() error { _, err := s.Import(admin, "M", api.ImportCallListRequest{Entries: ok}); return err },
			api.CodeInvalidState, "le tour M est déjà apparié (état matched) : sa liste d'appel ne peut plus changer"},
		{"unknown round", func() error { _, err := s.Draft("X"); return err }, api.CodeUnknownRound, ""},
		{"no draft", func() error { _, err := s.Draft("R"); return err }, api.CodeNotFound,
			"le tour R n'a pas de liste d'appel en préparation"},
		{"publish no draft", func() error { _, err := s.Publish(admin, "R", api.PublishCallListRequest{}); return err },
			api.CodeInvalidState, "le tour R n'a pas de liste d'appel en préparation : importez-la ou calculez-la"},
		{"invalid list", func() error {
			_, err := s.Import(admin, "R", api.ImportCallListRequest{Entries: []calllist.Entry{{Rank: 0, Intern: "i1"}}})
			return err
		}, api.CodeBadRequest, ""},
		{"absent outsider", func() error {
			_, err := s.Import(admin, "R", api.ImportCallListRequest{Entries: ok, Absences: []string{"ped"}})
			return err
		}, api.CodeUnknownIntern, "absences prévues d'internes hors du tour : ped"},
		{"compute without seed", func() error { _, err := s.Compute(admin, "R", api.ComputeCallListRequest{}); return err },
			api.CodeBadRequest, "graine de tirage obligatoire pour départager les ex aequo du tour R"},
		{"seniority of outsider", func() error {
			_, err := s.Compute(admin, "R", api.ComputeCallListRequest{Seed: "s", Seniority: map[string]int{"ped": 1}})
			return err
		}, api.CodeUnknownIntern, "ancienneté donnée pour ped, qui n'est pas du tour R"},
		{"note of outsider", func() error {
			_, err := s.Compute(admin, "R", api.ComputeCallListRequest{Seed: "s", Notes: map[string]string{"ped": "x"}})
			return err
		}, api.CodeUnknownIntern, "note donnée pour ped, qui n'est pas du tour R"},
		{"notices unpublished", func() error { _, err := s.Notices("i1", "R"); return err }, api.CodeNotFound, ""},
		{"compute", func() error {
			d, err := s.Compute(admin, "R", api.ComputeCallListRequest{Seed: "s"})
			if err == nil && (d.Source != "compute" || len(d.List.Entries) != 2 || !d.Report.OK) {
				t.Errorf("computed draft %+v", d)
			}
			return err
		}, "", ""},
	} {
		refusal(t, c.name, c.fn(), c.want, c.fr)
	}
}
