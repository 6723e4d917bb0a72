package calllists_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/draw"
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
			d, err := s.Import(admin, "R", api.ImportCallListRequest{Entries: c.entries})
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
	d, err := s.Import(admin, "R", api.ImportCallListRequest{Entries: list("i1")})
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
		{"compute with an admin seed", func() error {
			_, err := s.Compute(admin, "R", api.ComputeCallListRequest{Seed: "graine"})
			return err
		}, api.CodeBadRequest, seedRefusedR},
		{"seniority of outsider", func() error {
			_, err := s.Compute(admin, "R", api.ComputeCallListRequest{Seniority: map[string]int{"ped": 1}})
			return err
		}, api.CodeUnknownIntern, "ancienneté donnée pour ped, qui n'est pas du tour R"},
		{"note of outsider", func() error {
			_, err := s.Compute(admin, "R", api.ComputeCallListRequest{Notes: map[string]string{"ped": "x"}})
			return err
		}, api.CodeUnknownIntern, "note donnée pour ped, qui n'est pas du tour R"},
		{"notices unpublished", func() error { _, err := s.Notices("i1", "R"); return err }, api.CodeNotFound, ""},
		{"compute", func() error {
			d, err := s.Compute(admin, "R", api.ComputeCallListRequest{})
			if err == nil && (d.Source != "compute" || len(d.List.Entries) != 2 || !d.Report.OK) {
				t.Errorf("computed draft %+v", d)
			}
			return err
		}, "", ""},
	} {
		refusal(t, c.name, c.fn(), c.want, c.fr)
	}
}

// seedRefusedR is the refusal of a seed given for round R.
const seedRefusedR = "graine refusée : la graine qui départage les ex aequo de la liste d'appel du tour R est tirée par le serveur et engagée à la création du tour ; ne la donnez pas"

// tiedRound writes a choix au rang R whose interns i1…i4 all have
// classement 1: with the same seniority, every order among them is the
// draw's.
func tiedRound(t *testing.T, st *store.Store) *store.RoundRecord {
	t.Helper()
	roundstest.Write(t, st, roundstest.Round{ID: "R", Interns: 4, Postes: 4})
	var rec *store.RoundRecord
	err := st.Update(func(tx store.Tx) error {
		for i := 1; i <= 4; i++ {
			id := fmt.Sprintf("i%d", i)
			if err := tx.PutPerson(domain.Person{ID: id, Role: domain.RoleIntern, LastName: "Interne", FirstName: id,
				Email: id + "@example.fr", Specialty: "CARDIO", Subdivision: "LYON", Rank: 1}); err != nil {
				return err
			}
		}
		var err error
		rec, err = tx.Round("R")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestAdminSeedRefused: a compute or an import that names a seed is
// refused with the French / English reason and changes nothing: no draft
// appears, and an existing draft stays as it was.
func TestAdminSeedRefused(t *testing.T) {
	st := roundstest.Open(t)
	s := calllists.New(calllists.Config{Store: st})
	tiedRound(t, st)
	for _, c := range []struct {
		name string
		fn   func() error
	}{
		{"compute", func() error {
			_, err := s.Compute(admin, "R", api.ComputeCallListRequest{Seed: "tirage-2026"})
			return err
		}},
		{"import", func() error {
			_, err := s.Import(admin, "R", api.ImportCallListRequest{Seed: "tirage-2026", Entries: list("i1", "i2", "i3", "i4")})
			return err
		}},
	} {
		err := c.fn()
		refusal(t, c.name, err, api.CodeBadRequest, seedRefusedR)
		var e *api.Error
		if errors.As(err, &e) && !strings.Contains(e.MessageEN, "drawn by the server and committed when the round is created") {
			t.Errorf("%s: English message %q", c.name, e.MessageEN)
		}
	}
	_, err := s.Draft("R")
	refusal(t, "no draft after the refusals", err, api.CodeNotFound, "le tour R n'a pas de liste d'appel en préparation")

	before, err := s.Compute(admin, "R", api.ComputeCallListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Compute(admin, "R", api.ComputeCallListRequest{Seed: before.List.Seed})
	refusal(t, "even the drawn seed, given", err, api.CodeBadRequest, seedRefusedR)
	after, err := s.Draft("R")
	if err != nil || !slices.Equal(after.List.Entries, before.List.Entries) || after.List.Seed != before.List.Seed {
		t.Errorf("the draft changed after a refused request: %+v, %v", after, err)
	}
}

// TestNoSeedShopping: two computes of the same round give the same list
// and the same seed, which matches the commitment published with the round
// (draw.CheckDraw); an imported list gets the same seed; another round gets
// another seed.
func TestNoSeedShopping(t *testing.T) {
	st := roundstest.Open(t)
	s := calllists.New(calllists.Config{Store: st})
	rec := tiedRound(t, st)
	if rec.CallListCommitment == "" {
		t.Fatal("the round has no call-list commitment")
	}
	first, err := s.Compute(admin, "R", api.ComputeCallListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Ties == nil || len(first.Ties.Ties) != 1 || len(first.Ties.Ties[0].Entries) != 4 {
		t.Fatalf("ties %+v, want one tie of 4", first.Ties)
	}
	for k := range 3 {
		again, err := s.Compute(admin, "R", api.ComputeCallListRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(again.List.Entries, first.List.Entries) || again.List.Seed != first.List.Seed {
			t.Fatalf("compute %d: %v (seed %s), first %v (seed %s)", k+2, again.List.Entries, again.List.Seed,
				first.List.Entries, first.List.Seed)
		}
	}
	if err := draw.CheckDraw(rec.CallListCommitment, first.List.Seed); err != nil {
		t.Fatalf("the computed list's seed against the round's commitment: %v", err)
	}
	imp, err := s.Import(admin, "R", api.ImportCallListRequest{Entries: list("i4", "i3", "i2", "i1")})
	if err != nil || imp.List.Seed != first.List.Seed {
		t.Fatalf("imported list's seed %v, %v; want %s", imp, err, first.List.Seed)
	}
	pub, err := s.Publish(admin, "R", api.PublishCallListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Version("R", pub.Version)
	if err != nil {
		t.Fatal(err)
	}
	l, err := v.List(api.CallListType)
	if err != nil || draw.CheckDraw(rec.CallListCommitment, l.Seed) != nil {
		t.Fatalf("published list %+v, %v: its seed must match the commitment", l, err)
	}

	roundstest.Write(t, st, roundstest.Round{ID: "R2", Interns: 4, Postes: 4})
	other, err := s.Compute(admin, "R2", api.ComputeCallListRequest{})
	if err != nil || other.List.Seed == first.List.Seed {
		t.Fatalf("round R2's seed %v, %v: want another seed than R's", other, err)
	}
}

// TestRoundWithoutCommitment: a round created before call-list seeds were
// drawn has no commitment; its call list is refused rather than given a
// seed nobody could check.
func TestRoundWithoutCommitment(t *testing.T) {
	st := roundstest.Open(t)
	s := calllists.New(calllists.Config{Store: st})
	rec := tiedRound(t, st)
	rec.CallListCommitment = ""
	if err := st.Update(func(tx store.Tx) error { return tx.PutRound(rec) }); err != nil {
		t.Fatal(err)
	}
	_, err := s.Compute(admin, "R", api.ComputeCallListRequest{})
	refusal(t, "compute", err, api.CodeInvalidState,
		"le tour R n'a pas d'engagement de tirage pour sa liste d'appel (créé avant ce tirage) : recréez-le")
}
