// Package keystore keeps the user's Ed25519 private key sealed under a
// passphrase: the key is encrypted with XChaCha20-Poly1305 under a key
// derived from the passphrase by Argon2id. The parameters and the salt travel
// with the sealed key and are authenticated with it.
package keystore

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// Errors returned by Open.
var (
	// ErrWrongPassphrase means the passphrase does not open the key.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrCorrupted means the passphrase is right but the sealed key was
	// altered or damaged.
	ErrCorrupted = errors.New("sealed key is damaged or was tampered with")
)

// Params are the Argon2id cost parameters.
type Params struct {
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory"` // KiB
	Threads uint8  `json:"threads"`
}

// DefaultParams are the parameters used for new keys: 64 MiB and three
// passes, about half a second on a laptop. RFC 9106 recommends at least
// 64 MiB for memory-constrained settings.
func DefaultParams() Params {
	t := runtime.NumCPU()
	if t > 4 {
		t = 4
	}
	return Params{Time: 3, Memory: 64 * 1024, Threads: uint8(t)}
}

// TestParams are cheap parameters for tests only.
var TestParams = Params{Time: 1, Memory: 1024, Threads: 1}

const version = 1

// Sealed is an encrypted private key with everything needed to open it
// again except the passphrase.
type Sealed struct {
	Version    int    `json:"version"`
	Params     Params `json:"params"`
	Salt       []byte `json:"salt"`
	Nonce      []byte `json:"nonce"`
	Check      []byte `json:"check"`      // tells a wrong passphrase from a damaged key
	Ciphertext []byte `json:"ciphertext"` // the 32-byte Ed25519 seed, sealed
	PublicKey  []byte `json:"public_key"` // for display without the passphrase
}

// Seal encrypts priv under passphrase with parameters p.
func Seal(priv ed25519.PrivateKey, passphrase string, p Params) (*Sealed, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("seal key: private key has %d bytes", len(priv))
	}
	if p.Time == 0 || p.Memory < 8 || p.Threads == 0 {
		return nil, fmt.Errorf("seal key: invalid Argon2id parameters %+v", p)
	}
	s := &Sealed{
		Version:   version,
		Params:    p,
		Salt:      make([]byte, 16),
		Nonce:     make([]byte, chacha20poly1305.NonceSizeX),
		PublicKey: append([]byte(nil), priv.Public().(ed25519.PublicKey)...),
	}
	if _, err := rand.Read(s.Salt); err != nil {
		return nil, fmt.Errorf("seal key: salt: %w", err)
	}
	if _, err := rand.Read(s.Nonce); err != nil {
		return nil, fmt.Errorf("seal key: nonce: %w", err)
	}
	key := derive(passphrase, s)
	s.Check = check(key)
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	s.Ciphertext = aead.Seal(nil, s.Nonce, priv.Seed(), s.header())
	return s, nil
}

// Open decrypts the private key. It returns ErrWrongPassphrase if the
// passphrase is not the one the key was sealed with, ErrCorrupted if the
// sealed data was altered.
func (s *Sealed) Open(passphrase string) (ed25519.PrivateKey, error) {
	if s.Version != version {
		return nil, fmt.Errorf("open key: unknown format version %d", s.Version)
	}
	if len(s.Salt) < 16 || len(s.Nonce) != chacha20poly1305.NonceSizeX || s.Params.Time == 0 ||
		s.Params.Threads == 0 || s.Params.Memory < 8 || s.Params.Memory > 4<<20 || s.Params.Time > 100 {
		return nil, fmt.Errorf("open key: %w", ErrCorrupted)
	}
	key := derive(passphrase, s)
	if subtle.ConstantTimeCompare(check(key), s.Check) != 1 {
		return nil, ErrWrongPassphrase
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("open key: %w", err)
	}
	seed, err := aead.Open(nil, s.Nonce, s.Ciphertext, s.header())
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, ErrCorrupted
	}
	priv := ed25519.NewKeyFromSeed(seed)
	clear(seed)
	if s.PublicKey != nil && subtle.ConstantTimeCompare(priv.Public().(ed25519.PublicKey), s.PublicKey) != 1 {
		return nil, ErrCorrupted
	}
	return priv, nil
}

func derive(passphrase string, s *Sealed) []byte {
	return argon2.IDKey([]byte(passphrase), s.Salt, s.Params.Time, s.Params.Memory, s.Params.Threads, chacha20poly1305.KeySize)
}

// check is a short value derived from the encryption key, stored to tell a
// wrong passphrase (check differs) from tampering (check matches, AEAD fails).
func check(key []byte) []byte {
	h := sha256.New()
	h.Write([]byte("appariement-keystore-check-v1\x00"))
	h.Write(key)
	return h.Sum(nil)[:16]
}

// header is the additional authenticated data: format, parameters, salt and
// public key, so none of them can be changed unnoticed.
func (s *Sealed) header() []byte {
	b := []byte("appariement-keystore-v1\x00")
	b = binary.BigEndian.AppendUint32(b, uint32(s.Version))
	b = binary.BigEndian.AppendUint32(b, s.Params.Time)
	b = binary.BigEndian.AppendUint32(b, s.Params.Memory)
	b = append(b, s.Params.Threads)
	b = append(b, s.Salt...)
	return append(b, s.PublicKey...)
}
