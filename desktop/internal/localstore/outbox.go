package localstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"appariement/shared/api"
)

// ItemKind says what an outbox item sends.
type ItemKind string

// Kinds of outbox items.
const (
	KindEnvelope ItemKind = "envelope" // a signed submission (POST /v1/submissions)
	KindFile     ItemKind = "file"     // a candidate document (PUT /v1/files)
	// KindBinome is a signed binôme link (api.BinomeLink, POST
	// /v1/submissions); List holds the partner then the joint list's
	// postes, two by two.
	KindBinome ItemKind = "binome"
)

// ItemState is where an outbox item stands.
type ItemState string

// States of an outbox item. Pending items are sent in order; the others are
// final.
const (
	StatePending  ItemState = "pending"  // signed, waiting to be sent
	StateAccepted ItemState = "accepted" // the server accepted it (verified receipt for envelopes)
	StateRefused  ItemState = "refused"  // the server refused it, for a reason it gave
)

// Item is one thing to send to the server. Items live in the cache so that
// they survive the app being closed or killed.
type Item struct {
	ID        uint64    `json:"id"`
	Kind      ItemKind  `json:"kind"`
	Round     string    `json:"round"`
	CreatedAt time.Time `json:"created_at"`
	// Envelope items.
	Seq      uint64   `json:"seq,omitempty"`
	Envelope []byte   `json:"envelope,omitempty"` // encoded, exactly as signed
	Digest   string   `json:"digest,omitempty"`
	List     []string `json:"list,omitempty"`  // the signed list, for display
	Ranks    []int    `json:"ranks,omitempty"` // its ranks, when some are ex aequo
	Poste    string   `json:"poste,omitempty"` // the ranked poste (rankings only)
	// File items.
	FileSHA  string `json:"file_sha,omitempty"`
	FileName string `json:"file_name,omitempty"`
	FileKind string `json:"file_kind,omitempty"`

	State       ItemState    `json:"state"`
	Attempts    int          `json:"attempts"`
	NextAttempt time.Time    `json:"next_attempt,omitzero"`
	NotBefore   time.Time    `json:"not_before,omitzero"`  // the server's Retry-After
	LastError   string       `json:"last_error,omitempty"` // last transient failure
	Receipt     *api.Receipt `json:"receipt,omitempty"`
	Refusal     *api.Error   `json:"refusal,omitempty"`
	DoneAt      time.Time    `json:"done_at,omitzero"`
}

// Enqueue appends items to the outbox, in order, and returns them with
// their ids.
func (s *Store) Enqueue(items ...Item) ([]Item, error) {
	err := s.db.Update(func(tx *bolt.Tx) error { return enqueue(tx, items) })
	return items, wrap("queue for sending", err)
}

func enqueue(tx *bolt.Tx, items []Item) error {
	b := tx.Bucket(bOutbox)
	for i := range items {
		id, err := b.NextSequence()
		if err != nil {
			return err
		}
		items[i].ID = id
		if items[i].State == "" {
			items[i].State = StatePending
		}
		if err := put(b, idKey(id), &items[i]); err != nil {
			return err
		}
	}
	return nil
}

// EnqueueSigned takes the next sequence number of round, lets build make
// the signed envelope item with it, and queues before it the given items
// (uploads the envelope depends on), all in one transaction: a sequence
// number is never used twice, even across a crash.
func (s *Store) EnqueueSigned(round string, before []Item, build func(seq uint64) (Item, error)) (Item, error) {
	var out Item
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSeq)
		var cur uint64
		if v := b.Get([]byte(round)); len(v) == 8 {
			cur = binary.BigEndian.Uint64(v)
		}
		seq := cur + 1
		if err := b.Put([]byte(round), binary.BigEndian.AppendUint64(nil, seq)); err != nil {
			return err
		}
		item, err := build(seq)
		if err != nil {
			return err
		}
		items := append(append([]Item(nil), before...), item)
		if err := enqueue(tx, items); err != nil {
			return err
		}
		out = items[len(items)-1]
		return nil
	})
	return out, wrap("sign and queue", err)
}

// UpdateItem stores a changed item.
func (s *Store) UpdateItem(it *Item) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bOutbox)
		if b.Get(idKey(it.ID)) == nil {
			return fmt.Errorf("outbox item %d: %w", it.ID, ErrNotFound)
		}
		return wrap("update outbox", put(b, idKey(it.ID), it))
	})
}

// Items returns every outbox item, oldest first.
func (s *Store) Items() ([]Item, error) {
	var out []Item
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(k, v []byte) error {
			var it Item
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("outbox item %x: %w", k, err)
			}
			out = append(out, it)
			return nil
		})
	})
	return out, wrap("read outbox", err)
}

// Pending returns the pending items, oldest first.
func (s *Store) Pending() ([]Item, error) {
	all, err := s.Items()
	var out []Item
	for _, it := range all {
		if it.State == StatePending {
			out = append(out, it)
		}
	}
	return out, err
}

func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }
