// Package localstore is the desktop app's local store, a bbolt file: the
// profile and sealed key, the pinned server key, the rounds and their
// catalogues (with the version of the last delta applied), favourites,
// drafts of wish lists, candidate files, the outbox of signed envelopes and
// uploads, receipts and results. Everything the app needs offline is here,
// and every write is durable when the call returns.
package localstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"appariement/desktop/internal/keystore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/translog"
)

// Buckets. Per-round data lives under keys prefixed by the round id and NUL.
var (
	bMeta      = []byte("meta")
	bRounds    = []byte("rounds")
	bCatalogue = []byte("catalogue") // sub-bucket per round: poste id → JSON; key "\x00version"
	bFav       = []byte("favourites")
	bDrafts    = []byte("drafts")
	bBlobs     = []byte("blobs") // sha256 → file bytes
	bOutbox    = []byte("outbox")
	bSeq       = []byte("seq")
	bResults   = []byte("results")
	bLog       = []byte("log") // trusted checkpoint, fork evidence, pinned witnesses
	allBuckets = [][]byte{bMeta, bRounds, bCatalogue, bFav, bDrafts, bBlobs, bOutbox, bSeq, bResults, bLog}

	kProfile  = []byte("profile")
	kVersion  = []byte("\x00version")
	kContacts = []byte("\x00contacts") // the cached postes carry their RTS e-mails
	kServerT  = []byte("server_time")
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found in the local cache")

// Store is the local store. It is safe for concurrent use.
type Store struct {
	db *bolt.DB
}

// Open opens (creating if needed) the cache file at path.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open local cache %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open local cache %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

func put(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func get(b *bolt.Bucket, key []byte, v any) error {
	data := b.Get(key)
	if data == nil {
		return ErrNotFound
	}
	return json.Unmarshal(data, v)
}

func roundKey(round, id string) []byte {
	return append(append([]byte(round), 0), id...)
}

// Profile is who uses this app, on which server, with which keys.
type Profile struct {
	ServerURL string `json:"server_url"`
	// OtherServers are more addresses of the same server (nodes with the
	// same pinned key), tried in order after ServerURL when one fails.
	OtherServers []string `json:"other_servers,omitempty"`
	// LastServer is the position, in ServerURL then OtherServers, of the
	// address that answered last: the first one tried at the next start.
	LastServer int           `json:"last_server,omitempty"`
	Person     domain.Person `json:"person"`
	ServerKey  api.ServerKey `json:"server_key"` // pinned at enrollment, or after a proven rotation
	// RetiredServerKeys are the keys ServerKey replaced after proven
	// rotations, oldest first: old receipts still verify with them.
	RetiredServerKeys []translog.RetiredKey `json:"retired_server_keys,omitempty"`
	Key               *keystore.Sealed      `json:"key"`
	EnrolledAt        time.Time             `json:"enrolled_at"`
}

// SaveProfile stores the profile.
func (s *Store) SaveProfile(p *Profile) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return wrap("save profile", put(tx.Bucket(bMeta), kProfile, p))
	})
}

// Profile returns the profile, or ErrNotFound before enrollment.
func (s *Store) Profile() (*Profile, error) {
	var p Profile
	err := s.db.View(func(tx *bolt.Tx) error { return get(tx.Bucket(bMeta), kProfile, &p) })
	if err != nil {
		return nil, wrap("read profile", err)
	}
	return &p, nil
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// SaveRounds replaces the list of rounds.
func (s *Store) SaveRounds(rounds []domain.Round, serverTime time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bRounds)
		if err := put(b, []byte("list"), rounds); err != nil {
			return wrap("save rounds", err)
		}
		return wrap("save rounds", put(b, kServerT, serverTime))
	})
}

// Rounds returns the rounds last synced (nil if never).
func (s *Store) Rounds() ([]domain.Round, error) {
	var rs []domain.Round
	err := s.db.View(func(tx *bolt.Tx) error { return get(tx.Bucket(bRounds), []byte("list"), &rs) })
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return rs, wrap("read rounds", err)
}

// ApplyCatalogue applies a catalogue delta: changed postes replace the
// cached ones (closed postes stay, marked closed) and the round's version
// becomes resp.Version. A delta older than what is cached is ignored.
func (s *Store) ApplyCatalogue(resp *api.CatalogueResponse) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bCatalogue).CreateBucketIfNotExists([]byte(resp.Round))
		if err != nil {
			return wrap("apply catalogue", err)
		}
		var cur uint64
		if v := b.Get(kVersion); len(v) == 8 {
			cur = binary.BigEndian.Uint64(v)
		}
		if resp.Version < cur {
			return nil
		}
		for i := range resp.Postes {
			p := &resp.Postes[i]
			if p.ID == "" {
				continue
			}
			if err := put(b, []byte(p.ID), p); err != nil {
				return wrap("apply catalogue", err)
			}
		}
		if resp.Contacts && resp.Since == 0 {
			if err := b.Put(kContacts, []byte{1}); err != nil {
				return wrap("apply catalogue", err)
			}
		} else if !resp.Contacts {
			// The postes of a public delta came without their e-mail:
			// the cache no longer has every address.
			if err := b.Delete(kContacts); err != nil {
				return wrap("apply catalogue", err)
			}
		}
		return b.Put(kVersion, binary.BigEndian.AppendUint64(nil, resp.Version))
	})
}

// CatalogueHasContacts reports whether every cached poste of round came
// with its RTS e-mail (from the signed catalogue), since the last complete
// fetch: if not, a signed-in session fetches the whole catalogue again.
func (s *Store) CatalogueHasContacts(round string) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bCatalogue).Bucket([]byte(round)); b != nil {
			ok = b.Get(kContacts) != nil
		}
		return nil
	})
	return ok, err
}

// CatalogueVersion returns the version of the round's cached catalogue (0:
// nothing cached).
func (s *Store) CatalogueVersion(round string) (uint64, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bCatalogue).Bucket([]byte(round)); b != nil {
			if d := b.Get(kVersion); len(d) == 8 {
				v = binary.BigEndian.Uint64(d)
			}
		}
		return nil
	})
	return v, err
}

// Postes returns the cached postes of a round, in id order.
func (s *Store) Postes(round string) ([]domain.Poste, error) {
	var out []domain.Poste
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCatalogue).Bucket([]byte(round))
		if b == nil {
			return nil
		}
		out = make([]domain.Poste, 0, b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			if bytes.Equal(k, kVersion) || bytes.Equal(k, kContacts) {
				return nil
			}
			var p domain.Poste
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("poste %s: %w", k, err)
			}
			out = append(out, p)
			return nil
		})
	})
	return out, wrap("read catalogue", err)
}

// SetFavourite marks or unmarks a poste as a favourite.
func (s *Store) SetFavourite(round, poste string, on bool) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bFav)
		if on {
			return wrap("save favourite", b.Put(roundKey(round, poste), []byte{1}))
		}
		return wrap("save favourite", b.Delete(roundKey(round, poste)))
	})
}

// Favourites returns the favourite postes of a round.
func (s *Store) Favourites(round string) (map[string]bool, error) {
	out := map[string]bool{}
	prefix := roundKey(round, "")
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bFav).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			out[string(k[len(prefix):])] = true
		}
		return nil
	})
	return out, err
}

// Draft is the wish list being edited for a round, with the candidate file.
type Draft struct {
	Round string   `json:"round"`
	List  []string `json:"list"`
	// Tied are the postes of List wished ex aequo with the one above them
	// (only in a round with domain.Round.WishTies); empty: a strict order.
	Tied        []string         `json:"tied,omitempty"`
	Attachments []api.Attachment `json:"attachments,omitempty"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// SaveDraft stores the draft of its round.
func (s *Store) SaveDraft(d *Draft) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return wrap("save draft", put(tx.Bucket(bDrafts), []byte(d.Round), d))
	})
}

// Draft returns the draft of a round (an empty one if none).
func (s *Store) Draft(round string) (*Draft, error) {
	d := &Draft{Round: round}
	err := s.db.View(func(tx *bolt.Tx) error { return get(tx.Bucket(bDrafts), []byte(round), d) })
	if errors.Is(err, ErrNotFound) {
		return d, nil
	}
	return d, wrap("read draft", err)
}

// PutBlob stores a file's bytes under their SHA-256 (hex).
func (s *Store) PutBlob(sha string, data []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return wrap("save file", tx.Bucket(bBlobs).Put([]byte(sha), data))
	})
}

// Blob returns a stored file's bytes.
func (s *Store) Blob(sha string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bBlobs).Get([]byte(sha))
		if v == nil {
			return ErrNotFound
		}
		out = bytes.Clone(v)
		return nil
	})
	return out, wrap("read file "+sha, err)
}

// RaiseSeq makes the next sequence number of round at least seq+1 (after
// learning from the server that seq was accepted).
func (s *Store) RaiseSeq(round string, seq uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSeq)
		var cur uint64
		if v := b.Get([]byte(round)); len(v) == 8 {
			cur = binary.BigEndian.Uint64(v)
		}
		if seq <= cur {
			return nil
		}
		return b.Put([]byte(round), binary.BigEndian.AppendUint64(nil, seq))
	})
}

// LastSeq returns the last sequence number used for round (0 if none).
func (s *Store) LastSeq(round string) (uint64, error) {
	var cur uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bSeq).Get([]byte(round)); len(v) == 8 {
			cur = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return cur, err
}

// ResultRecord is a round's personal result as fetched and checked.
type ResultRecord struct {
	Round     string              `json:"round"`
	Envelope  []byte              `json:"envelope"` // as received
	Result    *api.PersonalResult `json:"result,omitempty"`
	Verified  bool                `json:"verified"`
	Problem   string              `json:"problem,omitempty"` // why it is not verified (message key)
	Detail    string              `json:"detail,omitempty"`  // technical detail
	FetchedAt time.Time           `json:"fetched_at"`
}

// SaveResult stores a round's result.
func (s *Store) SaveResult(r *ResultRecord) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return wrap("save result", put(tx.Bucket(bResults), []byte(r.Round), r))
	})
}

// Results returns every stored result, by round id.
func (s *Store) Results() ([]ResultRecord, error) {
	var out []ResultRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bResults).ForEach(func(k, v []byte) error {
			var r ResultRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("result %s: %w", k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Round < out[j].Round })
	return out, wrap("read results", err)
}

// RankingDraft is an RTS's ranking of one poste's candidates being edited:
// the ordered list (best first), the candidates marked unacceptable, and
// the candidates as last fetched (so that the editor works offline).
type RankingDraft struct {
	Round string   `json:"round"`
	Poste string   `json:"poste"`
	List  []string `json:"list"`
	// Tied are the candidates of List ranked ex aequo with the one above
	// them (the first of List never is); empty: a strict order.
	Tied       []string        `json:"tied,omitempty"`
	Unranked   []string        `json:"unranked,omitempty"`
	Candidates []api.Candidate `json:"candidates,omitempty"`
	FetchedAt  time.Time       `json:"fetched_at,omitzero"`
	UpdatedAt  time.Time       `json:"updated_at,omitzero"`
}

// Ranks returns the ranks of List (the convention of api.Submission.Ranks:
// from 1, equal for candidates ex aequo), or nil when no one is tied.
func (d *RankingDraft) Ranks() []int { return ranksOf(d.List, d.Tied) }

// Ranks returns the ranks of List (the convention of api.Submission.Ranks),
// or nil when no wish is tied.
func (d *Draft) Ranks() []int { return ranksOf(d.List, d.Tied) }

// ranksOf returns the ranks of list when the elements of tied are ex aequo
// with the one above them, nil when none is (a strict order).
func ranksOf(list, tiedIDs []string) []int {
	if len(tiedIDs) == 0 {
		return nil
	}
	tied := make(map[string]bool, len(tiedIDs))
	for _, id := range tiedIDs {
		tied[id] = true
	}
	ranks := make([]int, len(list))
	some := false
	for i, id := range list {
		switch {
		case i == 0:
			ranks[i] = 1
		case tied[id]:
			ranks[i], some = ranks[i-1], true
		default:
			ranks[i] = ranks[i-1] + 1
		}
	}
	if !some {
		return nil
	}
	return ranks
}

func rankingKey(round, poste string) []byte {
	return []byte("ranking\x00" + round + "\x00" + poste)
}

// SaveRankingDraft stores the ranking draft of its round and poste.
func (s *Store) SaveRankingDraft(d *RankingDraft) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return wrap("save ranking draft", put(tx.Bucket(bDrafts), rankingKey(d.Round, d.Poste), d))
	})
}

// RankingDraft returns the ranking draft of a poste (an empty one if none).
func (s *Store) RankingDraft(round, poste string) (*RankingDraft, error) {
	d := &RankingDraft{Round: round, Poste: poste}
	err := s.db.View(func(tx *bolt.Tx) error { return get(tx.Bucket(bDrafts), rankingKey(round, poste), d) })
	if errors.Is(err, ErrNotFound) {
		return d, nil
	}
	return d, wrap("read ranking draft", err)
}
