package service

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"

	"appariement/desktop/internal/cache"
	"appariement/desktop/internal/fakeserver"
	"appariement/desktop/internal/keystore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

const pass = "cheval agrafe batterie correcte"

func newServer(t *testing.T) *fakeserver.Server {
	t.Helper()
	srv := fakeserver.New([]domain.Person{{ID: "i1", Role: domain.RoleIntern, FirstName: "Léa", LastName: "Durand", Specialty: "CARDIO", Subdivision: "IDF"}},
		map[string]string{"i1": "ABCD-1234"})
	t.Cleanup(srv.Close)
	srv.SetRound(domain.Round{ID: "r1", Name: "Choix 2026", Procedure: domain.ChoixAuRang, Number: 1, State: domain.StateWishesOpen})
	srv.PutPostes("r1",
		domain.Poste{ID: "P1", Specialty: "CARDIO", Subdivision: "IDF", Town: "Paris", Etablissement: "Hôpital Bichat", Capacity: 1},
		domain.Poste{ID: "P2", Specialty: "CARDIO", Subdivision: "IDF", Town: "Créteil", Etablissement: "Hôpital Henri-Mondor", Capacity: 1})
	return srv
}

func enroll(t *testing.T, srv *fakeserver.Server) *Service {
	t.Helper()
	store, err := cache.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	req := EnrollRequest{ServerURL: srv.URL, Identifier: "i1", Code: "ABCD-1234", Passphrase: pass, Confirm: pass, Params: keystore.TestParams,
		ServerKey: srv.Key()}
	if _, err := Enroll(ctx, store, req); err != nil {
		t.Fatal(err)
	}
	s, err := Open(store, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEnrollChecks(t *testing.T) {
	srv := newServer(t)
	store, _ := cache.Open(filepath.Join(t.TempDir(), "c.db"))
	defer store.Close()
	ctx := context.Background()
	base := EnrollRequest{ServerURL: srv.URL, Identifier: "i1", Code: "ABCD-1234", Passphrase: pass, Confirm: pass, Params: keystore.TestParams,
		ServerKey: srv.Key()}
	other, _, _ := ed25519.GenerateKey(nil)
	for name, tc := range map[string]struct {
		mod  func(*EnrollRequest)
		want error
	}{
		"weak":        {func(r *EnrollRequest) { r.Passphrase, r.Confirm = "azerty", "azerty" }, ErrWeakPassphrase},
		"mismatch":    {func(r *EnrollRequest) { r.Confirm = pass + "x" }, ErrPassphraseMismatch},
		"empty":       {func(r *EnrollRequest) { r.Identifier = "" }, ErrMissingField},
		"not checked": {func(r *EnrollRequest) { r.ServerKey = api.ServerKey{} }, ErrServerNotChecked},
		"other key":   {func(r *EnrollRequest) { r.ServerKey.PublicKey = other }, ErrServerKeyMismatch},
		"plain http":  {func(r *EnrollRequest) { r.ServerURL = "http://appariement.example.fr" }, ErrInsecureServer},
	} {
		req := base
		tc.mod(&req)
		if _, err := Enroll(ctx, store, req); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
	srv.Lock()
	sent := srv.Enrolls
	srv.Unlock()
	if sent != 0 {
		t.Fatalf("the code was sent %d times before the server was checked", sent)
	}
	req := base
	req.Code = "WRONG"
	_, err := Enroll(ctx, store, req)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Code != api.CodeBadCode || apiErr.Message == "" {
		t.Errorf("wrong code: got %v", err)
	}
	if _, err := store.Profile(); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("profile saved after failures: %v", err)
	}
	p, err := Enroll(ctx, store, base)
	if err != nil {
		t.Fatal(err)
	}
	if string(p.ServerKey.PublicKey) != string(srv.Key().PublicKey) || p.Person.ID != "i1" {
		t.Errorf("profile = %+v", p)
	}
	if _, err := p.Key.Open("wrong passphrase!"); !errors.Is(err, keystore.ErrWrongPassphrase) {
		t.Errorf("sealed key opens with a wrong passphrase: %v", err)
	}
}

// TestEnrollNeedsConfirmedServerKey: without the key whose fingerprint the
// user confirmed, the code is not sent (issue 11, point 3: the code left
// first and the fingerprint was shown after).
func TestEnrollNeedsConfirmedServerKey(t *testing.T) {
	srv := newServer(t)
	store, _ := cache.Open(filepath.Join(t.TempDir(), "c.db"))
	defer store.Close()
	req := EnrollRequest{ServerURL: srv.URL, Identifier: "i1", Code: "ABCD-1234", Passphrase: pass, Confirm: pass, Params: keystore.TestParams}
	if _, err := Enroll(context.Background(), store, req); err == nil {
		t.Fatal("enrolled (the code was sent) without a confirmed server key")
	}
}

// TestCheckServerURL: https anywhere, plain http only to this computer
// (issue 11, point 3).
func TestCheckServerURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://appariement.example.fr":      true,
		"https://appariement.example.fr:8443": true,
		"http://127.0.0.1:8080":               true,
		"http://127.3.4.5":                    true,
		"http://[::1]:8080":                   true,
		"http://localhost:8080":               true,
		"http://LOCALHOST":                    true,
		"http://appariement.example.fr":       false,
		"http://192.168.1.10:8080":            false,
		"http://[::ffff:10.0.0.1]":            false,
		"http://127.0.0.1.evil.example":       false,
		"http://localhost.evil.example":       false,
		"ftp://appariement.example.fr":        false,
		"appariement.example.fr":              false,
		"":                                    false,
	} {
		if err := CheckServerURL(u); (err == nil) != ok {
			t.Errorf("%q: %v", u, err)
		} else if err != nil && !errors.Is(err, ErrInsecureServer) {
			t.Errorf("%q: %v, want ErrInsecureServer", u, err)
		}
	}
	if _, err := FetchServerKey(context.Background(), "http://appariement.example.fr"); !errors.Is(err, ErrInsecureServer) {
		t.Errorf("FetchServerKey over plain http: %v", err)
	}
}

// TestFetchServerKey: the fingerprint is computed here, not taken from the
// server.
func TestFetchServerKey(t *testing.T) {
	srv := newServer(t)
	k, err := FetchServerKey(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.PublicKey, srv.Key().PublicKey) || k.Fingerprint != envelope.Fingerprint(srv.Key().PublicKey) {
		t.Fatalf("key %+v", k)
	}
}

func TestSignSendAndVerifyResult(t *testing.T) {
	srv := newServer(t)
	s := enroll(t, srv)
	ctx := context.Background()
	rounds, err := s.SyncRounds(ctx)
	if err != nil || len(rounds) != 1 {
		t.Fatalf("rounds %v, %v", rounds, err)
	}
	if n, err := s.SyncCatalogue(ctx, "r1"); err != nil || n != 2 {
		t.Fatalf("catalogue: %d, %v", n, err)
	}
	srv.PutPostes("r1", domain.Poste{ID: "P2", Specialty: "CARDIO", Subdivision: "IDF", Capacity: 1, Closed: true})
	if n, err := s.SyncCatalogue(ctx, "r1"); err != nil || n != 1 {
		t.Fatalf("delta: %d, %v", n, err)
	}
	ps, _ := s.Store.Postes("r1")
	if len(ps) != 2 || !ps[1].Closed {
		t.Fatalf("postes after delta: %+v", ps)
	}
	if err := s.Store.SaveDraft(&cache.Draft{Round: "r1", List: []string{"P1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign("r1"); !errors.Is(err, ErrLocked) {
		t.Fatalf("sign locked: %v", err)
	}
	if err := s.Unlock("not the passphrase"); !errors.Is(err, keystore.ErrWrongPassphrase) {
		t.Fatalf("unlock wrong: %v", err)
	}
	if err := s.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	round := &rounds[0]
	pdf := []byte("%PDF-1.7\nCV de Léa\n")
	if _, err := s.Attach(round, "cv", "cv.pdf", []byte("not a pdf")); !errors.Is(err, ErrNotPDF) {
		t.Fatalf("attach non-PDF: %v", err)
	}
	if _, err := s.Attach(round, "cv", "cv.pdf", pdf); err != nil {
		t.Fatal(err)
	}
	it, err := s.Sign("r1")
	if err != nil || it.Seq != 1 {
		t.Fatalf("sign: %+v, %v", it, err)
	}
	for i := 0; i < 3; i++ {
		s.Outbox.Step(ctx)
	}
	last, err := s.LastAccepted("r1")
	if err != nil || last == nil || last.Receipt == nil {
		t.Fatalf("last accepted: %+v, %v (status %+v)", last, err, s.Outbox.Status())
	}
	// Sign again: seq 2, no new upload.
	if it, err := s.Sign("r1"); err != nil || it.Seq != 2 {
		t.Fatalf("second sign: %+v, %v", it, err)
	}
	s.Outbox.Step(ctx)
	last, _ = s.LastAccepted("r1")
	if last.Seq != 2 {
		t.Fatalf("last accepted seq %d", last.Seq)
	}

	srv.Publish("r1", map[string]string{"i1": "P1"})
	rounds, _ = s.SyncRounds(ctx)
	rec, err := s.FetchResult(ctx, &rounds[0])
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Verified || rec.Result.Assignments[0].Poste != "P1" {
		t.Fatalf("result = %+v", rec)
	}

	srv.Lock()
	srv.TamperResult = true
	srv.Unlock()
	rec, err = s.FetchResult(ctx, &rounds[0])
	if err != nil {
		t.Fatal(err)
	}
	if rec.Verified || rec.Problem != ProblemDigest {
		t.Fatalf("tampered result = %+v", rec)
	}
	// A result signed by another key is not verified.
	other := fakeserver.New(nil, nil)
	defer other.Close()
	v, _ := translog.NewVerifier(other.Key())
	env, _ := envelope.Decode(rec.Envelope)
	if got := VerifyResult(v, env, "i1", &rounds[0], last); got.Verified || got.Problem != ProblemSignature {
		t.Fatalf("result under another key = %+v", got)
	}
}

func TestSyncSubmissionsRaisesSeq(t *testing.T) {
	srv := newServer(t)
	s := enroll(t, srv)
	ctx := context.Background()
	s.SyncRounds(ctx)
	s.Store.SaveDraft(&cache.Draft{Round: "r1", List: []string{"P1"}})
	s.Unlock(pass)
	for i := 0; i < 3; i++ {
		s.Sign("r1")
	}
	for i := 0; i < 3; i++ {
		s.Outbox.Step(ctx)
	}
	// A fresh install of the same person knows nothing of seq 1..3.
	store2, _ := cache.Open(filepath.Join(t.TempDir(), "c2.db"))
	defer store2.Close()
	store2.SaveProfile(s.Profile)
	s2, err := Open(store2, "")
	if err != nil {
		t.Fatal(err)
	}
	s2.Unlock(pass)
	if err := s2.SyncSubmissions(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	if seq, _ := store2.LastSeq("r1"); seq != 3 {
		t.Fatalf("seq after sync = %d, want 3", seq)
	}
}
