package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/servertest"
)

// wantCode fails unless err is an *api.Error with the given code and status.
func wantCode(t *testing.T, err error, code api.Code) {
	t.Helper()
	var e *api.Error
	if !errors.As(err, &e) {
		t.Fatalf("want refusal %s, got %v", code, err)
	}
	if e.Code != code || e.Status != code.HTTPStatus() {
		t.Fatalf("want %s (%d), got %s (%d): %s", code, code.HTTPStatus(), e.Code, e.Status, e.MessageEN)
	}
	if e.Message == "" || e.MessageEN == "" {
		t.Fatalf("refusal %s without its French and English sentences", code)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// submitted remembers each user's last accepted envelope, to check its
// inclusion in the result.
type submitted map[string]*envelope.Envelope

func (s submitted) submit(t *testing.T, env *servertest.Env, u *servertest.User, e *envelope.Envelope) {
	t.Helper()
	rc, err := u.Client.Submit(context.Background(), e)
	if err != nil {
		t.Fatalf("%s submits: %v", u.ID, err)
	}
	if err := env.Verifier(t).VerifyReceipt(e, rc); err != nil {
		t.Fatalf("receipt of %s: %v", u.ID, err)
	}
	s[u.ID] = e
}

// checkPersonalResult fetches u's signed result and verifies it as the
// desktop app would: server signature, result digest, inclusion of u's
// last envelope in the frozen checkpoint.
func checkPersonalResult(t *testing.T, env *servertest.Env, u *servertest.User, round string, full *envelope.Envelope, last *envelope.Envelope) *api.PersonalResult {
	t.Helper()
	v := env.Verifier(t)
	e, err := u.Client.Result(context.Background(), round)
	if err != nil {
		t.Fatalf("result of %s: %v", u.ID, err)
	}
	payload, err := v.VerifyEnvelope(e, api.PersonalResultType)
	if err != nil {
		t.Fatal(err)
	}
	var pr api.PersonalResult
	if err := json.Unmarshal(payload, &pr); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(full.Payload)
	if pr.ResultDigest != hex.EncodeToString(sum[:]) || pr.Person != u.ID || pr.Round != round {
		t.Fatalf("personal result of %s does not match the full result: %+v", u.ID, pr)
	}
	if last == nil {
		if pr.LastSubmission != nil {
			t.Fatalf("%s submitted nothing but has a last submission", u.ID)
		}
		return &pr
	}
	ls := pr.LastSubmission
	if ls == nil || ls.Digest != last.Digest() {
		t.Fatalf("last submission of %s: %+v, want digest %s", u.ID, ls, last.Digest())
	}
	if err := v.VerifyInclusion(pr.Checkpoint, ls.Index, translog.LeafHash(ls.ServerTime, last), ls.Proof); err != nil {
		t.Fatalf("inclusion of %s's last envelope: %v", u.ID, err)
	}
	return &pr
}

func TestFullAppariementRounds(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	v := env.Verifier(t)
	users := map[string]*servertest.User{}
	for _, id := range append(append([]string{}, env.Interns...), env.RTS...) {
		users[id] = env.Enroll(t, id)
	}
	me := must[*domain.Person](t)(users["i01"].Client.Me(ctx))
	if me.ID != "i01" || me.Role != domain.RoleIntern {
		t.Fatalf("me: %+v", me)
	}
	cat := must[*api.CatalogueResponse](t)(env.Anonymous().Catalogue(ctx, env.Round, 0))
	if len(cat.Postes) != 4 || cat.Version == 0 {
		t.Fatalf("catalogue: %+v", cat)
	}

	// Wishes.
	env.Transition(t, domain.StateWishesOpen)
	last := submitted{}
	wishes := map[string][]string{
		"i01": {"P1", "P2"}, "i02": {"P1", "P3"}, "i03": {"P2", "P1"}, "i04": {"P3"}, "i05": {"P1"}, "i06": {"P4"},
	}
	// i01 changes its mind once: seq 1 then seq 2.
	last.submit(t, env, users["i01"], users["i01"].WishList(env.Round, 1, "P4"))
	for id, w := range wishes {
		seq := uint64(1)
		if id == "i01" {
			seq = 2
		}
		last.submit(t, env, users[id], users[id].WishList(env.Round, seq, w...))
	}
	subs := must[[]api.SubmissionStatus](t)(users["i01"].Client.Submissions(ctx, env.Round))
	if len(subs) != 1 || subs[0].Seq != 2 || subs[0].Digest != last["i01"].Digest() {
		t.Fatalf("i01's submissions: %+v", subs)
	}
	if err := v.VerifyReceipt(last["i01"], subs[0].Receipt); err != nil {
		t.Fatal(err)
	}

	// Candidates, then rankings.
	_, err := users["rts1"].Client.Candidates(ctx, env.Round, "P1")
	wantCode(t, err, api.CodeWindowNotOpen)
	env.Transition(t, domain.StateWishesClosed)
	cands := must[*api.CandidatesResponse](t)(users["rts1"].Client.Candidates(ctx, env.Round, "P1"))
	var got []string
	for _, c := range cands.Candidates {
		got = append(got, c.Intern.ID)
	}
	slices.Sort(got)
	if !reflect.DeepEqual(got, []string{"i01", "i02", "i03", "i05"}) {
		t.Fatalf("candidates of P1: %v", got)
	}
	// The RTS is not told where each intern put the poste in the wish list.
	var raw bytes.Buffer
	if err := users["rts1"].Client.Do(ctx, http.MethodGet, "/v1/rounds/"+env.Round+"/candidates?poste=P1", nil, "", true, &raw); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Candidates []map[string]json.RawMessage `json:"candidates"`
	}
	if err := json.Unmarshal(raw.Bytes(), &body); err != nil || len(body.Candidates) != 4 {
		t.Fatalf("candidates body %s: %v", raw.String(), err)
	}
	for _, c := range body.Candidates {
		if _, ok := c["rank"]; ok {
			t.Errorf("the candidates' answer gives the wish rank: %s", raw.String())
		}
	}
	_, err = users["rts2"].Client.Candidates(ctx, env.Round, "P1")
	wantCode(t, err, api.CodeForbidden)
	env.Transition(t, domain.StateRankingsOpen)
	last.submit(t, env, users["rts1"], users["rts1"].Ranking(env.Round, "P1", 1, "i02", "i01", "i03", "i05"))
	last.submit(t, env, users["rts1"], users["rts1"].Ranking(env.Round, "P3", 1, "i02", "i04"))
	last.submit(t, env, users["rts2"], users["rts2"].Ranking(env.Round, "P2", 1, "i01", "i03"))
	last.submit(t, env, users["rts2"], users["rts2"].Ranking(env.Round, "P4", 1))
	_, err = env.Admin.Run(ctx, env.Round)
	wantCode(t, err, api.CodeInvalidState)
	env.Transition(t, domain.StateRankingsClosed)

	// Run and publish.
	res := env.Run(t, env.Round)
	want := []domain.Assignment{{Intern: "i01", Poste: "P1"}, {Intern: "i02", Poste: "P1"},
		{Intern: "i03", Poste: "P2"}, {Intern: "i04", Poste: "P3"}}
	if !reflect.DeepEqual(res.Assignments, want) || !reflect.DeepEqual(res.Unmatched, []string{"i05", "i06"}) {
		t.Fatalf("result: %+v", res)
	}
	_, err = users["i01"].Client.Result(ctx, env.Round)
	wantCode(t, err, api.CodeInvalidState)
	full := env.Publish(t, env.Round)
	payload, err := v.VerifyEnvelope(full, api.ResultType)
	if err != nil {
		t.Fatal(err)
	}
	var published domain.Result
	if err := json.Unmarshal(payload, &published); err != nil {
		t.Fatal(err)
	}
	if published.TreeSize == 0 || published.Checkpoint == "" || !reflect.DeepEqual(published.Assignments, want) {
		t.Fatalf("published: %+v", published)
	}
	if tree, err := v.OpenCheckpoint(published.Checkpoint); err != nil || tree.N != published.TreeSize {
		t.Fatalf("published checkpoint: %v, %v", tree, err)
	}
	fetched := must[*envelope.Envelope](t)(users["i05"].Client.FullResult(ctx, env.Round))
	if !bytes.Equal(fetched.Encode(), full.Encode()) {
		t.Fatal("full result fetched differs from the one published")
	}
	for id, u := range users {
		pr := checkPersonalResult(t, env, u, env.Round, full, last[id])
		switch id {
		case "i01":
			if len(pr.Assignments) != 1 || pr.Assignments[0].Poste != "P1" {
				t.Fatalf("i01's result: %+v", pr.Assignments)
			}
		case "rts1":
			if len(pr.Assignments) != 3 {
				t.Fatalf("rts1's result: %+v", pr.Assignments)
			}
		}
	}

	// Round 2 on what round 1 left.
	r2 := must[*domain.Round](t)(env.Admin.NextRound(ctx, env.Round, api.NextRoundRequest{ID: "R2", Name: "Tour 2"}))
	if r2.Number != 2 || r2.Parent != env.Round || r2.State != domain.StateDraft {
		t.Fatalf("round 2: %+v", r2)
	}
	cat2 := must[*api.CatalogueResponse](t)(env.Anonymous().Catalogue(ctx, "R2", 0))
	caps := map[string]int{}
	for _, p := range cat2.Postes {
		if !p.Closed {
			caps[p.ID] = p.Capacity
		}
	}
	if !reflect.DeepEqual(caps, map[string]int{"P2": 1, "P3": 1, "P4": 2}) {
		t.Fatalf("round 2 postes: %v", caps)
	}
	env.TransitionRound(t, "R2", domain.StateWishesOpen)
	_, err = users["i01"].Client.Submit(ctx, users["i01"].WishList("R2", 1, "P2"))
	wantCode(t, err, api.CodeForbidden) // matched in round 1: not in round 2
	_, err = users["i05"].Client.Submit(ctx, users["i05"].WishList("R2", 1, "P1"))
	wantCode(t, err, api.CodePosteClosed)
	last2 := submitted{}
	last2.submit(t, env, users["i05"], users["i05"].WishList("R2", 1, "P2"))
	last2.submit(t, env, users["i06"], users["i06"].WishList("R2", 1, "P4"))
	env.TransitionRound(t, "R2", domain.StateRankingsOpen)
	last2.submit(t, env, users["rts2"], users["rts2"].Ranking("R2", "P2", 1, "i05"))
	env.TransitionRound(t, "R2", domain.StateRankingsClosed)
	res2 := env.Run(t, "R2")
	if !reflect.DeepEqual(res2.Assignments, []domain.Assignment{{Intern: "i05", Poste: "P2"}}) ||
		!reflect.DeepEqual(res2.Unmatched, []string{"i06"}) {
		t.Fatalf("round 2 result: %+v", res2)
	}
	full2 := env.Publish(t, "R2")
	checkPersonalResult(t, env, users["i05"], "R2", full2, last2["i05"])
	checkPersonalResult(t, env, users["i02"], "R2", full2, nil)

	// Round 3: by hand, with reasons.
	must[*domain.Round](t)(env.Admin.NextRound(ctx, "R2", api.NextRoundRequest{ID: "R3", Name: "Tour 3"}))
	_, err = env.Admin.Assign(ctx, "R3", api.ManualAssignmentRequest{Intern: "i06", Poste: "P4"})
	wantCode(t, err, api.CodeBadRequest) // no reason
	_, err = env.Admin.Assign(ctx, "R3", api.ManualAssignmentRequest{Intern: "i05", Poste: "P4", Reason: "entretien"})
	wantCode(t, err, api.CodeUnknownIntern) // matched in round 2
	_, err = env.Admin.Assign(ctx, "R3", api.ManualAssignmentRequest{Intern: "i06", Poste: "P2", Reason: "entretien"})
	wantCode(t, err, api.CodePosteClosed) // P2 is full after round 2
	must[*domain.Assignment](t)(env.Admin.Assign(ctx, "R3", api.ManualAssignmentRequest{Intern: "i06", Poste: "P4",
		Reason: "entretien du 12/10 avec le coordonnateur : projet de cardiologie interventionnelle"}))
	res3 := env.Run(t, "R3")
	if len(res3.Assignments) != 1 || !res3.Assignments[0].Manual || res3.Assignments[0].Author != env.AdminID || len(res3.Unmatched) != 0 {
		t.Fatalf("round 3 result: %+v", res3)
	}
	full3 := env.Publish(t, "R3")
	pr := checkPersonalResult(t, env, users["i06"], "R3", full3, nil)
	if len(pr.Assignments) != 1 || pr.Assignments[0].Poste != "P4" || pr.Assignments[0].Reason == "" {
		t.Fatalf("i06's round 3 result: %+v", pr)
	}
	var csv bytes.Buffer
	if err := env.Admin.Export(ctx, "R3", api.FormatCSV, &csv); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(csv.Bytes(), []byte("i06")) {
		t.Fatalf("export: %s", csv.String())
	}

	// The audit log holds every admin action.
	entries := must[[]api.AuditEntry](t)(env.Admin.AuditLog(ctx, 0, 1000))
	actions := map[string]int{}
	for _, e := range entries {
		actions[e.Action]++
	}
	for _, a := range []string{"bootstrap-admin", "import-people", "import-postes", "issue-code", "enroll", "transition",
		"run", "publish", "next-round", "manual-assignment", "export"} {
		if actions[a] == 0 {
			t.Errorf("no %s in the audit log: %v", a, actions)
		}
	}
}

// TestTransitionOpensTheWindowForTheClock (issue 14): "Passer à :
// classements ouverts" before the scheduled time opens the window for the
// server's clock too, and the moved bound is in the audit log.
func TestTransitionOpensTheWindowForTheClock(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	now := env.Clock.Now()
	if _, err := env.Admin.Schedule(ctx, env.Round, api.ScheduleRequest{
		WishesOpen: now.Add(time.Hour), WishesClose: now.Add(48 * time.Hour),
		RankingsOpen: now.Add(72 * time.Hour), RankingsClose: now.Add(96 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesOpen)
	u := env.Register(t, env.Interns[0])
	if _, err := env.Anonymous().Submit(ctx, u.WishList(env.Round, 1, env.Postes[0].ID)); err != nil {
		t.Fatalf("wish list after opening by hand before the scheduled time: %v", err)
	}
	env.Transition(t, domain.StateRankingsOpen)
	rts := env.Register(t, env.Postes[0].RTS)
	if _, err := env.Anonymous().Submit(ctx, rts.Ranking(env.Round, env.Postes[0].ID, 1, u.ID)); err != nil {
		t.Fatalf("ranking after opening by hand before the scheduled time: %v", err)
	}
	env.Transition(t, domain.StateRankingsClosed)
	_, err := env.Anonymous().Submit(ctx, rts.Ranking(env.Round, env.Postes[0].ID, 2, u.ID))
	wantCode(t, err, api.CodeWindowClosed)
	d, err := env.Admin.RoundDetail(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Round.RankingsOpen.Equal(now) || !d.Round.RankingsClose.Equal(now) || !d.Round.WishesClose.Equal(now) {
		t.Fatalf("windows after the transitions: %+v", d.Round)
	}
	audit, err := env.Admin.AuditLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range audit {
		if e.Action == "transition" && strings.Contains(string(e.Detail), "rankings_open") {
			found = true
		}
	}
	if !found {
		t.Fatal("the moved rankings_open bound is not in the audit log")
	}
}
