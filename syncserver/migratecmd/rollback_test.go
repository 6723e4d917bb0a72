//go:build unix

package migratecmd

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"appariement/shared/domain"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/store"
	"appariement/syncserver/store/storetest"
)

// TestMigrateMismatchRollsBack: a copy that the verification finds
// different from its source (a record changed in the target's transaction
// after the import, before the verification) is not committed: the
// PostgreSQL target stays empty, the problem is reported, and the same
// command run again succeeds.
func TestMigrateMismatchRollsBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	from := filledSource(t, dir)
	c := pgtest.Start(t, pgtest.Options{})
	dsn, err := c.CreateDB(ctx, "mismatch")
	if err != nil {
		t.Fatal(err)
	}
	empty := func(when string) {
		t.Helper()
		b, err := store.OpenBackend(dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if recs, _ := storetest.Records(t, b); len(recs) != 0 {
			t.Fatalf("%s: the target holds %d records, want none", when, len(recs))
		}
	}

	afterImport = func(tx store.Tx) error {
		return tx.PutPerson(domain.Person{ID: "i1", Role: domain.RoleIntern, LastName: "Autre"})
	}
	rep, err := Migrate(ctx, Options{From: from, To: dsn, SigningKey: from + ".key", Batch: 3})
	afterImport = nil
	if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "rien n'a été écrit") {
		t.Fatalf("a copy that differs: %v, want ErrMismatch saying nothing was written", err)
	}
	if rep.Copied || !strings.Contains(strings.Join(rep.Problems, "\n"), "person : mêmes nombres, contenus différents") {
		t.Fatalf("a copy that differs: copied %v, problems %q", rep.Copied, rep.Problems)
	}
	var out strings.Builder
	rep.Print(&out, Options{From: from, To: dsn})
	if !strings.Contains(out.String(), "ÉCHEC de la vérification avant validation : rien n'a été écrit") {
		t.Errorf("the report of a copy that differs:\n%s", out.String())
	}
	empty("after a verification that failed")

	// A signing key that is not the source's: refused before any copy.
	other := filepath.Join(dir, "other.key")
	_, otherKey, _ := ed25519.GenerateKey(nil)
	if err := keyfile.Write(other, otherKey); err != nil {
		t.Fatal(err)
	}
	if _, err := Migrate(ctx, Options{From: from, To: dsn, SigningKey: other}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("another signing key: %v, want ErrWrongKey", err)
	}
	empty("after another signing key")

	rep, err = Migrate(ctx, Options{From: from, To: dsn, SigningKey: from + ".key", Batch: 3})
	if err != nil || !rep.Copied || rep.TargetRoot != rep.Root || rep.Checkpoints != 1 {
		t.Fatalf("the run again: %v, %+v", err, rep)
	}
}
