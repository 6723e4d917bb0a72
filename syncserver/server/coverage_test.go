package server_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
)

// TestRankingCoverage (issue 18, point 2): a round requiring 80 % of each
// poste's candidates refuses a signed ranking below it, with the code
// ranking_coverage and a message naming the poste and what is missing,
// and records nothing; a ranking that reaches it is accepted; the share is
// set when the round is created, between 0 and 100, for an appariement.
func TestRankingCoverage(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true, Configure: func(c *server.Config) { c.IdentityRate = rate.Inf }})
	for _, req := range []api.CreateRoundRequest{
		{ID: "RB", Procedure: domain.Appariement, MinRankingCoverage: 101},
		{ID: "RB", Procedure: domain.Appariement, MinRankingCoverage: -1},
		{ID: "RB", Procedure: domain.ChoixAuRang, MinRankingCoverage: 80},
	} {
		wantCode(t, try(env.Admin.CreateRound(ctx, req)), api.CodeBadRequest)
	}
	r := must[*domain.Round](t)(env.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: "RC", Name: "Tour avec couverture",
		Procedure: domain.Appariement, Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, MinRankingCoverage: 80}))
	if r.MinRankingCoverage != 80 {
		t.Fatalf("round %+v", r)
	}
	postes := []domain.Poste{{ID: "C1", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, RTS: "rts1", Capacity: 1}}
	must[*api.ImportReport](t)(env.Admin.ImportPostes(ctx, "RC", api.FormatJSON, []byte(mustJSON(t, postes)), false))
	env.TransitionRound(t, "RC", domain.StateWishesOpen)
	// Five candidates: 80 % is 4.
	for _, id := range env.Interns[:5] {
		u := env.Register(t, id)
		must[*api.Receipt](t)(u.Client.Submit(ctx, u.WishList("RC", 1, "C1")))
	}
	env.TransitionRound(t, "RC", domain.StateRankingsOpen)
	rts := env.Register(t, "rts1")
	before := treeSize(t, env)
	_, err := rts.Client.Submit(ctx, rts.Ranking("RC", "C1", 1, env.Interns[:3]...))
	wantCode(t, err, api.CodeRankingCoverage)
	e := err.(*api.Error)
	if !strings.Contains(e.Message, "poste C1 compte 3 candidats sur 5") || !strings.Contains(e.Message, "il en manque 1") ||
		!strings.Contains(e.MessageEN, "1 missing") {
		t.Fatalf("refusal: %s / %s", e.Message, e.MessageEN)
	}
	if treeSize(t, env) != before {
		t.Fatal("a refused ranking entered the log")
	}
	must[*api.Receipt](t)(rts.Client.Submit(ctx, rts.Ranking("RC", "C1", 2, env.Interns[:4]...)))
	// The seeded round has no minimum: a ranking of one candidate is fine.
	env.Transition(t, domain.StateWishesOpen)
	u := env.Register(t, env.Interns[5])
	must[*api.Receipt](t)(u.Client.Submit(ctx, u.WishList(env.Round, 1, "P1")))
	v := env.Register(t, env.Interns[4])
	must[*api.Receipt](t)(v.Client.Submit(ctx, v.WishList(env.Round, 1, "P1")))
	env.Transition(t, domain.StateRankingsOpen)
	must[*api.Receipt](t)(rts.Client.Submit(ctx, rts.Ranking(env.Round, "P1", 1, env.Interns[5])))
}
