package store

import (
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// The transparency log is kept by the backend as leaves by index and the
// tlog "stored hashes" (every complete subtree hash) by stored-hash index,
// so that tree hashes and proofs read O(log n) hashes.

// TreeHash returns the root hash of the log's first n leaves.
func TreeHash(tx Tx, n int64) (tlog.Hash, error) {
	h, err := tlog.TreeHash(n, tx)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("store: tree hash %d: %w", n, err)
	}
	return h, nil
}

// appendLeaf adds data as the next leaf and returns its index: the index
// is the tree size read in the write transaction (which locks the log
// head), never a counter in memory.
func appendLeaf(tx Tx, data []byte) (int64, error) {
	n := tx.TreeSize()
	hs, err := tlog.StoredHashes(n, data, tx)
	if err != nil {
		return 0, fmt.Errorf("store: append leaf %d: %w", n, err)
	}
	if err := tx.AppendLeaf(n, data, hs); err != nil {
		return 0, fmt.Errorf("store: append leaf %d: %w", n, err)
	}
	return n, nil
}

type checkpoint struct {
	tree tlog.Tree
	text string
}

// Checkpoint returns the signed checkpoint of the log as it is now.
func (s *Store) Checkpoint() (string, tlog.Tree, error) {
	var tree tlog.Tree
	err := s.View(func(tx Tx) error {
		var err error
		tree, err = s.treeTx(tx)
		return err
	})
	if err != nil {
		return "", tree, err
	}
	return s.signTree(tree)
}

func (s *Store) signTree(tree tlog.Tree) (string, tlog.Tree, error) {
	s.cpMu.Lock()
	defer s.cpMu.Unlock()
	if s.cpCache.text != "" && s.cpCache.tree == tree {
		return s.cpCache.text, tree, nil
	}
	s.keyMu.RLock()
	signer := s.signer
	s.keyMu.RUnlock()
	if signer == nil {
		return "", tree, ErrNoKey
	}
	text, err := translog.SignTree(signer, tree)
	if err != nil {
		return "", tree, fmt.Errorf("store: %w", err)
	}
	if tree.N >= s.cpCache.tree.N {
		s.cpCache = checkpoint{tree: tree, text: text}
	}
	return text, tree, nil
}

// InclusionProof returns the proof that leaf index is in the tree of the
// log's first size leaves.
func (s *Store) InclusionProof(index, size int64) ([][]byte, error) {
	var proof tlog.RecordProof
	err := s.View(func(tx Tx) error {
		if size > tx.TreeSize() || index < 0 || index >= size {
			return fmt.Errorf("store: inclusion of %d in %d: %w", index, size, ErrNotFound)
		}
		var err error
		proof, err = tlog.ProveRecord(size, index, tx)
		if err != nil {
			return fmt.Errorf("store: inclusion of %d in %d: %w", index, size, err)
		}
		return nil
	})
	return translog.ProofBytes(proof), err
}

// ConsistencyProof returns the proof that the tree of size newer extends
// the tree of size older.
func (s *Store) ConsistencyProof(older, newer int64) ([][]byte, error) {
	var proof tlog.TreeProof
	err := s.View(func(tx Tx) error {
		if newer > tx.TreeSize() || older < 0 || older > newer {
			return fmt.Errorf("store: consistency %d→%d: %w", older, newer, ErrNotFound)
		}
		if older == 0 || older == newer {
			return nil // the empty tree and a tree itself need no proof
		}
		var err error
		proof, err = tlog.ProveTree(newer, older, tx)
		if err != nil {
			return fmt.Errorf("store: consistency %d→%d: %w", older, newer, err)
		}
		return nil
	})
	return translog.ProofBytes(proof), err
}

// Receipt builds the receipt of the leaf index, accepted at serverTime with
// the given envelope digest, against the latest checkpoint. The tree size,
// its hash (unless the signed checkpoint of that size is cached: the group
// commit signs one per batch) and the inclusion proof are read in one read
// transaction.
func (s *Store) Receipt(index int64, serverTime time.Time, digest string) (*Receipt, error) {
	var tree tlog.Tree
	var proof tlog.RecordProof
	err := s.View(func(tx Tx) error {
		var err error
		if tree, err = s.treeTx(tx); err != nil {
			return err
		}
		if index < 0 || index >= tree.N {
			return fmt.Errorf("store: inclusion of %d in %d: %w", index, tree.N, ErrNotFound)
		}
		proof, err = tlog.ProveRecord(tree.N, index, tx)
		if err != nil {
			return fmt.Errorf("store: inclusion of %d in %d: %w", index, tree.N, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	text, _, err := s.signTree(tree)
	if err != nil {
		return nil, err
	}
	return &Receipt{Index: index, ServerTime: serverTime, Digest: digest, Checkpoint: text, Proof: translog.ProofBytes(proof)}, nil
}

// treeTx returns the log's tree as tx sees it: its size, and its hash from
// the cached checkpoint when that is of the same size, else read.
func (s *Store) treeTx(tx Tx) (tlog.Tree, error) {
	tree := tlog.Tree{N: tx.TreeSize()}
	s.cpMu.Lock()
	cached := s.cpCache
	s.cpMu.Unlock()
	if cached.text != "" && cached.tree.N == tree.N {
		return cached.tree, nil
	}
	var err error
	tree.Hash, err = TreeHash(tx, tree.N)
	return tree, err
}

// ParseLeaf splits leaf data made by translog.LeafData into the server
// time and the envelope.
func ParseLeaf(data []byte) (time.Time, *envelope.Envelope, error) {
	return translog.ParseLeaf(data)
}
