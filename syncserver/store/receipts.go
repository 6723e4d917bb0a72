package store

import (
	"fmt"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/translog"
)

// batchReceipts builds, once, the receipts of a committed batch against
// the batch's own tree (its checkpoint is signed once by the commit): the
// first of the batch's callers to wake up builds them all in one read
// transaction that reads each stored hash the batch's inclusion proofs
// need once, instead of one transaction and ~2·log₂ n reads per receipt.
type batchReceipts struct {
	once  sync.Once
	tree  tlog.Tree
	text  string // the tree's signed checkpoint
	batch []*pending
}

// build fills the receipt of every accepted submission of the batch. On
// a failure it leaves them nil: each caller then builds its own
// (Store.Receipt), as if the batch had none.
func (b *batchReceipts) build(s *Store) {
	var ok []*pending
	for _, pd := range b.batch {
		if pd.err == nil && pd.out.Index < b.tree.N {
			ok = append(ok, pd)
		}
	}
	if len(ok) == 0 {
		return
	}
	proofs := make([]tlog.RecordProof, len(ok))
	err := s.View(func(tx Tx) error {
		// First the indexes every proof needs (they depend on the sizes
		// alone), then one read of their union, then the proofs.
		need := &hashIndexes{}
		for _, pd := range ok {
			if _, err := tlog.ProveRecord(b.tree.N, pd.out.Index, need); err != nil {
				return err
			}
		}
		slices.Sort(need.indexes)
		need.indexes = slices.Compact(need.indexes)
		hashes, err := tx.ReadHashes(need.indexes)
		if err != nil {
			return err
		}
		if len(hashes) != len(need.indexes) {
			return fmt.Errorf("store: read %d stored hashes, got %d", len(need.indexes), len(hashes))
		}
		read := make(hashMap, len(hashes))
		for i, x := range need.indexes {
			read[x] = hashes[i]
		}
		for i, pd := range ok {
			if proofs[i], err = tlog.ProveRecord(b.tree.N, pd.out.Index, read); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.opts.Logger.Warn("store: batch receipts", "submissions", len(ok), "err", err)
		return
	}
	for i, pd := range ok {
		pd.out.Receipt = &Receipt{Index: pd.out.Index, ServerTime: pd.out.ServerTime, Digest: pd.out.Digest,
			Checkpoint: b.text, Proof: translog.ProofBytes(proofs[i])}
	}
}

// hashIndexes is a tlog.HashReader that only records the indexes asked for
// (and answers zero hashes).
type hashIndexes struct{ indexes []int64 }

func (h *hashIndexes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	h.indexes = append(h.indexes, indexes...)
	return make([]tlog.Hash, len(indexes)), nil
}

// hashMap is a tlog.HashReader over stored hashes already read.
type hashMap map[int64]tlog.Hash

func (m hashMap) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := m[x]
		if !ok {
			return nil, fmt.Errorf("store: stored hash %d not read", x)
		}
		out[i] = h
	}
	return out, nil
}

// AppendedReceipt returns the receipt of an Append: the one built with its
// batch, or else one built now (Receipt).
func (s *Store) AppendedReceipt(app *Appended) (*Receipt, error) {
	if app.Receipt != nil {
		return app.Receipt, nil
	}
	return s.Receipt(app.Index, app.ServerTime, app.Digest)
}
