package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// The transparency log is kept as two buckets: the leaf data by index, and
// the tlog "stored hashes" (every complete subtree hash) by stored-hash
// index, so that tree hashes and proofs read O(log n) hashes.

type hashReader struct{ b *bolt.Bucket }

func (h hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		v := h.b.Get(u64(uint64(x)))
		if len(v) != tlog.HashSize {
			return nil, fmt.Errorf("stored hash %d missing", x)
		}
		copy(out[i][:], v)
	}
	return out, nil
}

// TreeSize returns the number of leaves in the log.
func (tx *Tx) TreeSize() int64 {
	v := tx.bucket(bMeta).Get(kSize)
	if v == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// Leaf returns the data of leaf index.
func (tx *Tx) Leaf(index int64) ([]byte, error) {
	v := tx.bucket(bLeaves).Get(u64(uint64(index)))
	if v == nil {
		return nil, fmt.Errorf("store: leaf %d: %w", index, ErrNotFound)
	}
	return bytes.Clone(v), nil
}

// ForEachLeaf calls fn with the index and data of leaves [start, end), in
// order. The data is only valid during the call.
func (tx *Tx) ForEachLeaf(start, end int64, fn func(index int64, data []byte) error) error {
	c := tx.bucket(bLeaves).Cursor()
	for k, v := c.Seek(u64(uint64(start))); k != nil; k, v = c.Next() {
		i := int64(binary.BigEndian.Uint64(k))
		if i >= end {
			break
		}
		if err := fn(i, v); err != nil {
			return err
		}
	}
	return nil
}

// TreeHash returns the root hash of the log's first n leaves.
func (tx *Tx) TreeHash(n int64) (tlog.Hash, error) {
	h, err := tlog.TreeHash(n, hashReader{tx.bucket(bHashes)})
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("store: tree hash %d: %w", n, err)
	}
	return h, nil
}

// appendLeaf adds data as the next leaf and returns its index.
func (tx *Tx) appendLeaf(data []byte) (int64, error) {
	n := tx.TreeSize()
	hb := tx.bucket(bHashes)
	hs, err := tlog.StoredHashes(n, data, hashReader{hb})
	if err != nil {
		return 0, fmt.Errorf("store: append leaf %d: %w", n, err)
	}
	base := tlog.StoredHashIndex(0, n)
	for i, h := range hs {
		if err := hb.Put(u64(uint64(base+int64(i))), h[:]); err != nil {
			return 0, fmt.Errorf("store: append leaf %d: %w", n, err)
		}
	}
	if err := tx.bucket(bLeaves).Put(u64(uint64(n)), data); err != nil {
		return 0, fmt.Errorf("store: append leaf %d: %w", n, err)
	}
	if err := tx.bucket(bMeta).Put(kSize, u64(uint64(n+1))); err != nil {
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
	err := s.View(func(tx *Tx) error {
		tree.N = tx.TreeSize()
		s.cpMu.Lock()
		cached := s.cpCache
		s.cpMu.Unlock()
		if cached.text != "" && cached.tree.N == tree.N {
			tree = cached.tree
			return nil
		}
		var err error
		tree.Hash, err = tx.TreeHash(tree.N)
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
	err := s.View(func(tx *Tx) error {
		if size > tx.TreeSize() || index < 0 || index >= size {
			return fmt.Errorf("store: inclusion of %d in %d: %w", index, size, ErrNotFound)
		}
		var err error
		proof, err = tlog.ProveRecord(size, index, hashReader{tx.bucket(bHashes)})
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
	err := s.View(func(tx *Tx) error {
		if newer > tx.TreeSize() || older < 0 || older > newer {
			return fmt.Errorf("store: consistency %d→%d: %w", older, newer, ErrNotFound)
		}
		if older == 0 || older == newer {
			return nil // the empty tree and a tree itself need no proof
		}
		var err error
		proof, err = tlog.ProveTree(newer, older, hashReader{tx.bucket(bHashes)})
		if err != nil {
			return fmt.Errorf("store: consistency %d→%d: %w", older, newer, err)
		}
		return nil
	})
	return translog.ProofBytes(proof), err
}

// Receipt builds the receipt of the leaf index, accepted at serverTime with
// the given envelope digest, against the latest checkpoint.
func (s *Store) Receipt(index int64, serverTime time.Time, digest string) (*api.Receipt, error) {
	text, tree, err := s.Checkpoint()
	if err != nil {
		return nil, err
	}
	proof, err := s.InclusionProof(index, tree.N)
	if err != nil {
		return nil, err
	}
	return &api.Receipt{Index: index, ServerTime: serverTime, Digest: digest, Checkpoint: text, Proof: proof}, nil
}

// ParseLeaf splits leaf data made by translog.LeafData into the server
// time and the envelope.
func ParseLeaf(data []byte) (time.Time, *envelope.Envelope, error) {
	return translog.ParseLeaf(data)
}
