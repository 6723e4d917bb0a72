// Package store is the sync server's embedded database: one bbolt file
// holding the people and their public keys, activation codes, rounds and
// their postes, the transparency log of every accepted submission, the
// candidate files, the audit log and the results.
//
// Reads and administrative writes go through View and Update, which hand a
// *Tx with typed methods; several writes in one Update commit together (one
// fsync). Submissions go through Append, which groups concurrent appends
// into one write transaction and answers only once it is durable.
//
// The server's Ed25519 key is generated on first open and kept in the file,
// which is created with mode 0600.
package store

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/note"

	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// Errors returned by the store. Callers test them with errors.Is.
var (
	ErrNotFound        = errors.New("not found")
	ErrExists          = errors.New("already exists")
	ErrBadCode         = errors.New("wrong or expired activation code")
	ErrDelayed         = errors.New("too many recent activation tries: wait before the next")
	ErrAlreadyEnrolled = errors.New("already enrolled")
	ErrNonceUsed       = errors.New("nonce already used")
	ErrClosed          = errors.New("store is closed")
)

// DefaultName is the key name of a server whose configuration names none.
const DefaultName = "appariement"

// Bucket names. Every top-level bucket is created on open.
var (
	bMeta     = []byte("meta")        // server key, name, tree size, counters
	bPeople   = []byte("people")      // person id → domain.Person
	bKeys     = []byte("keys")        // person id → KeyRecord (current key)
	bKeyHist  = []byte("keyhist")     // person id \x00 seq → KeyRecord (every key ever registered)
	bCodes    = []byte("codes")       // person id → codeRecord
	bRounds   = []byte("rounds")      // round id → RoundRecord
	bSubs     = []byte("subs")        // round \x00 author \x00 poste → Current
	bDigests  = []byte("digests")     // envelope digest → leaf index
	bLeaves   = []byte("leaves")      // leaf index → leaf data
	bHashes   = []byte("hashes")      // tlog stored hash index → hash
	bFiles    = []byte("files")       // sha256 \x00 owner → FileInfo
	bOwnFiles = []byte("owner-files") // owner \x00 sha256 → size (uint64), for quotas
	bBlobs    = []byte("blobs")       // sha256 → file bytes
	bAudit    = []byte("audit")       // sequence → AuditEntry
	bNonces   = []byte("nonces")      // nonce → expiry (unix nanoseconds)
	bRoundsOf = []byte("r")           // round id → bucket of the round's postes, eligible, results
	bCorrect  = []byte("corrections") // correction id → api.Correction
	allBucket = [][]byte{bMeta, bPeople, bKeys, bKeyHist, bCodes, bRounds, bSubs, bDigests,
		bLeaves, bHashes, bFiles, bOwnFiles, bBlobs, bAudit, bNonces, bRoundsOf, bCorrect, bMail, bMailDue, bMailOnce, bPrefs}
)

// Keys in the meta bucket.
var (
	kSeed     = []byte("server-key-seed") // legacy: the signing key's seed, kept in the store before it moved to its own file
	kPub      = []byte("server-public-key")
	kKeyHist  = []byte("server-key-history") // JSON list of KeyRotation
	kName     = []byte("server-key-name")
	kSize     = []byte("tree-size")
	kLastTime = []byte("last-leaf-time")
	kProbe    = []byte("write-probe") // rewritten while writes fail, to see when space returns
)

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

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db     *bolt.DB
	path   string
	opts   Options
	keyMu  sync.RWMutex
	key    ed25519.PrivateKey // nil: opened without it
	pub    []byte             // the recorded public key (nil: none yet)
	legacy ed25519.PrivateKey // a seed found in the store (earlier versions, see MoveLegacyKey)
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

// Open opens (or creates) the store file at path.
func Open(path string, opts Options) (*Store, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: chmod %s: %w", path, err)
	}
	s := &Store{
		db:       db,
		path:     path,
		opts:     opts,
		appends:  make(chan *pending, 4*opts.MaxBatch),
		stop:     make(chan struct{}),
		stopped:  make(chan struct{}),
		argonSem: make(chan struct{}, runtime.NumCPU()),
	}
	if err := s.init(opts.Name); err != nil {
		db.Close()
		return nil, err
	}
	go s.commitLoop()
	return s, nil
}

// init creates the buckets, records the key name on first open, reads
// the recorded public key and any legacy seed, and takes opts.Key.
func (s *Store) init(name string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBucket {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		meta := tx.Bucket(bMeta)
		if meta.Get(kName) == nil {
			if name == "" {
				name = DefaultName
			}
			if err := meta.Put(kName, []byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: init: %w", err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		s.name = string(meta.Get(kName))
		if name != "" && name != s.name {
			s.opts.Logger.Warn("store: configured key name differs from the recorded one; keeping the recorded name",
				"configured", name, "recorded", s.name)
		}
		if seed := meta.Get(kSeed); len(seed) == ed25519.SeedSize {
			s.legacy = ed25519.NewKeyFromSeed(seed)
		}
		if pub := meta.Get(kPub); len(pub) == ed25519.PublicKeySize {
			s.pub = bytes.Clone(pub)
		} else if s.legacy != nil {
			s.pub = s.legacy.Public().(ed25519.PublicKey)
		}
		last, err := (&Tx{tx: tx, s: s}).lastLeafTime()
		s.health.lastLeaf = last
		return err
	})
	if err != nil {
		return err
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
		err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kPub, pub) })
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

// MoveLegacyKey moves the signing key that a store file of an earlier
// version kept inside itself out of it: save receives the key (to write it
// to its own file) and must succeed before the key leaves the store; the
// file is then rewritten compacted, so that no free page keeps a copy of
// the seed. It reports whether there was a key to move; a missing file or
// a store without a seed is left alone. The store must not be open.
func MoveLegacyKey(path string, save func(ed25519.PrivateKey) error) (bool, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return false, fmt.Errorf("store: open %s: %w", path, err)
	}
	var key ed25519.PrivateKey
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil || len(meta.Get(kSeed)) != ed25519.SeedSize {
			return nil
		}
		key = ed25519.NewKeyFromSeed(meta.Get(kSeed))
		if err := save(key); err != nil {
			return err
		}
		if err := meta.Put(kPub, key.Public().(ed25519.PublicKey)); err != nil {
			return err
		}
		return meta.Delete(kSeed)
	})
	if err != nil || key == nil {
		db.Close()
		if err != nil {
			return false, fmt.Errorf("store: move the signing key out of %s: %w", path, err)
		}
		return false, nil
	}
	tmp := path + ".compact"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, nil)
	if err == nil {
		err = bolt.Compact(dst, db, 64<<20)
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
	}
	db.Close()
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return true, fmt.Errorf("store: rewrite %s without the key's old pages: %w", path, err)
	}
	return true, nil
}

// HasKey reports whether the store recorded a server key (it then needs
// that key to sign).
func (s *Store) HasKey() bool { return s.pub != nil }

// KeyRotation records that the server's signing key changed.
type KeyRotation struct {
	Time time.Time         `json:"time"`
	Old  ed25519.PublicKey `json:"old"`
	New  ed25519.PublicKey `json:"new"`
}

// RotateKey replaces the store's signing key: the new public half is
// recorded, the old one kept in the key history. The caller keeps the new
// private key in its file.
func (s *Store) RotateKey(newKey ed25519.PrivateKey, now time.Time) error {
	if s.pub == nil {
		return ErrNoKey
	}
	rot := KeyRotation{Time: now.UTC(), Old: bytes.Clone(s.pub), New: newKey.Public().(ed25519.PublicKey)}
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		var hist []KeyRotation
		if v := meta.Get(kKeyHist); v != nil {
			if err := json.Unmarshal(v, &hist); err != nil {
				return err
			}
		}
		b, err := json.Marshal(append(hist, rot))
		if err != nil {
			return err
		}
		if err := meta.Put(kKeyHist, b); err != nil {
			return err
		}
		if err := meta.Delete(kSeed); err != nil {
			return err
		}
		return meta.Put(kPub, rot.New)
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

// KeyRotations returns the rotations of the server's key, oldest first.
func (s *Store) KeyRotations() ([]KeyRotation, error) {
	var hist []KeyRotation
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kKeyHist); v != nil {
			return json.Unmarshal(v, &hist)
		}
		return nil
	})
	return hist, err
}

// Close stops the group committer, failing appends still queued, and closes
// the file.
func (s *Store) Close() error {
	s.closeMu.Do(func() { close(s.stop) })
	<-s.stopped
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Now returns the store's clock reading.
func (s *Store) Now() time.Time { return s.opts.Clock() }

// ServerKey returns what clients pin: the public key, its note verifier key
// and fingerprint (all zero for a new store that was never given a key).
func (s *Store) ServerKey() api.ServerKey {
	pub := ed25519.PublicKey(s.pub)
	if pub == nil {
		return api.ServerKey{Name: s.name}
	}
	nk, err := translog.NoteKey(s.name, pub)
	if err != nil {
		panic("store: note key of a valid ed25519 key: " + err.Error())
	}
	return api.ServerKey{Name: s.name, PublicKey: pub, NoteKey: nk, Fingerprint: envelope.Fingerprint(pub)}
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

// Tx is a read or read-write transaction with the store's typed accessors.
type Tx struct {
	tx *bolt.Tx
	s  *Store
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(tx *Tx) error) error {
	return s.db.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, s: s}) })
}

// Update runs fn in a read-write transaction, committed (and synced to
// disk) if fn returns nil. A commit the file system refuses for lack of
// space, quota or write access returns a *StorageError (errors.Is
// ErrStorageUnavailable) and marks the store not writable until a write
// succeeds again.
func (s *Store) Update(fn func(tx *Tx) error) error {
	var fnErr error
	err := s.db.Update(func(btx *bolt.Tx) error {
		fnErr = fn(&Tx{tx: btx, s: s})
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

func (tx *Tx) bucket(name []byte) *bolt.Bucket { return tx.tx.Bucket(name) }

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put(key, data)
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func key(parts ...string) []byte {
	var b []byte
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return b
}

// nextSeq returns the next sequence number of bucket b as a big-endian key.
func nextSeq(b *bolt.Bucket) ([]byte, error) {
	n, err := b.NextSequence()
	if err != nil {
		return nil, err
	}
	return u64(n), nil
}
