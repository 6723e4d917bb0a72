package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"appariement/syncserver/store"
)

// Request nonces are kept in bNonces under two kinds of keys, so that
// expired ones are found without scanning the live ones:
//
//	nonceByName   \x01 nonce          → expiry (unix nanoseconds)
//	nonceByExpiry \x00 expiry nonce   → empty
//
// The expiry index is ordered by time: pruning reads only expired entries.
// (Stores written before this layout hold bare nonce keys; they are never
// read and do no harm.)
const (
	nonceByExpiry = 0x00
	nonceByName   = 0x01
)

// maxNoncePrune bounds the expired nonces deleted by one UseNonce, so that
// a write never waits for a large clean-up; writes outnumber expiries.
const maxNoncePrune = 256

// UseNonce records a request nonce until expires, or fails with
// ErrNonceUsed if it was already recorded and has not expired. Expired
// nonces are pruned, oldest first, a bounded number per call.
func (tx *Tx) UseNonce(nonce string, now, expires time.Time) error {
	b := tx.bucket(bNonces)
	nameKey := append([]byte{nonceByName}, nonce...)
	if v := b.Get(nameKey); len(v) == 8 {
		exp := int64(binary.BigEndian.Uint64(v))
		if exp > now.UnixNano() {
			return store.ErrNonceUsed
		}
		if err := b.Delete(expiryKey(exp, nonce)); err != nil {
			return fmt.Errorf("store: prune nonce: %w", err)
		}
	}
	if err := tx.pruneNonces(now); err != nil {
		return err
	}
	exp := expires.UnixNano()
	if err := b.Put(nameKey, u64(uint64(exp))); err != nil {
		return fmt.Errorf("store: record nonce: %w", err)
	}
	if err := b.Put(expiryKey(exp, nonce), nil); err != nil {
		return fmt.Errorf("store: record nonce: %w", err)
	}
	return nil
}

// pruneNonces deletes up to maxNoncePrune nonces expired at now.
func (tx *Tx) pruneNonces(now time.Time) error {
	b := tx.bucket(bNonces)
	var old [][]byte
	c := b.Cursor()
	for k, _ := c.Seek([]byte{nonceByExpiry}); k != nil && k[0] == nonceByExpiry && len(old) < maxNoncePrune; k, _ = c.Next() {
		if len(k) < 9 || int64(binary.BigEndian.Uint64(k[1:9])) > now.UnixNano() {
			break
		}
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		name := append([]byte{nonceByName}, k[9:]...)
		// A nonce used again after expiry has a newer expiry: keep it.
		if v := b.Get(name); len(v) == 8 && bytes.Equal(v, k[1:9]) {
			if err := b.Delete(name); err != nil {
				return fmt.Errorf("store: prune nonce: %w", err)
			}
		}
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("store: prune nonce: %w", err)
		}
	}
	return nil
}

func expiryKey(exp int64, nonce string) []byte {
	k := make([]byte, 0, 9+len(nonce))
	k = append(k, nonceByExpiry)
	k = binary.BigEndian.AppendUint64(k, uint64(exp))
	return append(k, nonce...)
}

// NonceCount returns the number of nonces recorded (expired ones not yet
// pruned included).
func (tx *Tx) NonceCount() int {
	n := 0
	c := tx.bucket(bNonces).Cursor()
	for k, _ := c.Seek([]byte{nonceByName}); k != nil && k[0] == nonceByName; k, _ = c.Next() {
		n++
	}
	return n
}
