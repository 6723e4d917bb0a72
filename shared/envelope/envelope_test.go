package envelope

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func testKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func TestPAEGolden(t *testing.T) {
	// The DSSE specification's own example.
	got := string(PAE("http://example.com/HelloWorld", []byte("hello world")))
	want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"
	if got != want {
		t.Fatalf("PAE = %q, want %q", got, want)
	}
}

func TestSignVerify(t *testing.T) {
	priv, other := testKey(1), testKey(2)
	pub := priv.Public().(ed25519.PublicKey)
	e := Sign(priv, "application/x-test", []byte(`{"a":1}`))
	if err := e.Verify(pub); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	dec, err := Decode(e.Encode())
	if err != nil {
		t.Fatalf("Decode(Encode()): %v", err)
	}
	if err := dec.Verify(pub); err != nil {
		t.Fatalf("Verify after round trip: %v", err)
	}
	if dec.Digest() != e.Digest() {
		t.Fatal("digest changed in a round trip")
	}

	tests := []struct {
		name   string
		tamper func(*Envelope)
		want   error
	}{
		{"payload", func(e *Envelope) { e.Payload[0] ^= 1 }, ErrBadSignature},
		{"type", func(e *Envelope) { e.PayloadType += "x" }, ErrBadSignature},
		{"sig", func(e *Envelope) { e.Signatures[0].Sig[3] ^= 1 }, ErrBadSignature},
		{"unsigned", func(e *Envelope) { e.Signatures = nil }, ErrUnsigned},
		{"other key", func(e *Envelope) {
			*e = *Sign(other, e.PayloadType, e.Payload)
		}, ErrWrongKey},
		{"other key claiming our id", func(e *Envelope) {
			f := Sign(other, e.PayloadType, e.Payload)
			f.Signatures[0].KeyID = KeyID(pub)
			*e = *f
		}, ErrBadSignature},
	}
	for _, tt := range tests {
		c, _ := Decode(e.Encode())
		tt.tamper(c)
		if err := c.Verify(pub); !errors.Is(err, tt.want) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{
		``, `{`, `[]`, `{"payloadType":"t","payload":"","signatures":[]}`,
		`{"payloadType":"","payload":"","signatures":[{"keyid":"","sig":""}]}`,
		`{"payloadType":"t","payload":"","signatures":[{"keyid":"","sig":"AAAA"}]}`,
		`{"payloadType":"t","payload":"!!","signatures":[]}`,
		`{"payloadType":"t","payload":"","signatures":[],"extra":1}`,
		`{"payloadType":"t","payload":"","signatures":[]} {}`,
	} {
		if _, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%q) succeeded, want an error", in)
		}
	}
	if _, err := Decode(make([]byte, MaxSize+1)); err == nil {
		t.Error("oversized input accepted")
	}
}

func TestFingerprint(t *testing.T) {
	pub := testKey(1).Public().(ed25519.PublicKey)
	fp := Fingerprint(pub)
	if len(fp) != 64+15 {
		t.Fatalf("fingerprint %q has length %d", fp, len(fp))
	}
	if KeyID(pub) != fp[:4]+fp[5:9]+fp[10:14]+fp[15:19] {
		t.Fatalf("KeyID %s is not the start of fingerprint %s", KeyID(pub), fp)
	}
}

func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	pub := testKey(1).Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Decode(data)
		if err != nil {
			return
		}
		again, err := Decode(e.Encode())
		if err != nil {
			t.Fatalf("re-decode of an accepted envelope failed: %v", err)
		}
		if again.Digest() != e.Digest() {
			t.Fatal("encoding is not stable")
		}
		_ = e.Verify(pub) // must not panic
	})
}

// TestDigestCoversSignedContentOnly (issue 11, point 7): added signatures
// change neither the digest nor what SignedBy keeps; the signed content
// does change the digest.
func TestDigestCoversSignedContentOnly(t *testing.T) {
	k := testKey(1)
	e := Sign(k, "t", []byte(`{"a":1}`))
	junk := Signature{KeyID: "0123456789abcdef", Sig: make([]byte, ed25519.SignatureSize)}
	mine := Signature{KeyID: e.Signatures[0].KeyID, Sig: make([]byte, ed25519.SignatureSize)}
	for _, sigs := range [][]Signature{
		{e.Signatures[0], junk},
		{junk, e.Signatures[0]},
		{mine, e.Signatures[0]},
	} {
		x := &Envelope{PayloadType: e.PayloadType, Payload: e.Payload, Signatures: sigs}
		if x.Digest() != e.Digest() {
			t.Errorf("digest changed with signatures %v", sigs)
		}
		kept, err := x.SignedBy(k.Public().(ed25519.PublicKey))
		if err != nil {
			t.Fatalf("SignedBy: %v", err)
		}
		if string(kept.Encode()) != string(e.Encode()) {
			t.Errorf("SignedBy kept %s, want %s", kept.Encode(), e.Encode())
		}
	}
	for _, other := range []*Envelope{
		Sign(k, "t", []byte(`{"a":2}`)),
		Sign(k, "u", []byte(`{"a":1}`)),
	} {
		if other.Digest() == e.Digest() {
			t.Errorf("%s %s: same digest as another content", other.PayloadType, other.Payload)
		}
	}
	onlyJunk := &Envelope{PayloadType: e.PayloadType, Payload: e.Payload, Signatures: []Signature{mine}}
	if _, err := onlyJunk.SignedBy(k.Public().(ed25519.PublicKey)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("junk signature under the author's key id: %v, want ErrBadSignature", err)
	}
	if _, err := onlyJunk.SignedBy(testKey(2).Public().(ed25519.PublicKey)); !errors.Is(err, ErrWrongKey) {
		t.Errorf("another key: %v, want ErrWrongKey", err)
	}
}
