package service

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/servertest"
)

const pass = "cheval agrafe batterie correcte"

// server is a real server (servertest) with an open choix au rang "R1" of
// two postes of one place (P1, P2) and one intern i01 with an activation
// code, reached at url through faults.
type server struct {
	*servertest.Env
	faults *servertest.FaultTransport
	url    string // the front: requests to it go through faults
}

func newServer(t *testing.T) *server {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 1, Postes: 2, Capacity: 1})
	env.Transition(t, domain.StateWishesOpen)
	faults := env.Faults()
	return &server{Env: env, faults: faults, url: env.Front(t, faults)}
}

// code is the activation code of intern i01.
func (srv *server) code() string { return srv.Codes["i01"] }

func enroll(t *testing.T, srv *server) *Service {
	t.Helper()
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	req := EnrollRequest{ServerURL: srv.url, Identifier: "i01", Code: srv.code(), Passphrase: pass, Confirm: pass, Params: keystore.TestParams,
		ServerKey: srv.ServerKey}
	if _, err := Enroll(ctx, store, req); err != nil {
		t.Fatal(err)
	}
	s, err := Open(store, "")
	if err != nil {
		t.Fatal(err)
	}
	// Signed requests carry the server's clock, which the tests move.
	s.Client.Now = srv.Clock.Now
	return s
}

func TestEnrollChecks(t *testing.T) {
	srv := newServer(t)
	store, _ := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	defer store.Close()
	ctx := context.Background()
	base := EnrollRequest{ServerURL: srv.url, Identifier: "i01", Code: srv.code(), Passphrase: pass, Confirm: pass, Params: keystore.TestParams,
		ServerKey: srv.ServerKey}
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
	if sent := srv.faults.Count("POST /v1/enroll"); sent != 0 {
		t.Fatalf("the code was sent %d times before the server was checked", sent)
	}
	req := base
	req.Code = "WRONG"
	_, err := Enroll(ctx, store, req)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Code != api.CodeBadCode || apiErr.Message == "" {
		t.Errorf("wrong code: got %v", err)
	}
	if _, err := store.Profile(); !errors.Is(err, localstore.ErrNotFound) {
		t.Errorf("profile saved after failures: %v", err)
	}
	p, err := Enroll(ctx, store, base)
	if err != nil {
		t.Fatal(err)
	}
	if string(p.ServerKey.PublicKey) != string(srv.ServerKey.PublicKey) || p.Person.ID != "i01" {
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
	store, _ := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	defer store.Close()
	req := EnrollRequest{ServerURL: srv.url, Identifier: "i01", Code: srv.code(), Passphrase: pass, Confirm: pass, Params: keystore.TestParams}
	if _, err := Enroll(context.Background(), store, req); err == nil {
		t.Fatal("enrolled (the code was sent) without a confirmed server key")
	}
	if sent := srv.faults.Count("POST /v1/enroll"); sent != 0 {
		t.Fatalf("the code was sent %d times", sent)
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
	if !bytes.Equal(k.PublicKey, srv.ServerKey.PublicKey) || k.Fingerprint != envelope.Fingerprint(srv.ServerKey.PublicKey) {
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
	if n, err := s.SyncCatalogue(ctx, "R1"); err != nil || n != 2 {
		t.Fatalf("catalogue: %d, %v", n, err)
	}
	// The admin imports the catalogue again with P2 withdrawn: one change.
	postes := slices.Clone(srv.Postes)
	postes[1].Closed = true
	data, _ := json.Marshal(postes)
	if _, err := srv.Admin.ImportPostes(ctx, "R1", api.FormatJSON, data, false); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SyncCatalogue(ctx, "R1"); err != nil || n != 1 {
		t.Fatalf("delta: %d, %v", n, err)
	}
	ps, _ := s.Store.Postes("R1")
	if len(ps) != 2 || !ps[1].Closed {
		t.Fatalf("postes after delta: %+v", ps)
	}
	if err := s.Store.SaveDraft(&localstore.Draft{Round: "R1", List: []string{"P1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign("R1"); !errors.Is(err, ErrLocked) {
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
	it, err := s.Sign("R1")
	if err != nil || it.Seq != 1 {
		t.Fatalf("sign: %+v, %v", it, err)
	}
	for i := 0; i < 3; i++ {
		s.Outbox.Step(ctx)
	}
	last, err := s.LastAccepted("R1")
	if err != nil || last == nil || last.Receipt == nil {
		t.Fatalf("last accepted: %+v, %v (status %+v)", last, err, s.Outbox.Status())
	}
	// Sign again: seq 2, no new upload.
	if it, err := s.Sign("R1"); err != nil || it.Seq != 2 {
		t.Fatalf("second sign: %+v, %v", it, err)
	}
	s.Outbox.Step(ctx)
	last, _ = s.LastAccepted("R1")
	if last.Seq != 2 {
		t.Fatalf("last accepted seq %d", last.Seq)
	}

	srv.Transition(t, domain.StateWishesClosed)
	srv.Run(t, "R1")
	srv.Publish(t, "R1")
	rounds, _ = s.SyncRounds(ctx)
	rec, err := s.FetchResult(ctx, &rounds[0])
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Verified || rec.Result.Assignments[0].Poste != "P1" {
		t.Fatalf("result = %+v", rec)
	}

	// A result signed by the server that names another list as the last.
	srv.faults.TamperResult(1, func(pr *api.PersonalResult) {
		pr.LastSubmission.Digest = "ff" + pr.LastSubmission.Digest[2:]
	})
	rec, err = s.FetchResult(ctx, &rounds[0])
	if err != nil {
		t.Fatal(err)
	}
	if rec.Verified || rec.Problem != ProblemDigest {
		t.Fatalf("tampered result = %+v", rec)
	}
	// A result signed by another key is not verified.
	other := servertest.Start(t, servertest.Options{Empty: true})
	v, _ := translog.NewVerifier(other.ServerKey)
	env, _ := envelope.Decode(rec.Envelope)
	if got := VerifyResult(v, env, "i01", &rounds[0], last); got.Verified || got.Problem != ProblemSignature {
		t.Fatalf("result under another key = %+v", got)
	}
}

func TestSyncSubmissionsRaisesSeq(t *testing.T) {
	srv := newServer(t)
	s := enroll(t, srv)
	ctx := context.Background()
	s.SyncRounds(ctx)
	s.Store.SaveDraft(&localstore.Draft{Round: "R1", List: []string{"P1"}})
	s.Unlock(pass)
	for i := 0; i < 3; i++ {
		s.Sign("R1")
	}
	for i := 0; i < 3; i++ {
		s.Outbox.Step(ctx)
	}
	// A fresh install of the same person knows nothing of seq 1..3.
	store2, _ := localstore.Open(filepath.Join(t.TempDir(), "c2.db"))
	defer store2.Close()
	store2.SaveProfile(s.Profile)
	s2, err := Open(store2, "")
	if err != nil {
		t.Fatal(err)
	}
	s2.Unlock(pass)
	if err := s2.SyncSubmissions(ctx, "R1"); err != nil {
		t.Fatal(err)
	}
	if seq, _ := store2.LastSeq("R1"); seq != 3 {
		t.Fatalf("seq after sync = %d, want 3", seq)
	}
}
