package viewmodel

import (
	"context"
	"slices"
	"strings"
	"testing"

	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestWishTies: in an appariement round with WishTies the intern puts a
// wish ex aequo with the one above, sees "1 (ex aequo)", signs, and the
// server accepts the ranks; in a round without it the editor offers no tie.
func TestWishTies(t *testing.T) {
	for _, allowed := range []bool{true, false} {
		env := servertest.Start(t, servertest.Options{Interns: 2, Postes: 3, WishTies: allowed})
		ctx := context.Background()
		u := env.Register(t, env.Interns[0])
		env.Transition(t, domain.StateWishesOpen)
		in, err := NewIntern(userSession(t, env, u))
		if err != nil {
			t.Fatal(err)
		}
		if err := in.ApplySync(in.Sync(ctx, "")); err != nil {
			t.Fatal(err)
		}
		w := in.Wishes
		for _, p := range []string{"P1", "P2", "P3"} {
			if _, err := w.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		if w.TiesAllowed() != allowed {
			t.Fatalf("TiesAllowed = %v in a round with WishTies %v", w.TiesAllowed(), allowed)
		}
		if err := w.ToggleTie(1); err != nil {
			t.Fatal(err)
		}
		labels := []string{w.RankLabel(0), w.RankLabel(1), w.RankLabel(2)}
		want := []string{"1 (ex aequo)", "1 (ex aequo)", "3"}
		wantRanks := []int{1, 1, 2}
		if !allowed {
			want, wantRanks = []string{"1", "2", "3"}, nil
		}
		if !slices.Equal(labels, want) || !strings.HasPrefix(w.Label(1), want[1]+". ") {
			t.Fatalf("WishTies %v: labels %q (%q), want %q", allowed, labels, w.Label(1), want)
		}
		if !strings.HasPrefix(in.DrawInfo(), "Tirage au sort engagé avant la clôture des vœux : engagement ") { // every appariement: RTS may rank ex aequo
			t.Errorf("draw info %q", in.DrawInfo())
		}
		if err := w.SignDone(w.Sign(ctx, pass)); err != nil {
			t.Fatal(err)
		}
		w.svc.Outbox.Step(ctx)
		if err := in.Refresh(); err != nil {
			t.Fatal(err)
		}
		w = in.Wishes
		if len(w.versions) != 1 || w.versions[0].Receipt == nil || !slices.Equal(w.versions[0].Ranks, wantRanks) {
			t.Fatalf("WishTies %v: versions %+v", allowed, w.Versions())
		}
		if st := w.DraftStatus(); !strings.Contains(st, "n°") {
			t.Errorf("draft status once signed: %q", st)
		}
	}
}

// TestWishTiesFollowTheirNeighbour: a wish stays ex aequo only with the
// wish it was tied to. With P1, P2, P3 = P2 (P3 ex aequo with P2), moving
// P1 down (P2, P1, P3) or removing P2 (P1, P3) used to leave P3 tied to its
// new neighbour P1; moving the tied pair's neighbour up keeps the pair.
func TestWishTiesFollowTheirNeighbour(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 4, WishTies: true})
	u := env.Register(t, env.Interns[0])
	env.Transition(t, domain.StateWishesOpen)
	in, err := NewIntern(userSession(t, env, u))
	if err != nil {
		t.Fatal(err)
	}
	if err := in.ApplySync(in.Sync(context.Background(), "")); err != nil {
		t.Fatal(err)
	}
	w := in.Wishes
	ranks := func() []int {
		out := make([]int, w.Len())
		for i := range out {
			out[i] = i + 1
			if w.TiedWithPrevious(i) {
				out[i] = out[i-1]
			}
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		list   []string
		tieAt  int
		change func() error
		want   []int
	}{
		{"P1 moved below the pair's head", []string{"P1", "P2", "P3"}, 2, func() error { return w.Move(0, 1) }, []int{1, 2, 3}},
		{"the pair's head removed", []string{"P1", "P2", "P3"}, 2, func() error { return w.Remove(1) }, []int{1, 2}},
		{"the group's first removed", []string{"P1", "P2", "P3"}, 1, func() error { return w.Remove(0) }, []int{1, 2}},
		{"a wish moved above an untouched pair", []string{"P1", "P2", "P3", "P4"}, 3, func() error { return w.Move(1, -1) }, []int{1, 2, 3, 3}},
	} {
		for w.Len() > 0 {
			if err := w.Remove(0); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range tc.list {
			if _, err := w.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.ToggleTie(tc.tieAt); err != nil {
			t.Fatal(err)
		}
		if err := tc.change(); err != nil {
			t.Fatal(err)
		}
		if got := ranks(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: ranks %v, want %v", tc.name, got, tc.want)
		}
	}
}
