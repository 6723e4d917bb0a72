//go:build unix

package pgstore

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"appariement/syncserver/pgtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestReadMigrations(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  []int
		err   string
	}{
		{"in order", []string{"0002_b.sql", "0001_a.sql", "0003_c.sql"}, []int{1, 2, 3}, ""},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, nil, "expected version 0002"},
		{"repeat", []string{"0001_a.sql", "0001_b.sql"}, nil, "expected version 0002"},
		{"not from 1", []string{"0002_a.sql"}, nil, "expected version 0001"},
		{"bad name", []string{"0001_a.sql", "2_b.sql"}, nil, "not named NNNN_name.sql"},
		{"upper case", []string{"0001_Init.sql"}, nil, "not named NNNN_name.sql"},
		{"none", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"m": &fstest.MapFile{Mode: 0o755 | 1<<31}}
			for _, f := range tt.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			ms, err := readMigrations(fsys, "m")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("versions %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEmbeddedMigrations checks the shipped files' names and order.
func TestEmbeddedMigrations(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Name != "init" {
		t.Fatalf("migrations %v: want 0001_init first", ms)
	}
}

// TestMigrate runs the migration runner against a real PostgreSQL, one
// database per case.
func TestMigrate(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	ctx := context.Background()
	n := 0
	newDB := func(t *testing.T) *pgxpool.Pool {
		t.Helper()
		n++
		dsn, err := c.CreateDB(ctx, fmt.Sprintf("m%d", n))
		if err != nil {
			t.Fatal(err)
		}
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return pool
	}
	mig := func(v int, name, sql string) Migration { return Migration{Version: v, Name: name, SQL: sql} }
	one := mig(1, "one", "CREATE TABLE a (x int); CREATE TABLE b (y int);")
	two := mig(2, "two", "ALTER TABLE a ADD COLUMN z text;")
	bad := mig(2, "bad", "CREATE TABLE c (x int); CREATE TABLE a (x int);") // a exists: fails after creating c

	t.Run("fresh database gets the whole schema", func(t *testing.T) {
		db := newDB(t)
		got, err := Migrate(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := Migrations()
		if len(got) != len(ms) {
			t.Fatalf("applied %v, want all %d", got, len(ms))
		}
		golden(t, "schema.golden", schemaOf(t, db))
		var size int64
		if err := db.QueryRow(ctx, "SELECT size FROM log_head").Scan(&size); err != nil || size != 0 {
			t.Fatalf("log head: size %d, %v; want one row of size 0", size, err)
		}
		again, err := Migrate(ctx, db)
		if err != nil || len(again) != 0 {
			t.Fatalf("second run applied %v (%v), want nothing", again, err)
		}
	})
	t.Run("applies only what is missing, in order", func(t *testing.T) {
		db := newDB(t)
		if got, err := migrate(ctx, db, []Migration{one}); err != nil || !slices.Equal(got, []int{1}) {
			t.Fatalf("applied %v, %v", got, err)
		}
		if got, err := migrate(ctx, db, []Migration{one, two}); err != nil || !slices.Equal(got, []int{2}) {
			t.Fatalf("applied %v, %v; want [2]", got, err)
		}
		if got := recorded(t, db); !slices.Equal(got, []string{"1 one", "2 two"}) {
			t.Fatalf("recorded %v", got)
		}
	})
	t.Run("a failing migration changes nothing", func(t *testing.T) {
		db := newDB(t)
		got, err := migrate(ctx, db, []Migration{one, bad})
		if err == nil || !strings.Contains(err.Error(), "0002_bad") {
			t.Fatalf("err = %v, want the failure of 0002_bad", err)
		}
		if !slices.Equal(got, []int{1}) {
			t.Fatalf("applied %v, want [1]", got)
		}
		if got := recorded(t, db); !slices.Equal(got, []string{"1 one"}) {
			t.Fatalf("recorded %v, want only 1", got)
		}
		var exists bool
		db.QueryRow(ctx, "SELECT to_regclass('c') IS NOT NULL").Scan(&exists)
		if exists {
			t.Fatal("table c of the failed migration exists")
		}
	})
	t.Run("an edited migration is refused", func(t *testing.T) {
		db := newDB(t)
		if _, err := migrate(ctx, db, []Migration{one}); err != nil {
			t.Fatal(err)
		}
		edited := mig(1, "one", one.SQL+" CREATE TABLE d (x int);")
		if _, err := migrate(ctx, db, []Migration{edited, two}); !errors.Is(err, ErrEditedMigration) {
			t.Fatalf("err = %v, want ErrEditedMigration", err)
		}
		if got := recorded(t, db); !slices.Equal(got, []string{"1 one"}) {
			t.Fatalf("recorded %v, want only 1", got)
		}
	})
	t.Run("a newer schema is refused", func(t *testing.T) {
		db := newDB(t)
		if _, err := migrate(ctx, db, []Migration{one, two}); err != nil {
			t.Fatal(err)
		}
		if _, err := migrate(ctx, db, []Migration{one}); !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("err = %v, want ErrNewerSchema", err)
		}
	})
	t.Run("nodes starting together apply each migration once", func(t *testing.T) {
		db := newDB(t)
		var wg sync.WaitGroup
		results := make([][]int, 4)
		errs := make([]error, 4)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = Migrate(ctx, db)
			}()
		}
		wg.Wait()
		var all []int
		for i := range results {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			all = append(all, results[i]...)
		}
		slices.Sort(all)
		ms, _ := Migrations()
		var want []int
		for _, m := range ms {
			want = append(want, m.Version)
		}
		if !slices.Equal(all, want) {
			t.Fatalf("applied together %v, want each of %v once", all, want)
		}
	})
}

func recorded(t *testing.T, db *pgxpool.Pool) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT version || ' ' || name FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// schemaOf describes the tables, columns and indexes of db's public schema.
func schemaOf(t *testing.T, db *pgxpool.Pool) string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `
		SELECT table_name || '.' || column_name || ' ' || data_type ||
		       CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END
		FROM information_schema.columns WHERE table_schema = 'public'
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	rows, err = db.Query(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname`)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// The applied_at default is the time of the run: not part of the schema.
	return "# columns\n" + strings.Join(cols, "\n") + "\n# indexes\n" + strings.Join(idx, "\n") + "\n"
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
	}
	if string(want) != got {
		t.Fatalf("%s differs from the schema the migrations make (go test -update rewrites it after review):\n--- got\n%s", path, got)
	}
}
