package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"appariement/desktop/internal/localstore"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestEndToEnd drives the intern's screens against a real sync server on
// loopback: enroll, sync the catalogue, lose the network, edit and sign the
// wish list (queued), get the network back, receive a verified receipt;
// then the admin closes, runs and publishes the round and the intern reads
// a verified result.
func TestEndToEnd(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang})
	env.Transition(t, domain.StateWishesOpen)
	// The network as a train through a tunnel sees it: cut, then back.
	faults := env.Faults()
	ctx := context.Background()

	app, store := newApp(t, env.Front(t, faults))
	intern := env.Interns[0]
	enrollAs(t, app, intern, env.Codes[intern])
	p, err := store.Profile()
	if err != nil {
		t.Fatalf("enrollment failed: %q", app.enroll.errorText.Text)
	}
	if string(p.ServerKey.PublicKey) != string(env.ServerKey.PublicKey) {
		t.Fatal("pinned key is not the server's")
	}
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	s := app.intern
	if s == nil {
		t.Fatal("no intern screen")
	}
	if got, want := s.count.Text, "4 postes affichés sur 4"; got != want {
		t.Fatalf("catalogue after first sync: %q, want %q (sync: %q)", got, want, s.syncDetail.Text)
	}

	// Offline: the train enters the tunnel.
	faults.Cut(true)
	test.Tap(s.syncButton)
	if s.online.Text != "● Hors ligne" {
		t.Fatalf("status while down = %q", s.online.Text)
	}
	// The catalogue still works offline, and so does the editor.
	test.Type(s.search, "cardiologie 3")
	if s.VM.Catalogue.Len() != 1 {
		t.Fatalf("offline search: %d postes", s.VM.Catalogue.Len())
	}
	s.list.Select(0)
	test.Tap(s.addButton)
	s.search.SetText("")
	s.list.Select(0)
	test.Tap(s.addButton)
	s.tabs.Select(s.wishTab)
	s.wishList.Select(1)
	test.Tap(s.upButton)
	if s.VM.Wishes.ID(0) != "P1" || s.VM.Wishes.ID(1) != "P3" {
		t.Fatalf("wishes = %s, %s", s.VM.Wishes.ID(0), s.VM.Wishes.ID(1))
	}
	test.Tap(s.signButton)
	entry := focusedEntry(t, app)
	test.Type(entry, pass)
	entry.OnSubmitted(entry.Text)
	s.VM.Svc.Outbox.Step(ctx)
	vs := s.VM.Wishes.Versions()
	if len(vs) != 1 || !strings.HasPrefix(vs[0].Status, "Signé, en attente d'envoi") {
		t.Fatalf("queued version = %+v (error %q)", vs, s.VM.Wishes.Error)
	}
	if !strings.Contains(s.syncDetail.Text, "1 envoi en attente") {
		t.Fatalf("status detail = %q", s.syncDetail.Text)
	}

	// Out of the tunnel: the ping sees the server, the outbox sends at once.
	faults.Cut(false)
	s.VM.Svc.Outbox.Ping(ctx)
	if s.online.Text != "● En ligne" {
		t.Fatalf("status after ping = %q", s.online.Text)
	}
	s.VM.Svc.Outbox.Step(ctx)
	vs = s.VM.Wishes.Versions()
	if !strings.HasPrefix(vs[0].Status, "Accepté le ") {
		t.Fatalf("after coming back: %+v (outbox %+v)", vs, s.VM.Svc.Outbox.Status())
	}
	items, _ := store.Items()
	if it := items[len(items)-1]; it.State != localstore.StateAccepted || it.Receipt == nil {
		t.Fatalf("outbox item = %+v", it)
	}
	if err := env.Verifier(t).VerifyReceipt(mustDecode(t, items[len(items)-1].Envelope), items[len(items)-1].Receipt); err != nil {
		t.Fatalf("stored receipt does not verify: %v", err)
	}

	// The admin closes, runs and publishes the round.
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)
	env.Publish(t, env.Round)

	test.Tap(s.syncButton)
	if s.fetchButton.Disabled() {
		t.Fatalf("fetch disabled after publication; rounds %+v", s.VM.Rounds)
	}
	test.Tap(s.fetchButton)
	markup := test.RenderObjectToMarkup(s.resultsBox)
	if !strings.Contains(markup, "✓ Vérifié") || !strings.Contains(markup, "Poste attribué : Poste de cardiologie — Lyon (P1)") {
		t.Fatalf("results: error %q\n%s", s.VM.Results.Error, markup)
	}
}
