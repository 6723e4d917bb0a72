package store

import (
	"fmt"
	"sort"
	"time"

	"appariement/shared/api"
)

// bWitness holds the registered witnesses of the log and, for each, the
// latest checkpoint it cosigned: witness name → WitnessRecord. It is
// created by the first registration.
var bWitness = []byte("witnesses")

// WitnessRecord is a registered witness and its latest cosignature.
type WitnessRecord struct {
	api.Witness
	AddedAt time.Time `json:"added_at"`
	// Cosigned is the latest checkpoint it cosigned (the server's note with
	// the witness's signature line), TreeSize its size.
	Cosigned   string    `json:"cosigned,omitempty"`
	TreeSize   int64     `json:"tree_size,omitempty"`
	CosignedAt time.Time `json:"cosigned_at,omitzero"`
}

// PutWitness registers (or replaces the key of) a witness.
func (tx *Tx) PutWitness(w WitnessRecord) error {
	b, err := tx.tx.CreateBucketIfNotExists(bWitness)
	if err != nil {
		return fmt.Errorf("store: witnesses: %w", err)
	}
	if err := putJSON(b, []byte(w.Name), w); err != nil {
		return fmt.Errorf("store: witness %s: %w", w.Name, err)
	}
	return nil
}

// Witness returns the witness named name, or ErrNotFound.
func (tx *Tx) Witness(name string) (*WitnessRecord, error) {
	b := tx.tx.Bucket(bWitness)
	var w WitnessRecord
	if b == nil {
		return nil, fmt.Errorf("store: witness %s: %w", name, ErrNotFound)
	}
	ok, err := getJSON(b, []byte(name), &w)
	if err != nil {
		return nil, fmt.Errorf("store: witness %s: %w", name, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: witness %s: %w", name, ErrNotFound)
	}
	return &w, nil
}

// Witnesses returns every registered witness, by name.
func (tx *Tx) Witnesses() ([]WitnessRecord, error) {
	out := []WitnessRecord{}
	b := tx.tx.Bucket(bWitness)
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		var w WitnessRecord
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

// CosignersOf returns how many registered witnesses cosigned a tree of at
// least size leaves of this log (the server checks, before storing a
// cosignature, that its tree is a prefix of its own log, so such a
// cosignature vouches for every smaller tree too).
func (tx *Tx) CosignersOf(size int64) (int, error) {
	ws, err := tx.Witnesses()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, w := range ws {
		if w.Cosigned != "" && w.TreeSize >= size {
			n++
		}
	}
	return n, nil
}
