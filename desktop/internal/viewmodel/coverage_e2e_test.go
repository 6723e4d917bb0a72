package viewmodel

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestRTSCoverage (issue 18, point 2): in a round that requires 80 % of
// the candidates to be ranked, the RTS's editor says how many are still
// missing, refuses to sign below the minimum (with the server's own rule
// and message) and signs once it is reached; the server accepts it.
func TestRTSCoverage(t *testing.T) {
	i18n.SetLanguage("fr")
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	if _, err := env.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: "RC", Name: "Tour avec couverture", Procedure: domain.Appariement,
		Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, MinRankingCoverage: 80}); err != nil {
		t.Fatal(err)
	}
	postes, _ := json.Marshal([]domain.Poste{{ID: "C1", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision,
		RTS: "rts1", Capacity: 1, Title: "Cardiologie"}})
	if _, err := env.Admin.ImportPostes(ctx, "RC", api.FormatJSON, postes, false); err != nil {
		t.Fatal(err)
	}
	env.TransitionRound(t, "RC", domain.StateWishesOpen)
	for _, id := range env.Interns[:5] { // five candidates: 80 % is 4
		u := env.Register(t, id)
		if _, err := u.Client.Submit(ctx, u.WishList("RC", 1, "C1")); err != nil {
			t.Fatal(err)
		}
	}
	env.TransitionRound(t, "RC", domain.StateRankingsOpen)
	rtsUser := env.Register(t, "rts1")
	svc := keySession(t, env, domain.Person{ID: "rts1", Role: domain.RoleRTS, LastName: "RTS"}, rtsUser.Key)
	rts, err := NewRTS(svc)
	if err != nil {
		t.Fatal(err)
	}
	if err := rts.ApplySync(rts.Sync(ctx, "RC")); err != nil {
		t.Fatal(err)
	}
	k := slices.IndexFunc(rts.Rounds, func(r domain.Round) bool { return r.ID == "RC" })
	if k < 0 {
		t.Fatalf("round RC not among %v", rts.RoundLabels())
	}
	if err := rts.SelectRound(k); err != nil {
		t.Fatal(err)
	}
	if err := rts.SelectPoste(0); err != nil {
		t.Fatal(err)
	}
	if err := rts.CandidatesDone(rts.FetchCandidates(ctx)); err != nil {
		t.Fatal(err)
	}
	if n := len(rts.RankedIDs()); n != 5 {
		t.Fatalf("%d candidates proposed, want 5", n)
	}
	if rts.CoverageMissing() != 0 || !strings.Contains(rts.CoverageInfo(), "Couverture minimale atteinte") {
		t.Fatalf("all ranked: missing %d, %q", rts.CoverageMissing(), rts.CoverageInfo())
	}
	for range 2 {
		if err := rts.MarkUnacceptable(0); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := rts.CoverageInfo(), "soit 4 sur 5 : il en manque encore 1 avant de pouvoir signer"; rts.CoverageMissing() != 1 || !strings.Contains(got, want) {
		t.Fatalf("3 of 5 ranked: missing %d, %q", rts.CoverageMissing(), got)
	}
	err = rts.SignDone(rts.Sign(ctx, ""))
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeRankingCoverage || !strings.Contains(rts.Error, "il en manque 1") {
		t.Fatalf("signing below the minimum: %v (%q)", err, rts.Error)
	}
	if len(rts.Versions()) != 0 {
		t.Fatal("a ranking below the minimum was signed")
	}
	if err := rts.Restore(0); err != nil {
		t.Fatal(err)
	}
	if rts.CoverageMissing() != 0 {
		t.Fatalf("4 of 5 ranked: missing %d", rts.CoverageMissing())
	}
	if err := rts.SignDone(rts.Sign(ctx, "")); err != nil {
		t.Fatal(err)
	}
	svc.Outbox.Step(ctx)
	if err := rts.Refresh(); err != nil {
		t.Fatal(err)
	}
	if vs := rts.Versions(); len(vs) != 1 || vs[0].State != localstore.StateAccepted {
		t.Fatalf("versions %+v", vs)
	}
	// A round without a minimum says nothing.
	rts.Round.MinRankingCoverage = 0
	if rts.CoverageInfo() != "" || rts.CoverageMissing() != 0 {
		t.Fatalf("no minimum: %q", rts.CoverageInfo())
	}
}
