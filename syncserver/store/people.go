package store

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/argon2"

	"appariement/shared/domain"
)

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

// Activation is a new activation code with its Argon2id hash, prepared
// outside any transaction (hashing is slow on purpose) and stored with
// PutActivation.
type Activation struct {
	Code    string // formatted, shown once
	Expires time.Time
	rec     CodeRecord
}

// NewActivation draws a code and hashes it. Calls may run in parallel;
// at most one hash per CPU runs at a time.
func (s *Store) NewActivation(now time.Time, ttl time.Duration) (*Activation, error) {
	code := NewCode()
	rec := CodeRecord{Salt: make([]byte, 16), Time: argonTime, Memory: argonMemory, Threads: argonThreads,
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
func PutActivation(tx Tx, id string, a *Activation) error {
	if _, err := tx.Person(id); err != nil {
		return fmt.Errorf("store: activation code: %w", err)
	}
	if err := tx.PutCode(id, a.rec); err != nil {
		return fmt.Errorf("store: activation code for %s: %w", id, err)
	}
	return nil
}

// IssueCode creates and stores a new activation code for person id (see
// NewActivation and PutActivation). The code is returned once; only its
// Argon2id hash is kept.
func (s *Store) IssueCode(tx Tx, id string, now time.Time, ttl time.Duration) (code string, expires time.Time, err error) {
	a, err := s.NewActivation(now, ttl)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := PutActivation(tx, id, a); err != nil {
		return "", time.Time{}, err
	}
	return a.Code, a.Expires, nil
}

func (r *CodeRecord) hash(code string) []byte {
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

// NormalizeCode turns what a person typed into the canonical code: read
// as every enrollment field is (domain.NormalizeTyped: spaces, invisible
// characters and case ignored), dashes ignored, O read as 0 and I, L as 1
// (Crockford).
func NormalizeCode(typed string) string {
	var b strings.Builder
	for _, r := range domain.NormalizeTyped(typed) {
		switch {
		case r == '-' || unicode.Is(unicode.Pd, r):
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
	standIn := CodeRecord{Salt: make([]byte, 16), Hash: make([]byte, 32), Time: argonTime, Memory: argonMemory,
		Threads: argonThreads, Expires: now.UTC(), Failures: 1, NotBefore: now.UTC()}
	rand.Read(standIn.Salt)
	rand.Read(standIn.Hash)
	var rec CodeRecord
	var person *domain.Person
	var refused error // why this try cannot succeed; nil for a counted try
	err := s.Update(func(tx Tx) error {
		rec, person, refused = CodeRecord{}, nil, nil
		p, err := tx.Person(id)
		switch {
		case IsNotFound(err):
			refused = ErrNotFound
			return tx.PutCode(StandInCode, standIn)
		case err != nil:
			return err
		}
		if _, err := tx.PublicKey(id); err == nil {
			refused = ErrAlreadyEnrolled
			return tx.PutCode(StandInCode, standIn)
		} else if !IsNotFound(err) {
			return err
		}
		cur, err := tx.Code(id)
		if cur != nil {
			rec = *cur
		}
		switch {
		case err != nil && !IsNotFound(err):
			return err
		case err != nil:
			refused = fmt.Errorf("no pending code: %w", ErrBadCode)
		case !now.Before(rec.Expires):
			refused = fmt.Errorf("code expired: %w", ErrBadCode)
		case now.Before(rec.NotBefore):
			refused = fmt.Errorf("%d tries, next at %s: %w", rec.Failures, rec.NotBefore.Format(time.RFC3339), ErrDelayed)
		}
		if refused != nil {
			return tx.PutCode(StandInCode, standIn)
		}
		rec.Failures++
		rec.NotBefore = now.Add(CodeDelay(rec.Failures)).UTC()
		person = p
		return tx.PutCode(id, rec)
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
	err = s.Update(func(tx Tx) error {
		cur, err := tx.Code(id)
		if err != nil && !IsNotFound(err) {
			return err
		}
		if cur == nil || !bytes.Equal(cur.Salt, rec.Salt) {
			return ErrBadCode // used or replaced meanwhile
		}
		if err := tx.DeleteCode(id); err != nil {
			return err
		}
		return tx.RegisterKey(id, pub, now)
	})
	if err != nil {
		return nil, fmt.Errorf("store: enroll %s: %w", id, err)
	}
	return person, nil
}
