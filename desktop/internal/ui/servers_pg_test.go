//go:build unix

package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"appariement/desktop/internal/localstore"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/servertest"
	_ "appariement/syncserver/store/pgstore"
)

// TestServersFailoverEndToEnd: two real server nodes on one PostgreSQL
// database (one store, one key). The intern enrolls through the first
// (behind a front whose network the test cuts) with the second in the
// list; the first is cut, the wish list signed on the screen is delivered
// through the second, its receipt verifies against the pinned key, and
// the status line says that the second answered.
func TestServersFailoverEndToEnd(t *testing.T) {
	ctx := context.Background()
	c := pgtest.Start(t, pgtest.Options{})
	dsn, err := c.CreateDB(ctx, "servers")
	if err != nil {
		t.Fatal(err)
	}
	srv := realServerWith(t, servertest.Options{Location: dsn})
	_, url2 := srv.AddNode(t)

	app, store := newApp(t, srv.url)
	e := app.enroll
	test.Tap(e.checkServer)
	test.Tap(e.confirmFingerprint)
	addServer(t, e.servers, url2)
	if len(e.servers.rowViews) != 2 {
		t.Fatalf("second node not listed: %q", e.servers.statusBox.Text)
	}
	test.Tap(e.review) // enrollAs checks and confirms again: the list stays
	enrollThroughUI(t, app, srv.code)
	p, err := store.Profile()
	if err != nil || len(p.OtherServers) != 1 || p.OtherServers[0] != url2 {
		t.Fatalf("profile: %+v, %v (%q)", p, err, e.errorText.Text)
	}
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	s := app.intern

	srv.faults.Cut(true) // the first node cannot be reached
	s.VM.Wishes.Add("P1")
	s.VM.Wishes.Add("P2")
	s.refreshWishes()
	test.Tap(s.signButton)
	entry := focusedEntry(t, app)
	test.Type(entry, pass)
	entry.OnSubmitted(entry.Text)
	s.VM.Svc.Outbox.Step(ctx)
	vs := s.VM.Wishes.Versions()
	if len(vs) != 1 || !strings.HasPrefix(vs[0].Status, "Accepté le ") {
		t.Fatalf("with the first node cut: %+v (outbox %+v)", vs, s.VM.Svc.Outbox.Status())
	}
	if want := "● Connecté à " + url2 + " (serveur 2 sur 2)"; s.online.Text != want {
		t.Fatalf("status line %q, want %q", s.online.Text, want)
	}
	items, _ := store.Items()
	it := items[len(items)-1]
	if it.State != localstore.StateAccepted || it.Receipt == nil {
		t.Fatalf("outbox item %+v", it)
	}
	if err := srv.Verifier(t).VerifyReceipt(mustDecode(t, it.Envelope), it.Receipt); err != nil {
		t.Fatalf("receipt from the second node: %v", err)
	}
	// The first node, on the same database, has the submission in its log.
	cp, err := srv.Anonymous().Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tree, err := srv.Verifier(t).OpenCheckpoint(cp); err != nil || tree.N <= it.Receipt.Index {
		t.Errorf("first node's log: size %d, %v; want it to hold index %d", tree.N, err, it.Receipt.Index)
	}
}
