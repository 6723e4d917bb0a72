package boltstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Names inside a round's bucket.
var (
	bPostes    = []byte("postes")   // poste id → domain.Poste
	bEligible  = []byte("eligible") // intern id → ""
	bManual    = []byte("manual")   // intern id → domain.Assignment (round 3)
	kPreview   = []byte("preview")  // domain.Result computed by run
	kResult    = []byte("result")   // domain.Result published
	kResultEnv = []byte("result-envelope")
	kInput     = []byte("frozen-input") // canonical frozen input document of the last run (shared/frozen)
)

// Round returns a round, or store.ErrNotFound.
func (tx *Tx) Round(id string) (*store.RoundRecord, error) {
	var r store.RoundRecord
	ok, err := getJSON(tx.bucket(bRounds), []byte(id), &r)
	if err != nil {
		return nil, fmt.Errorf("store: round %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: round %s: %w", id, store.ErrNotFound)
	}
	return &r, nil
}

// Rounds returns every round, by id.
func (tx *Tx) Rounds() ([]store.RoundRecord, error) {
	var out []store.RoundRecord
	err := tx.bucket(bRounds).ForEach(func(k, v []byte) error {
		var r store.RoundRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("store: round %s: %w", k, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// CreateRound stores a new round, or fails with store.ErrExists.
func (tx *Tx) CreateRound(r *store.RoundRecord) error {
	if r.ID == "" {
		return fmt.Errorf("store: create round: empty id")
	}
	if tx.bucket(bRounds).Get([]byte(r.ID)) != nil {
		return fmt.Errorf("store: create round %s: %w", r.ID, store.ErrExists)
	}
	rb, err := tx.bucket(bRoundsOf).CreateBucketIfNotExists([]byte(r.ID))
	if err != nil {
		return fmt.Errorf("store: create round %s: %w", r.ID, err)
	}
	for _, name := range [][]byte{bPostes, bEligible, bManual} {
		if _, err := rb.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("store: create round %s: %w", r.ID, err)
		}
	}
	return tx.PutRound(r)
}

// PutRound replaces an existing round's record.
func (tx *Tx) PutRound(r *store.RoundRecord) error {
	if err := putJSON(tx.bucket(bRounds), []byte(r.ID), r); err != nil {
		return fmt.Errorf("store: put round %s: %w", r.ID, err)
	}
	return nil
}

func (tx *Tx) roundBucket(round string, sub []byte) (*bolt.Bucket, error) {
	rb := tx.bucket(bRoundsOf).Bucket([]byte(round))
	if rb == nil {
		return nil, fmt.Errorf("store: round %s: %w", round, store.ErrNotFound)
	}
	if sub == nil {
		return rb, nil
	}
	return rb.Bucket(sub), nil
}

// Poste returns a poste of a round (open or closed), or store.ErrNotFound.
func (tx *Tx) Poste(round, id string) (*domain.Poste, error) {
	b, err := tx.roundBucket(round, bPostes)
	if err != nil {
		return nil, err
	}
	var p domain.Poste
	ok, err := getJSON(b, []byte(id), &p)
	if err != nil {
		return nil, fmt.Errorf("store: poste %s of round %s: %w", id, round, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: poste %s of round %s: %w", id, round, store.ErrNotFound)
	}
	return &p, nil
}

// Postes returns the postes of a round whose version is above since (all
// of them for since 0), closed ones included, by id.
func (tx *Tx) Postes(round string, since uint64) ([]domain.Poste, error) {
	b, err := tx.roundBucket(round, bPostes)
	if err != nil {
		return nil, err
	}
	var out []domain.Poste
	err = b.ForEach(func(k, v []byte) error {
		var p domain.Poste
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("store: poste %s of round %s: %w", k, round, err)
		}
		if p.Version > since {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// PutPoste creates or replaces one poste of a round.
func (tx *Tx) PutPoste(round string, p domain.Poste) error {
	b, err := tx.roundBucket(round, bPostes)
	if err != nil {
		return err
	}
	if err := putJSON(b, []byte(p.ID), p); err != nil {
		return fmt.Errorf("store: put poste %s of %s: %w", p.ID, round, err)
	}
	return nil
}

// SetEligible replaces the interns taking part in a round.
func (tx *Tx) SetEligible(round string, interns []string) error {
	rb, err := tx.roundBucket(round, nil)
	if err != nil {
		return err
	}
	if err := rb.DeleteBucket(bEligible); err != nil {
		return fmt.Errorf("store: set eligible of %s: %w", round, err)
	}
	b, err := rb.CreateBucket(bEligible)
	if err != nil {
		return fmt.Errorf("store: set eligible of %s: %w", round, err)
	}
	for _, id := range interns {
		if err := b.Put([]byte(id), nil); err != nil {
			return fmt.Errorf("store: set eligible of %s: %w", round, err)
		}
	}
	return nil
}

// Eligible returns the interns taking part in a round, sorted.
func (tx *Tx) Eligible(round string) ([]string, error) {
	b, err := tx.roundBucket(round, bEligible)
	if err != nil {
		return nil, err
	}
	var out []string
	err = b.ForEach(func(k, _ []byte) error { out = append(out, string(k)); return nil })
	return out, err
}

// IsEligible reports whether intern takes part in round.
func (tx *Tx) IsEligible(round, intern string) bool {
	b, err := tx.roundBucket(round, bEligible)
	return err == nil && b.Get([]byte(intern)) != nil
}

// PutManual records (or replaces) a manual assignment of round 3.
func (tx *Tx) PutManual(round string, a domain.Assignment) error {
	b, err := tx.roundBucket(round, bManual)
	if err != nil {
		return err
	}
	if err := putJSON(b, []byte(a.Intern), a); err != nil {
		return fmt.Errorf("store: manual assignment of %s in %s: %w", a.Intern, round, err)
	}
	return nil
}

// Manual returns the manual assignments of a round, by intern.
func (tx *Tx) Manual(round string) ([]domain.Assignment, error) {
	b, err := tx.roundBucket(round, bManual)
	if err != nil {
		return nil, err
	}
	var out []domain.Assignment
	err = b.ForEach(func(k, v []byte) error {
		var a domain.Assignment
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("store: manual assignment %s of %s: %w", k, round, err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// PutInput stores the frozen input document of the last run of a round.
func (tx *Tx) PutInput(round string, doc []byte) error {
	rb, err := tx.roundBucket(round, nil)
	if err != nil {
		return err
	}
	if err := rb.Put(kInput, doc); err != nil {
		return fmt.Errorf("store: frozen input of %s: %w", round, err)
	}
	return nil
}

// Input returns the frozen input document of the last run of a round, or
// store.ErrNotFound.
func (tx *Tx) Input(round string) ([]byte, error) {
	rb, err := tx.roundBucket(round, nil)
	if err != nil {
		return nil, err
	}
	v := rb.Get(kInput)
	if v == nil {
		return nil, fmt.Errorf("store: frozen input of %s: %w", round, store.ErrNotFound)
	}
	return bytes.Clone(v), nil
}

// PutPreview stores the result computed by a run, not yet published.
func (tx *Tx) PutPreview(round string, res *domain.Result) error {
	rb, err := tx.roundBucket(round, nil)
	if err != nil {
		return err
	}
	if err := putJSON(rb, kPreview, res); err != nil {
		return fmt.Errorf("store: preview of %s: %w", round, err)
	}
	return nil
}

// Preview returns the result computed by the last run, or store.ErrNotFound.
func (tx *Tx) Preview(round string) (*domain.Result, error) {
	rb, err := tx.roundBucket(round, nil)
	if err != nil {
		return nil, err
	}
	var res domain.Result
	ok, err := getJSON(rb, kPreview, &res)
	if err != nil {
		return nil, fmt.Errorf("store: preview of %s: %w", round, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: preview of %s: %w", round, store.ErrNotFound)
	}
	return &res, nil
}

// PutResult stores the published result and its signed envelope (encoded).
func (tx *Tx) PutResult(round string, res *domain.Result, signed []byte) error {
	rb, err := tx.roundBucket(round, nil)
	if err != nil {
		return err
	}
	if err := putJSON(rb, kResult, res); err != nil {
		return fmt.Errorf("store: result of %s: %w", round, err)
	}
	if err := rb.Put(kResultEnv, signed); err != nil {
		return fmt.Errorf("store: result of %s: %w", round, err)
	}
	return nil
}

// Result returns the published result of a round and its signed envelope
// (encoded), or store.ErrNotFound.
func (tx *Tx) Result(round string) (*domain.Result, []byte, error) {
	rb, err := tx.roundBucket(round, nil)
	if err != nil {
		return nil, nil, err
	}
	var res domain.Result
	ok, err := getJSON(rb, kResult, &res)
	if err != nil {
		return nil, nil, fmt.Errorf("store: result of %s: %w", round, err)
	}
	if !ok {
		return nil, nil, fmt.Errorf("store: result of %s: %w", round, store.ErrNotFound)
	}
	return &res, slices.Clone(rb.Get(kResultEnv)), nil
}
