//go:build unix

package pgstore

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"appariement/shared/translog"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/store"
)

// TestFailoverKeepsEveryReceipt appends through two nodes to a primary
// with a synchronous standby, kills the primary with SIGKILL in the middle
// of the burst and promotes the standby. Submissions are retried (the same
// envelope) until accepted. Every acknowledged submission is in the final
// log at the index it was acknowledged with, no index was written twice,
// every failure seen meanwhile is the store's unavailability (503), and
// the first acknowledged envelope sent again gets its first acceptance.
func TestFailoverKeepsEveryReceipt(t *testing.T) {
	if testing.Short() {
		t.Skip("failover test: not in -short")
	}
	c := pgtest.Start(t, pgtest.Options{Standby: true})
	dsn := newDatabase(t, c)
	nodes := []*store.Store{openNode(t, dsn), openNode(t, dsn)}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, priv, _ := ed25519.GenerateKey(nil)

	const workers, each = 8, 40
	type ack struct {
		index  int64
		digest string
		p      *store.Pending
	}
	var (
		mu       sync.Mutex
		acks     []ack
		acked    atomic.Int64
		failures atomic.Int64
		wg       sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			author := fmt.Sprintf("i%02d", w)
			for seq := uint64(1); seq <= each; seq++ {
				p := newPending(priv, author, seq)
				for try := 0; ; try++ {
					if ctx.Err() != nil {
						t.Errorf("%s seq %d: not accepted before the test's deadline", author, seq)
						return
					}
					got, err := nodes[(w+try)%2].Append(ctx, p)
					if err == nil {
						mu.Lock()
						acks = append(acks, ack{got.Index, got.Digest, p})
						mu.Unlock()
						acked.Add(1)
						break
					}
					if !errors.Is(err, store.ErrStorageUnavailable) {
						t.Errorf("%s seq %d: %v; want the store's unavailability while the database fails over", author, seq, err)
						return
					}
					failures.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	for acked.Load() < workers*each/4 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if err := c.Primary.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c.Standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d acknowledged, %d failed tries during the failover", len(acks), failures.Load())

	s := nodes[0]
	_, tree, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]string{}
	for _, a := range acks {
		if d, dup := seen[a.index]; dup && d != a.digest {
			t.Fatalf("index %d acknowledged for %s and %s", a.index, d, a.digest)
		}
		seen[a.index] = a.digest
	}
	if tree.N != int64(len(seen)) || len(seen) != workers*each {
		t.Fatalf("final tree of %d leaves, %d distinct acknowledged, want %d", tree.N, len(seen), workers*each)
	}
	err = s.View(func(tx store.Tx) error {
		for _, a := range acks {
			got, err := tx.AcceptedDigest(a.digest)
			if err != nil {
				return err
			}
			if got == nil || got.Index != a.index {
				return fmt.Errorf("acknowledged %s at %d, in the final log at %+v", a.digest, a.index, got)
			}
			data, err := tx.Leaf(a.index)
			if err != nil {
				return err
			}
			_, env, err := translog.ParseLeaf(data)
			if err != nil {
				return err
			}
			if env.Digest() != a.digest {
				return fmt.Errorf("leaf %d holds %s, acknowledged %s", a.index, env.Digest(), a.digest)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	first := acks[0]
	again, err := nodes[1].Append(ctx, first.p)
	if err != nil || !again.Again || again.Index != first.index {
		t.Fatalf("first acknowledged envelope sent again: %+v, %v; want its first acceptance at %d", again, err, first.index)
	}
}
