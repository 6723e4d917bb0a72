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
	"crypto/ed25519"
	"crypto/rand"
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
	bBlobs    = []byte("blobs")       // sha256 → file bytes
	bAudit    = []byte("audit")       // sequence → AuditEntry
	bNonces   = []byte("nonces")      // nonce → expiry (unix nanoseconds)
	bRoundsOf = []byte("r")           // round id → bucket of the round's postes, eligible, results
	bCorrect  = []byte("corrections") // correction id → api.Correction
	allBucket = [][]byte{bMeta, bPeople, bKeys, bKeyHist, bCodes, bRounds, bSubs, bDigests,
		bLeaves, bHashes, bFiles, bBlobs, bAudit, bNonces, bRoundsOf, bCorrect, bMail, bMailDue, bMailOnce, bPrefs}
)

// Keys in the meta bucket.
var (
	kSeed     = []byte("server-key-seed")
	kName     = []byte("server-key-name")
	kSize     = []byte("tree-size")
	kLastTime = []byte("last-leaf-time")
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
}

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db     *bolt.DB
	opts   Options
	key    ed25519.PrivateKey
	name   string
	signer note.Signer

	appends chan *pending
	stop    chan struct{}
	stopped chan struct{}
	closeMu sync.Once

	cpMu    sync.Mutex
	cpCache checkpoint

	argonSem chan struct{}
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

// init creates the buckets and the server key on first open.
func (s *Store) init(name string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBucket {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		meta := tx.Bucket(bMeta)
		if meta.Get(kSeed) == nil {
			seed := make([]byte, ed25519.SeedSize)
			if _, err := rand.Read(seed); err != nil {
				return fmt.Errorf("generate server key: %w", err)
			}
			if name == "" {
				name = DefaultName
			}
			if err := meta.Put(kSeed, seed); err != nil {
				return err
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
	return s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		s.key = ed25519.NewKeyFromSeed(meta.Get(kSeed))
		s.name = string(meta.Get(kName))
		if name != "" && name != s.name {
			s.opts.Logger.Warn("store: configured key name differs from the recorded one; keeping the recorded name",
				"configured", name, "recorded", s.name)
		}
		signer, err := translog.NewSigner(s.name, s.key)
		if err != nil {
			return fmt.Errorf("store: checkpoint signer: %w", err)
		}
		s.signer = signer
		return nil
	})
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

// PrivateKey returns the server's signing key. It never leaves the process.
func (s *Store) PrivateKey() ed25519.PrivateKey { return s.key }

// ServerKey returns what clients pin: the public key, its note verifier key
// and fingerprint.
func (s *Store) ServerKey() api.ServerKey {
	pub := s.key.Public().(ed25519.PublicKey)
	nk, err := translog.NoteKey(s.name, pub)
	if err != nil {
		panic("store: note key of a valid ed25519 key: " + err.Error())
	}
	return api.ServerKey{Name: s.name, PublicKey: pub, NoteKey: nk, Fingerprint: envelope.Fingerprint(pub)}
}

// Sign returns an envelope of payload signed by the server.
func (s *Store) Sign(payloadType string, payload []byte) *envelope.Envelope {
	return envelope.Sign(s.key, payloadType, payload)
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
// disk) if fn returns nil.
func (s *Store) Update(fn func(tx *Tx) error) error {
	return s.db.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, s: s}) })
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
