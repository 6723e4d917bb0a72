package server_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
)

// TestConcurrentSubmissions: hundreds of interns submit at once (and send
// again); every receipt verifies, the log holds exactly the accepted
// envelopes, and the checkpoints seen are consistent with each other.
func TestConcurrentSubmissions(t *testing.T) {
	const n = 300
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: n, Postes: 20, NoCodes: true, Configure: func(c *server.Config) {
		c.IPRate, c.IdentityRate = rate.Inf, rate.Inf
	}})
	v := env.Verifier(t)
	users := make([]*servertest.User, n)
	for i, id := range env.Interns {
		users[i] = env.Register(t, id)
	}
	env.Transition(t, domain.StateWishesOpen)
	start := treeSize(t, env)

	type accepted struct {
		env *envelope.Envelope
		rc  *api.Receipt
	}
	var (
		mu   sync.Mutex
		all  []accepted
		wg   sync.WaitGroup
		gate = make(chan struct{})
	)
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := u.WishList(env.Round, 1, env.Postes[i%20].ID, env.Postes[(i+7)%20].ID)
			<-gate
			for range 2 { // the second send is the outbox retrying
				rc, err := u.Client.Submit(ctx, e)
				if err != nil {
					t.Errorf("%s: %v", u.ID, err)
					return
				}
				mu.Lock()
				all = append(all, accepted{e, rc})
				mu.Unlock()
			}
		}()
	}
	close(gate)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	indexes := map[int64]bool{}
	for _, a := range all {
		if err := v.VerifyReceipt(a.env, a.rc); err != nil {
			t.Fatal(err)
		}
		indexes[a.rc.Index] = true
	}
	size := treeSize(t, env)
	if len(indexes) != n || size-start != n {
		t.Fatalf("%d distinct leaves for %d interns, log grew by %d", len(indexes), n, size-start)
	}

	// Every checkpoint handed out is consistent with the next larger one.
	cps := map[int64]string{}
	for _, a := range all {
		tree, _ := v.OpenCheckpoint(a.rc.Checkpoint)
		cps[tree.N] = a.rc.Checkpoint
	}
	last, _ := env.Anonymous().Checkpoint(ctx)
	cps[size] = last
	sizes := make([]int64, 0, len(cps))
	for s := range cps {
		sizes = append(sizes, s)
	}
	slices.Sort(sizes)
	for i := 1; i < len(sizes); i++ {
		proof, err := env.Anonymous().ConsistencyProof(ctx, sizes[i-1], sizes[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifyConsistency(cps[sizes[i-1]], cps[sizes[i]], proof); err != nil {
			t.Fatalf("checkpoints %d → %d: %v", sizes[i-1], sizes[i], err)
		}
	}
	t.Logf("%d submissions, %d distinct checkpoints", len(all), len(sizes))

	// The batch sizes show group commit at work.
	body := scrape(t, env.Server)
	for _, want := range []string{
		`appariement_submissions_accepted_total 300`,
		`appariement_submissions_resent_total 300`,
		`appariement_commit_batch_size_count`,
		`appariement_http_requests_total{route="POST /v1/submissions",status="200"} 600`,
		`appariement_http_request_duration_seconds_bucket{route="POST /v1/submissions",le="+Inf"} 600`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "appariement_commit_batch_size_") && !strings.Contains(line, "bucket") {
			t.Log(line)
		}
	}
}

// TestLogProofs: inclusion and consistency proofs on the public routes,
// and refusals of impossible ones.
func TestLogProofs(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Configure: func(c *server.Config) { c.IdentityRate = rate.Inf }})
	v := env.Verifier(t)
	env.Transition(t, domain.StateWishesOpen)
	var cps []string
	var sent []*envelope.Envelope
	var rcs []*api.Receipt
	for i, id := range env.Interns {
		u := env.Register(t, id)
		e := u.WishList(env.Round, 1, env.Postes[i%4].ID)
		rc := must[*api.Receipt](t)(u.Client.Submit(ctx, e))
		sent, rcs = append(sent, e), append(rcs, rc)
		cps = append(cps, must[string](t)(env.Anonymous().Checkpoint(ctx)))
	}
	anon := env.Anonymous()
	for i := 1; i < len(cps); i++ {
		t1, _ := v.OpenCheckpoint(cps[i-1])
		t2, _ := v.OpenCheckpoint(cps[i])
		proof := must[[][]byte](t)(anon.ConsistencyProof(ctx, t1.N, t2.N))
		if err := v.VerifyConsistency(cps[i-1], cps[i], proof); err != nil {
			t.Fatal(err)
		}
	}
	final := cps[len(cps)-1]
	tree, _ := v.OpenCheckpoint(final)
	for i, e := range sent {
		proof := must[[][]byte](t)(anon.InclusionProof(ctx, rcs[i].Index, tree.N))
		rc := *rcs[i]
		rc.Checkpoint, rc.Proof = final, proof
		if err := v.VerifyReceipt(e, &rc); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, try(anon.InclusionProof(ctx, tree.N, tree.N)), api.CodeNotFound)
	wantCode(t, try(anon.InclusionProof(ctx, 0, tree.N+1)), api.CodeNotFound)
	wantCode(t, try(anon.ConsistencyProof(ctx, 3, 2)), api.CodeNotFound)
	wantCode(t, try(anon.InclusionProof(ctx, -1, 2)), api.CodeBadRequest)

	// Admins read the entries; others do not.
	entries := must[*api.LogEntriesResponse](t)(env.Admin.LogEntries(ctx, 0, tree.N))
	if int64(len(entries.Entries)) != tree.N || entries.Entries[0].Envelope.Digest() != entries.Entries[0].Digest {
		t.Fatalf("entries: %+v", entries)
	}
}
