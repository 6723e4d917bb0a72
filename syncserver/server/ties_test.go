package server_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"testing"

	"appariement/shared/api"
	"appariement/shared/audit"
	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/shared/frozen"
	"appariement/shared/match"
	"appariement/syncserver/keycmd"
	"appariement/syncserver/servertest"
)

// TestTiesEndToEnd (issue 18, point 1): an appariement round carries the
// commitment to its draw from its creation; an RTS signs a tie group, an
// intern's wishes ex aequo are refused in a round without WishTies; the
// run reveals the secret in the frozen input, the published result is the
// run of the instance with its ties broken by the seed, and the audit
// bundle verifies (and fails with another secret or commitment).
func TestTiesEndToEnd(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 4, Postes: 2, Capacity: 1})
	d, err := env.Admin.RoundDetail(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	commitment := d.Round.TieBreakCommitment
	if len(commitment) != 64 {
		t.Fatalf("round without a draw commitment: %+v", d.Round)
	}
	wantCode(t, try(env.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: "RX", Procedure: domain.ChoixAuRang, WishTies: true})), api.CodeBadRequest)

	users := env.EnrollAll(t)
	wishes := map[string][]string{}
	for _, id := range env.Interns {
		wishes[id] = []string{"P1", "P2"}
	}
	env.SubmitWishes(t, users, wishes)
	u := users[env.Interns[0]]
	tied := u.Sign(api.WishListType, api.Submission{Round: env.Round, Author: u.ID, Seq: 2, ClientTime: env.Clock.Now(),
		List: []string{"P1", "P2"}, Ranks: []int{1, 1}})
	wantCode(t, try(u.Client.Submit(ctx, tied)), api.CodeTiesNotAllowed)

	env.Transition(t, domain.StateRankingsOpen)
	rts1, rts2 := env.Register(t, "rts1"), env.Register(t, "rts2")
	bad := rts1.Sign(api.RankingType, api.Submission{Round: env.Round, Author: "rts1", Seq: 1, Poste: "P1", ClientTime: env.Clock.Now(),
		List: env.Interns, Ranks: []int{1, 1, 3, 4}})
	wantCode(t, try(rts1.Client.Submit(ctx, bad)), api.CodeBadRanks)
	// rts1 ranks every candidate of P1 ex aequo; rts2 ranks P2 strictly.
	group := rts1.Sign(api.RankingType, api.Submission{Round: env.Round, Author: "rts1", Seq: 1, Poste: "P1", ClientTime: env.Clock.Now(),
		List: env.Interns, Ranks: []int{1, 1, 1, 1}})
	if _, err := rts1.Client.Submit(ctx, group); err != nil {
		t.Fatal(err)
	}
	if _, err := rts2.Client.Submit(ctx, rts2.Ranking(env.Round, "P2", 1, env.Interns...)); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateRankingsClosed)
	if d, err := env.Admin.RoundDetail(ctx, env.Round); err != nil || d.Round.TieBreakSecret != "" {
		t.Fatalf("the secret is shown before the run: %+v %v", d.Round, err)
	}
	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	// Once run, the round shows its revealed secret, which matches its commitment.
	if d, err := env.Admin.RoundDetail(ctx, env.Round); err != nil {
		t.Fatal(err)
	} else if s, err := hex.DecodeString(d.Round.TieBreakSecret); err != nil || draw.Verify(commitment, s) != nil {
		t.Fatalf("round after the run: secret %q (%v)", d.Round.TieBreakSecret, err)
	}

	b, _, err := env.Admin.AuditBundle(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	in, err := frozen.Decode(b.Input)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := hex.DecodeString(in.Round.TieBreakSecret)
	if err != nil || in.Round.TieBreakCommitment != commitment || draw.Verify(commitment, secret) != nil {
		t.Fatalf("frozen round %+v: the draw is not revealed (%v)", in.Round, err)
	}
	rep, err := audit.Verify(b, env.ServerKey.PublicKey)
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	if rep.TieBreakCommitment != commitment || rep.TieBreak != draw.Seed(secret, in.RootHash) {
		t.Errorf("report %+v", rep)
	}

	// The published result is the run of the instance with its ties
	// broken by the published draw: P1 goes to the candidate of smallest
	// lottery number, P2 (strict) to the best ranked of the others.
	var res domain.Result
	payload, err := env.Verifier(t).VerifyEnvelope(b.Result, api.ResultType)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(payload, &res); err != nil {
		t.Fatal(err)
	}
	inst := &match.Instance{TieBreak: draw.Seed(secret, in.RootHash),
		Postes:   []match.Poste{{ID: "P1", Capacity: 1}, {ID: "P2", Capacity: 1}},
		Rankings: []match.Ranking{{Poste: "P1", Ranking: env.Interns, Ranks: []int{1, 1, 1, 1}}, {Poste: "P2", Ranking: env.Interns}}}
	for _, id := range env.Interns {
		inst.Interns = append(inst.Interns, match.Intern{ID: id, Wishes: []string{"P1", "P2"}})
	}
	strict, err := match.BreakTies(inst)
	if err != nil {
		t.Fatal(err)
	}
	want, err := match.Solve(strict)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range want.Assignments {
		if !slices.Contains(res.Assignments, domain.Assignment{Intern: a.Intern, Poste: a.Poste}) {
			t.Fatalf("published %v, broken-tie run %v", res.Assignments, want.Assignments)
		}
	}
	if len(res.Assignments) != 2 {
		t.Fatalf("published %v", res.Assignments)
	}

	// The next round derived from it commits to its own draw.
	next, err := env.Admin.NextRound(ctx, env.Round, api.NextRoundRequest{ID: "R2", Name: "Tour 2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.TieBreakCommitment) != 64 || next.TieBreakCommitment == commitment {
		t.Errorf("next round's commitment %q (first round's %q)", next.TieBreakCommitment, commitment)
	}

	// Another commitment than the round's, or no bundle commitment: a discrepancy of kind draw.
	b.TieBreakCommitment = draw.Commit([]byte("another secret of the server!!"))
	var disc *audit.Discrepancy
	if _, err := audit.Verify(b, nil); !errors.As(err, &disc) || disc.Kind != audit.KindDraw {
		t.Fatalf("bundle with another commitment: %v", err)
	}
}

// TestTiesSurviveKeyRotation: the server's key is rotated between a
// round's creation (its draw committed) and its run: the run still
// reveals the secret committed to, which the audit verifies under the new
// key. Before the secret was kept sealed in the store, the new key derived
// another secret and the run was refused.
func TestTiesSurviveKeyRotation(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 2, Postes: 1, Capacity: 1})
	d, err := env.Admin.RoundDetail(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	commitment := d.Round.TieBreakCommitment
	users := env.EnrollAll(t)
	wishes := map[string][]string{}
	for _, id := range env.Interns {
		wishes[id] = []string{"P1"}
	}
	env.SubmitWishes(t, users, wishes)
	env.Transition(t, domain.StateRankingsOpen)
	rts := env.Register(t, "rts1")
	group := rts.Sign(api.RankingType, api.Submission{Round: env.Round, Author: "rts1", Seq: 1, Poste: "P1", ClientTime: env.Clock.Now(),
		List: env.Interns, Ranks: []int{1, 1}})
	if _, err := rts.Client.Submit(ctx, group); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateRankingsClosed)

	oldKey := env.ServerKey
	env.Restart(t, func(db, keyFile string) error {
		return keycmd.Rotate(db, keyFile, env.Clock.Now(), io.Discard)
	})
	if env.ServerKey.NoteKey == oldKey.NoteKey {
		t.Fatal("the key was not rotated")
	}

	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	b, _, err := env.Admin.AuditBundle(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	in, err := frozen.Decode(b.Input)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := hex.DecodeString(in.Round.TieBreakSecret)
	if err != nil || in.Round.TieBreakCommitment != commitment || draw.Verify(commitment, secret) != nil {
		t.Fatalf("frozen round %+v: not the secret committed to before the rotation (%v)", in.Round, err)
	}
	if _, err := audit.Verify(b, env.ServerKey.PublicKey); err != nil {
		t.Fatalf("audit under the new key: %v", err)
	}
}
