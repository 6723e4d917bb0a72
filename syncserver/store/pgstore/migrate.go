package pgstore

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one versioned schema change: migrations/NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Checksum is the hex SHA-256 of the migration's SQL, recorded when it is
// applied: a migration edited after it was applied somewhere is refused.
func (m Migration) Checksum() string {
	sum := sha256.Sum256([]byte(m.SQL))
	return hex.EncodeToString(sum[:])
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.sql$`)

// Migrations returns the embedded migrations in order. Their versions
// must run 1, 2, 3… without a gap or a repeat.
func Migrations() ([]Migration, error) {
	return readMigrations(migrationFiles, "migrations")
}

func readMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("pgstore: migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("pgstore: migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("pgstore: migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("pgstore: migration %04d_%s: expected version %04d (versions run 1, 2, 3… without gaps or repeats)", m.Version, m.Name, i+1)
		}
	}
	return out, nil
}

// Beginner is what Migrate needs of a connection or pool.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// ErrNewerSchema is returned by Migrate for a database migrated by a newer
// version of the server than this one; ErrEditedMigration for a database
// where a migration was applied with other SQL than this version's.
var (
	ErrNewerSchema     = errors.New("the database schema is newer than this server")
	ErrEditedMigration = errors.New("an applied migration differs from this server's")
)

// migrateLock is the advisory lock key under which migrations run, so that
// nodes starting together apply each migration once.
const migrateLock = 0x61707061726d6967 // "apparmig"

// Migrate applies the embedded migrations that db lacks, in order, each in
// its own transaction with its row in schema_migrations, and returns the
// versions it applied.
func Migrate(ctx context.Context, db Beginner) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	return migrate(ctx, db, ms)
}

func migrate(ctx context.Context, db Beginner, ms []Migration) ([]int, error) {
	var applied []int
	for {
		v, err := migrateNext(ctx, db, ms)
		if err != nil {
			return applied, err
		}
		if v == 0 {
			return applied, nil
		}
		applied = append(applied, v)
	}
}

// migrateNext applies the first migration db lacks and returns its
// version, or 0 when db is up to date.
func migrateNext(ctx context.Context, db Beginner, ms []Migration) (int, error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("pgstore: migrate: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
		return 0, fmt.Errorf("pgstore: migrate: lock: %w", err)
	}
	_, err = tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		checksum   text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`)
	if err != nil {
		return 0, fmt.Errorf("pgstore: migrate: schema_migrations: %w", err)
	}
	rows, err := tx.Query(ctx, "SELECT version, name, checksum FROM schema_migrations ORDER BY version")
	if err != nil {
		return 0, fmt.Errorf("pgstore: migrate: read schema_migrations: %w", err)
	}
	type done struct {
		v              int
		name, checksum string
	}
	var have []done
	for rows.Next() {
		var d done
		if err := rows.Scan(&d.v, &d.name, &d.checksum); err != nil {
			rows.Close()
			return 0, fmt.Errorf("pgstore: migrate: read schema_migrations: %w", err)
		}
		have = append(have, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("pgstore: migrate: read schema_migrations: %w", err)
	}
	for i, d := range have {
		if i >= len(ms) || d.v != ms[i].Version {
			return 0, fmt.Errorf("pgstore: migration %04d_%s is recorded in the database, this server knows migrations 1 to %d: %w",
				d.v, d.name, len(ms), ErrNewerSchema)
		}
		if d.checksum != ms[i].Checksum() {
			return 0, fmt.Errorf("pgstore: migration %04d_%s was applied with checksum %s, this server's is %s: %w",
				d.v, d.name, d.checksum, ms[i].Checksum(), ErrEditedMigration)
		}
	}
	if len(have) == len(ms) {
		return 0, nil
	}
	m := ms[len(have)]
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return 0, fmt.Errorf("pgstore: migration %04d_%s: %w", m.Version, m.Name, err)
	}
	_, err = tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
		m.Version, m.Name, m.Checksum())
	if err != nil {
		return 0, fmt.Errorf("pgstore: migration %04d_%s: record: %w", m.Version, m.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("pgstore: migration %04d_%s: commit: %w", m.Version, m.Name, err)
	}
	return m.Version, nil
}
