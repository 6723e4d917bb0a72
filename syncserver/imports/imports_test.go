package imports_test

import (
	"encoding/json"
	"errors"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/imports"
	"appariement/syncserver/rounds"
	"appariement/syncserver/rounds/roundstest"
	"appariement/syncserver/store"
)

var admin = rounds.Actor{ID: "admin", Role: domain.RoleAdmin, Now: roundstest.Now}

func js(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func messages(rep *api.ImportReport) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.ID+": "+p.Message)
	}
	return out
}

func TestPeople(t *testing.T) {
	st := roundstest.Open(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R", Interns: 1})
	s := imports.New(st)
	intern := func(id string, rank int) domain.Person {
		return domain.Person{ID: id, Role: domain.RoleIntern, LastName: "N", Email: id + "@example.fr", Specialty: "CARDIO", Subdivision: "LYON", Rank: rank}
	}
	i1 := intern("i1", 1)
	i1.FirstName = "i1"
	i1.LastName = "Interne"
	for _, c := range []struct {
		name     string
		rows     []domain.Person
		body     string // instead of rows
		dry      bool
		problems []string
		created  int
		updated  int
		same     int
	}{
		{"new and unchanged", []domain.Person{intern("n1", 4), i1}, "", false, nil, 1, 0, 1},
		{"updated", []domain.Person{intern("n1", 5)}, "", false, nil, 0, 1, 0},
		{"dry run", []domain.Person{intern("n2", 1)}, "", true, nil, 1, 0, 0},
		{"admin", []domain.Person{{ID: "a2", Role: domain.RoleAdmin}}, "", false, []string{"a2: les administrateurs ne s'importent pas"}, 0, 0, 0},
		{"role change", []domain.Person{{ID: "rts", Role: domain.RoleIntern, Specialty: "CARDIO", Subdivision: "LYON"}}, "", false,
			[]string{"rts: rôle intern différent de celui déjà enregistré (rts)"}, 0, 0, 0},
		{"duplicate", []domain.Person{intern("n3", 1), intern("n3", 1)}, "", false, []string{"n3: identifiant en double"}, 1, 0, 0},
		{"bad rows", []domain.Person{{ID: "x", Role: "chef"}, {ID: "y", Role: domain.RoleIntern, Specialty: "XX", Subdivision: "LYON", Rank: -1}}, "", false,
			[]string{`x: rôle "chef" inconnu`, `y: spécialité "XX" inconnue`, "y: rang -1 négatif"}, 0, 0, 0},
		{"not an array", nil, `{"id":"z"}`, false, nil, 0, 0, 0},
	} {
		body := []byte(c.body)
		if c.body == "" {
			body = js(t, c.rows)
		}
		rep, err := s.People(admin, imports.Params{Format: api.FormatJSON, DryRun: c.dry}, body)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := messages(rep)
		if c.name == "not an array" {
			if len(got) != 1 || rep.Problems[0].Row != 0 {
				t.Errorf("%s: problems %v", c.name, got)
			}
			continue
		}
		if len(got) < len(c.problems) || (len(c.problems) == 0 && len(got) > 0) {
			t.Errorf("%s: problems %v, want %v", c.name, got, c.problems)
		}
		for k, want := range c.problems {
			if k < len(got) && got[k] != want {
				t.Errorf("%s: problem %d %q, want %q", c.name, k, got[k], want)
			}
		}
		if rep.Created != c.created || rep.Updated != c.updated || rep.Unchanged != c.same {
			t.Errorf("%s: created %d updated %d unchanged %d", c.name, rep.Created, rep.Updated, rep.Unchanged)
		}
	}
	// Nothing of a dry run or of an import with a problem was written.
	if err := st.View(func(tx store.Tx) error {
		for _, id := range []string{"n2", "n3", "a2", "x", "y"} {
			if _, err := tx.Person(id); !store.IsNotFound(err) {
				t.Errorf("%s was imported (%v)", id, err)
			}
		}
		p, err := tx.Person("n1")
		if err != nil || p.Rank != 5 {
			t.Errorf("n1: %+v, %v", p, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestPostes(t *testing.T) {
	st := roundstest.Open(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R", Interns: 1, Postes: 2})
	roundstest.Write(t, st, roundstest.Round{ID: "C", State: domain.StateWishesClosed})
	s := imports.New(st)
	poste := func(id, rts string) domain.Poste {
		return domain.Poste{ID: id, Capacity: 1, Specialty: "CARDIO", Subdivision: "LYON", Etablissement: "CHU", Service: "S", Town: "Lyon",
			Title: "T", RTS: rts, RTSName: "Dr " + rts, RTSEmail: rts + "@example.fr"}
	}
	other := poste("O1", "rts")
	other.Specialty = "PED"
	for _, c := range []struct {
		name     string
		round    string
		rows     []domain.Poste
		p        imports.Params
		code     api.Code // refusal of the whole import
		problems []string
		created  int
		closed   int
		rts      int
	}{
		{"wishes closed", "C", []domain.Poste{poste("P1", "rts")}, imports.Params{}, api.CodeInvalidState, nil, 0, 0, 0},
		{"unknown round", "X", nil, imports.Params{}, api.CodeUnknownRound, nil, 0, 0, 0},
		{"problems", "R", []domain.Poste{other, poste("P3", ""), poste("P4", "i1"), poste("P5", "rts"), poste("P5", "rts")}, imports.Params{}, "",
			[]string{"O1: poste hors du périmètre du tour (PED, LYON)", "P3: poste sans RTS", "P4: i1 n'est pas un RTS (rôle intern)",
				"P5: identifiant en double"}, 0, 0, 0},
		{"dry run", "R", []domain.Poste{poste("P9", "rts2")}, imports.Params{DryRun: true}, "", nil, 1, 2, 1},
		{"partial", "R", []domain.Poste{poste("P3", "rts2")}, imports.Params{Partial: true}, "", nil, 1, 0, 1},
		{"full list", "R", []domain.Poste{poste("P1", "rts")}, imports.Params{}, "", nil, 0, 2, 0},
	} {
		c.p.Format = api.FormatJSON
		rep, err := s.Postes(admin, c.round, c.p, js(t, c.rows))
		var e *api.Error
		if c.code != "" {
			if !errors.As(err, &e) || e.Code != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := messages(rep)
		if len(got) != len(c.problems) {
			t.Errorf("%s: problems %v, want %v", c.name, got, c.problems)
		}
		for k := range min(len(got), len(c.problems)) {
			if got[k] != c.problems[k] {
				t.Errorf("%s: problem %q, want %q", c.name, got[k], c.problems[k])
			}
		}
		if rep.Created != c.created || rep.Closed != c.closed || rep.RTSAdded != c.rts {
			t.Errorf("%s: created %d closed %d rts added %d", c.name, rep.Created, rep.Closed, rep.RTSAdded)
		}
	}
	if err := st.View(func(tx store.Tx) error {
		if _, err := tx.Poste("R", "P9"); !store.IsNotFound(err) {
			t.Errorf("the dry run wrote P9 (%v)", err)
		}
		ps, err := tx.Postes("R", 0)
		open := 0
		for _, p := range ps {
			if !p.Closed {
				open++
			}
		}
		if open != 1 {
			t.Errorf("%d postes open after the full list of one, want 1", open)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestCSV: a spreadsheet's problems name their row.
func TestCSV(t *testing.T) {
	st := roundstest.Open(t)
	s := imports.New(st)
	rep, err := s.People(admin, imports.Params{Format: api.FormatCSV}, []byte("pas,un,fichier\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) == 0 || rep.Problems[0].Message == "" || rep.Problems[0].MessageEN == "" {
		t.Errorf("problems %+v", rep.Problems)
	}
}
