package pgstore

import (
	"encoding/json"
	"fmt"
	"time"

	"appariement/syncserver/store"
)

func decodeInto(doc []byte, v any) error {
	if err := json.Unmarshal(doc, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// NewCorrection files c under the next correction id, which it sets and
// returns.
func (tx *Tx) NewCorrection(c *store.Correction) (string, error) {
	if err := tx.writable("new correction"); err != nil {
		return "", err
	}
	seq, err := tx.next("corrections")
	if err != nil {
		return "", err
	}
	c.ID = fmt.Sprintf("CR%06d", seq)
	doc, err := encode(c)
	if err != nil {
		return "", fmt.Errorf("pgstore: new correction: %w", err)
	}
	if _, err := tx.exec("new correction", "INSERT INTO corrections (id, seq, doc) VALUES ($1, $2, $3)", c.ID, seq, doc); err != nil {
		return "", err
	}
	return c.ID, nil
}

// PutCorrection replaces the correction c.ID, or fails with ErrNotFound.
func (tx *Tx) PutCorrection(c *store.Correction) error {
	doc, err := encode(c)
	if err != nil {
		return fmt.Errorf("pgstore: correction %s: %w", c.ID, err)
	}
	n, err := tx.exec("correction "+c.ID, "UPDATE corrections SET doc = $2 WHERE id = $1", c.ID, doc)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: correction %s: %w", c.ID, store.ErrNotFound)
	}
	return nil
}

// Correction returns a correction, or ErrNotFound.
func (tx *Tx) Correction(id string) (*store.Correction, error) {
	var c store.Correction
	ok, err := tx.getDoc(&c, "SELECT doc FROM corrections WHERE id = $1", id)
	if err != nil {
		return nil, fmt.Errorf("pgstore: correction %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: correction %s: %w", id, store.ErrNotFound)
	}
	return &c, nil
}

// Corrections returns the corrections keep keeps, in filing order.
func (tx *Tx) Corrections(keep func(*store.Correction) bool) ([]store.Correction, error) {
	all, err := queryDocs[store.Correction](tx, "SELECT doc FROM corrections ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("pgstore: corrections: %w", err)
	}
	var out []store.Correction
	for i := range all {
		if keep == nil || keep(&all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// Audit appends an entry to the audit log with the next sequence number.
func (tx *Tx) Audit(e store.AuditEntry) error {
	if err := tx.writable("audit"); err != nil {
		return err
	}
	seq, err := tx.next("audit")
	if err != nil {
		return err
	}
	e.Seq = uint64(seq)
	e.Time = e.Time.UTC()
	doc, err := encode(e)
	if err != nil {
		return fmt.Errorf("pgstore: audit %s: %w", e.Action, err)
	}
	_, err = tx.exec("audit "+e.Action, "INSERT INTO audit (seq, doc) VALUES ($1, $2)", seq, doc)
	return err
}

// AuditLog returns at most limit entries with Seq > after, by Seq.
func (tx *Tx) AuditLog(after uint64, limit int) ([]store.AuditEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := queryDocs[store.AuditEntry](tx, "SELECT doc FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2", int64(after), limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: audit log: %w", err)
	}
	return out, nil
}

// maxNoncePrune bounds the expired nonces deleted by one UseNonce.
const maxNoncePrune = 256

// UseNonce records a request nonce until expires, or fails with
// ErrNonceUsed if it is recorded with an expiry after now. It is one
// atomic statement, and does not take the write lock: the nonce checks of
// every node run in parallel (a nonce sent to two nodes at once is
// accepted by one of them only). Expired nonces are pruned, a bounded
// number per call, skipping those another transaction holds.
func (tx *Tx) UseNonce(nonce string, now, expires time.Time) error {
	if !tx.write {
		return fmt.Errorf("pgstore: use nonce in a read-only transaction")
	}
	if tx.err != nil {
		return tx.err
	}
	if !storable(nonce) {
		return fmt.Errorf("%w (nonce)", errText)
	}
	var got int
	rows, err := tx.tx.Query(tx.ctx, `INSERT INTO nonces (nonce, expires_ns) VALUES ($1, $2)
		ON CONFLICT (nonce) DO UPDATE SET expires_ns = EXCLUDED.expires_ns WHERE nonces.expires_ns <= $3
		RETURNING 1`, nonce, nanos(expires), now.UnixNano())
	if err != nil {
		return classify(fmt.Errorf("pgstore: record nonce: %w", err))
	}
	for rows.Next() {
		got++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return classify(fmt.Errorf("pgstore: record nonce: %w", err))
	}
	if got == 0 {
		return store.ErrNonceUsed
	}
	_, err = tx.tx.Exec(tx.ctx, `DELETE FROM nonces WHERE nonce IN (
		SELECT nonce FROM nonces WHERE expires_ns <= $1 AND nonce <> $2
		ORDER BY expires_ns LIMIT $3 FOR UPDATE SKIP LOCKED)`, now.UnixNano(), nonce, maxNoncePrune)
	if err != nil {
		return classify(fmt.Errorf("pgstore: prune nonces: %w", err))
	}
	return nil
}

// NonceCount returns the number of nonces recorded.
func (tx *Tx) NonceCount() int {
	var n int
	if err := tx.tx.QueryRow(tx.ctx, "SELECT count(*) FROM nonces").Scan(&n); err != nil {
		tx.keep(fmt.Errorf("pgstore: nonce count: %w", err))
		return 0
	}
	return n
}

// PutWitness registers a witness, or replaces its record.
func (tx *Tx) PutWitness(w store.WitnessRecord) error {
	doc, err := encode(w)
	if err != nil {
		return fmt.Errorf("pgstore: witness %s: %w", w.Name, err)
	}
	_, err = tx.exec("witness "+w.Name, `INSERT INTO witnesses (name, tree_size, doc) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET tree_size = EXCLUDED.tree_size, doc = EXCLUDED.doc`, w.Name, w.TreeSize, doc)
	return err
}

// Witness returns the witness named name, or ErrNotFound.
func (tx *Tx) Witness(name string) (*store.WitnessRecord, error) {
	var w store.WitnessRecord
	ok, err := tx.getDoc(&w, "SELECT doc FROM witnesses WHERE name = $1", name)
	if err != nil {
		return nil, fmt.Errorf("pgstore: witness %s: %w", name, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: witness %s: %w", name, store.ErrNotFound)
	}
	return &w, nil
}

// Witnesses returns every registered witness, by name.
func (tx *Tx) Witnesses() ([]store.WitnessRecord, error) {
	out, err := queryDocs[store.WitnessRecord](tx, `SELECT doc FROM witnesses ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: witnesses: %w", err)
	}
	if out == nil {
		out = []store.WitnessRecord{}
	}
	return out, nil
}
