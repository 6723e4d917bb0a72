package keystore

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func TestSealOpen(t *testing.T) {
	priv := newKey(t)
	s, err := Seal(priv, "cheval agrafe batterie correcte", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Ciphertext, priv.Seed()) {
		t.Fatal("seed in clear in the ciphertext")
	}
	got, err := s.Open("cheval agrafe batterie correcte")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(priv) {
		t.Fatal("opened key differs")
	}
}

func TestWrongPassphrase(t *testing.T) {
	s, err := Seal(newKey(t), "cheval agrafe batterie correcte", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open("cheval agrafe batterie correctE"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: got %v, want ErrWrongPassphrase", err)
	}
}

func TestTampered(t *testing.T) {
	priv := newKey(t)
	const pass = "cheval agrafe batterie correcte"
	for name, tamper := range map[string]func(s *Sealed){
		"ciphertext": func(s *Sealed) { s.Ciphertext[3] ^= 1 },
		"nonce":      func(s *Sealed) { s.Nonce[0] ^= 1 },
		"public key": func(s *Sealed) { s.PublicKey[0] ^= 1 },
		"truncated":  func(s *Sealed) { s.Ciphertext = s.Ciphertext[:10] },
	} {
		s, err := Seal(priv, pass, TestParams)
		if err != nil {
			t.Fatal(err)
		}
		tamper(s)
		if _, err := s.Open(pass); !errors.Is(err, ErrCorrupted) {
			t.Errorf("%s tampered: got %v, want ErrCorrupted", name, err)
		}
	}
	// Changing the salt or the parameters changes the derived key: the
	// passphrase no longer opens it, which is reported as such.
	s, _ := Seal(priv, pass, TestParams)
	s.Salt[0] ^= 1
	if _, err := s.Open(pass); err == nil {
		t.Error("salt tampered: opened")
	}
	s, _ = Seal(priv, pass, TestParams)
	s.Params.Memory = 1 << 30
	if _, err := s.Open(pass); err == nil {
		t.Error("absurd memory parameter accepted")
	}
}

func TestEstimate(t *testing.T) {
	for _, tc := range []struct {
		pass string
		ok   bool
	}{
		{"", false},
		{"court", false},
		{"azertyazerty", false},
		{"motdepasse123", false},
		{"aaaaaaaaaaaaaaaa", false},
		{"abcdefghijklmnop", false},
		{"123456789012", false},
		{"cheval agrafe batterie correcte", true},
		{"Tr0p-d3-Gardes!2026", true},
		{"k7#Qm2!vX9pL", true},
	} {
		s := Estimate(tc.pass)
		if s.Acceptable() != tc.ok {
			t.Errorf("Estimate(%q) = %+v, acceptable %v, want %v", tc.pass, s, s.Acceptable(), tc.ok)
		}
	}
	if a, b := Estimate("cheval agrafe"), Estimate("cheval agrafe batterie correcte"); a.Bits >= b.Bits {
		t.Errorf("longer passphrase not stronger: %v >= %v", a.Bits, b.Bits)
	}
}
