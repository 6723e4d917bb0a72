// Package boltstore is the embedded backend of the sync server's store:
// one bbolt file holding everything (store.Backend). It is the default
// (serve -db store.db), and what the demo and the tests use.
//
// The file is created with mode 0600. Every write transaction is synced
// to disk before Update returns (bbolt's fsync on commit); a single
// process holds the file (bbolt's file lock), so the log head needs no
// other lock than bbolt's single writer.
package boltstore

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Bucket names. Every top-level bucket is created on open.
var (
	bMeta     = []byte("meta")        // server key, name, tree size, counters
	bPeople   = []byte("people")      // person id → domain.Person
	bKeys     = []byte("keys")        // person id → KeyRecord (current key)
	bKeyHist  = []byte("keyhist")     // person id \x00 seq → KeyRecord (every key ever registered)
	bCodes    = []byte("codes")       // person id → CodeRecord
	bRounds   = []byte("rounds")      // round id → RoundRecord
	bSubs     = []byte("subs")        // round \x00 author \x00 poste → Current
	bDigests  = []byte("digests")     // envelope digest → Accepted
	bLeaves   = []byte("leaves")      // leaf index → leaf data
	bHashes   = []byte("hashes")      // tlog stored hash index → hash
	bFiles    = []byte("files")       // sha256 \x00 owner → FileInfo
	bOwnFiles = []byte("owner-files") // owner \x00 sha256 → size (uint64), for quotas
	bBlobs    = []byte("blobs")       // sha256 → file bytes
	bAudit    = []byte("audit")       // sequence → AuditEntry
	bNonces   = []byte("nonces")      // see nonces.go
	bRoundsOf = []byte("r")           // round id → bucket of the round's postes, eligible, results
	bCorrect  = []byte("corrections") // correction id → Correction
	bMail     = []byte("mail")        // sequence → Mail
	bMailDue  = []byte("mail-due")    // sequence → nothing: the mails still queued
	bMailOnce = []byte("mail-once")   // notification key → mail id: each notification is enqueued once
	bPrefs    = []byte("prefs")       // person id → Preferences
	allBucket = [][]byte{bMeta, bPeople, bKeys, bKeyHist, bCodes, bRounds, bSubs, bDigests,
		bLeaves, bHashes, bFiles, bOwnFiles, bBlobs, bAudit, bNonces, bRoundsOf, bCorrect, bMail, bMailDue, bMailOnce, bPrefs}
)

// kSize is the tree size, in the meta bucket beside the store's metadata.
var kSize = []byte("tree-size")

// Backend is an open bbolt file (store.Backend).
type Backend struct {
	db   *bolt.DB
	path string
}

var (
	_ store.Backend  = (*Backend)(nil)
	_ store.Backuper = (*Backend)(nil)
	_ store.Tx       = (*Tx)(nil)
)

func init() {
	store.Register("file", func(path string) (store.Backend, error) { return OpenBackend(path) })
}

// Open opens (or creates) the store file at path and the store over it.
func Open(path string, opts store.Options) (*store.Store, error) {
	b, err := OpenBackend(path)
	if err != nil {
		return nil, err
	}
	return store.New(b, opts)
}

// OpenBackend opens (or creates, mode 0600) the bbolt file at path and
// creates its buckets.
func OpenBackend(path string) (*Backend, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: chmod %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBucket {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: init %s: %w", path, err)
	}
	return &Backend{db: db, path: path}, nil
}

// OpenReadOnly opens the existing bbolt file at path for reading only
// (bbolt's ReadOnly: the file is opened O_RDONLY under a shared lock,
// never written, and a server holding it makes the open time out). Its
// Updates fail. The file must be a store: every bucket present, as
// OpenBackend leaves it.
func OpenReadOnly(path string) (*Backend, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		for _, b := range allBucket {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("bucket %s missing (a file of an earlier version: start the server on it once, then stop it)", b)
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s is not a complete store file: %w", path, err)
	}
	return &Backend{db: db, path: path}, nil
}

// Tx is a bbolt transaction (store.Tx).
type Tx struct {
	tx  *bolt.Tx
	err error // sticky error of the methods without an error result
	// importing is set by the first Import of the transaction, once the
	// file was found empty.
	importing bool
}

func (tx *Tx) fail(err error) {
	if tx.err == nil {
		tx.err = err
	}
}

// View runs fn in a bbolt read transaction.
func (b *Backend) View(fn func(store.Tx) error) error {
	return b.db.View(func(btx *bolt.Tx) error {
		t := &Tx{tx: btx}
		err := fn(t)
		if t.err != nil {
			// The contract: a method without an error result that met
			// an error makes the transaction fail with that error, even
			// if fn returned its own (which may only echo the zero value).
			return t.err
		}
		return err
	})
}

// Update runs fn in a bbolt write transaction, committed and synced if fn
// returns nil.
func (b *Backend) Update(fn func(store.Tx) error) error {
	return b.db.Update(func(btx *bolt.Tx) error {
		t := &Tx{tx: btx}
		err := fn(t)
		if t.err != nil {
			// The contract: a method without an error result that met
			// an error makes the transaction fail with that error, even
			// if fn returned its own (which may only echo the zero value).
			return t.err
		}
		return err
	})
}

// FreeBytes returns the space left to an unprivileged writer on the file
// system of the file (-1 if unknown).
func (b *Backend) FreeBytes() int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(b.path), &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * st.Bsize
}

// String returns the file's path.
func (b *Backend) String() string { return b.path }

// Close closes the file.
func (b *Backend) Close() error { return b.db.Close() }

// Backup writes a consistent copy of the whole file to w while it stays
// open and serving: the copy is made inside one bbolt read transaction
// (tx.WriteTo), so it is the state of one instant, and submissions, which
// only need the write lock, go on during the copy.
func (b *Backend) Backup(w io.Writer) error {
	return b.db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(w)
		return err
	})
}

// GetMeta returns a metadata value (nil if unset).
func (tx *Tx) GetMeta(name string) ([]byte, error) {
	v := tx.bucket(bMeta).Get([]byte(name))
	if v == nil {
		return nil, nil
	}
	return append([]byte{}, v...), nil
}

// PutMeta sets a metadata value.
func (tx *Tx) PutMeta(name string, value []byte) error {
	if err := tx.bucket(bMeta).Put([]byte(name), value); err != nil {
		return fmt.Errorf("store: meta %s: %w", name, err)
	}
	return nil
}

// DeleteMeta removes a metadata value.
func (tx *Tx) DeleteMeta(name string) error {
	if err := tx.bucket(bMeta).Delete([]byte(name)); err != nil {
		return fmt.Errorf("store: meta %s: %w", name, err)
	}
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
		seed := []byte(store.MetaSeed)
		if meta == nil || len(meta.Get(seed)) != ed25519.SeedSize {
			return nil
		}
		key = ed25519.NewKeyFromSeed(meta.Get(seed))
		if err := save(key); err != nil {
			return err
		}
		if err := meta.Put([]byte(store.MetaPublicKey), key.Public().(ed25519.PublicKey)); err != nil {
			return err
		}
		return meta.Delete(seed)
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

// Bootstrap creates the first admin in the store file at dbPath with the
// given public key, offline (the server must not be running on the file).
// keyName names the server key if the file is created (see
// store.Options.Name). See store.BootstrapAdmin.
func Bootstrap(dbPath, keyName string, admin domain.Person, pub ed25519.PublicKey) error {
	s, err := Open(dbPath, store.Options{Name: keyName})
	if err != nil {
		return err
	}
	defer s.Close()
	return store.BootstrapAdmin(s, admin, pub)
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

// OtherSessions returns none: the file is held by one process at a time
// (bbolt's file lock), so no other process has it open (store.Sessions).
func (tx *Tx) OtherSessions() ([]store.Session, error) { return nil, nil }
