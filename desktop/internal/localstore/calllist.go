package localstore

import (
	"time"

	bolt "go.etcd.io/bbolt"

	"appariement/shared/api"
	"appariement/shared/calllist"
)

// bCallList holds, per round, the last verified call list and the call
// list notices (choix au rang, issue 6). The bucket is created on first
// write so that older cache files need no migration.
var bCallList = []byte("calllist")

// CallListRecord is a round's published call list as fetched, verified
// against the pinned server key and decoded.
type CallListRecord struct {
	Round     string         `json:"round"`
	Envelope  []byte         `json:"envelope"` // as received
	List      *calllist.List `json:"list"`
	FetchedAt time.Time      `json:"fetched_at"`
	// PublishedAt is the publication time of the version, by the server
	// (zero when the version list could not be read).
	PublishedAt time.Time `json:"published_at,omitzero"`
	// Commitment is the round's commitment to its call list's seed
	// (domain.Round.CallListCommitment) the list's seed was checked
	// against (shared/draw.CheckDraw) before it was cached.
	Commitment string `json:"commitment,omitempty"`
}

// NoticesRecord is the history of the call list notices of a round and
// the version of the last notice the user has seen.
type NoticesRecord struct {
	Round     string               `json:"round"`
	Notices   *api.CallListNotices `json:"notices"`
	SeenTo    int                  `json:"seen_to"` // ToVersion of the last notice seen
	FetchedAt time.Time            `json:"fetched_at"`
}

func (s *Store) putCallList(key []byte, v any) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bCallList)
		if err != nil {
			return err
		}
		return put(b, key, v)
	})
}

func (s *Store) getCallList(key []byte, v any) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCallList)
		if b == nil {
			return ErrNotFound
		}
		return get(b, key, v)
	})
}

// SaveCallList stores a round's verified call list.
func (s *Store) SaveCallList(r *CallListRecord) error {
	return wrap("save call list", s.putCallList(roundKey(r.Round, "list"), r))
}

// CallList returns a round's stored call list, or ErrNotFound.
func (s *Store) CallList(round string) (*CallListRecord, error) {
	var r CallListRecord
	if err := s.getCallList(roundKey(round, "list"), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// SaveNotices stores a round's call list notices.
func (s *Store) SaveNotices(r *NoticesRecord) error {
	return wrap("save call list notices", s.putCallList(roundKey(r.Round, "notices"), r))
}

// Notices returns a round's stored call list notices, or ErrNotFound.
func (s *Store) Notices(round string) (*NoticesRecord, error) {
	var r NoticesRecord
	if err := s.getCallList(roundKey(round, "notices"), &r); err != nil {
		return nil, err
	}
	return &r, nil
}
