package pgstore

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Person returns the person with the given id, or ErrNotFound.
func (tx *Tx) Person(id string) (*domain.Person, error) {
	var p domain.Person
	ok, err := tx.getDoc(&p, "SELECT doc FROM people WHERE id = $1", id)
	if err != nil {
		return nil, fmt.Errorf("pgstore: person %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: person %s: %w", id, store.ErrNotFound)
	}
	return &p, nil
}

// People returns every person, by id (byte order).
func (tx *Tx) People() ([]domain.Person, error) {
	out, err := queryDocs[domain.Person](tx, `SELECT doc FROM people ORDER BY id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: people: %w", err)
	}
	return out, nil
}

// PutPerson creates or replaces a person.
func (tx *Tx) PutPerson(p domain.Person) error {
	if p.ID == "" || !p.Role.Valid() {
		return fmt.Errorf("pgstore: put person %q: empty id or invalid role %q", p.ID, p.Role)
	}
	doc, err := encode(p)
	if err != nil {
		return fmt.Errorf("pgstore: put person %s: %w", p.ID, err)
	}
	_, err = tx.exec("put person "+p.ID, `INSERT INTO people (id, doc) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`, p.ID, doc)
	return err
}

// PublicKey returns the current key of a person, or ErrNotFound.
func (tx *Tx) PublicKey(id string) (ed25519.PublicKey, error) {
	if err := tx.lock(); err != nil {
		return nil, err
	}
	if !storable(id) {
		return nil, fmt.Errorf("pgstore: key of %q: %w", id, store.ErrNotFound)
	}
	var k []byte
	err := tx.tx.QueryRow(tx.ctx, "SELECT public_key FROM person_keys WHERE person = $1", id).Scan(&k)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: key of %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: key of %s: %w", id, err))
	}
	return ed25519.PublicKey(k), nil
}

// KeyHistory returns every key ever registered for a person, oldest first.
func (tx *Tx) KeyHistory(id string) ([]store.KeyRecord, error) {
	out, err := queryDocs[store.KeyRecord](tx, "SELECT doc FROM key_history WHERE person = $1 ORDER BY seq", id)
	if err != nil {
		return nil, fmt.Errorf("pgstore: key history of %s: %w", id, err)
	}
	return out, nil
}

// RegisterKey makes pub the current key of person id and appends it to
// the person's key history.
func (tx *Tx) RegisterKey(id string, pub ed25519.PublicKey, now time.Time) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("pgstore: register key of %s: %d bytes, want %d", id, len(pub), ed25519.PublicKeySize)
	}
	if err := tx.writable("register key"); err != nil {
		return err
	}
	rec := store.KeyRecord{Person: id, PublicKey: pub, Registered: now.UTC()}
	doc, err := encode(rec)
	if err != nil {
		return fmt.Errorf("pgstore: register key of %s: %w", id, err)
	}
	seq, err := tx.next("key_history")
	if err != nil {
		return err
	}
	if _, err := tx.exec("register key of "+id, `INSERT INTO person_keys (person, public_key, doc) VALUES ($1, $2, $3)
		ON CONFLICT (person) DO UPDATE SET public_key = EXCLUDED.public_key, doc = EXCLUDED.doc`, id, []byte(pub), doc); err != nil {
		return err
	}
	_, err = tx.exec("register key of "+id, "INSERT INTO key_history (person, seq, public_key, doc) VALUES ($1, $2, $3, $4)",
		id, seq, []byte(pub), doc)
	return err
}

// RevokeKey removes the current key of person id and marks every
// unrevoked key of its history revoked at now.
func (tx *Tx) RevokeKey(id string, now time.Time) error {
	if _, err := tx.exec("revoke key of "+id, "DELETE FROM person_keys WHERE person = $1", id); err != nil {
		return err
	}
	type row struct {
		seq int64
		doc []byte
	}
	rows, err := tx.tx.Query(tx.ctx, "SELECT seq, doc FROM key_history WHERE person = $1 AND NOT revoked ORDER BY seq", id)
	if err != nil {
		return classify(fmt.Errorf("pgstore: revoke key of %s: %w", id, err))
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.seq, &x.doc)
		return x, err
	})
	if err != nil {
		return classify(fmt.Errorf("pgstore: revoke key of %s: %w", id, err))
	}
	for _, x := range list {
		var rec store.KeyRecord
		if err := decodeInto(x.doc, &rec); err != nil {
			return fmt.Errorf("pgstore: revoke key of %s: %w", id, err)
		}
		if !rec.Revoked.IsZero() {
			continue
		}
		rec.Revoked = now.UTC()
		doc, err := encode(rec)
		if err != nil {
			return fmt.Errorf("pgstore: revoke key of %s: %w", id, err)
		}
		if _, err := tx.exec("revoke key of "+id, "UPDATE key_history SET revoked = true, doc = $3 WHERE person = $1 AND seq = $2",
			id, x.seq, doc); err != nil {
			return err
		}
	}
	return nil
}

// codeKey is the activations row of id: PostgreSQL's text holds no NUL
// byte, so the stand-in record (store.StandInCode) is kept under a key
// that no identifier can take either (a control character).
func codeKey(id string) string {
	if id == store.StandInCode {
		return "\x01stand-in"
	}
	return id
}

// Code returns the pending activation code record of id, or ErrNotFound.
func (tx *Tx) Code(id string) (*store.CodeRecord, error) {
	var rec store.CodeRecord
	ok, err := tx.getDoc(&rec, "SELECT doc FROM activations WHERE person = $1", codeKey(id))
	if err != nil {
		return nil, fmt.Errorf("pgstore: activation code of %q: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: activation code of %q: %w", id, store.ErrNotFound)
	}
	return &rec, nil
}

// PutCode creates or replaces the code record of id.
func (tx *Tx) PutCode(id string, rec store.CodeRecord) error {
	doc, err := encode(rec)
	if err != nil {
		return fmt.Errorf("pgstore: activation code of %q: %w", id, err)
	}
	_, err = tx.exec("activation code", `INSERT INTO activations (person, doc) VALUES ($1, $2)
		ON CONFLICT (person) DO UPDATE SET doc = EXCLUDED.doc`, codeKey(id), doc)
	return err
}

// DeleteCode removes the code record of id.
func (tx *Tx) DeleteCode(id string) error {
	_, err := tx.exec("delete activation code", "DELETE FROM activations WHERE person = $1", codeKey(id))
	return err
}

// HasPendingCode reports whether person id has a code record.
func (tx *Tx) HasPendingCode(id string) bool {
	ok, err := tx.exists("SELECT 1 FROM activations WHERE person = $1", codeKey(id))
	tx.keep(err)
	return ok
}
