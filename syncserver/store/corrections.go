package store

import (
	"encoding/json"
	"fmt"

	"appariement/shared/api"
)

// NewCorrection files c under the next correction id (CR000001, …), which
// it sets and returns.
func (tx *Tx) NewCorrection(c *api.Correction) (string, error) {
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
func (tx *Tx) PutCorrection(c *api.Correction) error {
	b := tx.bucket(bCorrect)
	if b.Get([]byte(c.ID)) == nil {
		return fmt.Errorf("store: correction %s: %w", c.ID, ErrNotFound)
	}
	if err := putJSON(b, []byte(c.ID), c); err != nil {
		return fmt.Errorf("store: correction %s: %w", c.ID, err)
	}
	return nil
}

// Correction returns the correction of the given id, or ErrNotFound.
func (tx *Tx) Correction(id string) (*api.Correction, error) {
	var c api.Correction
	ok, err := getJSON(tx.bucket(bCorrect), []byte(id), &c)
	if err != nil {
		return nil, fmt.Errorf("store: correction %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: correction %s: %w", id, ErrNotFound)
	}
	return &c, nil
}

// Corrections returns the corrections for which keep returns true (every
// one if keep is nil), oldest first.
func (tx *Tx) Corrections(keep func(*api.Correction) bool) ([]api.Correction, error) {
	var out []api.Correction
	err := tx.bucket(bCorrect).ForEach(func(k, v []byte) error {
		var c api.Correction
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
