package ui

import (
	"context"
	"net"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"appariement/syncserver/servertest"
)

// closedAddress is a loopback address where nothing listens.
func closedAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ln.Close()
	return addr
}

// addServer types addr in the list's entry and taps Add.
func addServer(t *testing.T, v *serverListView, addr string) {
	t.Helper()
	test.Type(v.entry, addr)
	if v.add.Disabled() {
		t.Fatalf("Ajouter disabled with %q typed", v.entry.Text)
	}
	test.Tap(v.add)
}

// rowLabels are the list's rows as shown.
func rowLabels(v *serverListView) []string {
	var out []string
	for _, r := range v.rowViews {
		out = append(out, r.label.Text+" — "+r.note.Text)
	}
	return out
}

// TestEnrollServerList: on the enrollment screen, the list of addresses
// appears once the fingerprint is confirmed, with the checked address
// first and fixed; another server's address is refused by name as another
// server, one where nothing answers as not answering, and neither is
// listed; a second address of the same server is listed, enrolled with,
// and the status line names the address that answers and its place.
func TestEnrollServerList(t *testing.T) {
	srv := realServer(t)
	other := servertest.Start(t, servertest.Options{Empty: true})
	gone := closedAddress(t)
	app, store := newApp(t, srv.url)
	e := app.enroll
	if e.servers.box.Visible() && e.formBox.Visible() {
		t.Fatal("the list is shown before the server is checked")
	}
	test.Tap(e.checkServer)
	test.Tap(e.confirmFingerprint)
	if !e.formBox.Visible() {
		t.Fatalf("form hidden after the confirmation (%q)", e.errorText.Text)
	}
	l := e.servers
	if got, want := rowLabels(l), []string{"1. " + srv.url + " — vérifiée ci-dessus"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if r := l.rowViews[0]; !r.remove.Disabled() || !r.up.Disabled() || !r.down.Disabled() {
		t.Fatal("the checked address can be moved or removed")
	}
	for _, tc := range []struct{ addr, want string }{
		{other.URL, "L'adresse " + other.URL + " publie une autre clé de serveur que la clé épinglée : ce n'est pas le même serveur."},
		{gone, "L'adresse " + gone + " ne répond pas : vérifiez-la, ou réessayez quand ce serveur répondra."},
	} {
		addServer(t, l, tc.addr)
		if l.statusBox.Text != tc.want || len(l.rowViews) != 1 || l.entry.Text != "" {
			t.Errorf("add %s: status %q, %d rows; want %q and no new row", tc.addr, l.statusBox.Text, len(l.rowViews), tc.want)
		}
	}
	addServer(t, l, srv.URL)
	if got, want := rowLabels(l), []string{"1. " + srv.url + " — vérifiée ci-dessus", "2. " + srv.URL + " — essayée ensuite"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %q, want %q (status %q)", got, want, l.statusBox.Text)
	}
	if r := l.rowViews[1]; r.remove.Disabled() || !r.up.Disabled() {
		t.Fatal("the added address: remove disabled or moves above the checked one")
	}
	if !strings.Contains(test.RenderObjectToMarkup(app.Window.Content()), "Autres adresses du même serveur") {
		t.Error("the list's title is not on the screen")
	}
	test.Type(e.id, "i1")
	test.Type(e.code, srv.code)
	test.Type(e.pass, pass)
	test.Type(e.confirm, pass)
	test.Tap(e.submit)
	p, err := store.Profile()
	if err != nil {
		t.Fatalf("no profile: %v (%q)", err, e.errorText.Text)
	}
	if p.ServerURL != srv.url || !reflect.DeepEqual(p.OtherServers, []string{srv.URL}) {
		t.Fatalf("profile's servers %q then %q", p.ServerURL, p.OtherServers)
	}
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	s := app.intern
	s.VM.Svc.Outbox.Ping(context.Background())
	if want := "● Connecté à " + srv.url + " (serveur 1 sur 2)"; s.online.Text != want {
		t.Fatalf("status line %q, want %q", s.online.Text, want)
	}
	srv.faults.Cut(true)
	s.VM.Svc.Outbox.Ping(context.Background())
	if want := "● Connecté à " + srv.URL + " (serveur 2 sur 2)"; s.online.Text != want {
		t.Fatalf("first address cut: status line %q, want %q", s.online.Text, want)
	}
}

// TestSettingsServerList: the settings' list (Paramètres › Adresses du
// serveur…) starts with the enrollment's address; another server's
// address is refused by name; a second address of the same server is
// added, moved first, saved (the profile keeps the order) and used: the
// status line names it; removing it and saving goes back to one address.
func TestSettingsServerList(t *testing.T) {
	srv := realServer(t)
	other := servertest.Start(t, servertest.Options{Empty: true})
	app, store := newApp(t, srv.url)
	enrollThroughUI(t, app, srv.code)
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	app.showServerSettings()
	sc := app.servers
	if sc == nil {
		t.Fatal("no settings screen")
	}
	if !strings.Contains(test.RenderObjectToMarkup(app.Window.Canvas().Overlays().Top()), "Adresses du serveur") {
		t.Fatal("the settings dialog is not shown")
	}
	l := sc.list
	if got, want := rowLabels(l), []string{"1. " + srv.url + " — essayée en premier"}; !reflect.DeepEqual(got, want) || !sc.save.Disabled() {
		t.Fatalf("rows %q, want %q; save disabled %v", got, want, sc.save.Disabled())
	}
	addServer(t, l, other.URL)
	if !strings.HasPrefix(l.statusBox.Text, "L'adresse "+other.URL+" publie une autre clé") || len(l.rowViews) != 1 || !sc.save.Disabled() {
		t.Fatalf("another server: status %q, rows %d", l.statusBox.Text, len(l.rowViews))
	}
	addServer(t, l, srv.URL)
	test.Tap(l.rowViews[1].up)
	if got, want := rowLabels(l), []string{"1. " + srv.URL + " — essayée en premier", "2. " + srv.url + " — essayée ensuite"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if l.statusBox.Text != "Modifications non enregistrées." || sc.save.Disabled() {
		t.Fatalf("status %q, save disabled %v", l.statusBox.Text, sc.save.Disabled())
	}
	test.Tap(sc.save)
	if !strings.HasPrefix(l.statusBox.Text, "Adresses enregistrées") || !sc.save.Disabled() {
		t.Fatalf("after save: status %q", l.statusBox.Text)
	}
	p, err := store.Profile()
	if err != nil || p.ServerURL != srv.URL || !reflect.DeepEqual(p.OtherServers, []string{srv.url}) {
		t.Fatalf("profile's servers %q then %q (%v)", p.ServerURL, p.OtherServers, err)
	}
	if want := "● Connecté à " + srv.URL + " (serveur 1 sur 2)"; app.intern.online.Text != want {
		t.Fatalf("status line %q, want %q", app.intern.online.Text, want)
	}
	test.Tap(l.rowViews[0].remove)
	if !l.rowViews[0].remove.Disabled() {
		t.Fatal("the last address can be removed")
	}
	test.Tap(sc.save)
	if p, _ := store.Profile(); p.ServerURL != srv.url || len(p.OtherServers) != 0 {
		t.Fatalf("after removing: %q then %q", p.ServerURL, p.OtherServers)
	}
	app.intern.VM.Svc.Outbox.Ping(context.Background())
	if app.intern.online.Text != "● En ligne" {
		t.Fatalf("one address again: status line %q", app.intern.online.Text)
	}
}
