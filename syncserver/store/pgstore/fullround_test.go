//go:build unix

package pgstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/servertest"
)

// TestFullRoundTwoNodes runs a whole round on the PostgreSQL backend with
// a synchronous standby and two server nodes on the same database: people
// and postes imported, enrollment, wishes and rankings sent through both
// nodes in turn, the run and the publication on one node, and every
// result fetched from the other; both nodes answer the same checkpoint.
func TestFullRoundTwoNodes(t *testing.T) {
	ctx := context.Background()
	c := pgtest.Start(t, pgtest.Options{Standby: true})
	dsn, err := c.CreateDB(ctx, "fullround")
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, servertest.Options{Location: dsn})
	_, url2 := env.AddNode(t)
	v := env.Verifier(t)
	// Enrolled on node 1; every other person then speaks to node 2.
	users := map[string]*servertest.User{}
	for i, id := range append(append([]string{}, env.Interns...), env.RTS...) {
		u := env.Enroll(t, id)
		if i%2 == 1 {
			u.Client = env.ClientAt(url2, u.ID, u.Key)
		}
		users[id] = u
	}
	last := map[string]*envelope.Envelope{}
	submit := func(u *servertest.User, e *envelope.Envelope) {
		t.Helper()
		rc, err := u.Client.Submit(ctx, e)
		if err != nil {
			t.Fatalf("%s submits: %v", u.ID, err)
		}
		if err := v.VerifyReceipt(e, rc); err != nil {
			t.Fatalf("receipt of %s: %v", u.ID, err)
		}
		last[u.ID] = e
	}

	env.Transition(t, domain.StateWishesOpen)
	submit(users["i01"], users["i01"].WishList(env.Round, 1, "P4"))
	for id, w := range map[string][]string{
		"i01": {"P1", "P2"}, "i02": {"P1", "P3"}, "i03": {"P2", "P1"}, "i04": {"P3"}, "i05": {"P1"}, "i06": {"P4"},
	} {
		seq := uint64(1)
		if id == "i01" {
			seq = 2
		}
		submit(users[id], users[id].WishList(env.Round, seq, w...))
	}
	env.Transition(t, domain.StateWishesClosed)
	env.Transition(t, domain.StateRankingsOpen)
	submit(users["rts1"], users["rts1"].Ranking(env.Round, "P1", 1, "i02", "i01", "i03", "i05"))
	submit(users["rts1"], users["rts1"].Ranking(env.Round, "P3", 1, "i02", "i04"))
	submit(users["rts2"], users["rts2"].Ranking(env.Round, "P2", 1, "i01", "i03"))
	submit(users["rts2"], users["rts2"].Ranking(env.Round, "P4", 1))
	env.Transition(t, domain.StateRankingsClosed)

	res := env.Run(t, env.Round)
	want := []domain.Assignment{{Intern: "i01", Poste: "P1"}, {Intern: "i02", Poste: "P1"},
		{Intern: "i03", Poste: "P2"}, {Intern: "i04", Poste: "P3"}}
	if !reflect.DeepEqual(res.Assignments, want) || !reflect.DeepEqual(res.Unmatched, []string{"i05", "i06"}) {
		t.Fatalf("result: %+v", res)
	}
	full := env.Publish(t, env.Round)
	if _, err := v.VerifyEnvelope(full, api.ResultType); err != nil {
		t.Fatal(err)
	}

	// Results, from whichever node each person speaks to.
	for id, u := range users {
		e, err := u.Client.Result(ctx, env.Round)
		if err != nil {
			t.Fatalf("result of %s: %v", id, err)
		}
		payload, err := v.VerifyEnvelope(e, api.PersonalResultType)
		if err != nil {
			t.Fatal(err)
		}
		var pr api.PersonalResult
		if err := json.Unmarshal(payload, &pr); err != nil {
			t.Fatal(err)
		}
		if pr.Person != id || pr.Round != env.Round || pr.LastSubmission == nil || pr.LastSubmission.Digest != last[id].Digest() {
			t.Fatalf("personal result of %s: %+v", id, pr)
		}
		if id == "i01" && (len(pr.Assignments) != 1 || pr.Assignments[0].Poste != "P1") {
			t.Fatalf("i01's result: %+v", pr.Assignments)
		}
	}
	fetched, err := env.ClientAt(url2, "i05", users["i05"].Key).FullResult(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fetched.Encode(), full.Encode()) {
		t.Fatal("the full result fetched from node 2 differs from the one published on node 1")
	}
	cp1, err := env.Anonymous().Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp2, err := env.ClientAt(url2, "", nil).Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t1, err1 := v.OpenCheckpoint(cp1)
	t2, err2 := v.OpenCheckpoint(cp2)
	if err1 != nil || err2 != nil || t1.N != t2.N || t1.Hash != t2.Hash {
		t.Fatalf("checkpoints of the two nodes: %v (%v), %v (%v)", t1, err1, t2, err2)
	}
}
