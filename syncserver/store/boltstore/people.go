package boltstore

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"time"

	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Person returns the person with the given id, or store.ErrNotFound.
func (tx *Tx) Person(id string) (*domain.Person, error) {
	var p domain.Person
	ok, err := getJSON(tx.bucket(bPeople), []byte(id), &p)
	if err != nil {
		return nil, fmt.Errorf("store: person %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: person %s: %w", id, store.ErrNotFound)
	}
	return &p, nil
}

// People returns every person, by id.
func (tx *Tx) People() ([]domain.Person, error) {
	var out []domain.Person
	err := tx.bucket(bPeople).ForEach(func(k, v []byte) error {
		var p domain.Person
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("store: person %s: %w", k, err)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// PutPerson creates or replaces a person.
func (tx *Tx) PutPerson(p domain.Person) error {
	if p.ID == "" || !p.Role.Valid() {
		return fmt.Errorf("store: put person %q: empty id or invalid role %q", p.ID, p.Role)
	}
	if err := putJSON(tx.bucket(bPeople), []byte(p.ID), p); err != nil {
		return fmt.Errorf("store: put person %s: %w", p.ID, err)
	}
	return nil
}

// PublicKey returns the current key of a person, or store.ErrNotFound when the
// person is not enrolled.
func (tx *Tx) PublicKey(id string) (ed25519.PublicKey, error) {
	var k store.KeyRecord
	ok, err := getJSON(tx.bucket(bKeys), []byte(id), &k)
	if err != nil {
		return nil, fmt.Errorf("store: key of %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: key of %s: %w", id, store.ErrNotFound)
	}
	return k.PublicKey, nil
}

// KeyHistory returns every key ever registered for a person, oldest first.
func (tx *Tx) KeyHistory(id string) ([]store.KeyRecord, error) {
	var out []store.KeyRecord
	c := tx.bucket(bKeyHist).Cursor()
	prefix := key(id, "")
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var r store.KeyRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("store: key history of %s: %w", id, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// RegisterKey makes pub the current key of person id.
func (tx *Tx) RegisterKey(id string, pub ed25519.PublicKey, now time.Time) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("store: register key of %s: %d bytes, want %d", id, len(pub), ed25519.PublicKeySize)
	}
	rec := store.KeyRecord{Person: id, PublicKey: pub, Registered: now.UTC()}
	if err := putJSON(tx.bucket(bKeys), []byte(id), rec); err != nil {
		return fmt.Errorf("store: register key of %s: %w", id, err)
	}
	hist := tx.bucket(bKeyHist)
	n, err := hist.NextSequence()
	if err != nil {
		return fmt.Errorf("store: register key of %s: %w", id, err)
	}
	if err := putJSON(hist, append(key(id, ""), u64(n)...), rec); err != nil {
		return fmt.Errorf("store: register key of %s: %w", id, err)
	}
	return nil
}

// RevokeKey removes the current key of person id; the key stays in the
// history (marked revoked) so that its past signatures still verify.
func (tx *Tx) RevokeKey(id string, now time.Time) error {
	if err := tx.bucket(bKeys).Delete([]byte(id)); err != nil {
		return fmt.Errorf("store: revoke key of %s: %w", id, err)
	}
	hist := tx.bucket(bKeyHist)
	c := hist.Cursor()
	prefix := key(id, "")
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var r store.KeyRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("store: revoke key of %s: %w", id, err)
		}
		if r.Revoked.IsZero() {
			r.Revoked = now.UTC()
			if err := putJSON(hist, bytes.Clone(k), r); err != nil {
				return fmt.Errorf("store: revoke key of %s: %w", id, err)
			}
		}
	}
	return nil
}

// Code returns the code record of id, or ErrNotFound.
func (tx *Tx) Code(id string) (*store.CodeRecord, error) {
	var rec store.CodeRecord
	ok, err := getJSON(tx.bucket(bCodes), []byte(id), &rec)
	if err != nil {
		return nil, fmt.Errorf("store: code of %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: code of %s: %w", id, store.ErrNotFound)
	}
	return &rec, nil
}

// PutCode creates or replaces the code record of id.
func (tx *Tx) PutCode(id string, rec store.CodeRecord) error {
	if err := putJSON(tx.bucket(bCodes), []byte(id), rec); err != nil {
		return fmt.Errorf("store: activation code for %s: %w", id, err)
	}
	return nil
}

// DeleteCode removes the code record of id.
func (tx *Tx) DeleteCode(id string) error {
	if err := tx.bucket(bCodes).Delete([]byte(id)); err != nil {
		return fmt.Errorf("store: activation code for %s: %w", id, err)
	}
	return nil
}

// HasPendingCode reports whether person id has an unused activation code.
func (tx *Tx) HasPendingCode(id string) bool {
	return tx.bucket(bCodes).Get([]byte(id)) != nil
}
