//go:build unix

package pgstore

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/store"
)

var testServerKey = func() ed25519.PrivateKey { _, k, _ := ed25519.GenerateKey(nil); return k }()

// shared is one PostgreSQL for the package's tests; each test gets its own
// database.
var (
	sharedMu sync.Mutex
	sharedN  int
)

func newDatabase(t *testing.T, c *pgtest.Cluster) string {
	t.Helper()
	sharedMu.Lock()
	sharedN++
	name := fmt.Sprintf("db%d", sharedN)
	sharedMu.Unlock()
	dsn, err := c.CreateDB(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func openNode(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, store.Options{Name: "test.appariement", Key: testServerKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newPending(priv ed25519.PrivateKey, author string, seq uint64, list ...string) *store.Pending {
	payload := fmt.Appendf(nil, `{"round":"R1","author":%q,"seq":%d,"client_time":"2026-01-01T00:00:00Z","list":[]}`, author, seq)
	env := envelope.Sign(priv, api.WishListType, payload)
	return &store.Pending{Env: env, Current: store.Current{Round: "R1", Author: author, PayloadType: api.WishListType, Seq: seq, List: list}}
}

// TestTwoNodesOneLog appends through two nodes sharing one database: one
// sequence of indexes, every receipt verifies against the final log, the
// same envelope sent to the other node gets its first receipt, and the
// sequence rules hold across nodes.
func TestTwoNodesOneLog(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	dsn := newDatabase(t, c)
	a, b := openNode(t, dsn), openNode(t, dsn)
	nodes := []*store.Store{a, b}
	ctx := context.Background()
	_, priv, _ := ed25519.GenerateKey(nil)
	v, err := translog.NewVerifier(api.ServerKey(a.ServerKey()))
	if err != nil {
		t.Fatal(err)
	}
	p1 := newPending(priv, "i1", 1)
	a1, err := a.Append(ctx, p1)
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.Append(ctx, newPending(priv, "i1", 1))
	if err != nil || !again.Again || again.Index != a1.Index || !again.ServerTime.Equal(a1.ServerTime) {
		t.Fatalf("resent to the other node: %+v, %v; want the first acceptance %+v", again, err, a1)
	}
	p1b := newPending(priv, "i1", 1, "P1")
	p1b.Env = envelope.Sign(priv, api.WishListType, []byte(`{"round":"R1","author":"i1","seq":1,"client_time":"2026-01-01T00:00:01Z","list":[]}`))
	if _, err := b.Append(ctx, p1b); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("same seq, other bytes, other node: %v; want conflict", err)
	}
	if _, err := b.Append(ctx, newPending(priv, "i1", 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Append(ctx, newPending(priv, "i1", 2)); !errors.Is(err, store.ErrReplay) {
		t.Fatalf("lower seq on the other node: %v; want replay", err)
	}
	r1, err := a.Receipt(a1.Index, a1.ServerTime, a1.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyReceipt(p1.Env, (*api.Receipt)(r1)); err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	indexes := map[int64]string{}
	receipts := make([]*store.Receipt, n)
	envs := make([]*envelope.Envelope, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := nodes[i%2]
			p := newPending(priv, fmt.Sprintf("x%03d", i), 1)
			got, err := node.Append(ctx, p)
			if err != nil {
				t.Error(err)
				return
			}
			r, err := node.Receipt(got.Index, got.ServerTime, got.Digest)
			if err != nil {
				t.Error(err)
				return
			}
			if err := v.VerifyReceipt(p.Env, (*api.Receipt)(r)); err != nil {
				t.Error(err)
			}
			mu.Lock()
			if prev, dup := indexes[got.Index]; dup {
				t.Errorf("index %d written twice: %s and %s", got.Index, prev, got.Digest)
			}
			indexes[got.Index] = got.Digest
			mu.Unlock()
			receipts[i], envs[i] = r, p.Env
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	final, tree, err := b.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if tree.N != n+2 {
		t.Fatalf("tree size %d, want %d", tree.N, n+2)
	}
	// Every receipt's checkpoint is consistent with the final one, and its
	// leaf is in the final tree.
	for i, r := range receipts {
		cp, err := v.OpenCheckpoint(r.Checkpoint)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := a.ConsistencyProof(cp.N, tree.N)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifyConsistency(r.Checkpoint, final, proof); err != nil {
			t.Fatalf("receipt %d: %v", i, err)
		}
		fr, err := b.Receipt(r.Index, r.ServerTime, r.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifyReceipt(envs[i], (*api.Receipt)(fr)); err != nil {
			t.Fatalf("receipt %d against the final tree: %v", i, err)
		}
	}
	var leaves int64
	err = a.View(func(tx store.Tx) error {
		return tx.ForEachLeaf(0, tree.N, func(i int64, data []byte) error {
			if i != leaves {
				return fmt.Errorf("leaf %d after %d leaves", i, leaves)
			}
			leaves++
			_, _, err := translog.ParseLeaf(data)
			return err
		})
	})
	if err != nil || leaves != tree.N {
		t.Fatalf("%d leaves read, %v; want %d", leaves, err, tree.N)
	}
	var wl []store.Current
	if err := a.View(func(tx store.Tx) (err error) { wl, err = tx.CurrentOfType("R1", api.WishListType); return }); err != nil {
		t.Fatal(err)
	}
	if len(wl) != n+1 || wl[0].Author != "i1" || wl[0].Seq != 3 {
		t.Fatalf("%d current wish lists, first %+v; want %d, i1 at seq 3", len(wl), wl[0], n+1)
	}
}

// TestClockCheckAcrossNodes: the clock check of an append batch reads
// the last leaf time in the batch's transaction, whichever node wrote it:
// a node whose clock reads before another node's last leaf is refused
// (clock_behind) and writes nothing.
func TestClockCheckAcrossNodes(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	dsn := newDatabase(t, c)
	base := time.Date(2026, 9, 1, 18, 0, 0, 0, time.UTC)
	node := func(offset time.Duration) *store.Store {
		s, err := Open(context.Background(), dsn, store.Options{Key: testServerKey, Clock: func() time.Time { return base.Add(offset) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	ahead, behind := node(0), node(-2*time.Second)
	ctx := context.Background()
	_, priv, _ := ed25519.GenerateKey(nil)
	if _, err := ahead.Append(ctx, newPending(priv, "a", 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := behind.Append(ctx, newPending(priv, "c", 1)); !errors.Is(err, store.ErrClockBehind) {
		t.Fatalf("node 2 s behind the last leaf: %v; want clock_behind", err)
	}
	if _, tree, err := behind.Checkpoint(); err != nil || tree.N != 1 {
		t.Fatalf("tree %d, %v; want 1 leaf (the refused batch wrote nothing)", tree.N, err)
	}
}
