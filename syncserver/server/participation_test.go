package server_test

import (
	"context"
	"slices"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

func TestParticipation(t *testing.T) {
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	ctx := context.Background()
	env.Transition(t, domain.StateWishesOpen)
	p1, p2, p3 := env.Postes[0].ID, env.Postes[1].ID, env.Postes[2].ID
	i1, i2 := env.Register(t, env.Interns[0]), env.Register(t, env.Interns[1]) // i03 submits nothing
	for _, s := range []struct {
		u    *servertest.User
		seq  uint64
		list []string
	}{
		{i1, 1, []string{p1, p2}},
		{i2, 1, []string{p1}},
		{i1, 2, []string{p2, p3}}, // replaces i1's first list
	} {
		if _, err := s.u.Client.Submit(ctx, s.u.WishList(env.Round, s.seq, s.list...)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := env.Admin.Participation(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{i1.ID, i2.ID}; !slices.Equal(got.Submitted, want) {
		t.Errorf("submitted %v, want %v (i03 has no list)", got.Submitted, want)
	}
	if got.Wished[p1] != 1 || got.Wished[p2] != 1 || got.Wished[p3] != 1 || len(got.Wished) != 3 {
		t.Errorf("wished %v: only current lists count", got.Wished)
	}
	env.Transition(t, domain.StateRankingsOpen)
	rts := env.Register(t, env.Postes[0].RTS)
	if _, err := rts.Client.Submit(ctx, rts.Ranking(env.Round, p1, 1, i2.ID)); err != nil {
		t.Fatal(err)
	}
	if got, err = env.Admin.Participation(ctx, env.Round); err != nil || got.Ranked[p1] != 1 || len(got.Ranked) != 1 {
		t.Errorf("ranked %v, %v", got.Ranked, err)
	}
	if _, err := env.Admin.Participation(ctx, "R9"); code(err) != api.CodeUnknownRound {
		t.Errorf("unknown round: %v", err)
	}
}
