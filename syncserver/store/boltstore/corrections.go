package boltstore

import (
	"encoding/json"
	"fmt"

	"appariement/syncserver/store"
)

// NewCorrection files c under the next correction id (CR000001, …), which
// it sets and returns.
func (tx *Tx) NewCorrection(c *store.Correction) (string, error) {
	b := tx.bucket(bCorrect)
	n, err := b.NextSequence()
	if err != nil {
		return "", fmt.Errorf("store: new correction: %w", err)
	}
	c.ID = fmt.Sprintf("CR%06d", n)
	if err := putJSON(b, []byte(c.ID), c); err != nil {
		return "", fmt.Errorf("store: new correction: %w", err)
	}
	return c.ID, nil
}

// PutCorrection replaces the correction of id c.ID, which must exist.
func (tx *Tx) PutCorrection(c *store.Correction) error {
	b := tx.bucket(bCorrect)
	if b.Get([]byte(c.ID)) == nil {
		return fmt.Errorf("store: correction %s: %w", c.ID, store.ErrNotFound)
	}
	if err := putJSON(b, []byte(c.ID), c); err != nil {
		return fmt.Errorf("store: correction %s: %w", c.ID, err)
	}
	return nil
}

// Correction returns the correction of the given id, or store.ErrNotFound.
func (tx *Tx) Correction(id string) (*store.Correction, error) {
	var c store.Correction
	ok, err := getJSON(tx.bucket(bCorrect), []byte(id), &c)
	if err != nil {
		return nil, fmt.Errorf("store: correction %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: correction %s: %w", id, store.ErrNotFound)
	}
	return &c, nil
}

// Corrections returns the corrections for which keep returns true (every
// one if keep is nil), oldest first.
func (tx *Tx) Corrections(keep func(*store.Correction) bool) ([]store.Correction, error) {
	var out []store.Correction
	err := tx.bucket(bCorrect).ForEach(func(k, v []byte) error {
		var c store.Correction
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("store: correction %s: %w", k, err)
		}
		if keep == nil || keep(&c) {
			out = append(out, c)
		}
		return nil
	})
	return out, err
}
