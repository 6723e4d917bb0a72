package server_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
)

// correctionEnv is a seeded server with an RTS per poste parity, an intern,
// a coordinator of the seeded specialty and subdivision and one of
// another specialty.
type correctionEnv struct {
	env                    *servertest.Env
	rts1, rts2, intern     *servertest.User
	coord, coordOut, admin *servertest.User
	p1, p2, p3             domain.Poste // p1 and p3 belong to rts1, p2 to rts2
	ctx                    context.Context
	outbox                 string
}

func newCorrectionEnv(t *testing.T) *correctionEnv {
	t.Helper()
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	err := env.Server.Store().Update(func(tx store.Tx) error {
		for _, p := range []domain.Person{
			{ID: "coord01", Role: domain.RoleCoordinator, LastName: "COORD", FirstName: "Camille", Email: "coord@example.org",
				Specialty: servertest.Specialty, Subdivision: servertest.Subdivision},
			{ID: "coord02", Role: domain.RoleCoordinator, LastName: "AILLEURS", FirstName: "Dominique", Email: "coord2@example.org",
				Specialty: "PEDIATRIE", Subdivision: servertest.Subdivision},
		} {
			if err := tx.PutPerson(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &correctionEnv{env: env, ctx: context.Background(),
		rts1: env.Register(t, env.RTS[0]), rts2: env.Register(t, env.RTS[1]), intern: env.Register(t, env.Interns[0]),
		coord: env.Register(t, "coord01"), coordOut: env.Register(t, "coord02"), admin: env.User(env.AdminID, env.AdminKey),
		p1: env.Postes[0], p2: env.Postes[1], p3: env.Postes[2],
		outbox: filepath.Join(filepath.Dir(env.DBPath), "outbox")}
}

func code(err error) api.Code {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

func TestFileCorrection(t *testing.T) {
	e := newCorrectionEnv(t)
	round := e.env.Round
	poste := func(p domain.Poste, field, proposed string) api.CorrectionRequest {
		return api.CorrectionRequest{Round: round, Poste: p.ID, Field: field, Proposed: proposed, Message: "valeur fausse"}
	}
	tests := []struct {
		name    string
		who     *servertest.User
		in      api.CorrectionRequest
		want    api.Code // "" for accepted
		current string
	}{
		{"rts capacity of own poste", e.rts1, poste(e.p1, api.FieldCapacity, "3"), "", "2"},
		{"rts e-mail of own poste", e.rts1, poste(e.p1, api.FieldRTSEmail, "rts1@chu-lyon.example.fr"), "", "rts1@chu.example.fr"},
		{"rts own record", e.rts1, api.CorrectionRequest{Person: e.rts1.ID, Field: api.FieldEmail, Proposed: "r1@chu.example.fr", Message: "nouvelle adresse"}, "", "rts1@chu.example.fr"},
		{"rts poste of another rts", e.rts1, poste(e.p2, api.FieldCapacity, "3"), api.CodeForbidden, ""},
		{"rts an intern's record", e.rts1, api.CorrectionRequest{Person: e.intern.ID, Field: api.FieldEmail, Proposed: "x@y.example.fr", Message: "faux"}, api.CodeForbidden, ""},
		{"capacity zero", e.rts1, poste(e.p1, api.FieldCapacity, "0"), api.CodeBadRequest, ""},
		{"capacity not a number", e.rts1, poste(e.p1, api.FieldCapacity, "deux"), api.CodeBadRequest, ""},
		{"same value", e.rts1, poste(e.p1, api.FieldCapacity, "2"), api.CodeBadRequest, ""},
		{"bad e-mail", e.rts1, poste(e.p1, api.FieldRTSEmail, "rts1@chu-lyon"), api.CodeBadRequest, ""},
		{"empty title", e.rts1, poste(e.p1, api.FieldTitle, " "), api.CodeBadRequest, ""},
		{"unknown field", e.rts1, poste(e.p1, "salaire", "1"), api.CodeBadRequest, ""},
		{"unknown poste", e.rts1, api.CorrectionRequest{Round: round, Poste: "P999", Field: api.FieldTitle, Proposed: "x", Message: "faux"}, api.CodeUnknownPoste, ""},
		{"unknown round", e.rts1, api.CorrectionRequest{Round: "R9", Poste: e.p1.ID, Field: api.FieldTitle, Proposed: "x", Message: "faux"}, api.CodeUnknownRound, ""},
		{"no message", e.rts1, api.CorrectionRequest{Round: round, Poste: e.p1.ID, Field: api.FieldCapacity, Proposed: "3"}, api.CodeBadRequest, ""},
		{"two targets", e.rts1, api.CorrectionRequest{Round: round, Poste: e.p1.ID, Person: e.rts1.ID, Field: api.FieldOther, Message: "faux"}, api.CodeBadRequest, ""},
		{"no target", e.rts1, api.CorrectionRequest{Field: api.FieldOther, Message: "faux"}, api.CodeBadRequest, ""},
		{"intern", e.intern, poste(e.p1, api.FieldCapacity, "3"), api.CodeForbidden, ""},
		{"coordinator poste in scope", e.coord, poste(e.p2, api.FieldRTSEmail, "rts2@chu-lyon.example.fr"), "", "rts2@chu.example.fr"},
		{"coordinator intern in scope", e.coord, api.CorrectionRequest{Person: e.intern.ID, Field: api.FieldEmail, Proposed: "i01@etu.example.org", Message: "adresse périmée"}, "", "i01@etu.example.fr"},
		{"coordinator cell", e.coord, api.CorrectionRequest{Round: round, Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, Field: api.FieldOther, Message: "plus d'internes que de places"}, "", ""},
		{"coordinator cell not other", e.coord, api.CorrectionRequest{Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, Field: api.FieldCapacity, Proposed: "3", Message: "faux"}, api.CodeBadRequest, ""},
		{"coordinator poste out of scope", e.coordOut, poste(e.p2, api.FieldTitle, "Autre titre"), api.CodeForbidden, ""},
		{"coordinator intern out of scope", e.coordOut, api.CorrectionRequest{Person: e.intern.ID, Field: api.FieldEmail, Proposed: "a@b.example.fr", Message: "faux"}, api.CodeForbidden, ""},
		{"coordinator cell out of scope", e.coordOut, api.CorrectionRequest{Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, Field: api.FieldOther, Message: "faux"}, api.CodeForbidden, ""},
		{"admin anything", e.admin, poste(e.p2, api.FieldDescription, "Service de 30 lits"), "", ""},
	}
	var filed []string
	for _, tt := range tests {
		c, err := tt.who.Client.FileCorrection(e.ctx, tt.in)
		if got := code(err); got != tt.want {
			t.Errorf("%s: code %q (%v), want %q", tt.name, got, err, tt.want)
			continue
		}
		if err != nil {
			var ae *api.Error
			if errors.As(err, &ae) && (ae.Message == "" || ae.MessageEN == "") {
				t.Errorf("%s: refusal without a French and an English message: %+v", tt.name, ae)
			}
			continue
		}
		filed = append(filed, c.ID)
		if c.Status != api.CorrectionRequested || c.Author != tt.who.ID || c.Current != tt.current || len(c.History) != 1 {
			t.Errorf("%s: filed %+v", tt.name, c)
		}
	}
	want := []string{"CR000001", "CR000002", "CR000003", "CR000004", "CR000005", "CR000006", "CR000007"}
	if !slices.Equal(filed, want) {
		t.Fatalf("filed %v, want %v (ids in filing order, refusals file nothing)", filed, want)
	}

	// Who sees what.
	ids := func(u *servertest.User, status string) []string {
		t.Helper()
		cs, err := u.Client.Corrections(e.ctx, status, "")
		if err != nil {
			t.Fatalf("%s lists: %v", u.ID, err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tt := range []struct {
		who    *servertest.User
		status string
		want   []string
	}{
		{e.rts1, "", []string{"CR000001", "CR000002", "CR000003"}},
		{e.rts2, "", []string{"CR000004", "CR000007"}}, // about their poste P2, filed by others
		{e.coord, "", []string{"CR000004", "CR000005", "CR000006"}},
		{e.coordOut, "", nil},
		{e.admin, "", want},
		{e.admin, "open", want},
		{e.admin, "refused", nil},
	} {
		if got := ids(tt.who, tt.status); !slices.Equal(got, tt.want) {
			t.Errorf("%s sees %v (status %q), want %v", tt.who.ID, got, tt.status, tt.want)
		}
	}
	if _, err := e.admin.Client.Corrections(e.ctx, "lost", ""); code(err) != api.CodeBadRequest {
		t.Errorf("unknown status filter: %v", err)
	}
}

func TestDecideCorrection(t *testing.T) {
	e := newCorrectionEnv(t)
	round := e.env.Round
	file := func(u *servertest.User, in api.CorrectionRequest) *api.Correction {
		t.Helper()
		in.Message = "à corriger"
		c, err := u.Client.FileCorrection(e.ctx, in)
		if err != nil {
			t.Fatalf("file %+v: %v", in, err)
		}
		return c
	}
	decide := func(id string, d api.CorrectionDecision) (*api.Correction, error) {
		return e.admin.Client.DecideCorrection(e.ctx, id, d)
	}
	poste := func(id string) domain.Poste {
		t.Helper()
		cat, err := e.env.Admin.CatalogueFull(e.ctx, round, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range cat.Postes {
			if p.ID == id {
				return p
			}
		}
		t.Fatalf("no poste %s", id)
		return domain.Poste{}
	}
	mails := func() int {
		des, _ := os.ReadDir(e.outbox)
		return len(des)
	}

	// Capacity: accepted, then applied; the catalogue has a new version.
	capReq := file(e.rts1, api.CorrectionRequest{Round: round, Poste: e.p1.ID, Field: api.FieldCapacity, Proposed: "3"})
	if _, err := e.rts1.Client.DecideCorrection(e.ctx, capReq.ID, api.CorrectionDecision{Status: api.CorrectionApplied}); code(err) != api.CodeForbidden {
		t.Errorf("an RTS decided: %v", err)
	}
	v0 := poste(e.p1.ID).Version
	m0 := mails()
	c, err := decide(capReq.ID, api.CorrectionDecision{Status: api.CorrectionAccepted})
	if err != nil || c.Status != api.CorrectionAccepted {
		t.Fatalf("accept: %+v, %v", c, err)
	}
	if p := poste(e.p1.ID); p.Capacity != 2 {
		t.Errorf("accepting changed the poste: %+v", p)
	}
	c, err = decide(capReq.ID, api.CorrectionDecision{Status: api.CorrectionApplied})
	if err != nil || c.Status != api.CorrectionApplied || len(c.History) != 3 || c.History[2].Value != "3" {
		t.Fatalf("apply: %+v, %v", c, err)
	}
	if p := poste(e.p1.ID); p.Capacity != 3 || p.Version <= v0 {
		t.Errorf("applied capacity: %+v (version before %d)", p, v0)
	}
	if got := mails() - m0; got != 2 {
		t.Errorf("%d e-mails to the author, want 2 (accepted, applied)", got)
	}
	for _, d := range []api.CorrectionDecision{{Status: api.CorrectionApplied}, {Status: api.CorrectionRefused, Reason: "trop tard"}} {
		if _, err := decide(capReq.ID, d); code(err) != api.CodeInvalidState {
			t.Errorf("decision %s on an applied request: %v", d.Status, err)
		}
	}

	// RTS e-mail: the admin applies a value of their own; the RTS's record
	// and their other poste with the same wrong address follow.
	mailReq := file(e.coord, api.CorrectionRequest{Round: round, Poste: e.p1.ID, Field: api.FieldRTSEmail, Proposed: "rts1@chu-lyon.example.fr"})
	if _, err := decide(mailReq.ID, api.CorrectionDecision{Status: api.CorrectionApplied, Value: "pas-une-adresse"}); code(err) != api.CodeBadRequest {
		t.Errorf("applying a bad value: %v", err)
	}
	if p := poste(e.p1.ID); p.RTSEmail != "rts1@chu.example.fr" {
		t.Errorf("a refused application changed the poste: %+v", p)
	}
	if _, err := decide(mailReq.ID, api.CorrectionDecision{Status: api.CorrectionApplied, Value: "dr.rts1@chu-lyon.example.fr"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{e.p1.ID, e.p3.ID} {
		if p := poste(id); p.RTSEmail != "dr.rts1@chu-lyon.example.fr" {
			t.Errorf("poste %s after the e-mail correction: %q", id, p.RTSEmail)
		}
	}
	if p := poste(e.p2.ID); p.RTSEmail != "rts2@chu.example.fr" {
		t.Errorf("poste of another RTS changed: %q", p.RTSEmail)
	}
	err = e.env.Server.Store().View(func(tx store.Tx) error {
		p, err := tx.Person(e.rts1.ID)
		if err == nil && p.Email != "dr.rts1@chu-lyon.example.fr" {
			t.Errorf("RTS record after the e-mail correction: %q", p.Email)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// Refusal needs a reason; "other" needs to say how it was fixed.
	other := file(e.coord, api.CorrectionRequest{Round: round, Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, Field: api.FieldOther})
	if _, err := decide(other.ID, api.CorrectionDecision{Status: api.CorrectionRefused}); code(err) != api.CodeBadRequest {
		t.Errorf("refusal without a reason: %v", err)
	}
	if _, err := decide(other.ID, api.CorrectionDecision{Status: api.CorrectionApplied}); code(err) != api.CodeBadRequest {
		t.Errorf("applying other without a reason: %v", err)
	}
	if _, err := decide(other.ID, api.CorrectionDecision{Status: "maybe"}); code(err) != api.CodeBadRequest {
		t.Errorf("unknown decision: %v", err)
	}
	if _, err := decide("CR999999", api.CorrectionDecision{Status: api.CorrectionAccepted}); code(err) != api.CodeNotFound {
		t.Errorf("unknown request: %v", err)
	}
	c, err = decide(other.ID, api.CorrectionDecision{Status: api.CorrectionApplied, Reason: "deux postes ajoutés par import"})
	if err != nil || c.Status != api.CorrectionApplied || c.Reason == "" {
		t.Fatalf("apply other: %+v, %v", c, err)
	}
	refused := file(e.rts2, api.CorrectionRequest{Round: round, Poste: e.p2.ID, Field: api.FieldTitle, Proposed: "Cardiologie interventionnelle"})
	c, err = decide(refused.ID, api.CorrectionDecision{Status: api.CorrectionRefused, Reason: "intitulé fixé par la maquette"})
	if err != nil || c.Status != api.CorrectionRefused {
		t.Fatalf("refuse: %+v, %v", c, err)
	}
	if p := poste(e.p2.ID); p.Title != e.p2.Title {
		t.Errorf("a refused request changed the poste: %+v", p)
	}
	// The RTS sees the refusal and its reason.
	cs, err := e.rts2.Client.Corrections(e.ctx, string(api.CorrectionRefused), round)
	if err != nil || len(cs) != 1 || cs[0].Reason != "intitulé fixé par la maquette" {
		t.Errorf("RTS's refused requests: %+v, %v", cs, err)
	}

	// Once the round is matched, its postes no longer change.
	late := file(e.rts2, api.CorrectionRequest{Round: round, Poste: e.p2.ID, Field: api.FieldCapacity, Proposed: "5"})
	e.env.Transition(t, domain.StateRankingsClosed)
	e.env.Run(t, round)
	if _, err := decide(late.ID, api.CorrectionDecision{Status: api.CorrectionApplied}); code(err) != api.CodeInvalidState {
		t.Errorf("applying on a matched round: %v", err)
	}
	cs, _ = e.admin.Client.Corrections(e.ctx, "open", "")
	if len(cs) != 1 || cs[0].ID != late.ID || cs[0].Status != api.CorrectionRequested {
		t.Errorf("open requests after a failed application: %+v", cs)
	}

	// Every filing and decision is in the audit log, with its actor.
	audit, err := e.admin.Client.AuditLog(e.ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range audit {
		if strings.HasPrefix(a.Action, "correction-") {
			count[a.Action]++
			if a.Actor == "" || a.Target == "" {
				t.Errorf("audit entry without actor or target: %+v", a)
			}
		}
	}
	wantCount := map[string]int{"correction-request": 5, "correction-accepted": 1, "correction-applied": 3, "correction-refused": 1}
	for k, v := range wantCount {
		if count[k] != v {
			t.Errorf("audit %s: %d entries, want %d (all: %v)", k, count[k], v, count)
		}
	}
}
