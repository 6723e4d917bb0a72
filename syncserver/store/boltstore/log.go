package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/syncserver/store"
)

// The transparency log is kept as two buckets: the leaf data by index, and
// the tlog "stored hashes" (every complete subtree hash) by stored-hash
// index; the tree size is in the meta bucket.

// ReadHashes returns the stored hashes at indexes (tlog.HashReader).
func (tx *Tx) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	b := tx.bucket(bHashes)
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		v := b.Get(u64(uint64(x)))
		if len(v) != tlog.HashSize {
			return nil, fmt.Errorf("stored hash %d missing", x)
		}
		copy(out[i][:], v)
	}
	return out, nil
}

// TreeSize returns the number of leaves in the log (bbolt's single writer
// is the log head's lock).
func (tx *Tx) TreeSize() int64 {
	v := tx.bucket(bMeta).Get(kSize)
	if v == nil {
		return 0
	}
	if len(v) != 8 {
		tx.fail(fmt.Errorf("store: tree size: damaged record of %d bytes, want 8", len(v)))
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// Leaf returns the data of leaf index.
func (tx *Tx) Leaf(index int64) ([]byte, error) {
	v := tx.bucket(bLeaves).Get(u64(uint64(index)))
	if v == nil {
		return nil, fmt.Errorf("store: leaf %d: %w", index, store.ErrNotFound)
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

// AppendLeaf writes leaf index and its stored hashes, and the new size.
func (tx *Tx) AppendLeaf(index int64, data []byte, hashes []tlog.Hash) error {
	if n := tx.TreeSize(); index != n {
		return fmt.Errorf("store: append leaf %d to a log of %d: %w", index, n, store.ErrConflict)
	}
	hb := tx.bucket(bHashes)
	base := tlog.StoredHashIndex(0, index)
	for i, h := range hashes {
		if err := hb.Put(u64(uint64(base+int64(i))), h[:]); err != nil {
			return fmt.Errorf("store: append leaf %d: %w", index, err)
		}
	}
	if err := tx.bucket(bLeaves).Put(u64(uint64(index)), data); err != nil {
		return fmt.Errorf("store: append leaf %d: %w", index, err)
	}
	if err := tx.bucket(bMeta).Put(kSize, u64(uint64(index+1))); err != nil {
		return fmt.Errorf("store: append leaf %d: %w", index, err)
	}
	return nil
}
