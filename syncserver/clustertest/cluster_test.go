//go:build unix

package clustertest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
	_ "appariement/syncserver/store/pgstore"
)

// TestFailover: every receipt ever returned is in the final log, every
// checkpoint seen is consistent with the final one, no index was written
// twice, the first acknowledged envelope sent again gets its first
// receipt back, and the round then runs and publishes on the surviving
// node. It prints the receipts, the lost ones (0), the time from the
// primary's death to the first accepted submission after it (the RTO) and
// the submissions per second before and after.
func TestFailover(t *testing.T) {
	interns, each := 40, 12
	if testing.Short() {
		interns, each = 12, 6
	}
	c := pgtest.Start(t, pgtest.Options{Standby: true})
	dsn, err := c.CreateDB(context.Background(), "cluster")
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, servertest.Options{Location: dsn, Interns: interns, Postes: 4, NoCodes: true,
		Configure: func(cfg *server.Config) {
			// One address sends the whole burst: no per-address or
			// per-identity limit in this test (they are per node).
			cfg.IPRate, cfg.IdentityRate = rate.Inf, rate.Inf
		}})
	node1 := env.Server
	_, url2 := env.AddNode(t)
	urls := []string{env.URL, url2}
	env.Transition(t, domain.StateWishesOpen)
	v := env.Verifier(t)
	users := make([]*servertest.User, interns)
	for i, id := range env.Interns {
		users[i] = env.Register(t, id)
	}

	var (
		mu        sync.Mutex
		acks      []Ack
		acked     atomic.Int64
		retries   atomic.Int64
		node1Down atomic.Bool
		wg        sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	for i, u := range users {
		clients := []*client.Client{env.ClientAt(urls[0], u.ID, u.Key), env.ClientAt(urls[1], u.ID, u.Key)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := uint64(1); seq <= uint64(each); seq++ {
				e := u.WishList(env.Round, seq, env.Postes[int(seq)%len(env.Postes)].ID)
				for try := 0; ; try++ {
					if ctx.Err() != nil {
						t.Errorf("%s seq %d: not accepted before the test's deadline", u.ID, seq)
						return
					}
					n := (i + try) % 2
					if n == 0 && node1Down.Load() {
						n = 1
					}
					sent := time.Now()
					rc, err := clients[n].Submit(ctx, e)
					if err == nil {
						mu.Lock()
						acks = append(acks, Ack{Env: e, Receipt: rc, At: time.Now(), Sent: sent})
						mu.Unlock()
						acked.Add(1)
						break
					}
					// A node that is gone does not answer (connection
					// refused); a node whose database fails over answers
					// 503 storage_unavailable with Retry-After. Anything
					// else is a failure of the test.
					var ae *api.Error
					if errors.As(err, &ae) && (ae.Code != api.CodeStorageUnavailable || ae.RetryAfter <= 0) {
						t.Errorf("%s seq %d: refused %v (retry after %d s); want 503 storage_unavailable with Retry-After while the database fails over",
							u.ID, seq, err, ae.RetryAfter)
						return
					}
					retries.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	total := int64(interns * each)
	waitFor := func(n int64) {
		for acked.Load() < n && ctx.Err() == nil {
			time.Sleep(2 * time.Millisecond)
		}
	}
	waitFor(total / 4)
	// An API node goes away: its clients move to the other one.
	node1Down.Store(true)
	if err := node1.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(total / 2)
	beforeN, beforeD := acked.Load(), time.Since(start)
	if err := c.Primary.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now() // the postmaster and its children are gone
	if err := c.Standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	afterD := time.Since(killed)

	// The final log, from the surviving node.
	cl := env.ClientAt(url2, "", nil)
	verdict, err := Check(ctx, cl, v, acks, killed, total)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range verdict.Problems {
		t.Error(p)
	}
	lost, rto := verdict.Lost, verdict.RTO
	t.Logf("receipts %d, lost %d, retries %d; RTO (primary killed → first accepted submission) %s; "+
		"submissions/s before %.0f, after %.0f",
		len(acks), lost, retries.Load(), rto.Round(time.Millisecond),
		float64(beforeN)/beforeD.Seconds(), float64(total-beforeN)/afterD.Seconds())

	// The round goes on to its result on the surviving node.
	admin := env.ClientAt(url2, env.AdminID, env.AdminKey)
	for _, st := range []domain.RoundState{domain.StateWishesClosed, domain.StateRankingsOpen, domain.StateRankingsClosed} {
		if _, err := admin.Transition(ctx, env.Round, st, "test"); err != nil {
			t.Fatalf("transition to %s: %v", st, err)
		}
	}
	if _, err := admin.Run(ctx, env.Round); err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, err := admin.Publish(ctx, env.Round); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if _, err := env.ClientAt(url2, users[0].ID, users[0].Key).Result(ctx, env.Round); err != nil {
		t.Fatalf("result of %s: %v", users[0].ID, err)
	}
}
