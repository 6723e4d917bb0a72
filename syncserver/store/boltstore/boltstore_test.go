package boltstore_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
	"appariement/syncserver/store/storetest"
)

func newBackend(t *testing.T) store.Backend {
	t.Helper()
	b, err := boltstore.OpenBackend(filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func reopen(t *testing.T, closed store.Backend) store.Backend {
	t.Helper()
	b, err := boltstore.OpenBackend(closed.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestContract runs the store contract suite on a bbolt file.
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Backends{New: newBackend, Reopen: reopen, Damage: damage})
}

// damage writes a tree size of 3 bytes (not 8) into a closed file, and
// opens it again.
func damage(t *testing.T, closed store.Backend) store.Backend {
	t.Helper()
	db, err := bolt.Open(closed.String(), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("tree-size"), []byte{1, 2, 3})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return reopen(t, closed)
}

func openTemp(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.db")
	s, err := boltstore.Open(path, store.Options{Name: "test.appariement", Key: storetest.ServerKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestOpenMode(t *testing.T) {
	s, path := openTemp(t)
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestKeyOutsideTheStore (issue 11, point 9): the store file never holds
// the signing key; a seed left by an earlier version is found, signs until
// it is moved, and MoveLegacyKey moves it out and rewrites the file so
// that no page keeps it.
func TestKeyOutsideTheStore(t *testing.T) {
	s, path := openTemp(t)
	if _, _, err := s.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, storetest.ServerKey.Seed()) || bytes.Contains(raw, storetest.ServerKey) {
		t.Fatal("the store file contains the signing key")
	}
	// A store of an earlier version, with its seed inside.
	_, legacyKey, _ := ed25519.GenerateKey(nil)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket([]byte("meta"))
		m.Delete([]byte(store.MetaPublicKey))
		return m.Put([]byte(store.MetaSeed), legacyKey.Seed())
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	old, err := boltstore.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := old.Checkpoint(); err != nil {
		t.Fatalf("a legacy store signs with its seed until it is moved: %v", err)
	}
	old.Close()
	var saved ed25519.PrivateKey
	moved, err := boltstore.MoveLegacyKey(path, func(k ed25519.PrivateKey) error { saved = k; return nil })
	if err != nil || !moved || string(saved) != string(legacyKey) {
		t.Fatalf("MoveLegacyKey = %v, %v", moved, err)
	}
	raw, _ = os.ReadFile(path)
	if bytes.Contains(raw, legacyKey.Seed()) {
		t.Fatal("the legacy seed is still in the store file (a free page keeps it)")
	}
	if moved, err := boltstore.MoveLegacyKey(path, nil); moved || err != nil {
		t.Fatalf("second move: %v %v", moved, err)
	}
	s3, err := boltstore.Open(path, store.Options{Key: legacyKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if _, _, err := s3.Checkpoint(); err != nil {
		t.Fatalf("the moved key signs: %v", err)
	}
	if _, err := boltstore.Open(path+".missing", store.Options{}); err != nil {
		t.Fatalf("a new file: %v", err)
	}
	if moved, err := boltstore.MoveLegacyKey(filepath.Join(t.TempDir(), "none.db"), nil); moved || err != nil {
		t.Fatalf("MoveLegacyKey of a missing file: %v %v", moved, err)
	}
}

// TestBackup: the online copy opens as a store with the same log.
func TestBackup(t *testing.T) {
	s, _ := openTemp(t)
	_, tree, _ := s.Checkpoint()
	var buf bytes.Buffer
	if err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := boltstore.Open(copyPath, store.Options{Key: storetest.ServerKey})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, got, err := c.Checkpoint(); err != nil || got != tree {
		t.Fatalf("copy's tree %v, %v; want %v", got, err, tree)
	}
	if errors.Is(s.Backup(&buf), store.ErrNoBackup) {
		t.Fatal("bbolt backend without online copy")
	}
}

// TestOpenByLocation: store.Open of a bare path or a file:// URL is the
// bbolt backend; an unknown scheme is refused, naming the known ones.
func TestOpenByLocation(t *testing.T) {
	dir := t.TempDir()
	for _, loc := range []string{filepath.Join(dir, "a.db"), "file://" + filepath.Join(dir, "b.db")} {
		s, err := store.Open(loc, store.Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v", loc, err)
		}
		if _, ok := s.Backend().(*boltstore.Backend); !ok {
			t.Errorf("Open(%q) backend %T", loc, s.Backend())
		}
		s.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "b.db")); err != nil {
		t.Errorf("file:// URL: %v", err)
	}
	if _, err := store.Open("nosuch://x", store.Options{}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("file")) {
		t.Errorf("unknown scheme: %v", err)
	}
}
