package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
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
