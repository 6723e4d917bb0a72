package service

import (
	"context"
	"encoding/json"
	"testing"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestResultNamesFrozenInput (issue 12, point 2): against the real server,
// a personal result states that the intern's last list is in the round's
// frozen input; a result that does not say so is not "verified".
func TestResultNamesFrozenInput(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	env.Transition(t, domain.StateWishesOpen)
	u := env.Register(t, env.Interns[0])
	wl := u.WishList(env.Round, 1, env.Postes[0].ID)
	rc, err := env.Anonymous().Submit(ctx, wl)
	if err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateRankingsOpen)
	rts := env.Register(t, env.Postes[0].RTS)
	if _, err := env.Anonymous().Submit(ctx, rts.Ranking(env.Round, env.Postes[0].ID, 1, u.ID)); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateRankingsClosed)
	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	d, err := env.Admin.RoundDetail(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := u.Client.Result(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	last := &localstore.Item{Kind: localstore.KindEnvelope, Round: env.Round, Seq: 1, Envelope: wl.Encode(), Digest: wl.Digest(), Receipt: rc}
	v := env.Verifier(t)
	rec := VerifyResult(v, signed, u.ID, &d.Round, last)
	if !rec.Verified || rec.Result.InputDigest == "" || !rec.Result.LastSubmission.InInput {
		t.Fatalf("honest result: %+v (%s: %s)", rec.Result, rec.Problem, rec.Detail)
	}
	// The same result, signed by the server, without the statement.
	var pr api.PersonalResult
	json.Unmarshal(signed.Payload, &pr)
	pr.LastSubmission.InInput = false
	payload, _ := json.Marshal(pr)
	rec = VerifyResult(v, env.Server.Store().Sign(api.PersonalResultType, payload), u.ID, &d.Round, last)
	if rec.Verified || rec.Problem != ProblemNotInInput {
		t.Fatalf("result without the frozen-input statement: verified %v, problem %q", rec.Verified, rec.Problem)
	}
}
