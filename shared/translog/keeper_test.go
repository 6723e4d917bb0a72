package translog

import (
	"context"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// logProofs serves consistency proofs of a memLog.
type logProofs struct{ m *memLog }

func (p logProofs) ConsistencyProof(_ context.Context, older, newer int64) ([][]byte, error) {
	if older == 0 || older == newer {
		return nil, nil
	}
	pr, err := tlog.ProveTree(newer, older, p.m)
	return ProofBytes(pr), err
}

func TestKeeper(t *testing.T) {
	priv, key := serverKey(t)
	v, err := NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := NewSigner(key.Name, priv)
	honest, forked := &memLog{}, &memLog{}
	for i := int64(0); i < 8; i++ {
		honest.append(t, i, []byte(fmt.Sprint("leaf ", i)))
		data := fmt.Sprint("leaf ", i)
		if i >= 2 {
			data = fmt.Sprint("other leaf ", i)
		}
		forked.append(t, i, []byte(data))
	}
	cp := func(m *memLog, n int64) string {
		h, err := tlog.TreeHash(n, m)
		if err != nil {
			t.Fatal(err)
		}
		s, err := SignTree(signer, tlog.Tree{N: n, Hash: h})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx := context.Background()
	st := &MemoryCheckpointStore{}
	k := &CheckpointKeeper{Verifier: v, Store: st, Proofs: logProofs{honest}}

	for _, n := range []int64{0, 3, 3, 6} {
		if err := k.ObserveLatest(ctx, "sync", cp(honest, n)); err != nil {
			t.Fatalf("honest %d: %v", n, err)
		}
	}
	// An older checkpoint (a round's frozen one), proved a prefix.
	if err := k.Observe(ctx, "result", cp(honest, 4)); err != nil {
		t.Fatalf("older frozen checkpoint: %v", err)
	}
	if st.Trusted != cp(honest, 6) {
		t.Fatal("trusted checkpoint is not the largest honest one")
	}
	trusted := st.Trusted

	cases := []struct {
		name   string
		cp     string
		latest bool
		proofs ProofSource
	}{
		{"fork, larger tree", cp(forked, 8), false, logProofs{forked}},
		{"fork, same size", cp(forked, 6), false, logProofs{forked}},
		{"fork, smaller tree", cp(forked, 4), false, logProofs{forked}},
		{"rollback", cp(honest, 5), true, logProofs{honest}},
	}
	for i, c := range cases {
		k.Proofs = c.proofs
		err := k.observe(ctx, c.name, c.cp, c.latest)
		if !IsFork(err) {
			t.Fatalf("%s: %v, want a fork", c.name, err)
		}
		if st.Trusted != trusted {
			t.Fatalf("%s: trusted checkpoint overwritten", c.name)
		}
		if len(st.Forks) != i+1 || st.Forks[i].Trusted != trusted || st.Forks[i].Offered != c.cp {
			t.Fatalf("%s: evidence %+v", c.name, st.Forks)
		}
	}
	// A bad signature is not trusted, and not a fork either.
	k.Proofs = logProofs{honest}
	if err := k.Observe(ctx, "x", "not a checkpoint"); err == nil || IsFork(err) {
		t.Fatalf("unsigned checkpoint: %v", err)
	}
	if err := k.ObserveLatest(ctx, "sync", cp(honest, 8)); err != nil || st.Trusted != cp(honest, 8) {
		t.Fatalf("honest growth after forks: %v", err)
	}
}
