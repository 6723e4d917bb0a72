package draw

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestCommitVerify(t *testing.T) {
	secret := []byte("0123456789abcdef-secret")
	c := Commit(secret)
	if len(c) != SeedHexLen {
		t.Fatalf("Commit: %d hex digits, want %d", len(c), SeedHexLen)
	}
	if err := Verify(c, secret); err != nil {
		t.Fatalf("Verify of the right secret: %v", err)
	}
	if err := Verify(strings.ToUpper(c), secret); err != nil {
		t.Fatalf("Verify of the upper-case commitment: %v", err)
	}
	tests := []struct {
		name       string
		commitment string
		secret     []byte
		want       string
	}{
		{"other secret", c, []byte("0123456789abcdef-other"), "ne correspond pas"},
		{"short secret", Commit([]byte("short")), []byte("short"), "trop court"},
		{"not hex", "zz", secret, "engagement du tirage"},
		{"wrong length", c[:10], secret, "engagement du tirage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.commitment, tt.secret)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), " / ") {
				t.Fatalf("Verify = %v, want an error with %q, French then English", err, tt.want)
			}
		})
	}
}

// TestGolden pins the scheme (the values were computed independently, with Python's hashlib
// and hmac, from the description in the package comment): a change of any prefix or layout
// would change every published draw.
func TestGolden(t *testing.T) {
	secret := []byte("appariement-2026-secret")
	seed := Seed(secret, "root-hash")
	ik, pk := InternKey(seed, "I1"), PosteKey(seed, "P1")
	for _, tt := range []struct{ name, got, want string }{
		{"commit", Commit(secret), "9932f38bf8fbed92de21461a8be16d021fa18cec7043b185985dfa60005ce597"},
		{"seed", seed, "40f5475753d7781f5ac8b4e2e0629deaf0b3b33472af24284dc0e97de88da9b5"},
		{"intern key", hex.EncodeToString(ik[:]), "b76c3db6bbd5159536096ec71e3b2af5b8a770d7021e88f30b6df2a734ae29df"},
		{"poste key", hex.EncodeToString(pk[:]), "d657ddc81c9291905531176dd175d2b92142f2f818d24e8e735c727b7573fe7a"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestSeedSeparatesSecretAndRoot(t *testing.T) {
	if Seed([]byte("ab"), "c") == Seed([]byte("a"), "bc") {
		t.Fatal("Seed does not separate the secret from the root hash")
	}
	if Seed([]byte("a"), "r1") == Seed([]byte("a"), "r2") {
		t.Fatal("Seed ignores the root hash")
	}
	if err := CheckSeed(Seed([]byte("a"), "r")); err != nil {
		t.Fatalf("CheckSeed(Seed) = %v", err)
	}
}

func TestKeys(t *testing.T) {
	s1, s2 := Seed([]byte("s1"), "r"), Seed([]byte("s2"), "r")
	if InternKey(s1, "I1") != InternKey(s1, "I1") {
		t.Fatal("InternKey is not deterministic")
	}
	if InternKey(s1, "I1") == InternKey(s2, "I1") {
		t.Fatal("InternKey ignores the seed")
	}
	if InternKey(s1, "X") == PosteKey(s1, "X") {
		t.Fatal("an intern and a poste of the same id share a key")
	}
	if InternKey(s1, "I1") == InternKey(s1, "I2") {
		t.Fatal("two interns share a key")
	}
}

func TestCheckSeed(t *testing.T) {
	for _, s := range []string{"", "ab", strings.Repeat("g", 64), strings.Repeat("a", 63), strings.Repeat("a", 65)} {
		if err := CheckSeed(s); err == nil || !strings.Contains(err.Error(), " / ") {
			t.Errorf("CheckSeed(%q) = %v, want a French / English error", s, err)
		}
	}
}
