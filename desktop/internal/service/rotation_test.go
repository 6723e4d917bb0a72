package service

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/keycmd"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/servertest"
)

// rotatingServer is newServer's server behind a front whose address stays
// the same when the server is stopped, its key rotated (keycmd.Rotate, as
// `syncserver key rotate` does) and started again on another port: the
// app keeps running on the same address.
type rotatingServer struct {
	*server
	target atomic.Pointer[url.URL]
}

func newRotatingServer(t *testing.T) *rotatingServer {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 1, Postes: 2, Capacity: 1})
	env.Transition(t, domain.StateWishesOpen)
	r := &rotatingServer{server: &server{Env: env, faults: env.Faults()}}
	r.retarget(t)
	front := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(r.target.Load()) },
		Transport: r.faults,
	})
	t.Cleanup(front.Close)
	r.url = front.URL
	return r
}

func (r *rotatingServer) retarget(t *testing.T) {
	u, err := url.Parse(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	r.target.Store(u)
}

// rotate stops the server, rotates its key with keycmd.Rotate and starts
// it again behind the same front. It returns the key before.
func (r *rotatingServer) rotate(t *testing.T) api.ServerKey {
	t.Helper()
	old := r.ServerKey
	r.Restart(t, func(db, keyFile string) error { return keycmd.Rotate(db, keyFile, r.Clock.Now(), io.Discard) })
	r.retarget(t)
	if bytes.Equal(old.PublicKey, r.ServerKey.PublicKey) {
		t.Fatal("the rotation kept the key")
	}
	return old
}

// sendList signs a wish list of postes in R1 and steps the outbox: it
// returns the item as the outbox left it.
func sendList(t *testing.T, s *Service, postes ...string) localstore.Item {
	t.Helper()
	if err := s.Store.SaveDraft(&localstore.Draft{Round: "R1", List: postes}); err != nil {
		t.Fatal(err)
	}
	it, err := s.Sign("R1")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s.Outbox.Step(context.Background())
	}
	items, err := s.Store.Items()
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range items {
		if got.ID == it.ID {
			return got
		}
	}
	t.Fatalf("item %d is gone", it.ID)
	return localstore.Item{}
}

func decode(t *testing.T, b []byte) *envelope.Envelope {
	t.Helper()
	env, err := envelope.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestFollowsProvenRotation: an app enrolled before `syncserver key
// rotate` follows the rotation by itself (the statement signed by both
// keys, the new checkpoint consistent with the one it trusted), sends a
// wish list after it without re-enrolling, its new receipt verifies under
// the new key and the old one still does, also after a restart of the app.
// On the old code the app stayed on KeyMismatch and the list was never
// accepted.
func TestFollowsProvenRotation(t *testing.T) {
	ctx := context.Background()
	srv := newRotatingServer(t)
	s := enroll(t, srv.server)
	if err := s.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	first := sendList(t, s, "P1")
	if first.State != localstore.StateAccepted || first.Receipt == nil {
		t.Fatalf("before the rotation: %+v (status %+v)", first, s.Outbox.Status())
	}
	old := srv.rotate(t)

	s.Outbox.Ping(ctx)
	if st := s.Outbox.Status(); st.KeyMismatch || !st.Online {
		t.Fatalf("after a proven rotation: status %+v", st)
	}
	p, err := s.Store.Profile()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.ServerKey.PublicKey, srv.ServerKey.PublicKey) || p.ServerKey.Fingerprint != envelope.Fingerprint(srv.ServerKey.PublicKey) {
		t.Fatalf("pinned key %s, want the new %s", p.ServerKey.Fingerprint, srv.ServerKey.Fingerprint)
	}
	if len(p.RetiredServerKeys) != 1 || !bytes.Equal(p.RetiredServerKeys[0].Key.PublicKey, old.PublicKey) ||
		p.RetiredServerKeys[0].UpTo <= first.Receipt.Index {
		t.Fatalf("retired keys %+v, want the old key up to a tree holding leaf %d", p.RetiredServerKeys, first.Receipt.Index)
	}
	events, err := s.Events()
	if err != nil || len(events) != 1 || !strings.HasPrefix(events[0].Text, "clé du serveur renouvelée, déclaration vérifiée") ||
		!strings.Contains(events[0].Text, envelope.Fingerprint(old.PublicKey)) || !strings.Contains(events[0].Text, srv.ServerKey.Fingerprint) {
		t.Fatalf("app's log %+v, %v", events, err)
	}

	second := sendList(t, s, "P2", "P1")
	if second.State != localstore.StateAccepted || second.Receipt == nil {
		t.Fatalf("after the rotation: %+v (status %+v)", second, s.Outbox.Status())
	}
	// Signed requests are bound to the new key.
	if err := s.SyncSubmissions(ctx, "R1"); err != nil {
		t.Fatalf("signed request after the rotation: %v", err)
	}
	fresh, err := translog.NewVerifier(srv.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.VerifyReceipt(decode(t, second.Envelope), second.Receipt); err != nil {
		t.Fatalf("the new receipt under the new key: %v", err)
	}
	// The app restarts: the new key and the old one come from the profile.
	again, err := Open(s.Store, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, it := range map[string]localstore.Item{"old": first, "new": second} {
		if err := again.Verifier.VerifyReceipt(decode(t, it.Envelope), it.Receipt); err != nil {
			t.Errorf("the %s receipt after a restart of the app: %v", name, err)
		}
	}
	again.Outbox.Ping(ctx)
	if st := again.Outbox.Status(); st.KeyMismatch {
		t.Fatalf("after a restart: status %+v", st)
	}
	if err := again.SyncLog(ctx); err != nil {
		t.Fatalf("log after the rotation: %v", err)
	}
}

// TestRetiredKeyCannotSignLonger: the old key verifies checkpoints of the
// trees before its rotation only; one it signed for a longer tree is
// refused (a leaked old key cannot extend the history).
func TestRetiredKeyCannotSignLonger(t *testing.T) {
	srv := newRotatingServer(t)
	s := enroll(t, srv.server)
	if err := s.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	sendList(t, s, "P1")
	oldPriv, err := keyfile.Read(srv.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv.rotate(t)
	s.Outbox.Ping(context.Background())
	p, _ := s.Store.Profile()
	if len(p.RetiredServerKeys) != 1 {
		t.Fatalf("retired keys %+v (status %+v)", p.RetiredServerKeys, s.Outbox.Status())
	}
	signer, err := translog.NewSigner(p.RetiredServerKeys[0].Key.Name, oldPriv)
	if err != nil {
		t.Fatal(err)
	}
	upTo := p.RetiredServerKeys[0].UpTo
	for n, ok := range map[int64]bool{upTo: true, upTo + 1: false} {
		cp, err := translog.SignTree(signer, tlog.Tree{N: n})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Verifier.OpenCheckpoint(cp); (err == nil) != ok {
			t.Errorf("a checkpoint of %d leaves (rotation at %d) by the old key: %v, want accepted %v", n, upTo, err, ok)
		}
	}
}

// TestForgedRotationKeepsMismatch: the server offers a new key with a
// forged rotation statement (signed by the new key only, or by another
// key than the pinned one): the app keeps KeyMismatch, tells the user in
// French first, keeps its pinned key and sends nothing. On the old code
// the outbox still posted the wish list.
func TestForgedRotationKeepsMismatch(t *testing.T) {
	for _, forge := range []string{"new key only", "wrong old key", "no statement"} {
		t.Run(forge, func(t *testing.T) {
			ctx := context.Background()
			srv := newRotatingServer(t)
			s := enroll(t, srv.server)
			if err := s.Unlock(pass); err != nil {
				t.Fatal(err)
			}
			if it := sendList(t, s, "P1"); it.State != localstore.StateAccepted {
				t.Fatalf("before the rotation: %+v", it)
			}
			old := srv.rotate(t)
			newPriv, err := keyfile.Read(srv.KeyFile)
			if err != nil {
				t.Fatal(err)
			}
			_, other, _ := ed25519.GenerateKey(nil)
			servertest.TamperJSON(srv.faults, "GET /v1/server-key/rotations", servertest.Always, func(rots *[]api.KeyRotation) {
				for i := range *rots {
					r := &(*rots)[i]
					switch forge {
					case "new key only":
						r.Statement = signedBy(t, old.Name, old.PublicKey, r.New, newPriv)
					case "wrong old key":
						r.Statement = signedBy(t, old.Name, old.PublicKey, r.New, other, newPriv)
					case "no statement":
						r.Statement = ""
					}
				}
			})
			posted := srv.faults.Count("POST /v1/submissions")

			s.Outbox.Ping(ctx)
			st := s.Outbox.Status()
			if !st.KeyMismatch || !strings.HasPrefix(st.LastError, "le serveur présente une autre clé") ||
				!strings.Contains(st.LastError, " / the server shows another key than the pinned one") {
				t.Fatalf("status %+v", st)
			}
			if err := s.FollowServerKey(ctx, srv.ServerKey); !errors.Is(err, ErrRotationNotProven) ||
				!errors.Is(err, ErrServerKeyMismatch) || !errors.Is(err, translog.ErrRotation) {
				t.Fatalf("follow a forged rotation: %v", err)
			}
			it := sendList(t, s, "P2")
			if it.State != localstore.StatePending {
				t.Fatalf("item %+v, want pending", it)
			}
			if n := srv.faults.Count("POST /v1/submissions"); n != posted {
				t.Fatalf("%d submissions posted to a server whose key is not proven", n-posted)
			}
			p, err := s.Store.Profile()
			if err != nil || !bytes.Equal(p.ServerKey.PublicKey, old.PublicKey) || len(p.RetiredServerKeys) != 0 {
				t.Fatalf("profile %+v, %v: the pinned key changed", p, err)
			}
			if ev, err := s.Events(); err != nil || len(ev) != 0 {
				t.Fatalf("app's log %+v, %v", ev, err)
			}
			if !bytes.Equal(s.Verifier.PublicKey(), old.PublicKey) {
				t.Fatal("the verifier follows an unproven key")
			}
		})
	}
}

// signedBy returns a rotation statement of server name from oldPub to
// newPub signed by the keys given only.
func signedBy(t *testing.T, name string, oldPub, newPub ed25519.PublicKey, keys ...ed25519.PrivateKey) string {
	t.Helper()
	text := fmt.Sprintf("appariement server key rotation\nname %s\nold %s\nnew %s\ntime %s\n",
		name, envelope.Fingerprint(oldPub), envelope.Fingerprint(newPub), time.Now().UTC().Format(time.RFC3339))
	var signers []note.Signer
	for _, k := range keys {
		s, err := translog.NewSigner(name, k)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
	}
	b, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFollowRotationWhileRunning: the outbox's loop and pinger run (as in
// the app) while the server's key is rotated: the pinger follows the
// proven rotation, the loop sends the list signed after it, and the
// screens' checks of the log run meanwhile (go test -race).
func TestFollowRotationWhileRunning(t *testing.T) {
	srv := newRotatingServer(t)
	s := enroll(t, srv.server)
	if err := s.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if it := sendList(t, s, "P1"); it.State != localstore.StateAccepted {
		t.Fatalf("before the rotation: %+v", it)
	}
	srv.rotate(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { s.Outbox.Run(ctx); done <- struct{}{} }()
	go func() { s.Outbox.RunPinger(ctx, 20*time.Millisecond); done <- struct{}{} }()
	defer func() {
		cancel()
		<-done
		<-done
	}()
	if err := s.Store.SaveDraft(&localstore.Draft{Round: "R1", List: []string{"P2"}}); err != nil {
		t.Fatal(err)
	}
	it, err := s.Sign("R1")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_ = s.SyncLog(context.Background()) // the screens, meanwhile
		last, err := s.LastAccepted("R1")
		if err != nil {
			t.Fatal(err)
		}
		if last != nil && last.ID == it.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the list signed after the rotation was not accepted: status %+v", s.Outbox.Status())
		}
		s.Outbox.Kick()
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.SyncLog(context.Background()); err != nil {
		t.Fatalf("log after the rotation: %v", err)
	}
}
