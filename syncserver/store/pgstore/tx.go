package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Tx is a read or read-write transaction on the database with the store's
// typed accessors. It is not safe for concurrent use.
type Tx struct {
	ctx   context.Context
	tx    pgx.Tx
	s     *Store
	write bool
	// batch is the append batch this transaction commits (nil otherwise).
	batch *batchState
	// err is the first error of an accessor that cannot return one (such
	// as TreeSize): the transaction then fails as a whole.
	err error
}

// keep records err as the transaction's failure (the first one wins).
func (tx *Tx) keep(err error) {
	if err != nil && tx.err == nil {
		tx.err = err
	}
}

// next returns the next value of counter name (1, 2, 3…), in the
// transaction: a rolled back transaction leaves no gap.
func (tx *Tx) next(name string) (int64, error) {
	var v int64
	err := tx.tx.QueryRow(tx.ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("pgstore: counter %s: %w", name, err)
	}
	return v, nil
}

// getDoc decodes the doc column of the one row query returns into v; it
// reports false when there is no row.
func (tx *Tx) getDoc(v any, query string, args ...any) (bool, error) {
	var doc []byte
	err := tx.tx.QueryRow(tx.ctx, query, args...).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(doc, v); err != nil {
		return true, fmt.Errorf("decode: %w", err)
	}
	return true, nil
}

// queryDocs decodes the first column (a jsonb document) of every row.
func queryDocs[T any](tx *Tx, query string, args ...any) ([]T, error) {
	rows, err := tx.tx.Query(tx.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal(doc, &v); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// exec runs a statement in the transaction.
func (tx *Tx) exec(query string, args ...any) error {
	_, err := tx.tx.Exec(tx.ctx, query, args...)
	return err
}

func mustJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}
