// Package store is the sync server's storage: the people and their public
// keys, activation codes, rounds and their postes, the transparency log of
// every accepted submission, the candidate files, the audit log and the
// results.
//
// A Store holds the logic that does not depend on the database engine
// (the signing key, signed checkpoints and receipts, the group commit of
// Append, the clock check, activation codes) over a Backend, the engine's
// part, whose contract is in contract.go: boltstore (one bbolt file, the
// default) implements it, and the contract tests in storetest check it.
//
// Reads and administrative writes go through View and Update, which hand a
// Tx with typed methods; several writes in one Update commit together.
// Submissions go through Append, which groups concurrent appends into one
// write transaction and answers only once it is durable.
package store

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// DefaultName is the key name of a server whose configuration names none.
const DefaultName = "appariement"

// Options tunes a store. The zero value is usable.
type Options struct {
	// Name is the server's key name, used in signed checkpoints. It is
	// recorded on first open; later opens keep the recorded name.
	Name string
	// Clock gives the server time stamped in log leaves (time.Now if nil).
	Clock func() time.Time
	// MaxBatch bounds the submissions committed in one transaction (default 512).
	MaxBatch int
	// OnBatch, if set, is called after each group commit with its size and duration.
	OnBatch func(n int, d time.Duration)
	// Logger receives the store's few log lines (slog.Default if nil).
	Logger *slog.Logger
	// Key is the server's signing key, kept outside the store (its own
	// file, see keyfile), so that a copy of the store cannot sign. Without
	// it the store opens for reading and bookkeeping only: Checkpoint,
	// Receipt and Sign fail (SetKey gives it later). The store records the
	// key's public half on first use and refuses another key afterwards.
	Key ed25519.PrivateKey
}

// ErrNoKey is returned by signing operations of a store opened without
// its signing key; ErrKeyMismatch by Open or SetKey given a key other than
// the one the store recorded.
var (
	ErrNoKey       = errors.New("store: opened without the server's signing key")
	ErrKeyMismatch = errors.New("store: the signing key is not the one this store recorded")
)

// Store is an open store. It is safe for concurrent use.
type Store struct {
	b      Backend
	opts   Options
	keyMu  sync.RWMutex
	key    ed25519.PrivateKey // nil: opened without it
	pub    []byte             // the recorded public key (nil: none yet)
	legacy ed25519.PrivateKey // a seed found in the store (earlier versions, see boltstore.MoveLegacyKey)
	name   string
	signer note.Signer

	appends chan *pending
	stop    chan struct{}
	stopped chan struct{}
	closeMu sync.Once

	cpMu    sync.Mutex
	cpCache checkpoint

	argonSem chan struct{}

	health health
}

// New opens a store over backend b: it records the key name on first
// use, reads the recorded public key, takes opts.Key and starts the group
// committer. On error b is closed.
func New(b Backend, opts Options) (*Store, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Store{
		b:        b,
		opts:     opts,
		appends:  make(chan *pending, 4*opts.MaxBatch),
		stop:     make(chan struct{}),
		stopped:  make(chan struct{}),
		argonSem: make(chan struct{}, runtime.NumCPU()),
	}
	if err := s.init(opts.Name); err != nil {
		b.Close()
		return nil, err
	}
	go s.commitLoop()
	return s, nil
}

// Backend returns the store's backend.
func (s *Store) Backend() Backend { return s.b }

// init records the key name on first open, reads the recorded public key
// and any legacy seed, and takes opts.Key.
func (s *Store) init(name string) error {
	err := s.b.Update(func(tx Tx) error {
		v, err := tx.GetMeta(MetaName)
		if err != nil || v != nil {
			return err
		}
		if name == "" {
			name = DefaultName
		}
		return tx.PutMeta(MetaName, []byte(name))
	})
	if err != nil {
		return fmt.Errorf("store: init: %w", err)
	}
	err = s.b.View(func(tx Tx) error {
		v, err := tx.GetMeta(MetaName)
		if err != nil {
			return err
		}
		s.name = string(v)
		if name != "" && name != s.name {
			s.opts.Logger.Warn("store: configured key name differs from the recorded one; keeping the recorded name",
				"configured", name, "recorded", s.name)
		}
		seed, err := tx.GetMeta(MetaSeed)
		if err != nil {
			return err
		}
		if len(seed) == ed25519.SeedSize {
			s.legacy = ed25519.NewKeyFromSeed(seed)
		}
		pub, err := tx.GetMeta(MetaPublicKey)
		if err != nil {
			return err
		}
		if len(pub) == ed25519.PublicKeySize {
			s.pub = bytes.Clone(pub)
		} else if s.legacy != nil {
			s.pub = s.legacy.Public().(ed25519.PublicKey)
		}
		last, err := lastLeafTime(tx)
		s.health.lastLeaf = last
		return err
	})
	if err != nil {
		return fmt.Errorf("store: init: %w", err)
	}
	switch {
	case s.opts.Key != nil:
		return s.SetKey(s.opts.Key)
	case s.legacy != nil:
		return s.useKey(s.legacy)
	}
	return nil
}

// SetKey gives the store its signing key: the one it recorded, or, for a
// store that recorded none, a new one (its public half is recorded).
func (s *Store) SetKey(key ed25519.PrivateKey) error {
	pub := key.Public().(ed25519.PublicKey)
	if s.pub != nil && !bytes.Equal(s.pub, pub) {
		return fmt.Errorf("%w (the store's key is %s, this one %s)", ErrKeyMismatch,
			envelope.Fingerprint(s.pub), envelope.Fingerprint(pub))
	}
	if s.pub == nil {
		err := s.b.Update(func(tx Tx) error { return tx.PutMeta(MetaPublicKey, pub) })
		if err != nil {
			return fmt.Errorf("store: record the server key: %w", err)
		}
		s.pub = bytes.Clone(pub)
	}
	return s.useKey(key)
}

func (s *Store) useKey(key ed25519.PrivateKey) error {
	signer, err := translog.NewSigner(s.name, key)
	if err != nil {
		return fmt.Errorf("store: checkpoint signer: %w", err)
	}
	s.keyMu.Lock()
	s.key, s.signer = key, signer
	s.keyMu.Unlock()
	return nil
}

// HasKey reports whether the store recorded a server key (it then needs
// that key to sign).
func (s *Store) HasKey() bool { return s.pub != nil }

// RotateKey replaces the store's signing key: the new public half is
// recorded, the old one kept in the key history, and the kept secrets
// (SealSecret) sealed again under the new key. The caller keeps the new
// private key in its file. With the old key (the store opened with it),
// the rotation's statement signed by both keys is recorded with it
// (KeyRotation.Statement). It is refused (an *OtherSessionsError) while
// other processes have the store open (Sessions): a node still running
// would go on signing with the old key. The check is made in the
// rotation's own write transaction, after its first read: a node that
// starts meanwhile waits for it, then finds the new key recorded and
// refuses the old one (ErrKeyMismatch).
func (s *Store) RotateKey(newKey ed25519.PrivateKey, now time.Time) error {
	if s.pub == nil {
		return ErrNoKey
	}
	rot := KeyRotation{Time: now.UTC(), Old: bytes.Clone(s.pub), New: newKey.Public().(ed25519.PublicKey)}
	s.keyMu.RLock()
	old := s.key
	s.keyMu.RUnlock()
	if old != nil {
		st, err := translog.RotationStatement(s.name, old, newKey, now)
		if err != nil {
			return fmt.Errorf("store: rotate the server key: %w", err)
		}
		rot.Statement = st
	}
	err := s.b.Update(func(tx Tx) error {
		hist, err := keyRotations(tx)
		if err != nil {
			return err
		}
		others, err := tx.OtherSessions()
		if err != nil {
			return err
		}
		if len(others) > 0 {
			return &OtherSessionsError{Op: "Rotation de la clé du serveur", OpEn: "server key rotation", Sessions: others}
		}
		b, err := json.Marshal(append(hist, rot))
		if err != nil {
			return err
		}
		if err := tx.PutMeta(MetaKeyHistory, b); err != nil {
			return err
		}
		if err := tx.DeleteMeta(MetaSeed); err != nil {
			return err
		}
		if old != nil {
			if err := resealSecrets(tx, old, newKey); err != nil {
				return err
			}
		}
		return tx.PutMeta(MetaPublicKey, rot.New)
	})
	if err != nil {
		return fmt.Errorf("store: rotate the server key: %w", err)
	}
	s.pub, s.legacy = bytes.Clone(rot.New), nil
	s.cpMu.Lock()
	s.cpCache = checkpoint{}
	s.cpMu.Unlock()
	return s.useKey(newKey)
}

func keyRotations(tx Tx) ([]KeyRotation, error) {
	var hist []KeyRotation
	v, err := tx.GetMeta(MetaKeyHistory)
	if err != nil || v == nil {
		return nil, err
	}
	if err := json.Unmarshal(v, &hist); err != nil {
		return nil, fmt.Errorf("store: key history: %w", err)
	}
	return hist, nil
}

// KeyRotations returns the rotations of the server's key, oldest first.
func (s *Store) KeyRotations() ([]KeyRotation, error) {
	var hist []KeyRotation
	err := s.b.View(func(tx Tx) error {
		var err error
		hist, err = keyRotations(tx)
		return err
	})
	return hist, err
}

// Close stops the group committer, failing appends still queued, and closes
// the backend.
func (s *Store) Close() error {
	s.closeMu.Do(func() { close(s.stop) })
	<-s.stopped
	if err := s.b.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Now returns the store's clock reading.
func (s *Store) Now() time.Time { return s.opts.Clock() }

// ServerKey returns what clients pin: the public key, its note verifier key
// and fingerprint (all zero for a new store that was never given a key).
func (s *Store) ServerKey() ServerKey {
	pub := ed25519.PublicKey(s.pub)
	if pub == nil {
		return ServerKey{Name: s.name}
	}
	nk, err := translog.NoteKey(s.name, pub)
	if err != nil {
		panic("store: note key of a valid ed25519 key: " + err.Error())
	}
	return ServerKey{Name: s.name, PublicKey: pub, NoteKey: nk, Fingerprint: envelope.Fingerprint(pub)}
}

// Sign returns an envelope of payload signed by the server. It panics on a
// store opened without its key: the server always has it.
func (s *Store) Sign(payloadType string, payload []byte) *envelope.Envelope {
	s.keyMu.RLock()
	key := s.key
	s.keyMu.RUnlock()
	if key == nil {
		panic(ErrNoKey)
	}
	return envelope.Sign(key, payloadType, payload)
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(tx Tx) error) error {
	return s.b.View(fn)
}

// Update runs fn in a read-write transaction, committed (durably) if fn
// returns nil. A commit the backend refuses for lack of space, quota or
// write access returns a *StorageError (errors.Is ErrStorageUnavailable)
// and marks the store not writable until a write succeeds again.
func (s *Store) Update(fn func(tx Tx) error) error {
	var fnErr error
	err := s.b.Update(func(tx Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if fnErr != nil {
		// fn's own refusal: nothing was written, nothing learnt about the disk
		// (unless fn itself met the full disk, e.g. growing the file).
		if StorageReason(fnErr) != "" {
			return s.noteWrite(fnErr)
		}
		return fnErr
	}
	return s.noteWrite(err)
}
