package boltstore_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
	"appariement/syncserver/store/storetest"
)

// BenchmarkReceipt builds receipts of a 10,000-leaf log against its latest
// checkpoint, as the submissions of one group commit do: the signed
// checkpoint is cached by tree size, so what is measured is the tree read
// and the inclusion proof (the last leaf's proof is checked first).
func BenchmarkReceipt(b *testing.B) {
	path := filepath.Join(b.TempDir(), "server.db")
	s, err := boltstore.Open(path, store.Options{Name: "test.appariement", Key: storetest.ServerKey})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 10000
	leaves := make([][]byte, n)
	for start := 0; start < n; start += 1000 {
		if err := s.Update(func(tx store.Tx) error {
			for i := start; i < start+1000; i++ {
				leaves[i] = fmt.Appendf(nil, "leaf %d", i)
				hs, err := tlog.StoredHashes(int64(i), leaves[i], tx)
				if err != nil {
					return err
				}
				if err := tx.AppendLeaf(int64(i), leaves[i], hs); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	rc, err := s.Receipt(n-1, now, "d")
	if err != nil {
		b.Fatal(err)
	}
	// The receipt's proof checks against the hash of the tree it names.
	var tree tlog.Tree
	if err := s.View(func(tx store.Tx) error {
		tree.N = tx.TreeSize()
		tree.Hash, err = store.TreeHash(tx, tree.N)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	proof := make(tlog.RecordProof, len(rc.Proof))
	for i, p := range rc.Proof {
		copy(proof[i][:], p)
	}
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, n-1, tlog.RecordHash(leaves[n-1])); err != nil {
		b.Fatalf("receipt's proof: %v", err)
	}
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		if _, err := s.Receipt(i%n, now, "d"); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}
