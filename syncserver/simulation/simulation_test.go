package simulation_test

import (
	"errors"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/syncserver/calllists"
	"appariement/syncserver/rounds"
	"appariement/syncserver/rounds/roundstest"
	"appariement/syncserver/simulation"
	"appariement/syncserver/store"
)

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

// open writes a round R with its wishes open (3 interns, 3 postes) and a
// call list i3, i1, i2, and returns a cache on a clock the test moves.
func open(t *testing.T) (*simulation.Cache, *store.Store, *time.Time) {
	st := roundstest.Open(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R", State: domain.StateWishesOpen, Interns: 3, Postes: 3, Eligible: true})
	roundstest.Write(t, st, roundstest.Round{ID: "D", Interns: 1, Postes: 1})
	now := roundstest.Now
	admin := rounds.Actor{ID: "admin", Role: domain.RoleAdmin, Now: now}
	cl := calllists.New(calllists.Config{Store: st})
	entries := []calllist.Entry{{Rank: 1, Intern: "i3"}, {Rank: 2, Intern: "i1"}, {Rank: 3, Intern: "i2"}}
	if _, err := cl.Import(admin, "R", api.ImportCallListRequest{Entries: entries}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Publish(admin, "R", api.PublishCallListRequest{}); err != nil {
		t.Fatal(err)
	}
	c := simulation.New(simulation.Config{Store: st, Clock: func() time.Time { return now }, MaxAge: time.Minute})
	t.Cleanup(c.Stop)
	return c, st, &now
}

func TestGetFollowsItsInput(t *testing.T) {
	c, _, now := open(t)
	st, err := c.Get("R", time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Meta.Interns != 3 || st.Meta.CallListVersion != 1 || st.Meta.Lists != 0 || len(st.Postes) != 3 {
		t.Errorf("meta %+v, %d postes", st.Meta, len(st.Postes))
	}
	first := st.Meta.ComputedAt
	*now = now.Add(2 * time.Minute)
	again, err := c.Get("R", time.Minute, false)
	if err != nil || !again.Meta.ComputedAt.Equal(first) || !again.Meta.CheckedAt.Equal(now.UTC()) {
		t.Errorf("unchanged input: computed %v checked %v (%v), want computed %v, checked now", again.Meta.ComputedAt, again.Meta.CheckedAt, err, first)
	}
	c.Invalidate("R")
	forced, err := c.Get("R", time.Minute, false)
	if err != nil || !forced.Meta.ComputedAt.Equal(now.UTC()) {
		t.Errorf("after Invalidate: computed %v (%v), want now", forced.Meta.ComputedAt, err)
	}
	meta, err := c.Refresh("R")
	if err != nil || meta.Round != "R" {
		t.Errorf("refresh: %+v, %v", meta, err)
	}
}

func TestReads(t *testing.T) {
	c, _, _ := open(t)
	for _, c2 := range []struct {
		name string
		fn   func() error
		want api.Code
		fr   string
	}{
		{"draft round", func() error { _, err := c.Me("i1", "D"); return err }, api.CodeInvalidState,
			"la simulation des choix du tour D n'est servie que pendant la fenêtre des vœux (état draft)"},
		{"unknown round", func() error { _, err := c.Me("i1", "X"); return err }, api.CodeUnknownRound, ""},
		{"not choosing", func() error { _, err := c.Me("ped", "R"); return err }, api.CodeForbidden,
			"ped ne choisit pas dans le tour R : pas de simulation"},
		{"me", func() error {
			me, err := c.Me("i1", "R")
			if err == nil && me.View.Rank != 2 {
				t.Errorf("i1 chooses at rank %d, want 2 (call list)", me.View.Rank)
			}
			return err
		}, "", ""},
		{"amphi rank missing", func() error { _, err := c.Amphi("ped", "R", "", "", ""); return err }, api.CodeBadRequest,
			"paramètre rank manquant"},
		{"amphi rank 0", func() error { _, err := c.Amphi("ped", "R", "", "", "0"); return err }, api.CodeBadRequest,
			`rang "0" invalide (1 à 4)`},
		{"amphi rank 5", func() error { _, err := c.Amphi("ped", "R", "", "", "5"); return err }, api.CodeBadRequest, ""},
		{"amphi rank x", func() error { _, err := c.Amphi("ped", "R", "", "", "x"); return err }, api.CodeBadRequest, ""},
		{"amphi own turn", func() error {
			a, err := c.Amphi("i2", "R", "CARDIO", "", "")
			if err == nil && (a.Rank != 3 || a.Places == nil) {
				t.Errorf("i2's amphi: %+v", a)
			}
			return err
		}, "", ""},
		{"amphi other specialty", func() error {
			a, err := c.Amphi("ped", "R", "PED", "", "1")
			if err == nil && len(a.Places) != 0 {
				t.Errorf("PED places in a CARDIO round: %+v", a.Places)
			}
			return err
		}, "", ""},
	} {
		refusal(t, c2.name, c2.fn(), c2.want, c2.fr)
	}
}

// TestRefreshOpenDropsClosed: the loop's pass computes the open rounds and
// forgets those whose wishes closed.
func TestRefreshOpenDropsClosed(t *testing.T) {
	c, st, now := open(t)
	c.RefreshOpen()
	if _, err := c.Get("R", time.Hour, false); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(tx store.Tx) error {
		rec, err := tx.Round("R")
		if err != nil {
			return err
		}
		rec.State = domain.StateWishesClosed
		return tx.PutRound(rec)
	}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Second)
	c.RefreshOpen()
	_, err := c.Get("R", time.Hour, false)
	refusal(t, "closed", err, api.CodeInvalidState, "")
}
