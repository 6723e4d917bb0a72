package localstore

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"appariement/shared/api"
	"appariement/shared/translog"
)

// Keys of the log bucket: the latest checkpoint the app verified, the
// evidence of every fork it saw ("fork" NUL sequence) and the witnesses it
// pinned ("witness" NUL name).
var (
	kTrusted   = []byte("trusted")
	kForkPfx   = []byte("fork\x00")
	kWitnessPf = []byte("witness\x00")
	kEventPfx  = []byte("event\x00")
)

// Event is one line of the app's log: something the app did by itself
// that the user may want to know of later (a followed key rotation…), in
// French then English.
type Event struct {
	Time time.Time `json:"time"`
	Text string    `json:"text"`
}

// AppendEvent adds a line to the app's log.
func (s *Store) AppendEvent(e Event) error {
	return wrap("append to the app's log", s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLog)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return put(b, append(append([]byte{}, kEventPfx...), idKey(seq)...), e)
	}))
}

// Events returns the app's log, oldest first.
func (s *Store) Events() ([]Event, error) {
	var out []Event
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLog)
		c := b.Cursor()
		for k, _ := c.Seek(kEventPfx); bytes.HasPrefix(k, kEventPfx); k, _ = c.Next() {
			var e Event
			if err := get(b, k, &e); err != nil {
				return fmt.Errorf("event %x: %w", k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, wrap("app's log", err)
}

// TrustedCheckpoint returns the latest checkpoint the app verified ("" if
// none): the cache is the translog.CheckpointStore of the app's keeper.
func (s *Store) TrustedCheckpoint() (string, error) {
	var out string
	err := s.db.View(func(tx *bolt.Tx) error {
		out = string(tx.Bucket(bLog).Get(kTrusted))
		return nil
	})
	return out, wrap("trusted checkpoint", err)
}

// SaveTrustedCheckpoint replaces the trusted checkpoint.
func (s *Store) SaveTrustedCheckpoint(c string) error {
	return wrap("save trusted checkpoint", s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bLog).Put(kTrusted, []byte(c))
	}))
}

// SaveFork keeps the evidence of a fork; the same pair of checkpoints is
// kept once.
func (s *Store) SaveFork(f translog.Fork) error {
	return wrap("save fork evidence", s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLog)
		c := b.Cursor()
		for k, _ := c.Seek(kForkPfx); bytes.HasPrefix(k, kForkPfx); k, _ = c.Next() {
			var old translog.Fork
			if err := get(b, k, &old); err == nil && old.Trusted == f.Trusted && old.Offered == f.Offered {
				return nil
			}
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return put(b, append(append([]byte{}, kForkPfx...), idKey(seq)...), f)
	}))
}

// Forks returns the evidence of every fork seen, oldest first.
func (s *Store) Forks() ([]translog.Fork, error) {
	var out []translog.Fork
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLog)
		c := b.Cursor()
		for k, _ := c.Seek(kForkPfx); bytes.HasPrefix(k, kForkPfx); k, _ = c.Next() {
			var f translog.Fork
			if err := get(b, k, &f); err != nil {
				return fmt.Errorf("fork %x: %w", k, err)
			}
			out = append(out, f)
		}
		return nil
	})
	return out, wrap("forks", err)
}

// PinnedWitness is a witness the app learnt from the server, pinned on
// first sight like the server key, and the largest tree it saw cosigned by
// it (consistent with the app's own view of the log).
type PinnedWitness struct {
	api.Witness
	PinnedAt time.Time `json:"pinned_at"`
	// TreeSize is the largest tree the app verified cosigned by it.
	TreeSize int64 `json:"tree_size,omitempty"`
}

// SaveWitness stores a pinned witness.
func (s *Store) SaveWitness(w PinnedWitness) error {
	return wrap("save witness", s.db.Update(func(tx *bolt.Tx) error {
		return put(tx.Bucket(bLog), append(append([]byte{}, kWitnessPf...), w.Name...), w)
	}))
}

// Witnesses returns the pinned witnesses, by name.
func (s *Store) Witnesses() ([]PinnedWitness, error) {
	var out []PinnedWitness
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLog)
		c := b.Cursor()
		for k, _ := c.Seek(kWitnessPf); bytes.HasPrefix(k, kWitnessPf); k, _ = c.Next() {
			var w PinnedWitness
			if err := get(b, k, &w); err != nil {
				return fmt.Errorf("witness %q: %w", k, err)
			}
			out = append(out, w)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, wrap("witnesses", err)
}

// Path returns the cache file's path.
func (s *Store) Path() string { return s.db.Path() }
