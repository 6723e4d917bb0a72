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
