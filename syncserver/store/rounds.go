package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"appariement/shared/domain"
)

// RoundRecord is a round as the server keeps it: the public domain.Round
// and the server's bookkeeping.
type RoundRecord struct {
	domain.Round
	// CatalogueVersion is bumped by every change of the round's postes.
	CatalogueVersion uint64 `json:"catalogue_version"`
	// TreeSize is the log size at which the input was frozen (when matched).
	TreeSize    int64     `json:"tree_size,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
}

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

// PosteChanges counts what PutPostes changed.
type PosteChanges struct {
	Created, Updated, Closed, Unchanged int
	Version                             uint64
}

// Round returns a round, or ErrNotFound.
func (tx *Tx) Round(id string) (*RoundRecord, error) {
	var r RoundRecord
	ok, err := getJSON(tx.bucket(bRounds), []byte(id), &r)
	if err != nil {
		return nil, fmt.Errorf("store: round %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: round %s: %w", id, ErrNotFound)
	}
	return &r, nil
}

// Rounds returns every round, by id.
func (tx *Tx) Rounds() ([]RoundRecord, error) {
	var out []RoundRecord
	err := tx.bucket(bRounds).ForEach(func(k, v []byte) error {
		var r RoundRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("store: round %s: %w", k, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// CreateRound stores a new round, or fails with ErrExists.
func (tx *Tx) CreateRound(r *RoundRecord) error {
	if r.ID == "" {
		return fmt.Errorf("store: create round: empty id")
	}
	if tx.bucket(bRounds).Get([]byte(r.ID)) != nil {
		return fmt.Errorf("store: create round %s: %w", r.ID, ErrExists)
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
func (tx *Tx) PutRound(r *RoundRecord) error {
	if err := putJSON(tx.bucket(bRounds), []byte(r.ID), r); err != nil {
		return fmt.Errorf("store: put round %s: %w", r.ID, err)
	}
	return nil
}

func (tx *Tx) roundBucket(round string, sub []byte) (*bolt.Bucket, error) {
	rb := tx.bucket(bRoundsOf).Bucket([]byte(round))
	if rb == nil {
		return nil, fmt.Errorf("store: round %s: %w", round, ErrNotFound)
	}
	if sub == nil {
		return rb, nil
	}
	return rb.Bucket(sub), nil
}

// Poste returns a poste of a round (open or closed), or ErrNotFound.
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
		return nil, fmt.Errorf("store: poste %s of round %s: %w", id, round, ErrNotFound)
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

// PutPostes merges postes into a round's catalogue. A poste whose content
// changed (or is new) gets the round's next catalogue version; when
// closeMissing is set, open postes absent from the list are closed (kept
// with Closed set, so that deltas carry the withdrawal). The version is
// bumped once for the whole call, and only if something changed.
func (tx *Tx) PutPostes(round string, postes []domain.Poste, closeMissing bool) (PosteChanges, error) {
	var ch PosteChanges
	r, err := tx.Round(round)
	if err != nil {
		return ch, err
	}
	b, err := tx.roundBucket(round, bPostes)
	if err != nil {
		return ch, err
	}
	next := r.CatalogueVersion + 1
	seen := make(map[string]bool, len(postes))
	write := func(p domain.Poste) error {
		p.Version = next
		return putJSON(b, []byte(p.ID), p)
	}
	for _, p := range postes {
		seen[p.ID] = true
		var old domain.Poste
		ok, err := getJSON(b, []byte(p.ID), &old)
		if err != nil {
			return ch, fmt.Errorf("store: put postes of %s: %w", round, err)
		}
		p.Version = old.Version
		switch {
		case !ok:
			ch.Created++
		case reflect.DeepEqual(old, p):
			ch.Unchanged++
			continue
		default:
			ch.Updated++
		}
		if err := write(p); err != nil {
			return ch, fmt.Errorf("store: put poste %s of %s: %w", p.ID, round, err)
		}
	}
	if closeMissing {
		var toClose []domain.Poste
		err := b.ForEach(func(k, v []byte) error {
			if seen[string(k)] {
				return nil
			}
			var p domain.Poste
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			if !p.Closed {
				p.Closed = true
				toClose = append(toClose, p)
			}
			return nil
		})
		if err != nil {
			return ch, fmt.Errorf("store: close postes of %s: %w", round, err)
		}
		for _, p := range toClose {
			ch.Closed++
			if err := write(p); err != nil {
				return ch, fmt.Errorf("store: close poste %s of %s: %w", p.ID, round, err)
			}
		}
	}
	ch.Version = r.CatalogueVersion
	if ch.Created+ch.Updated+ch.Closed > 0 {
		r.CatalogueVersion = next
		ch.Version = next
		if err := tx.PutRound(r); err != nil {
			return ch, err
		}
	}
	return ch, nil
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
// ErrNotFound.
func (tx *Tx) Input(round string) ([]byte, error) {
	rb, err := tx.roundBucket(round, nil)
	if err != nil {
		return nil, err
	}
	v := rb.Get(kInput)
	if v == nil {
		return nil, fmt.Errorf("store: frozen input of %s: %w", round, ErrNotFound)
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

// Preview returns the result computed by the last run, or ErrNotFound.
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
		return nil, fmt.Errorf("store: preview of %s: %w", round, ErrNotFound)
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
// (encoded), or ErrNotFound.
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
		return nil, nil, fmt.Errorf("store: result of %s: %w", round, ErrNotFound)
	}
	return &res, slices.Clone(rb.Get(kResultEnv)), nil
}
