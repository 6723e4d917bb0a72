package viewmodel

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"appariement/assets"
	"appariement/desktop/internal/catalogue"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/outbox"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/paris"
	"appariement/syncserver/servertest"
)

const pass = "cheval agrafe batterie correcte"

func init() {
	if err := i18n.Load(assets.Translations, "translations"); err != nil {
		panic(err)
	}
}

// session enrolls intern i01 through the view model against a real server
// (servertest) with an open choix au rang "R1" of three postes ("Poste 1"
// to "Poste 3") and a round of another specialty, and syncs.
func session(t *testing.T) (*Intern, *servertest.Env) {
	t.Helper()
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 1, Postes: 3, Capacity: 1})
	for i := range env.Postes {
		env.Postes[i].Title = fmt.Sprintf("Poste %d", i+1)
		env.Postes[i].Etablissement = fmt.Sprintf("Hôpital %d", i+1)
	}
	data, _ := json.Marshal(env.Postes)
	if _, err := env.Admin.ImportPostes(ctx, env.Round, api.FormatJSON, data, false); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesOpen)
	// A round of another specialty is not shown.
	if _, err := env.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: "R-PSY", Name: "Psychiatrie", Procedure: domain.ChoixAuRang,
		Specialty: "PSY", Subdivision: servertest.Subdivision}); err != nil {
		t.Fatal(err)
	}
	psy := env.Postes[0]
	psy.ID, psy.Specialty, psy.Title = "PSY1", "PSY", "Psychiatrie adulte"
	data, _ = json.Marshal([]domain.Poste{psy})
	if _, err := env.Admin.ImportPostes(ctx, "R-PSY", api.FormatJSON, data, false); err != nil {
		t.Fatal(err)
	}
	people := []domain.Person{
		{ID: "i01", Role: domain.RoleIntern, LastName: "INTERNE1", FirstName: "Camille", Email: "i01@etu.example.fr",
			Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, Rank: 1},
		{ID: "psy01", Role: domain.RoleIntern, LastName: "PSY", FirstName: "Sacha", Email: "psy01@etu.example.fr",
			Specialty: "PSY", Subdivision: servertest.Subdivision, Rank: 1},
	}
	data, _ = json.Marshal(people)
	if _, err := env.Admin.ImportPeople(ctx, api.FormatJSON, data, false); err != nil {
		t.Fatal(err)
	}
	env.TransitionRound(t, "R-PSY", domain.StateWishesOpen)
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &Enrollment{ServerURL: env.URL, Identifier: "i01", Code: env.Codes["i01"], Passphrase: pass, Confirm: pass, Params: keystore.TestParams}
	k, err := CheckServer(context.Background(), e.ServerURL)
	e.ServerChecked(e.ServerURL, k, err)
	e.FingerprintConfirmed = true
	if !e.CanSubmit() {
		t.Fatal("cannot submit a complete enrollment")
	}
	p, err := Submit(context.Background(), store, e.Request())
	e.Done(p, err)
	if err != nil || e.Fingerprint() == "" {
		t.Fatalf("enroll: %v", err)
	}
	svc, err := service.Open(store, "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewIntern(svc)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ApplySync(a.Sync(context.Background(), "")); err != nil {
		t.Fatal(err)
	}
	return a, env
}

// TestEnrollmentChecksServerFirst: the code cannot leave before the
// server's fingerprint, computed here, is shown and confirmed (by the
// user's word or by pasting the e-mail's fingerprint), a fingerprint that
// differs blocks, another address needs a new check, and plain http:// to
// another computer is refused (issue 11, point 3).
func TestEnrollmentChecksServerFirst(t *testing.T) {
	i18n.SetLanguage("fr")
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 1})
	faults := env.Faults()
	url := env.Front(t, faults) // counts the enrollments that leave
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	sent := func() int { return faults.Count("POST /v1/enroll") }

	e := &Enrollment{ServerURL: url, Identifier: "i01", Code: env.Codes["i01"], Passphrase: pass, Confirm: pass, Params: keystore.TestParams}
	if e.CanSubmit() || e.ServerFingerprint() != "" {
		t.Fatal("submit possible before the server is checked")
	}
	if _, err := Submit(ctx, store, e.Request()); Message(err) != "Vérifiez et confirmez d'abord l'empreinte du serveur." {
		t.Fatalf("submit before the check: %v", err)
	}
	if !e.CanCheckServer() {
		t.Fatal("cannot check the server")
	}
	k, err := CheckServer(ctx, e.ServerURL)
	e.ServerChecked(e.ServerURL, k, err)
	want := envelope.Fingerprint(env.ServerKey.PublicKey)
	if err != nil || e.ServerFingerprint() != want {
		t.Fatalf("fingerprint %q, %v; want %q", e.ServerFingerprint(), err, want)
	}
	if e.CanSubmit() {
		t.Fatal("submit possible before the fingerprint is confirmed")
	}
	if _, err := Submit(ctx, store, e.Request()); err == nil {
		t.Fatal("enrolled without a confirmed fingerprint")
	}
	// A pasted fingerprint that differs blocks, even with the box ticked.
	e.FingerprintConfirmed = true
	e.TypedFingerprint = "0000 " + want[5:]
	if e.CanSubmit() || e.FingerprintText() != "✗ Différente de l'empreinte du serveur : ne saisissez pas votre code et prévenez votre administration." {
		t.Fatalf("differing fingerprint: can submit %v, %q", e.CanSubmit(), e.FingerprintText())
	}
	// The same one, pasted in capitals without spaces, confirms by itself.
	e.FingerprintConfirmed = false
	e.TypedFingerprint = strings.ToUpper(strings.ReplaceAll(want, " ", ""))
	if !e.CanSubmit() || e.FingerprintText() != "✓ Identique à l'empreinte du serveur." {
		t.Fatalf("same fingerprint: can submit %v, %q", e.CanSubmit(), e.FingerprintText())
	}
	e.ReviewFingerprint()
	if e.CanSubmit() || e.TypedFingerprint != "" {
		t.Fatal("review kept the confirmation")
	}
	e.TypedFingerprint = want
	// Another address: check again.
	e.ServerURL = url + "/"
	if e.CanSubmit() || e.Checked() {
		t.Fatal("another address kept the check")
	}
	if n := sent(); n != 0 {
		t.Fatalf("the code left %d times before the confirmation", n)
	}
	e.ServerURL = url
	p, err := Submit(ctx, store, e.Request())
	e.Done(p, err)
	if err != nil || e.Fingerprint() != want || sent() != 1 {
		t.Fatalf("enroll: %v (fingerprint %q, %d sent)", err, e.Fingerprint(), sent())
	}

	// Plain http:// to another computer: refused before any request.
	e2 := &Enrollment{ServerURL: "http://appariement.example.fr"}
	k, err = CheckServer(ctx, e2.ServerURL)
	e2.ServerChecked(e2.ServerURL, k, err)
	if e2.Checked() || e2.Error != "Adresse refusée : utilisez https:// (http:// n'est permis que vers cet ordinateur)." {
		t.Fatalf("plain http: checked %v, error %q", e2.Checked(), e2.Error)
	}
}

func TestRoundsOfMySpecialtyOnly(t *testing.T) {
	a, _ := session(t)
	if len(a.Rounds) != 1 || a.RoundID() != "R1" || a.Catalogue.Total() != 3 {
		t.Fatalf("rounds %+v, catalogue %d", a.Rounds, a.Catalogue.Total())
	}
}

func TestWishListEditingIsSavedAtOnce(t *testing.T) {
	i18n.SetLanguage("fr")
	a, _ := session(t)
	w := a.Wishes
	if w.DraftStatus() != "Brouillon vide : ajoutez des postes depuis l'onglet « Postes »." {
		t.Fatalf("empty draft status %q", w.DraftStatus())
	}
	for _, id := range []string{"P1", "P2", "P3"} {
		if ok, err := w.Add(id); !ok || err != nil {
			t.Fatalf("add %s: %v %v", id, ok, err)
		}
	}
	if ok, _ := w.Add("P2"); ok {
		t.Fatal("added a poste twice")
	}
	w.Move(2, -1) // P1 P3 P2
	w.Move(0, -1) // no-op at the top
	w.Remove(0)   // P3 P2
	d, _ := a.Svc.Store.Draft("R1")
	if strings.Join(d.List, " ") != "P3 P2" {
		t.Fatalf("saved draft %v", d.List)
	}
	if !strings.HasPrefix(w.Label(0), "1. Poste 3") {
		t.Fatalf("label %q", w.Label(0))
	}
	// Sign, send, and the statuses follow.
	if out := w.Sign(context.Background(), "mauvaise phrase"); Message(out.Err) != "Phrase secrète incorrecte." {
		t.Fatalf("wrong passphrase: %v", out.Err)
	}
	out := w.Sign(context.Background(), pass)
	if err := w.SignDone(out); err != nil {
		t.Fatal(err)
	}
	if v := w.Versions(); len(v) != 1 || v[0].Status != "Signé, en attente d'envoi" {
		t.Fatalf("versions %+v", v)
	}
	a.Svc.Outbox.Step(context.Background())
	a.Refresh()
	if v := w.Versions(); !strings.HasPrefix(v[0].Status, "Accepté le ") {
		t.Fatalf("versions %+v", v)
	}
	if !strings.HasPrefix(w.DraftStatus(), "À jour") {
		t.Fatalf("draft status %q", w.DraftStatus())
	}
	w.Move(1, -1)
	if !strings.HasPrefix(w.DraftStatus(), "Brouillon enregistré") {
		t.Fatalf("draft status after a change %q", w.DraftStatus())
	}
}

// TestRefusalShownInFrench: a list signed while the window was open and
// sent once the server closed it is refused by the server; its reason is
// shown in French, and in English when the app is.
func TestRefusalShownInFrench(t *testing.T) {
	i18n.SetLanguage("fr")
	a, env := session(t)
	a.Wishes.Add("P1")
	if err := a.Wishes.SignDone(a.Wishes.Sign(context.Background(), pass)); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesClosed)
	a.Svc.Outbox.Step(context.Background())
	a.Refresh()
	if v := a.Wishes.Versions(); !strings.HasPrefix(v[0].Status, "Refusé : la fenêtre des vœux du tour R1 est fermée") {
		t.Fatalf("status %q", v[0].Status)
	}
	i18n.SetLanguage("en")
	defer i18n.SetLanguage("fr")
	if v := a.Wishes.Versions(); !strings.HasPrefix(v[0].Status, "Refused: the wish window of round R1 is closed") {
		t.Fatalf("status in English %q", v[0].Status)
	}
}

func TestStatusTexts(t *testing.T) {
	i18n.SetLanguage("fr")
	a := &Intern{}
	for _, tc := range []struct {
		st           outbox.Status
		online, text string
	}{
		{outbox.Status{}, "Connexion…", "Rien en attente d'envoi"},
		{outbox.Status{Checked: true, Online: true}, "● En ligne", "Rien en attente d'envoi"},
		{outbox.Status{Checked: true, Pending: 2}, "● Hors ligne", "2 envois en attente"},
		{outbox.Status{Checked: true, Pending: 1, NeedsKey: true}, "● Hors ligne", "1 envoi en attente de la phrase secrète"},
		{outbox.Status{Checked: true, Online: true, Pending: 2, Done: 1, Sending: true}, "● En ligne", "Envoi 2 sur 3…"},
		{outbox.Status{Checked: true, Pending: 1, NextAttempt: time.Now().Add(30 * time.Second)}, "● Hors ligne", "1 envoi en attente, nouvel essai dans 30\u00a0s"},
		{outbox.Status{Checked: true, Online: true, KeyMismatch: true}, "⚠ Clé du serveur différente !", "Rien en attente d'envoi"},
		{outbox.Status{Checked: true, Online: true, Pending: 1, Busy: api.CodeStorageUnavailable, NextAttempt: time.Date(2026, 1, 29, 20, 15, 3, 0, paris.Location)},
			"● En ligne", "1 envoi gardé dans la boîte d'envoi : le serveur ne peut pas enregistrer pour l'instant, nouvel essai à 20\u00a0h\u00a015 (heure de Paris)"},
	} {
		s := a.Status(tc.st)
		if s.Online != tc.online || !strings.HasPrefix(s.Detail, tc.text[:len(tc.text)-3]) {
			t.Errorf("Status(%+v) = %q / %q, want %q / %q", tc.st, s.Online, s.Detail, tc.online, tc.text)
		}
	}
}

// BenchmarkOpen20000 measures what the app does at startup with a cached
// catalogue of 20,000 postes: read them from bbolt and build the index.
func BenchmarkOpen20000(b *testing.B) {
	store, err := localstore.Open(filepath.Join(b.TempDir(), "c.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ps := make([]domain.Poste, 20000)
	for i := range ps {
		d := domain.DESList[i%len(domain.DESList)]
		s := domain.Subdivisions[i%len(domain.Subdivisions)]
		ps[i] = domain.Poste{ID: fmt.Sprintf("P%05d", i), Specialty: d.Code, Subdivision: s.Code, Town: s.Name,
			Etablissement: "CHU de " + s.Name, Service: "Service de " + d.Name, Title: d.Name + " – CHU de " + s.Name,
			RTSName: "Dr Martin", RTSEmail: "rts@chu.example.fr", Capacity: 2, Version: 1,
			Description: "Stage de six mois, participation aux gardes, encadrement par un praticien hospitalier."}
	}
	if err := store.ApplyCatalogue(&api.CatalogueResponse{Round: "r", Version: 1, Postes: ps}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		postes, err := store.Postes("r")
		if err != nil || len(postes) != 20000 {
			b.Fatal(err)
		}
		catalogue.New(postes)
	}
}
