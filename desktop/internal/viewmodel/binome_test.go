package viewmodel

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// binomeSession enrolls intern id through the view model against a real
// server with an open choix au rang "R1" that allows binômes.
func binomeSession(t *testing.T, env *servertest.Env, id string) *Intern {
	t.Helper()
	store, err := localstore.Open(filepath.Join(t.TempDir(), id+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &Enrollment{ServerURL: env.URL, Identifier: id, Code: env.Codes[id], Passphrase: pass, Confirm: pass, Params: keystore.TestParams}
	k, err := CheckServer(context.Background(), e.ServerURL)
	e.ServerChecked(e.ServerURL, k, err)
	e.FingerprintConfirmed = true
	p, err := Submit(context.Background(), store, e.Request())
	e.Done(p, err)
	if err != nil {
		t.Fatalf("enroll %s: %v", id, err)
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
	return a
}

// TestBinomeLink: an intern proposes a link (partner and joint list,
// postes from the catalogue, no pair twice), signs it and the server
// accepts it; the partner accepts it by signing the mirrored joint list;
// the run then gives the pair rule's outcome; a withdrawal is shown as such.
func TestBinomeLink(t *testing.T) {
	i18n.SetLanguage("fr")
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Binomes: true, Interns: 3, Capacities: []int{1, 1, 1}})
	env.Transition(t, domain.StateWishesOpen)
	a1, a3 := binomeSession(t, env, "i01"), binomeSession(t, env, "i03")
	b := NewBinome(a1.Svc, a1.Catalogue)
	if err := b.Load(a1.Round); err != nil {
		t.Fatal(err)
	}
	if !b.Available() || b.Status() != "aucun lien signé" {
		t.Fatalf("available %v, status %q", b.Available(), b.Status())
	}
	if err := b.AddPair("P1", "P9"); err == nil || b.Error != "le poste P9 n'est pas dans le catalogue du tour" {
		t.Fatalf("unknown poste: %v %q", err, b.Error)
	}
	for _, pq := range [][2]string{{"P1", "P2"}, {"P3", "P1"}} {
		if err := b.AddPair(pq[0], pq[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.AddPair("P1", "P2"); err == nil || !strings.Contains(b.Error, "déjà dans la liste commune") {
		t.Fatalf("pair twice: %v %q", err, b.Error)
	}
	b.MoveUp(1) // (P3, P1), (P1, P2)
	if err := b.Sign(pass); err == nil || b.Error != "indiquez l'identifiant de votre binôme" {
		t.Fatalf("no partner: %v %q", err, b.Error)
	}
	b.Partner = "i03"
	if err := b.Sign(pass); err != nil {
		t.Fatal(err)
	}
	if b.Status() != "lien avec i03 signé, en attente d'envoi" {
		t.Fatalf("status %q", b.Status())
	}
	a1.Svc.Outbox.Step(context.Background())
	if err := b.Refresh(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.Status(), "lien avec i03 accepté par le serveur") {
		t.Fatalf("status %q", b.Status())
	}
	if !strings.Contains(b.MirrorText(), "1. P1 + P3 ; 2. P2 + P1") {
		t.Fatalf("mirror %q", b.MirrorText())
	}

	// The partner accepts by signing the mirrored list.
	b3 := NewBinome(a3.Svc, a3.Catalogue)
	if err := b3.Load(a3.Round); err != nil {
		t.Fatal(err)
	}
	b3.Partner = "i01"
	for _, pq := range b.Mirror() {
		if err := b3.AddPair(pq[0], pq[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b3.Sign(pass); err != nil {
		t.Fatal(err)
	}
	a3.Svc.Outbox.Step(context.Background())

	// i02 (rank 2) takes P3 before the binôme's turn (rank 3): the pair
	// gets its second pair, P1 for i01 and P2 for i03.
	i02 := env.Register(t, "i02")
	if _, err := i02.Client.Submit(context.Background(), i02.WishList(env.Round, 1, "P3")); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesClosed)
	res := env.Run(t, env.Round)
	got := map[string]string{}
	for _, as := range res.Assignments {
		got[as.Intern] = as.Poste
	}
	if got["i01"] != "P1" || got["i02"] != "P3" || got["i03"] != "P2" {
		t.Fatalf("result %+v", res.Assignments)
	}

	// Reloading shows the last signed link.
	again := NewBinome(a1.Svc, a1.Catalogue)
	if err := again.Load(a1.Round); err != nil || again.Partner != "i03" || len(again.Pairs) != 2 || again.Pairs[0] != [2]string{"P3", "P1"} {
		t.Fatalf("reloaded %+v %v", again, err)
	}
}
