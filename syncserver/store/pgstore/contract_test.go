//go:build unix

package pgstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"appariement/syncserver/pgtest"
	"appariement/syncserver/store"
	"appariement/syncserver/store/pgstore"
	"appariement/syncserver/store/storetest"
)

// TestContract runs the store contract suite against PostgreSQL: one
// server, a new database for each test, reopened and opened again as a
// second node on the same database.
func TestContract(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	var n atomic.Int64
	ctx := context.Background()
	dsnOf := map[store.Backend]string{}
	openDSN := func(t *testing.T, dsn string) store.Backend {
		t.Helper()
		b, err := pgstore.OpenBackend(ctx, dsn, pgstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		dsnOf[b] = dsn
		return b
	}
	storetest.Run(t, storetest.Backends{
		New: func(t *testing.T) store.Backend {
			dsn, err := c.CreateDB(ctx, fmt.Sprintf("contract%d", n.Add(1)))
			if err != nil {
				t.Fatal(err)
			}
			return openDSN(t, dsn)
		},
		Reopen:  func(t *testing.T, closed store.Backend) store.Backend { return openDSN(t, dsnOf[closed]) },
		Another: func(t *testing.T, open store.Backend) store.Backend { return openDSN(t, dsnOf[open]) },
		// The log head's row removed behind the backend's back: TreeSize
		// then meets an error (no row) that must fail the transaction.
		Damage: func(t *testing.T, closed store.Backend) store.Backend {
			b := openDSN(t, dsnOf[closed])
			conn, err := pgx.Connect(ctx, dsnOf[closed])
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "DELETE FROM log_head"); err != nil {
				t.Fatal(err)
			}
			return b
		},
	})
}

// TestOpenByLocation opens a store by its postgres:// location, as
// serve -store does.
func TestOpenByLocation(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	dsn, err := c.CreateDB(context.Background(), "bylocation")
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(dsn, store.Options{Key: storetest.ServerKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Backend().String(); got != dsn {
		t.Fatalf("backend %q, want %q", got, dsn)
	}
}
