//go:build unix

package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"appariement/shared/domain"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/store"
)

// TestUnstorableKeys: identifiers PostgreSQL's text cannot hold (a NUL
// byte, invalid UTF-8) find nothing and are refused by writes before the
// database sees them, so the transaction goes on (an append batch shared
// with other submissions is not aborted by one of them).
func TestUnstorableKeys(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	dsn := newDatabase(t, c)
	b, err := OpenBackend(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	bad := []string{"a\x00b", "\xff\xfe", "R1\x00"}
	err = b.Update(func(tx store.Tx) error {
		for _, k := range bad {
			if _, err := tx.Person(k); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Person(%q): %v, want ErrNotFound", k, err)
			}
			if _, err := tx.PublicKey(k); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("PublicKey(%q): %v, want ErrNotFound", k, err)
			}
			if _, err := tx.Current(k, k, k); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Current(%q): %v, want ErrNotFound", k, err)
			}
			if a, err := tx.AcceptedDigest(k); a != nil || err != nil {
				t.Errorf("AcceptedDigest(%q): %v, %v; want nil, nil", k, a, err)
			}
			if tx.IsEligible(k, k) || tx.HasPendingCode(k) || tx.MailOnce(k) {
				t.Errorf("%q found", k)
			}
			if err := tx.PutPerson(domain.Person{ID: k, Role: domain.RoleIntern}); err == nil {
				t.Errorf("PutPerson(%q) accepted", k)
			}
			if err := tx.PutCurrent(store.Current{Round: "R1", Author: k}); err == nil {
				t.Errorf("PutCurrent(author %q) accepted", k)
			}
			if err := tx.UseNonce(k, time.Now(), time.Now().Add(time.Minute)); err == nil {
				t.Errorf("UseNonce(%q) accepted", k)
			}
		}
		return tx.PutPerson(domain.Person{ID: "ok", Role: domain.RoleIntern})
	})
	if err != nil {
		t.Fatalf("the transaction after refused keys: %v", err)
	}
	if err := b.View(func(tx store.Tx) error { _, err := tx.Person("ok"); return err }); err != nil {
		t.Fatal(err)
	}
}
