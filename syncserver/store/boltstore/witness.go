package boltstore

import (
	"fmt"
	"sort"

	"appariement/syncserver/store"
)

// bWitness holds the registered witnesses of the log and, for each, the
// latest checkpoint it cosigned: witness name → store.WitnessRecord. It is
// created by the first registration.
var bWitness = []byte("witnesses")

// PutWitness registers (or replaces the key of) a witness.
func (tx *Tx) PutWitness(w store.WitnessRecord) error {
	b, err := tx.tx.CreateBucketIfNotExists(bWitness)
	if err != nil {
		return fmt.Errorf("store: witnesses: %w", err)
	}
	if err := putJSON(b, []byte(w.Name), w); err != nil {
		return fmt.Errorf("store: witness %s: %w", w.Name, err)
	}
	return nil
}

// Witness returns the witness named name, or store.ErrNotFound.
func (tx *Tx) Witness(name string) (*store.WitnessRecord, error) {
	b := tx.tx.Bucket(bWitness)
	var w store.WitnessRecord
	if b == nil {
		return nil, fmt.Errorf("store: witness %s: %w", name, store.ErrNotFound)
	}
	ok, err := getJSON(b, []byte(name), &w)
	if err != nil {
		return nil, fmt.Errorf("store: witness %s: %w", name, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: witness %s: %w", name, store.ErrNotFound)
	}
	return &w, nil
}

// Witnesses returns every registered witness, by name.
func (tx *Tx) Witnesses() ([]store.WitnessRecord, error) {
	out := []store.WitnessRecord{}
	b := tx.tx.Bucket(bWitness)
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		var w store.WitnessRecord
		if _, err := getJSON(b, k, &w); err != nil {
			return err
		}
		out = append(out, w)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if err != nil {
		return nil, fmt.Errorf("store: witnesses: %w", err)
	}
	return out, nil
}
