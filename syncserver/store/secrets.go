package store

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// sealDomain is what the signing key signs to derive the key that seals
// the kept secrets; nothing else is ever signed with it.
const sealDomain = "appariement secret seal v1"

// ErrSecretSeal is returned when a kept secret cannot be opened with the
// signing key (the record was damaged, or sealed under another key).
var ErrSecretSeal = errors.New("store: a sealed secret does not open with the server key")

// SealSecret keeps secret under name in tx, sealed (XChaCha20-Poly1305)
// with a key only the holder of the signing key can derive: a reader of
// the database alone cannot learn it, and a key rotation (RotateKey)
// seals it again under the new key, so that what was committed to before
// the rotation can still be revealed after it. Keeping another secret
// under the same name replaces it.
func (s *Store) SealSecret(tx Tx, name string, secret []byte) error {
	key, err := s.sealKey()
	if err != nil {
		return err
	}
	kept, err := sealedSecrets(tx)
	if err != nil {
		return err
	}
	if kept[name], err = seal(key, name, secret); err != nil {
		return err
	}
	return putSealedSecrets(tx, kept)
}

// OpenSecret returns the secret kept under name in tx (SealSecret), or
// nil if none is.
func (s *Store) OpenSecret(tx Tx, name string) ([]byte, error) {
	kept, err := sealedSecrets(tx)
	if err != nil || kept[name] == nil {
		return nil, err
	}
	key, err := s.sealKey()
	if err != nil {
		return nil, err
	}
	return open(key, name, kept[name])
}

// resealSecrets seals every kept secret of tx again, from the key of old
// to that of fresh (RotateKey, in its transaction).
func resealSecrets(tx Tx, old, fresh ed25519.PrivateKey) error {
	kept, err := sealedSecrets(tx)
	if err != nil || len(kept) == 0 {
		return err
	}
	from, to := sealKeyOf(old), sealKeyOf(fresh)
	for name, box := range kept {
		secret, err := open(from, name, box)
		if err != nil {
			return err
		}
		if kept[name], err = seal(to, name, secret); err != nil {
			return err
		}
	}
	return putSealedSecrets(tx, kept)
}

func (s *Store) sealKey() ([]byte, error) {
	s.keyMu.RLock()
	key := s.key
	s.keyMu.RUnlock()
	if key == nil {
		return nil, ErrNoKey
	}
	return sealKeyOf(key), nil
}

// sealKeyOf derives the sealing key of a signing key: SHA-256 of its
// (deterministic) Ed25519 signature of sealDomain.
func sealKeyOf(key ed25519.PrivateKey) []byte {
	sum := sha256.Sum256(ed25519.Sign(key, []byte(sealDomain)))
	return sum[:]
}

func seal(key []byte, name string, secret []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("store: seal %s: %w", name, err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("store: seal %s: %w", name, err)
	}
	return aead.Seal(nonce, nonce, secret, []byte(name)), nil
}

func open(key []byte, name string, box []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", name, err)
	}
	if len(box) < aead.NonceSize() {
		return nil, fmt.Errorf("%w (%s)", ErrSecretSeal, name)
	}
	secret, err := aead.Open(nil, box[:aead.NonceSize()], box[aead.NonceSize():], []byte(name))
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", ErrSecretSeal, name)
	}
	return secret, nil
}

func sealedSecrets(tx Tx) (map[string][]byte, error) {
	kept := map[string][]byte{}
	v, err := tx.GetMeta(MetaSecrets)
	if err != nil || v == nil {
		return kept, err
	}
	if err := json.Unmarshal(v, &kept); err != nil {
		return nil, fmt.Errorf("store: sealed secrets: %w", err)
	}
	return kept, nil
}

func putSealedSecrets(tx Tx, kept map[string][]byte) error {
	b, err := json.Marshal(kept)
	if err != nil {
		return err
	}
	return tx.PutMeta(MetaSecrets, b)
}
