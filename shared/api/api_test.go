package api

import (
	"bytes"
	"crypto/ed25519"
	"net/http"
	"testing"
	"time"
)

func TestSignedRequest(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))
	pub := priv.Public().(ed25519.PublicKey)
	now := time.Unix(1_800_000_000, 0)
	h := SignRequest(priv, "I42", "POST", "/v1/files?x=1", []byte("body"), now)
	a, err := ParseRequestAuth(h)
	if err != nil {
		t.Fatalf("parse %q: %v", h, err)
	}
	if a.ID != "I42" || a.Time != now.Unix() {
		t.Fatalf("parsed %+v", a)
	}
	if err := a.Verify(pub, "POST", "/v1/files?x=1", []byte("body"), now.Add(time.Minute)); err != nil {
		t.Fatalf("verify: %v", err)
	}
	tests := []struct {
		name               string
		method, path, body string
		at                 time.Time
	}{
		{"method", "GET", "/v1/files?x=1", "body", now},
		{"path", "POST", "/v1/files?x=2", "body", now},
		{"body", "POST", "/v1/files?x=1", "bodY", now},
		{"too late", "POST", "/v1/files?x=1", "body", now.Add(MaxClockSkew + time.Second)},
		{"too early", "POST", "/v1/files?x=1", "body", now.Add(-MaxClockSkew - time.Second)},
	}
	for _, tt := range tests {
		if err := a.Verify(pub, tt.method, tt.path, []byte(tt.body), tt.at); err == nil {
			t.Errorf("%s: tampered request verified", tt.name)
		}
	}
	for _, bad := range []string{"", "Bearer x", RequestAuthName + " id=a", RequestAuthName + " id=a,ts=1,nonce=n,sig=!!",
		RequestAuthName + " id=a,ts=x,nonce=n,sig=AA==", RequestAuthName + " id=a,id=b,ts=1,nonce=n,sig=AA==",
		RequestAuthName + " id=a,ts=1,nonce=n,sig=AA==,evil=1"} {
		if _, err := ParseRequestAuth(bad); err == nil {
			t.Errorf("ParseRequestAuth(%q) succeeded", bad)
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
	f.Add(RequestAuthName + " id=a,ts=1,nonce=n,sig=AA==")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseRequestAuth(h)
		if err == nil && (a.ID == "" || len(a.Sig) != ed25519.SignatureSize) {
			t.Fatalf("accepted a malformed header %q", h)
		}
	})
}
