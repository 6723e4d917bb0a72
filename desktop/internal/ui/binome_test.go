package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestBinomeTab: the binôme tab is shown only in a round with binômes;
// when it does, the partner and the pairs typed in are the view model's,
// an unknown poste is shown as an error, and the pairs list shows the
// postes' titles.
func TestBinomeTab(t *testing.T) {
	srv := realServer(t)
	app, _ := newApp(t, srv.url)
	enrollThroughUI(t, app, srv.code)
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	s := app.intern
	if s == nil || s.binome == nil {
		t.Fatal("intern screen or binôme tab not shown")
	}
	b := s.binome
	if slices.Contains(s.tabs.Items, b.tab) {
		t.Fatal("round without binômes: the binôme tab is shown")
	}
	// The same round as one that allows binômes.
	s.VM.Round.Binomes = true
	b.load()
	if !slices.Contains(s.tabs.Items, b.tab) || b.tab.Text != "Binôme" || !b.unavailable.Hidden || b.form.Hidden {
		t.Fatalf("round with binômes: tab shown %v (%q), unavailable hidden %v, form hidden %v", slices.Contains(s.tabs.Items, b.tab), b.tab.Text, b.unavailable.Hidden, b.form.Hidden)
	}
	test.Type(b.partner, "i2")
	test.Type(b.mine, "P1")
	test.Type(b.theirs, "P9")
	test.Tap(b.add)
	if b.errLabel.Text != "le poste P9 n'est pas dans le catalogue du tour" || len(b.vm.Pairs) != 0 {
		t.Fatalf("unknown poste: %q, pairs %v", b.errLabel.Text, b.vm.Pairs)
	}
	b.theirs.SetText("P2")
	test.Tap(b.add)
	if len(b.vm.Pairs) != 1 || b.vm.Partner != "i2" || b.mine.Text != "" || b.errLabel.Text != "" {
		t.Fatalf("after add: pairs %v, partner %q, error %q", b.vm.Pairs, b.vm.Partner, b.errLabel.Text)
	}
	if got := b.vm.PairLabel(0); !strings.HasPrefix(got, "1. moi : ") || !strings.Contains(got, "Insuffisance cardiaque") {
		t.Fatalf("pair label %q", got)
	}
	if !strings.Contains(b.mirror.Text, "1. P2 + P1") {
		t.Fatalf("mirror %q", b.mirror.Text)
	}
}

// TestBinomeProposalTab: in a choix au rang with binômes, intern i03's
// tab shows i01's signed link as "… vous propose un binôme" with the pairs
// from i03's side; declining hides it and signs nothing; accepting signs
// the mirrored list, the outbox sends it, and the tab then says the binôme
// is confirmed (signed by both), with no proposal left.
func TestBinomeProposalTab(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Binomes: true, Interns: 3, Capacities: []int{1, 1, 1}})
	users := env.ChoixRound(t, map[string][]string{"i01": {"P1"}, "i02": {"P2"}, "i03": {"P3"}})
	for _, l := range []struct {
		from  string
		pairs [][2]string
	}{{"i01", [][2]string{{"P1", "P2"}, {"P3", "P1"}}}, {"i02", [][2]string{{"P2", "P3"}}}} {
		if _, err := users[l.from].Client.Submit(ctx, users[l.from].BinomeLink(env.Round, 1, "i03", l.pairs...)); err != nil {
			t.Fatal(err)
		}
	}
	me := users["i03"]
	sealed, err := keystore.Seal(me.Key, pass, keystore.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	app := staffApp(t, env, &localstore.Profile{ServerURL: env.URL, ServerKey: env.ServerKey, Key: sealed,
		Person: domain.Person{ID: "i03", Role: domain.RoleIntern, FirstName: "Camille", LastName: "INTERNE3", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision}})
	s := app.intern
	test.Tap(s.syncButton)
	b := s.binome
	if !slices.Contains(s.tabs.Items, b.tab) || !b.vm.Available() {
		t.Fatal("binôme tab not shown in a round with binômes")
	}
	s.tabs.Select(b.tab)
	test.Tap(b.fetch) // locked: asks the passphrase
	typePassphrase(t, app)
	texts := func() []string {
		var out []string
		for _, o := range test.LaidOutObjects(b.proposals) {
			switch w := o.(type) {
			case *widget.Label:
				out = append(out, w.Text)
			case *widget.Button:
				out = append(out, "["+w.Text+"]")
			}
		}
		return out
	}
	got := strings.Join(texts(), "\n")
	for _, want := range []string{"Camille INTERNE1 (i01) vous propose un binôme", "Camille INTERNE2 (i02) vous propose un binôme",
		"1. vous : ", "[Accepter (signer le même binôme)]", "[Refuser (ne pas signer)]"} {
		if !strings.Contains(got, want) {
			t.Fatalf("proposals %q: no %q (error %q)", got, want, b.errLabel.Text)
		}
	}
	buttons := func(label string) []*widget.Button {
		var out []*widget.Button
		for _, o := range test.LaidOutObjects(b.proposals) {
			if w, ok := o.(*widget.Button); ok && w.Text == label {
				out = append(out, w)
			}
		}
		return out
	}
	test.Tap(buttons("Refuser (ne pas signer)")[1]) // i02's
	if got := strings.Join(texts(), "\n"); strings.Contains(got, "i02") || !strings.Contains(got, "i01") {
		t.Fatalf("after declining i02: %q", got)
	}
	if v, _ := app.session.Svc.BinomeVersions(env.Round); len(v) != 0 {
		t.Fatalf("declining signed %d links", len(v))
	}
	shoot(t, app, "binome-proposition")
	test.Tap(buttons("Accepter (signer le même binôme)")[0])
	typePassphrase(t, app)
	app.session.Svc.Outbox.Step(ctx)
	b.delivered()
	if want := "binôme confirmé avec Camille INTERNE1 (signé par vous deux)"; b.status.Text != want {
		t.Fatalf("status %q, want %q (error %q)", b.status.Text, want, b.errLabel.Text)
	}
	if got := strings.Join(texts(), "\n"); got != "Aucune proposition de binôme reçue." {
		t.Fatalf("after accepting: %q", got)
	}
	if b.partner.Text != "i01" || len(b.vm.Pairs) != 2 || b.vm.Pairs[0] != [2]string{"P2", "P1"} {
		t.Fatalf("edit after accepting: %q %v", b.partner.Text, b.vm.Pairs)
	}
	shoot(t, app, "binome-confirme")
}
