package releasecmd

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// release lays out a signed release of two files in a fresh directory and
// returns the directory and the verifier key.
func release(t *testing.T) (dir, vkey string) {
	t.Helper()
	dir = t.TempDir()
	keys := t.TempDir()
	var out, errb bytes.Buffer
	if code := RunKeygen([]string{"-out", keys}, &out, &errb); code != 0 {
		t.Fatalf("keygen: %d %s", code, errb.String())
	}
	vkey = strings.TrimSpace(out.String())
	if st, err := os.Stat(filepath.Join(keys, "release.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("release.key: %v %v", st, err)
	}
	if code := RunKeygen([]string{"-out", keys}, &out, &errb); code != 1 {
		t.Fatalf("keygen over an existing key: exit %d, want 1", code)
	}
	var sums strings.Builder
	for _, f := range []struct{ name, body string }{
		{"appariement-0.1.0-windows-amd64.zip", "PK zip"},
		{"appariement_0.1.0_amd64.deb", "!<arch>"},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.body), 0o644); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte(f.body))
		sums.WriteString(hex.EncodeToString(h[:]) + "  " + f.name + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(sums.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := RunSign([]string{"-key", filepath.Join(keys, "release.key"), filepath.Join(dir, "SHA256SUMS")}, &out, &errb); code != 0 {
		t.Fatalf("sign: %d %s", code, errb.String())
	}
	return dir, vkey
}

func verify(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := RunVerify(args, &out, &errb)
	return code, out.String() + errb.String()
}

func TestVerifyRelease(t *testing.T) {
	dir, vkey := release(t)
	zip := filepath.Join(dir, "appariement-0.1.0-windows-amd64.zip")
	if code, out := verify(t, "-key", vkey, zip); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("good download: %d\n%s", code, out)
	}
	if code, out := verify(t, "-key", vkey, "-sums", filepath.Join(dir, "SHA256SUMS")); code != 0 || strings.Count(out, ": OK") != 2 {
		t.Fatalf("every listed file: %d\n%s", code, out)
	}
	t.Setenv(EnvKey, vkey)
	if code, out := verify(t, zip); code != 0 {
		t.Fatalf("key from $%s: %d\n%s", EnvKey, code, out)
	}

	// Another key: refused.
	_, other := release(t)
	if code, out := verify(t, "-key", other, zip); code != 1 || !strings.Contains(out, "pas signé") {
		t.Errorf("other key: %d\n%s", code, out)
	}
	// A tampered download: refused.
	if err := os.WriteFile(zip, []byte("PK zip, with a virus"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := verify(t, "-key", vkey, zip); code != 1 || !strings.Contains(out, "ÉCHEC") {
		t.Errorf("tampered download: %d\n%s", code, out)
	}
	// A file not in SHA256SUMS: refused.
	extra := filepath.Join(dir, "setup.exe")
	os.WriteFile(extra, []byte("MZ"), 0o644)
	if code, out := verify(t, "-key", vkey, extra); code != 1 || !strings.Contains(out, "ABSENT") {
		t.Errorf("unlisted file: %d\n%s", code, out)
	}
	// SHA256SUMS edited to match the tampered file: the signature fails.
	sums, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	h := sha256.Sum256([]byte("PK zip, with a virus"))
	forged := hex.EncodeToString(h[:]) + string(sums[64:])
	os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(forged), 0o644)
	if code, out := verify(t, "-key", vkey, zip); code != 1 || !strings.Contains(out, "invalide") {
		t.Errorf("forged SHA256SUMS: %d\n%s", code, out)
	}
	if code, _ := verify(t, zip); code != 1 {
		t.Errorf("forged SHA256SUMS, key from env: %d", code)
	}
	t.Setenv(EnvKey, "")
	if code, _ := verify(t, zip); code != 2 {
		t.Errorf("no key: exit %d, want 2", code)
	}
}

// TestSignatureIsPlainEd25519: the signature in SHA256SUMS.sig is Ed25519
// over SHA256SUMS's bytes, after the note's 4-byte key hash, so that
// openssl can check it (docs/release.md).
func TestSignatureIsPlainEd25519(t *testing.T) {
	dir, vkey := release(t)
	sums, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	sig, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS.sig"))
	f := strings.Fields(string(sig))
	if len(f) != 3 || f[0] != "—" || f[1] != DefaultName {
		t.Fatalf("SHA256SUMS.sig = %q", sig)
	}
	raw, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(raw) != 4+ed25519.SignatureSize {
		t.Fatalf("signature: %d bytes, %v", len(raw), err)
	}
	kf := strings.SplitN(vkey, "+", 3)
	pub, err := base64.StdEncoding.DecodeString(kf[2])
	if err != nil || len(pub) != 1+ed25519.PublicKeySize || pub[0] != 1 {
		t.Fatalf("verifier key %q: %v", vkey, err)
	}
	if !ed25519.Verify(pub[1:], sums, raw[4:]) {
		t.Fatal("Ed25519 signature does not verify over SHA256SUMS's bytes")
	}
}

func TestParseSumsRefusesPaths(t *testing.T) {
	z := strings.Repeat("0", 64)
	for _, bad := range []string{"", z + "  ../etc/passwd\n", z + " x\n", "zz" + z[2:] + "  a\n", z + "  a\n" + z + "  a\n"} {
		if _, err := parseSums([]byte(bad)); err == nil {
			t.Errorf("parseSums(%q) accepted", bad)
		}
	}
}

// TestTwoKeys: during a rotation SHA256SUMS.sig carries two signatures
// (-append), and either verifier key accepts it.
func TestTwoKeys(t *testing.T) {
	dir, oldKey := release(t)
	keys := t.TempDir()
	var out, errb bytes.Buffer
	if code := RunKeygen([]string{"-name", "appariement-release-2027", "-out", keys}, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	newKey := strings.TrimSpace(out.String())
	sums := filepath.Join(dir, "SHA256SUMS")
	if code := RunSign([]string{"-key", filepath.Join(keys, "release.key"), "-append", sums}, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	for _, k := range []string{oldKey, newKey} {
		if code, msg := verify(t, "-key", k, "-sums", sums); code != 0 {
			t.Errorf("key %s: %d\n%s", k, code, msg)
		}
	}
}
