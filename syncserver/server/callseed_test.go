package server_test

import (
	"context"
	"errors"
	"testing"

	"appariement/shared/api"
	"appariement/shared/audit"
	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/shared/frozen"
	"appariement/syncserver/servertest"
)

// TestCallListSeedAudited: a choix au rang carries from its creation the
// commitment to its call list's seed; the frozen input of its run carries
// it with the call list followed, the auditor's verification checks the
// list's seed against it and reports both, and a bundle naming another
// commitment is a discrepancy of kind draw. The next round derived from it
// commits to a seed of its own.
func TestCallListSeedAudited(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 3, Postes: 3, Capacity: 1,
		CallList: &api.ComputeCallListRequest{}})
	d, err := env.Admin.RoundDetail(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	commitment := d.Round.CallListCommitment
	if len(commitment) != draw.SeedHexLen || d.Round.TieBreakCommitment != "" {
		t.Fatalf("choix au rang created with call-list commitment %q, tie-break commitment %q", commitment, d.Round.TieBreakCommitment)
	}
	env.ChoixRound(t, map[string][]string{"i01": {"P1"}, "i02": {"P1", "P2"}, "i03": {"P3"}})
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)
	env.Publish(t, env.Round)

	b, _, err := env.Admin.AuditBundle(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	in, err := frozen.Decode(b.Input)
	if err != nil || in.CallList == nil || in.Round.CallListCommitment != commitment || b.CallListCommitment != commitment {
		t.Fatalf("frozen input %+v (bundle commitment %q): %v", in, b.CallListCommitment, err)
	}
	rep, err := audit.Verify(b, env.ServerKey.PublicKey)
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	if rep.CallListCommitment != commitment || rep.CallListSeed != in.CallList.Seed || draw.CheckDraw(commitment, rep.CallListSeed) != nil {
		t.Fatalf("report %+v", rep)
	}

	other, _ := draw.CommitCallList(draw.CallListSeed([]byte("0123456789abcdef-another"), env.Round))
	b.CallListCommitment = other
	var disc *audit.Discrepancy
	if _, err := audit.Verify(b, nil); !errors.As(err, &disc) || disc.Kind != audit.KindDraw {
		t.Fatalf("bundle with another call-list commitment: %v", err)
	}

	next, err := env.Admin.NextRound(ctx, env.Round, api.NextRoundRequest{ID: "R2", Name: "Tour 2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.CallListCommitment) != draw.SeedHexLen || next.CallListCommitment == commitment {
		t.Errorf("next round's call-list commitment %q (first round's %q)", next.CallListCommitment, commitment)
	}
}
