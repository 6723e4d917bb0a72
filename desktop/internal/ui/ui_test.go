package ui

import (
	"appariement/desktop/internal/service"
	"appariement/syncserver/servertest"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"appariement/assets"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
)

const pass = "cheval agrafe batterie correcte"

func init() {
	if err := i18n.Load(assets.Translations, "translations"); err != nil {
		panic(err)
	}
	i18n.SetLanguage("fr")
}

func newApp(t *testing.T, url string) (*App, *localstore.Store) {
	t.Helper()
	a := test.NewTempApp(t)
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	app := New(a, store, Options{ServerURL: url, KeyParams: keystore.TestParams, Synchronous: true})
	t.Cleanup(app.Stop)
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	return app, store
}

// server is a real server (servertest) seeded for the intern screens, and
// the address the app is given: a front whose requests go through faults.
type server struct {
	*servertest.Env
	faults *servertest.FaultTransport
	url    string
	code   string // intern i1's activation code
}

// realServer starts a real server with intern i1 (cardiology, Île-de-France)
// and a national cardiology choix au rang "r1" in its wishes window, with
// three postes of Île-de-France and one of Saint-Étienne.
func realServer(t *testing.T) *server {
	t.Helper()
	return realServerWith(t, servertest.Options{})
}

// realServerWith is realServer with opts (Empty is set): another backend
// (Location), for example.
func realServerWith(t *testing.T, opts servertest.Options) *server {
	t.Helper()
	ctx := context.Background()
	opts.Empty = true
	env := servertest.Start(t, opts)
	people, _ := json.Marshal([]domain.Person{{ID: "i1", Role: domain.RoleIntern, FirstName: "Léa", LastName: "DURAND",
		Email: "lea.durand@etu.example.fr", Specialty: "CARDIO", Subdivision: "IDF", Rank: 1}})
	if _, err := env.Admin.ImportPeople(ctx, api.FormatJSON, people, false); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: "r1", Name: "Choix novembre 2026", Procedure: domain.ChoixAuRang,
		Specialty: "CARDIO"}); err != nil {
		t.Fatal(err)
	}
	rts := func(p domain.Poste) domain.Poste {
		p.RTS, p.RTSName, p.RTSEmail = "rts-"+p.ID, "Dr RTS "+p.ID, "rts-"+strings.ToLower(p.ID)+"@chu.example.fr"
		return p
	}
	postes, _ := json.Marshal([]domain.Poste{
		rts(domain.Poste{ID: "P1", Specialty: "CARDIO", Subdivision: "IDF", Town: "Paris", Etablissement: "Hôpital Bichat", Service: "Cardiologie", Title: "Insuffisance cardiaque", Capacity: 1}),
		rts(domain.Poste{ID: "P2", Specialty: "CARDIO", Subdivision: "IDF", Town: "Créteil", Etablissement: "Hôpital Henri-Mondor", Service: "Cardiologie", Title: "Soins intensifs", Capacity: 1}),
		rts(domain.Poste{ID: "P3", Specialty: "CARDIO", Subdivision: "STETIENNE", Town: "Saint-Étienne", Etablissement: "CHU de Saint-Étienne", Service: "Rythmologie", Title: "Rythmologie", Capacity: 2}),
		rts(domain.Poste{ID: "P4", Specialty: "CARDIO", Subdivision: "IDF", Town: "Paris", Etablissement: "Hôpital Lariboisière", Service: "Cardiologie", Title: "Valvulopathies", Capacity: 1})})
	if _, err := env.Admin.ImportPostes(ctx, "r1", api.FormatJSON, postes, false); err != nil {
		t.Fatal(err)
	}
	codes, err := env.Admin.IssueCodes(ctx, api.IssueCodesRequest{People: []string{"i1"}})
	if err != nil || len(codes.Codes) != 1 {
		t.Fatalf("codes: %+v, %v", codes, err)
	}
	env.TransitionRound(t, "r1", domain.StateWishesOpen)
	faults := env.Faults()
	return &server{Env: env, faults: faults, url: env.Front(t, faults), code: codes.Codes[0].Code}
}

// publish closes the wishes of r1, runs and publishes it.
func (srv *server) publish(t *testing.T) {
	t.Helper()
	srv.TransitionRound(t, "r1", domain.StateWishesClosed)
	srv.Run(t, "r1")
	srv.Publish(t, "r1")
}

// enrollThroughUI fills the first-run form and continues to the main screen.
func enrollThroughUI(t *testing.T, app *App, code string) {
	t.Helper()
	enrollAs(t, app, "i1", code)
}

func enrollAs(t *testing.T, app *App, id, code string) {
	t.Helper()
	e := app.enroll
	if e == nil {
		t.Fatal("no enrollment screen on first run")
	}
	if !e.code.Disabled() {
		t.Fatal("the code can be typed before the server is checked")
	}
	test.Tap(e.checkServer)
	if !e.fingerprintBox.Visible() || e.fingerprint.Text == "" {
		t.Fatalf("no fingerprint shown after the check (%q)", e.errorText.Text)
	}
	test.Tap(e.confirmFingerprint)
	test.Type(e.id, id)
	test.Type(e.code, code)
	test.Type(e.pass, "azerty")
	if !e.submit.Disabled() {
		t.Fatal("submit enabled with a weak passphrase")
	}
	if !strings.HasPrefix(e.strengthText.Text, "Très faible") {
		t.Fatalf("strength text = %q", e.strengthText.Text)
	}
	e.pass.SetText("")
	test.Type(e.pass, pass)
	test.Type(e.confirm, pass+"x")
	if e.confirmText.Text != "Les deux phrases secrètes diffèrent." || !e.submit.Disabled() {
		t.Fatalf("confirm text = %q", e.confirmText.Text)
	}
	e.confirm.SetText(pass)
	if e.submit.Disabled() {
		t.Fatalf("submit disabled; strength %q", e.strengthText.Text)
	}
	test.Tap(e.submit)
}

func findButton(o fyne.CanvasObject, text string) *widget.Button {
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil {
			return
		}
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == text {
				found = w
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *widget.Card:
			walk(w.Content)
		default:
			if wid, ok := o.(fyne.Widget); ok {
				for _, c := range test.WidgetRenderer(wid).Objects() {
					walk(c)
				}
			}
		}
	}
	walk(o)
	return found
}

func TestEnrollWrongCodeThenRight(t *testing.T) {
	srv := realServer(t)
	app, store := newApp(t, srv.url)
	enrollThroughUI(t, app, "WRONG")
	if got := app.enroll.errorText.Text; got != "identifiant ou code d'activation incorrect, déjà utilisé ou expiré ; après plusieurs essais manqués, patientez une minute avant de réessayer" {
		t.Fatalf("error shown = %q", got)
	}
	app.enroll.code.SetText(srv.code)
	test.Tap(app.enroll.submit)
	p, err := store.Profile()
	if err != nil {
		t.Fatalf("no profile after enrollment: %v (screen says %q)", err, app.enroll.errorText.Text)
	}
	cont := findButton(app.Window.Content(), "Continuer")
	if cont == nil {
		t.Fatal("no Continuer button on the fingerprint screen")
	}
	if !strings.Contains(test.RenderObjectToMarkup(app.Window.Content()), p.ServerKey.Fingerprint[:9]) {
		t.Error("fingerprint not shown")
	}
	test.Tap(cont)
	if app.intern == nil {
		t.Fatal("intern screen not shown")
	}
}

// TestEnrollShowsFingerprintBeforeCode: the screen shows the server's
// fingerprint, computed by the app, and lets the code be typed and sent
// only once the user confirmed it; a pasted fingerprint that differs
// blocks; plain http:// to another computer is refused (issue 11, point 3).
func TestEnrollShowsFingerprintBeforeCode(t *testing.T) {
	srv := realServer(t)
	app, store := newApp(t, srv.url)
	e := app.enroll
	sent := func() int { return srv.faults.Count("POST /v1/enroll") }
	if e.fingerprintBox.Visible() || e.formBox.Visible() || !e.code.Disabled() || !e.id.Disabled() || !e.submit.Disabled() {
		t.Fatal("the code can be typed before the server is checked")
	}
	test.Tap(e.checkServer)
	want := envelope.Fingerprint(srv.ServerKey.PublicKey)
	markup := test.RenderObjectToMarkup(app.Window.Content())
	if !e.fingerprintBox.Visible() || !strings.Contains(markup, want[:19]) || !strings.Contains(markup, "Comparez-la avec celle de votre e-mail") {
		t.Fatalf("fingerprint %q not shown (error %q)", want, e.errorText.Text)
	}
	if !e.code.Disabled() || e.formBox.Visible() {
		t.Fatal("the code can be typed before the fingerprint is confirmed")
	}
	// A differing fingerprint pasted from the e-mail blocks, even ticked.
	test.Type(e.typedFingerprint, "ffff"+want[4:])
	test.Tap(e.confirmFingerprint)
	if !strings.HasPrefix(e.typedStatus.Text, "✗ Différente") || !e.code.Disabled() {
		t.Fatalf("differing fingerprint: %q, code disabled %v", e.typedStatus.Text, e.code.Disabled())
	}
	e.typedFingerprint.SetText(want)
	if !strings.HasPrefix(e.typedStatus.Text, "✓ Identique") || e.code.Disabled() || !e.formBox.Visible() {
		t.Fatalf("same fingerprint: %q, code disabled %v", e.typedStatus.Text, e.code.Disabled())
	}
	// Confirmed: the box folds into one line, which can be reopened.
	if e.fingerprintBox.Visible() || !e.confirmedBox.Visible() || !strings.Contains(e.confirmedText.Text, want) {
		t.Fatalf("confirmed: box %v, line %v %q", e.fingerprintBox.Visible(), e.confirmedBox.Visible(), e.confirmedText.Text)
	}
	test.Tap(e.review)
	if !e.fingerprintBox.Visible() || e.formBox.Visible() || !e.code.Disabled() || e.typedFingerprint.Text != "" {
		t.Fatal("review did not reopen the comparison")
	}
	test.Type(e.typedFingerprint, want)
	test.Type(e.id, "i1")
	test.Type(e.code, srv.code)
	test.Type(e.pass, pass)
	test.Type(e.confirm, pass)
	// Another address: the check is to be done again.
	e.server.SetText(srv.url + "/")
	if e.fingerprintBox.Visible() || !e.code.Disabled() || !e.submit.Disabled() {
		t.Fatal("another address kept the check")
	}
	if n := sent(); n != 0 {
		t.Fatalf("the code left %d times before the confirmation", n)
	}
	e.server.SetText(srv.url)
	test.Tap(e.checkServer)
	if e.confirmFingerprint.Checked || e.submit.Disabled() { // the pasted fingerprint still matches
		t.Fatalf("after the new check: box %v, submit disabled %v", e.confirmFingerprint.Checked, e.submit.Disabled())
	}
	test.Tap(e.submit)
	if _, err := store.Profile(); err != nil || sent() != 1 {
		t.Fatalf("enroll: %v (%q), %d sent", err, e.errorText.Text, sent())
	}
}

// TestEnrollRefusesPlainHTTP: http:// to another computer is refused at
// the check, before any request.
func TestEnrollRefusesPlainHTTP(t *testing.T) {
	app, _ := newApp(t, "http://appariement.example.fr")
	e := app.enroll
	test.Tap(e.checkServer)
	if e.fingerprintBox.Visible() || e.errorText.Text != "Adresse refusée : utilisez https:// (http:// n'est permis que vers cet ordinateur)." {
		t.Fatalf("plain http: box %v, error %q", e.fingerprintBox.Visible(), e.errorText.Text)
	}
}

func TestInternFlow(t *testing.T) {
	srv := realServer(t)
	app, store := newApp(t, srv.url)
	enrollThroughUI(t, app, srv.code)
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	s := app.intern
	if s == nil {
		t.Fatal("intern screen not shown")
	}
	// The first sync ran: the catalogue starts on the intern's own
	// specialty and subdivision (3 of the 4 postes), round selected.
	if got := s.count.Text; got != "3 postes affichés sur 4" {
		t.Fatalf("count = %q", got)
	}
	if s.specSelect.Selected != "Médecine cardiovasculaire" || s.subSelect.Selected != "Île-de-France" {
		t.Fatalf("default filters = %q, %q", s.specSelect.Selected, s.subSelect.Selected)
	}
	s.subSelect.SetSelectedIndex(0) // every subdivision
	if got := s.count.Text; got != "4 postes affichés sur 4" {
		t.Fatalf("count, every subdivision = %q", got)
	}
	if s.roundInfo.Text != "vœux ouverts" || s.roundSelect.Selected != "Choix novembre 2026 (vœux ouverts)" {
		t.Fatalf("round info = %q", s.roundInfo.Text)
	}
	// Accent- and case-insensitive search.
	test.Type(s.search, "SAINT etienne")
	if got := s.count.Text; got != "1 poste affiché sur 4" {
		t.Fatalf("search count = %q", got)
	}
	// A poste of another subdivision can be browsed, not wished.
	if _, err := s.VM.Wishes.Add("P3"); !errors.Is(err, service.ErrNotEligible) {
		t.Fatalf("Add(P3) of another subdivision = %v, want ErrNotEligible", err)
	}
	// ... and the add button says why before the click.
	s.list.Select(0)
	if !s.addButton.Disabled() || !strings.Contains(test.RenderObjectToMarkup(s.detailBox), "le poste P3 (CARDIO, STETIENNE) n'est pas ouvert à la") {
		t.Fatalf("add button of P3: disabled %v, detail %s", s.addButton.Disabled(), test.RenderObjectToMarkup(s.detailBox))
	}
	s.search.SetText("")
	s.subSelect.SetSelected("Île-de-France")
	if got := s.count.Text; got != "3 postes affichés sur 4" {
		t.Fatalf("subdivision count = %q", got)
	}
	// Detail, favourite and add to the wish list.
	s.list.Select(0) // Henri-Mondor (Créteil sorts before Paris)
	if !strings.Contains(test.RenderObjectToMarkup(s.detailBox), "Henri-Mondor") {
		t.Fatalf("detail does not show the selected poste: %s %v", test.RenderObjectToMarkup(s.detailBox), s.VM.Catalogue.Selected)
	}
	test.Tap(s.favButton)
	if s.favButton.Text != "Retirer des favoris" {
		t.Fatalf("fav button = %q", s.favButton.Text)
	}
	test.Tap(s.addButton)
	s.list.Select(1)
	test.Tap(s.addButton)
	if s.VM.Wishes.Len() != 2 {
		t.Fatalf("wishes = %d", s.VM.Wishes.Len())
	}
	s.favOnly.SetChecked(true)
	if got := s.count.Text; got != "1 poste affiché sur 4" {
		t.Fatalf("favourites count = %q", got)
	}
	// Reorder with the buttons.
	s.tabs.Select(s.wishTab)
	if got := s.VM.Wishes.Label(0); !strings.HasPrefix(got, "1. ★ Soins intensifs") {
		t.Fatalf("first wish = %q", got)
	}
	s.wishList.Select(1)
	test.Tap(s.upButton)
	if got := s.VM.Wishes.Label(0); !strings.HasPrefix(got, "1. Insuffisance cardiaque") {
		t.Fatalf("after up, first wish = %q", got)
	}
	if !strings.HasPrefix(s.draftStatus.Text, "Brouillon enregistré le") {
		t.Fatalf("draft status = %q", s.draftStatus.Text)
	}
	// Saved at once: the draft in the cache has the new order.
	d, _ := store.Draft("r1")
	if strings.Join(d.List, ",") != "P1,P2" {
		t.Fatalf("saved draft = %v", d.List)
	}
	// Candidate file: a non-PDF is refused, a PDF attached.
	s.attach("cv", "cv.txt", []byte("hello"))
	if s.VM.Files.Error != "Le fichier n'est pas un PDF." {
		t.Fatalf("file error = %q", s.VM.Files.Error)
	}
	s.attach("cv", "cv.pdf", []byte("%PDF-1.4\nCV\n"))
	if !strings.Contains(test.RenderObjectToMarkup(s.filesBox), "cv.pdf") {
		t.Fatal("attached file not listed")
	}
	// Sign: wrong passphrase first.
	test.Tap(s.signButton)
	entry := focusedEntry(t, app)
	test.Type(entry, "pas la bonne phrase")
	entry.OnSubmitted(entry.Text)
	if s.VM.Wishes.Error != "Phrase secrète incorrecte." {
		t.Fatalf("wish error = %q", s.VM.Wishes.Error)
	}
	test.Tap(s.signButton)
	entry = focusedEntry(t, app)
	test.Type(entry, pass)
	entry.OnSubmitted(entry.Text)
	vs := s.VM.Wishes.Versions()
	if len(vs) != 1 || vs[0].Status != "Signé, en attente d'envoi" {
		t.Fatalf("versions = %+v (error %q)", vs, s.VM.Wishes.Error)
	}
	// The outbox sends the file then the list; the receipt is verified.
	ctx := context.Background()
	s.VM.Svc.Outbox.Step(ctx)
	s.VM.Svc.Outbox.Step(ctx)
	vs = s.VM.Wishes.Versions()
	if !strings.HasPrefix(vs[0].Status, "Accepté le ") || !strings.Contains(vs[0].Status, "entrée n°\u00a00 du journal") {
		t.Fatalf("after send: %+v", vs)
	}
	if s.online.Text != "● En ligne" || !strings.HasPrefix(s.syncDetail.Text, "Rien en attente d'envoi") {
		t.Fatalf("status bar = %q / %q", s.online.Text, s.syncDetail.Text)
	}
	if !strings.HasPrefix(s.draftStatus.Text, "À jour") {
		t.Fatalf("draft status = %q", s.draftStatus.Text)
	}
	// Results.
	srv.publish(t)
	test.Tap(s.syncButton)
	test.Tap(s.fetchButton)
	markup := test.RenderObjectToMarkup(s.resultsBox)
	if !strings.Contains(markup, "✓ Vérifié") || !strings.Contains(markup, "Poste attribué : Insuffisance cardiaque") {
		t.Fatalf("results = %s", markup)
	}
}

// focusedEntry returns the passphrase entry of the dialog just opened.
func focusedEntry(t *testing.T, app *App) *widget.Entry {
	t.Helper()
	e, ok := app.Window.Canvas().Focused().(*widget.Entry)
	if !ok {
		t.Fatal("no focused entry (passphrase dialog not shown?)")
	}
	return e
}

func TestShortcutsMoveWishes(t *testing.T) {
	srv := realServer(t)
	app, _ := newApp(t, srv.url)
	enrollThroughUI(t, app, srv.code)
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	s := app.intern
	for _, id := range []string{"P1", "P2", "P4"} {
		if _, err := s.VM.Wishes.Add(id); err != nil {
			t.Fatal(err)
		}
	}
	s.tabs.Select(s.wishTab)
	s.refreshWishes()
	s.wishList.Select(2)
	c := app.Window.Canvas().(interface{ TypedShortcut(fyne.Shortcut) })
	typeShortcut := func(key fyne.KeyName) {
		c.TypedShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault})
	}
	typeShortcut(fyne.KeyUp)
	if got := s.VM.Wishes.ID(1); got != "P4" {
		t.Fatalf("after Ctrl+Up: %v", []string{s.VM.Wishes.ID(0), s.VM.Wishes.ID(1), s.VM.Wishes.ID(2)})
	}
	typeShortcut(fyne.KeyDelete)
	if s.VM.Wishes.Len() != 2 {
		t.Fatalf("after Ctrl+Delete: %d wishes", s.VM.Wishes.Len())
	}
}

func mustDecode(t *testing.T, b []byte) *envelope.Envelope {
	t.Helper()
	env, err := envelope.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestRestartKeepsQueueAndAsksPassphraseForUploads signs offline, closes
// the app, opens it again: the queue is still there, the upload waits for
// the passphrase, and everything is sent once it is given.
func TestRestartKeepsQueueAndAsksPassphraseForUploads(t *testing.T) {
	srv := realServer(t)
	app, store := newApp(t, srv.url)
	enrollThroughUI(t, app, srv.code)
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	s := app.intern
	s.VM.Wishes.Add("P1")
	s.attach("cv", "cv.pdf", []byte("%PDF-1.4\nCV\n"))
	srv.faults.Cut(true)
	test.Tap(s.signButton)
	entry := focusedEntry(t, app)
	test.Type(entry, pass)
	entry.OnSubmitted(entry.Text)
	s.VM.Svc.Outbox.Step(context.Background())
	app.Stop()
	app.Window.Close()

	// A new start on the same cache: no enrollment, the queue is kept.
	app2 := New(app.FyneApp, store, Options{ServerURL: srv.url, KeyParams: keystore.TestParams, Synchronous: true})
	t.Cleanup(app2.Stop)
	srv.faults.Cut(false)
	if err := app2.Start(); err != nil {
		t.Fatal(err)
	}
	s2 := app2.intern
	if s2 == nil || app2.enroll != nil {
		t.Fatal("second start did not open the main screen directly")
	}
	ob := s2.VM.Svc.Outbox
	now := time.Now().Add(time.Hour) // past the backoff of the failed attempt
	ob.Now = func() time.Time { return now }
	ob.Step(context.Background())
	if st := ob.Status(); !st.NeedsKey || st.Pending != 2 {
		t.Fatalf("status after restart = %+v", st)
	}
	if !s2.unlockButton.Visible() || !strings.Contains(s2.syncDetail.Text, "2 envois en attente de la phrase secrète") {
		t.Fatalf("unlock button hidden or detail %q", s2.syncDetail.Text)
	}
	test.Tap(s2.unlockButton)
	entry = focusedEntry(t, app2)
	test.Type(entry, pass)
	entry.OnSubmitted(entry.Text)
	ob.Step(context.Background())
	ob.Step(context.Background())
	if v := s2.VM.Wishes.Versions(); !strings.HasPrefix(v[0].Status, "Accepté le ") {
		t.Fatalf("after unlock: %+v (outbox %+v)", v, ob.Status())
	}
	if s2.unlockButton.Visible() {
		t.Fatal("unlock button still shown")
	}
	if items, _ := store.Items(); len(items) != 2 {
		t.Fatalf("outbox has %d items, want 2", len(items))
	}
}

// TestTabsFollowTheProcedure: the simulation, call list and live tabs
// appear for a choix au rang only.
func TestTabsFollowTheProcedure(t *testing.T) {
	srv := realServer(t)
	ctx := context.Background()
	if _, err := srv.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: "a1", Name: "Appariement mai 2027", Procedure: domain.Appariement,
		Specialty: "CARDIO"}); err != nil {
		t.Fatal(err)
	}
	postes, _ := json.Marshal([]domain.Poste{{ID: "Q1", Specialty: "CARDIO", Subdivision: "IDF", Town: "Paris", Etablissement: "Hôpital Bichat",
		Service: "Cardiologie", Title: "Coronarographie", Capacity: 1, RTS: "rts-q1", RTSName: "Dr Q", RTSEmail: "q@chu.example.fr"}})
	if _, err := srv.Admin.ImportPostes(ctx, "a1", api.FormatJSON, postes, false); err != nil {
		t.Fatal(err)
	}
	app, _ := newApp(t, srv.url)
	enrollThroughUI(t, app, srv.code)
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	s := app.intern
	if s == nil {
		t.Fatal("intern screen not shown")
	}
	choixTabs := func() int {
		n := 0
		for _, tab := range []*container.TabItem{s.choix.simTab, s.choix.callTab, s.choix.liveTab} {
			if slices.Contains(s.tabs.Items, tab) {
				n++
			}
		}
		return n
	}
	if s.VM.RoundID() != "r1" || choixTabs() != 3 {
		t.Fatalf("round %q (its wishes are open), %d choix-au-rang tabs", s.VM.RoundID(), choixTabs())
	}
	s.roundSelect.SetSelected(s.VM.RoundLabels()[slices.IndexFunc(s.VM.Rounds, func(r domain.Round) bool { return r.ID == "a1" })])
	if s.VM.RoundID() != "a1" || choixTabs() != 0 {
		t.Fatalf("appariement round %q: %d choix-au-rang tabs", s.VM.RoundID(), choixTabs())
	}
	// Its postes were fetched on the switch, not "synchronisez".
	if got := s.count.Text; strings.Contains(got, "synchronisez") || s.VM.Catalogue.Total() != 1 {
		t.Errorf("catalogue of a1 after the switch: %q", got)
	}
	s.roundSelect.SetSelected(s.VM.RoundLabels()[slices.IndexFunc(s.VM.Rounds, func(r domain.Round) bool { return r.ID == "r1" })])
	if choixTabs() != 3 {
		t.Fatalf("back to the choix au rang: %d choix-au-rang tabs", choixTabs())
	}
}
