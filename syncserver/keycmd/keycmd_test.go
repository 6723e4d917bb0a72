package keycmd_test

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/translog"
	"appariement/syncserver/keycmd"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/server"
	"appariement/syncserver/store"
)

func open(t *testing.T, db string) *server.Server {
	t.Helper()
	srv, err := server.Open(server.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestKeyFileAndRotation (issue 11, point 9): the server keeps its signing
// key in its own file (mode 0600) and refuses to start without it once the
// store knows it; a rotation keeps the log, signs on with the new key and
// publishes a statement signed by both.
func TestKeyFileAndRotation(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "store.db")
	srv := open(t, db)
	k1 := srv.Store().ServerKey()
	if err := srv.Store().Update(func(tx store.Tx) error {
		return tx.PutPerson(domain.Person{ID: "i1", Role: domain.RoleIntern})
	}); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	st, err := os.Stat(db + ".key")
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", st, err)
	}
	key, _ := keyfile.Read(db + ".key")
	if raw, _ := os.ReadFile(db); bytes.Contains(raw, key.Seed()) {
		t.Fatal("the store file holds the signing key")
	}
	// Without its key file, the store does not open (a new key would fork).
	os.Rename(db+".key", db+".key.away")
	if _, err := server.Open(server.Config{DBPath: db}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("open without the key file: %v", err)
	}
	os.Rename(db+".key.away", db+".key")

	var out bytes.Buffer
	if err := keycmd.Rotate(db, db+".key", time.Unix(1_800_000_000, 0), &out); err != nil {
		t.Fatal(err)
	}
	srv = open(t, db)
	defer srv.Close()
	k2 := srv.Store().ServerKey()
	if bytes.Equal(k1.PublicKey, k2.PublicKey) {
		t.Fatal("rotation kept the key")
	}
	cp, _, err := srv.Store().Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := translog.NewVerifier(api.ServerKey(k2))
	if _, err := v2.OpenCheckpoint(cp); err != nil {
		t.Fatalf("checkpoint after rotation: %v", err)
	}
	v1, _ := translog.NewVerifier(api.ServerKey(k1))
	if _, err := v1.OpenCheckpoint(cp); err == nil {
		t.Fatal("the old key still verifies new checkpoints")
	}
	var p domain.Person
	if err := srv.Store().View(func(tx store.Tx) error { q, err := tx.Person("i1"); p = *q; return err }); err != nil || p.ID != "i1" {
		t.Fatalf("data lost in rotation: %v", err)
	}
	notes, _ := filepath.Glob(db + ".key.rotation-*.note")
	if len(notes) != 1 {
		t.Fatalf("rotation statements: %v", notes)
	}
	statement, _ := os.ReadFile(notes[0])
	if err := translog.VerifyRotation(statement, k1.Name, k1.PublicKey, k2.PublicKey); err != nil {
		t.Fatal(err)
	}
	if err := translog.VerifyRotation(statement, k1.Name, k2.PublicKey, k2.PublicKey); err == nil {
		t.Fatal("a statement verified without the old key")
	}
	if olds, _ := filepath.Glob(db + ".key.old-*"); len(olds) != 1 {
		t.Fatalf("old key files: %v", olds)
	}
}

// TestLegacyStoreKeyMovedOut: a store of an earlier version, with the
// signing key's seed inside, is opened with its key moved to its own file;
// the store is rewritten without it, and keeps its identity.
func TestLegacyStoreKeyMovedOut(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "store.db")
	srv := open(t, db)
	srv.Close()
	key, _ := keyfile.Read(db + ".key")
	// Make it the store of an earlier version: the seed inside, no file.
	bdb, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	bdb.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket([]byte("meta"))
		m.Delete([]byte("server-public-key"))
		return m.Put([]byte("server-key-seed"), key.Seed())
	})
	bdb.Close()
	os.Remove(db + ".key")
	srv = open(t, db)
	defer srv.Close()
	if !bytes.Equal(srv.Store().ServerKey().PublicKey, key.Public().(ed25519.PublicKey)) {
		t.Fatal("the legacy store changed key")
	}
	moved, err := keyfile.Read(db + ".key")
	if err != nil || !moved.Equal(key) {
		t.Fatalf("key file after the move: %v", err)
	}
	if raw, _ := os.ReadFile(db); bytes.Contains(raw, key.Seed()) {
		t.Fatal("the seed is still in the store file")
	}
}
