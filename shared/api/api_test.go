package api

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSignedRequest(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))
	pub := priv.Public().(ed25519.PublicKey)
	now := time.Unix(1_800_000_000, 0)
	const server = "0123456789abcdef"
	h := http.Header{}
	SignRequest(h, priv, server, "I42", "POST", "/v1/files?x=1", []byte("body"), now)
	a, err := ParseRequestAuth(h.Get("Authorization"), h.Get("Content-Digest"))
	if err != nil {
		t.Fatalf("parse %q: %v", h, err)
	}
	if a.ID != "I42" || a.Time != now.Unix() {
		t.Fatalf("parsed %+v", a)
	}
	if err := a.Verify(pub, server, "POST", "/v1/files?x=1", now.Add(time.Minute)); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := a.CheckBody([]byte("body")); err != nil {
		t.Fatalf("check body: %v", err)
	}
	if err := a.CheckBody([]byte("bodY")); err == nil {
		t.Error("another body matched the signed digest")
	}
	tests := []struct {
		name                 string
		server, method, path string
		at                   time.Time
	}{
		{"method", server, "GET", "/v1/files?x=1", now},
		{"path", server, "POST", "/v1/files?x=2", now},
		{"another server", "fedcba9876543210", "POST", "/v1/files?x=1", now},
		{"too late", server, "POST", "/v1/files?x=1", now.Add(MaxClockSkew + time.Second)},
		{"too early", server, "POST", "/v1/files?x=1", now.Add(-MaxClockSkew - time.Second)},
	}
	for _, tt := range tests {
		if err := a.Verify(pub, tt.server, tt.method, tt.path, tt.at); err == nil {
			t.Errorf("%s: tampered request verified", tt.name)
		}
	}
	// The identifier is signed: the same header under another id fails.
	other := *a
	other.ID = "I43"
	if err := other.Verify(pub, server, "POST", "/v1/files?x=1", now); err == nil {
		t.Error("the signature verified under another identifier")
	}
	// So is the declared body digest.
	forged, err := ParseRequestAuth(h.Get("Authorization"), ContentDigest([]byte("other")))
	if err != nil {
		t.Fatal(err)
	}
	if err := forged.Verify(pub, server, "POST", "/v1/files?x=1", now); err == nil {
		t.Error("the signature verified with another body digest")
	}
	for _, bad := range []string{"", "Bearer x", RequestAuthName + " id=a", RequestAuthName + " id=a,ts=1,nonce=n,sig=!!",
		RequestAuthName + " id=a,ts=x,nonce=n,sig=AA==", RequestAuthName + " id=a,id=b,ts=1,nonce=n,sig=AA==",
		RequestAuthName + " id=a,ts=1,nonce=n,sig=AA==,evil=1"} {
		if _, err := ParseRequestAuth(bad, ""); err == nil {
			t.Errorf("ParseRequestAuth(%q) succeeded", bad)
		}
	}
	sig := strings.TrimPrefix(h.Get("Authorization"), RequestAuthName+" ")
	if _, err := ParseRequestAuth("Appariement-Ed25519 "+sig, ""); !errors.Is(err, ErrOldRequestScheme) {
		t.Errorf("a version 1 header: %v, want ErrOldRequestScheme", err)
	}
	for _, bad := range []string{"sha-512=:AA==:", "sha-256=AA==", "sha-256=:AA==:", "sha-256=:!!:"} {
		if _, err := ParseRequestAuth(h.Get("Authorization"), bad); err == nil {
			t.Errorf("Content-Digest %q accepted", bad)
		}
	}
}

func TestErrors(t *testing.T) {
	e := Errorf(CodeReplay, "numéro %d déjà dépassé", "sequence %d already passed", 3)
	if e.Message != "numéro 3 déjà dépassé" || e.MessageEN != "sequence 3 already passed" || e.Status != http.StatusForbidden {
		t.Fatalf("Errorf = %+v", e)
	}
	if CodeRateLimited.HTTPStatus() != 429 || CodeConflict.HTTPStatus() != 409 || CodeUnknownPoste.HTTPStatus() != 422 {
		t.Fatal("wrong HTTP status mapping")
	}
}

func TestDecodeSubmission(t *testing.T) {
	s, err := DecodeSubmission([]byte(`{"round":"R1","author":"I1","seq":2,"client_time":"2026-09-01T10:00:00Z","list":["P1","P2"]}`))
	if err != nil || s.Seq != 2 || len(s.List) != 2 {
		t.Fatalf("DecodeSubmission = %+v, %v", s, err)
	}
	for _, bad := range []string{`{"round":"R1","evil":1}`, `{"round":"R1"} {}`, `[`, `{"seq":-1}`} {
		if _, err := DecodeSubmission([]byte(bad)); err == nil {
			t.Errorf("DecodeSubmission(%q) succeeded", bad)
		}
	}
}

func FuzzDecodeSubmission(f *testing.F) {
	f.Add([]byte(`{"round":"R1","author":"I1","seq":2,"client_time":"2026-09-01T10:00:00Z","list":["P1","P2"]}`))
	f.Add([]byte(`{"round":"R1","author":"R9","seq":1,"poste":"P1","list":["I1"],"attachments":[{"kind":"cv","name":"cv.pdf","sha256":"00","size":3}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = DecodeSubmission(data)
	})
}

func FuzzParseRequestAuth(f *testing.F) {
	f.Add(RequestAuthName+" id=a,ts=1,nonce=n,sig=AA==", "sha-256=:AA==:")
	f.Fuzz(func(t *testing.T, h, digest string) {
		a, err := ParseRequestAuth(h, digest)
		if err == nil && (a.ID == "" || len(a.Sig) != ed25519.SignatureSize) {
			t.Fatalf("accepted a malformed header %q", h)
		}
	})
}
