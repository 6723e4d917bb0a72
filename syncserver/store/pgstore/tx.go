package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/syncserver/store"
)

// Tx is a transaction of the Backend: a store.Tx. It is not safe for
// concurrent use.
type Tx struct {
	ctx    context.Context
	tx     pgx.Tx
	b      *Backend
	write  bool
	locked bool // writeLock taken
	// importing is set by the first Import, once the database was found
	// empty (export.go).
	importing bool
	// err is the sticky error of the methods without an error result,
	// and of a failed write lock: the transaction then fails as a whole.
	err error

	// The log as this transaction sees it: the head (read once, locked in
	// a write transaction) and what it appended, written at flush.
	head    bool
	size    int64
	leaves  []int64
	data    map[int64][]byte
	hashes  map[int64]tlog.Hash
	newHash []int64
	digests map[string]store.Accepted
	newDig  []string
	cur     map[subKey]store.Current
	newCur  []subKey

	// What a write transaction read and keeps in memory: the accepted
	// digests and current submissions of an append batch
	// (PrefetchAppends; a nil value is a known absence), dropped at flush,
	// and the rounds' documents, dropped by a write to a round.
	seenDig   map[string]*store.Accepted
	seenCur   map[subKey]*store.Current
	roundDocs map[string][]byte
}

type subKey struct{ round, author, poste string }

// keep records err as the transaction's failure (the first one wins).
func (tx *Tx) keep(err error) {
	if err != nil && tx.err == nil {
		tx.err = classify(err)
	}
}

// lock takes the write lock before the first read or write of an Update
// (nonces excepted), so that Updates run as if one after the other. It
// returns the transaction's sticky error, if any.
func (tx *Tx) lock() error {
	if tx.err != nil {
		return tx.err
	}
	if !tx.write || tx.locked {
		return nil
	}
	if _, err := tx.tx.Exec(tx.ctx, "SELECT pg_advisory_xact_lock($1)", int64(writeLock)); err != nil {
		tx.keep(fmt.Errorf("pgstore: write lock: %w", err))
		return tx.err
	}
	tx.locked = true
	return nil
}

// writable refuses writes in a View.
func (tx *Tx) writable(what string) error {
	if !tx.write {
		return fmt.Errorf("pgstore: %s in a read-only transaction", what)
	}
	return tx.lock()
}

// next returns the next value of counter name (1, 2, 3…), in the
// transaction.
func (tx *Tx) next(name string) (int64, error) {
	var v int64
	err := tx.tx.QueryRow(tx.ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&v)
	if err != nil {
		return 0, classify(fmt.Errorf("pgstore: counter %s: %w", name, err))
	}
	return v, nil
}

// storable reports whether every string among args can be a PostgreSQL
// text value: valid UTF-8 without a NUL byte. Keys that are not can name
// no stored row (reads find nothing) and are refused by writes, before
// the database sees them: a statement the database refuses would abort
// the whole transaction, such as an append batch shared with others.
func storable(args ...any) bool {
	for _, a := range args {
		switch v := a.(type) {
		case string:
			if !textOK(v) {
				return false
			}
		case []string:
			for _, s := range v {
				if !textOK(s) {
					return false
				}
			}
		}
	}
	return true
}

func textOK(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// errText is the refusal of a write whose keys PostgreSQL cannot hold.
var errText = errors.New("pgstore: an identifier is not valid UTF-8 or holds a NUL byte")

// getDoc decodes the first column (a jsonb document) of the one row query
// returns into v; it reports false when there is no row.
func (tx *Tx) getDoc(v any, query string, args ...any) (bool, error) {
	if err := tx.lock(); err != nil {
		return false, err
	}
	if !storable(args...) {
		return false, nil
	}
	var doc []byte
	err := tx.tx.QueryRow(tx.ctx, query, args...).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, classify(err)
	}
	if err := json.Unmarshal(doc, v); err != nil {
		return true, fmt.Errorf("decode: %w", err)
	}
	return true, nil
}

// exists reports whether query returns a row.
func (tx *Tx) exists(query string, args ...any) (bool, error) {
	if err := tx.lock(); err != nil {
		return false, err
	}
	if !storable(args...) {
		return false, nil
	}
	var one int
	err := tx.tx.QueryRow(tx.ctx, query, args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, classify(err)
	}
	return true, nil
}

// queryDocs decodes the first column (a jsonb document) of every row.
func queryDocs[T any](tx *Tx, query string, args ...any) ([]T, error) {
	if err := tx.lock(); err != nil {
		return nil, err
	}
	if !storable(args...) {
		return nil, nil
	}
	rows, err := tx.tx.Query(tx.ctx, query, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, classify(err)
		}
		var v T
		if err := json.Unmarshal(doc, &v); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		out = append(out, v)
	}
	return out, classify(rows.Err())
}

// exec runs a write statement and returns the number of rows it changed.
func (tx *Tx) exec(what, query string, args ...any) (int64, error) {
	if err := tx.writable(what); err != nil {
		return 0, err
	}
	if !storable(args...) {
		return 0, fmt.Errorf("%w (%s)", errText, what)
	}
	tag, err := tx.tx.Exec(tx.ctx, query, args...)
	if err != nil {
		return 0, classify(fmt.Errorf("pgstore: %s: %w", what, err))
	}
	return tag.RowsAffected(), nil
}

func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}

// GetMeta returns the server's metadata value name (nil, nil if never set).
func (tx *Tx) GetMeta(name string) ([]byte, error) {
	if err := tx.lock(); err != nil {
		return nil, err
	}
	if !storable(name) {
		return nil, nil
	}
	var v []byte
	err := tx.tx.QueryRow(tx.ctx, "SELECT value FROM server_meta WHERE key = $1", name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: meta %s: %w", name, err))
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// PutMeta sets metadata value name.
func (tx *Tx) PutMeta(name string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	_, err := tx.exec("meta "+name, `INSERT INTO server_meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, name, value)
	return err
}

// DeleteMeta removes metadata value name.
func (tx *Tx) DeleteMeta(name string) error {
	_, err := tx.exec("meta "+name, "DELETE FROM server_meta WHERE key = $1", name)
	return err
}
