package migratecmd

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/domain"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
	"appariement/syncserver/store/storetest"
)

// filledSource writes in dir a stopped bbolt store, from.db, holding every
// kind of record (storetest.Fill), with its signing key in from.db.key.
func filledSource(t *testing.T, dir string) string {
	t.Helper()
	from := filepath.Join(dir, "from.db")
	if err := keyfile.Write(from+".key", storetest.ServerKey); err != nil {
		t.Fatal(err)
	}
	s, err := boltstore.Open(from, store.Options{Key: storetest.ServerKey})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Fill(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return from
}

// TestMismatchesFound migrates a store holding every kind of record
// between two bbolt files, then damages the target in several ways: each
// difference must be found (and named), and an intact copy has none.
func TestMismatchesFound(t *testing.T) {
	dir := t.TempDir()
	from := filledSource(t, dir)
	src, err := store.OpenBackend(from)
	if err != nil {
		t.Fatal(err)
	}
	srcSum, err := summarise(src)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		damage func(*testing.T, string) // the target's file, closed
		want   string                   // in a problem
	}{
		{"intact", nil, ""},
		{"a person changed", func(t *testing.T, path string) {
			update(t, path, func(tx store.Tx) error {
				return tx.PutPerson(domain.Person{ID: "i1", Role: domain.RoleIntern, LastName: "Autre"})
			})
		}, "person : mêmes nombres, contenus différents"},
		{"an audit entry more", func(t *testing.T, path string) {
			update(t, path, func(tx store.Tx) error { return tx.Audit(store.AuditEntry{Action: "x"}) })
		}, "audit : 2 dans la source, 3 dans la cible"},
		{"a stored hash damaged", func(t *testing.T, path string) {
			// The last leaf's hash: part of the root of 5 leaves.
			raw(t, path, func(tx *bolt.Tx) error {
				k := binary.BigEndian.AppendUint64(nil, uint64(tlog.StoredHashIndex(0, 4)))
				return tx.Bucket([]byte("hashes")).Put(k, make([]byte, 32))
			})
		}, "racine du journal"},
		{"a stored hash not in the root damaged", func(t *testing.T, path string) {
			raw(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("hashes")).Put(make([]byte, 8), make([]byte, 32))
			})
		}, "hash : mêmes nombres, contenus différents"},
		{"a leaf damaged", func(t *testing.T, path string) {
			raw(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("leaves")).Put(make([]byte, 8), []byte("forged"))
			})
		}, "la racine recalculée des feuilles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := filepath.Join(t.TempDir(), "to.db")
			rep, err := Migrate(context.Background(), Options{From: from, To: to, SigningKey: from + ".key"})
			if err != nil {
				t.Fatalf("migrate: %v %+v", err, rep)
			}
			if rep.Checkpoints != 1 {
				t.Errorf("signed checkpoints verified: %d, want 1", rep.Checkpoints)
			}
			if tt.damage == nil {
				return
			}
			tt.damage(t, to)
			dst, err := store.OpenBackend(to)
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			dstSum, err := summarise(dst)
			if err != nil {
				t.Fatal(err)
			}
			problems := compare(srcSum, dstSum)
			if err := dst.View(func(tx store.Tx) error {
				_, cps := checkpoints(srcSum, tx, storetest.ServerKey)
				problems = append(problems, cps...)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(problems, "\n"), tt.want) {
				t.Errorf("problems %q, want one with %q", problems, tt.want)
			}
		})
	}

	// A missing source file is not created; an empty one is refused.
	if _, err := Migrate(context.Background(), Options{From: filepath.Join(dir, "typo.db"), To: filepath.Join(dir, "x.db")}); err == nil {
		t.Error("a missing source file: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the missing source file was created (%v)", err)
	}
	emptyFile := filepath.Join(dir, "empty.db")
	b, err := store.OpenBackend(emptyFile)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := Migrate(context.Background(), Options{From: emptyFile, To: filepath.Join(dir, "y.db")}); !errors.Is(err, ErrEmptySource) {
		t.Errorf("an empty source: %v, want ErrEmptySource", err)
	}

	// A source that keeps the signing key inside is refused: the key
	// never reaches the target.
	legacy := filepath.Join(dir, "legacy.db")
	update(t, legacy, func(tx store.Tx) error { return tx.PutMeta(store.MetaSeed, storetest.ServerKey.Seed()) })
	if _, err := Migrate(context.Background(), Options{From: legacy, To: filepath.Join(dir, "z.db")}); !errors.Is(err, ErrKeyInStore) {
		t.Errorf("a source with its key inside: %v, want ErrKeyInStore", err)
	}

	// Into a file that holds anything: refused, with the French then
	// English message.
	_, err = Migrate(context.Background(), Options{From: from, To: from + ".copy"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Migrate(context.Background(), Options{From: from, To: from + ".copy"})
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("second migration into the same file: %v, want ErrNotEmpty", err)
	}
}

func update(t *testing.T, path string, fn func(store.Tx) error) {
	t.Helper()
	b, err := store.OpenBackend(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func raw(t *testing.T, path string, fn func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}
