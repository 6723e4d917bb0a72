package store

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"appariement/shared/domain"
)

// KeyRecord is a public key registered for a person.
type KeyRecord struct {
	Person     string            `json:"person"`
	PublicKey  ed25519.PublicKey `json:"public_key"`
	Registered time.Time         `json:"registered"`
	Revoked    time.Time         `json:"revoked,omitzero"` // zero while current
}

// codeRecord is a pending activation code, kept as an Argon2id hash.
type codeRecord struct {
	Salt     []byte    `json:"salt"`
	Hash     []byte    `json:"hash"`
	Time     uint32    `json:"time"`
	Memory   uint32    `json:"memory"`
	Threads  uint8     `json:"threads"`
	Expires  time.Time `json:"expires"`
	Failures int       `json:"failures"` // tries since it was issued (counted before the check)
	// NotBefore is when the next try may be checked (see CodeDelay).
	NotBefore time.Time `json:"not_before,omitzero"`
}

// Activation codes: 16 characters of Crockford's base32 (80 bits), shown in
// four groups of four, hashed with Argon2id.
const (
	codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	codeChars    = 16
	// FreeCodeTries is the number of tries of an identifier's code that
	// are checked at once; each further try waits CodeDelay.
	FreeCodeTries = 5
	// MaxCodeDelay caps the wait between two checked tries. It is short on
	// purpose: the codes carry 80 random bits, so the wait is not what
	// stops guessing; it bounds the work spent on one identifier, and
	// whoever tries wrong codes for someone else keeps them waiting at
	// most this long per try they spend (and there is no lock to set off).
	MaxCodeDelay = time.Minute
	// Argon2id cost of activation codes. The codes carry 80 random bits,
	// are single use, expire and are tried at a bounded rate: the hash only
	// keeps a stolen database from revealing usable codes, so the cost is
	// set for issuing tens of thousands of codes in one admin request.
	argonTime    = 1
	argonMemory  = 8 * 1024 // KiB
	argonThreads = 1
)

// Person returns the person with the given id, or ErrNotFound.
func (tx *Tx) Person(id string) (*domain.Person, error) {
	var p domain.Person
	ok, err := getJSON(tx.bucket(bPeople), []byte(id), &p)
	if err != nil {
		return nil, fmt.Errorf("store: person %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: person %s: %w", id, ErrNotFound)
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

// PublicKey returns the current key of a person, or ErrNotFound when the
// person is not enrolled.
func (tx *Tx) PublicKey(id string) (ed25519.PublicKey, error) {
	var k KeyRecord
	ok, err := getJSON(tx.bucket(bKeys), []byte(id), &k)
	if err != nil {
		return nil, fmt.Errorf("store: key of %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: key of %s: %w", id, ErrNotFound)
	}
	return k.PublicKey, nil
}

// KeyHistory returns every key ever registered for a person, oldest first.
func (tx *Tx) KeyHistory(id string) ([]KeyRecord, error) {
	var out []KeyRecord
	c := tx.bucket(bKeyHist).Cursor()
	prefix := key(id, "")
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var r KeyRecord
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
	rec := KeyRecord{Person: id, PublicKey: pub, Registered: now.UTC()}
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
		var r KeyRecord
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

// Activation is a new activation code with its Argon2id hash, prepared
// outside any transaction (hashing is slow on purpose) and stored with
// PutActivation.
type Activation struct {
	Code    string // formatted, shown once
	Expires time.Time
	rec     codeRecord
}

// NewActivation draws a code and hashes it. Calls may run in parallel;
// at most one hash per CPU runs at a time.
func (s *Store) NewActivation(now time.Time, ttl time.Duration) (*Activation, error) {
	code := NewCode()
	rec := codeRecord{Salt: make([]byte, 16), Time: argonTime, Memory: argonMemory, Threads: argonThreads,
		Expires: now.Add(ttl).UTC()}
	if _, err := rand.Read(rec.Salt); err != nil {
		return nil, fmt.Errorf("store: new activation code: %w", err)
	}
	s.argonSem <- struct{}{}
	rec.Hash = rec.hash(code)
	<-s.argonSem
	return &Activation{Code: FormatCode(code), Expires: rec.Expires, rec: rec}, nil
}

// PutActivation makes a the pending activation code of person id,
// replacing any previous one and clearing the failure count.
func (tx *Tx) PutActivation(id string, a *Activation) error {
	if _, err := tx.Person(id); err != nil {
		return fmt.Errorf("store: activation code: %w", err)
	}
	if err := putJSON(tx.bucket(bCodes), []byte(id), a.rec); err != nil {
		return fmt.Errorf("store: activation code for %s: %w", id, err)
	}
	return nil
}

// IssueCode creates and stores a new activation code for person id (see
// NewActivation and PutActivation). The code is returned once; only its
// Argon2id hash is kept.
func (tx *Tx) IssueCode(id string, now time.Time, ttl time.Duration) (code string, expires time.Time, err error) {
	a, err := tx.s.NewActivation(now, ttl)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := tx.PutActivation(id, a); err != nil {
		return "", time.Time{}, err
	}
	return a.Code, a.Expires, nil
}

// HasPendingCode reports whether person id has an unused activation code.
func (tx *Tx) HasPendingCode(id string) bool {
	return tx.bucket(bCodes).Get([]byte(id)) != nil
}

func (r *codeRecord) hash(code string) []byte {
	return argon2.IDKey([]byte(code), r.Salt, r.Time, r.Memory, r.Threads, 32)
}

// NewCode returns a random activation code of 16 base32 characters, without
// separators.
func NewCode() string {
	var b [codeChars]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("store: crypto/rand failed: " + err.Error())
	}
	for i := range b {
		b[i] = codeAlphabet[b[i]&31]
	}
	return string(b[:])
}

// FormatCode groups a code by four characters: "ABCD-EFGH-JKMN-PQRS".
func FormatCode(code string) string {
	var parts []string
	for i := 0; i < len(code); i += 4 {
		parts = append(parts, code[i:min(i+4, len(code))])
	}
	return strings.Join(parts, "-")
}

// NormalizeCode turns what a person typed into the canonical code: case,
// spaces and dashes ignored, O read as 0 and I, L as 1 (Crockford).
func NormalizeCode(typed string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case r == 'O':
			b.WriteByte('0')
		case r == 'I' || r == 'L':
			b.WriteByte('1')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// standInKey holds the code record written by an enrollment try that
// cannot succeed, so that it writes what a counted try writes. Identifiers
// cannot hold control characters: no person has this key.
var standInKey = []byte("\x00stand-in")

// CodeDelay is the wait before the next try of an identifier's code once
// tries tries have been counted: none for the first FreeCodeTries, then
// 1 s, 2 s, 4 s… up to MaxCodeDelay. A new code starts again from zero.
func CodeDelay(tries int) time.Duration {
	if tries < FreeCodeTries {
		return 0
	}
	if n := tries - FreeCodeTries; n < 16 {
		return min(time.Second<<n, MaxCodeDelay)
	}
	return MaxCodeDelay
}

// Enroll checks an activation code for person id and, if it is right,
// deletes it and registers pub. The try is counted first, in the same
// transaction that checks the identifier may be tried now (see
// CodeDelay), so concurrent tries cannot exceed the schedule; only then is
// the Argon2id hash computed, outside any transaction. An unknown
// identifier (ErrNotFound), an enrolled one (ErrAlreadyEnrolled), one
// without a valid code (ErrBadCode) and one that must wait (ErrDelayed)
// cost the same: one write transaction writing one code record (theirs
// is a stand-in under a key no identifier can take) and one hash of the
// same cost, so that a caller answering them alike is not told apart by
// timing either.
func (s *Store) Enroll(id, typed string, pub ed25519.PublicKey) (*domain.Person, error) {
	now := s.Now()
	// The stand-in record: the same size and hashing cost as a real one.
	standIn := codeRecord{Salt: make([]byte, 16), Hash: make([]byte, 32), Time: argonTime, Memory: argonMemory,
		Threads: argonThreads, Expires: now.UTC(), Failures: 1, NotBefore: now.UTC()}
	rand.Read(standIn.Salt)
	rand.Read(standIn.Hash)
	var rec codeRecord
	var person *domain.Person
	var refused error // why this try cannot succeed; nil for a counted try
	err := s.Update(func(tx *Tx) error {
		rec, person, refused = codeRecord{}, nil, nil
		p, err := tx.Person(id)
		switch {
		case IsNotFound(err):
			refused = ErrNotFound
			return putJSON(tx.bucket(bCodes), standInKey, standIn)
		case err != nil:
			return err
		}
		if _, err := tx.PublicKey(id); err == nil {
			refused = ErrAlreadyEnrolled
			return putJSON(tx.bucket(bCodes), standInKey, standIn)
		} else if !IsNotFound(err) {
			return err
		}
		ok, err := getJSON(tx.bucket(bCodes), []byte(id), &rec)
		switch {
		case err != nil:
			return err
		case !ok:
			refused = fmt.Errorf("no pending code: %w", ErrBadCode)
		case !now.Before(rec.Expires):
			refused = fmt.Errorf("code expired: %w", ErrBadCode)
		case now.Before(rec.NotBefore):
			refused = fmt.Errorf("%d tries, next at %s: %w", rec.Failures, rec.NotBefore.Format(time.RFC3339), ErrDelayed)
		}
		if refused != nil {
			return putJSON(tx.bucket(bCodes), standInKey, standIn)
		}
		rec.Failures++
		rec.NotBefore = now.Add(CodeDelay(rec.Failures)).UTC()
		person = p
		return putJSON(tx.bucket(bCodes), []byte(id), rec)
	})
	if err != nil {
		return nil, fmt.Errorf("store: enroll %s: %w", id, err)
	}
	if refused != nil {
		rec = standIn // the same work as a real check
	}
	s.argonSem <- struct{}{}
	got := rec.hash(NormalizeCode(typed))
	<-s.argonSem
	if refused != nil {
		return nil, fmt.Errorf("store: enroll %s: %w", id, refused)
	}
	if subtle.ConstantTimeCompare(got, rec.Hash) != 1 {
		return nil, fmt.Errorf("store: enroll %s: %w", id, ErrBadCode)
	}
	err = s.Update(func(tx *Tx) error {
		var cur codeRecord
		ok, err := getJSON(tx.bucket(bCodes), []byte(id), &cur)
		if err != nil {
			return err
		}
		if !ok || !bytes.Equal(cur.Salt, rec.Salt) {
			return ErrBadCode // used or replaced meanwhile
		}
		if err := tx.bucket(bCodes).Delete([]byte(id)); err != nil {
			return err
		}
		return tx.RegisterKey(id, pub, now)
	})
	if err != nil {
		return nil, fmt.Errorf("store: enroll %s: %w", id, err)
	}
	return person, nil
}

// IsNotFound reports whether err is ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
