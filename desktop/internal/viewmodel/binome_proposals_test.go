package viewmodel

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/simulation"
	"appariement/syncserver/servertest"
)

// TestBinomeProposal: the partner of a signed link sees it as a proposal
// ("X vous propose un binôme" with the pairs from their side), accepts it
// by signing the mirrored list, and both then see the binôme confirmed; a
// declined proposal is hidden and nothing is signed; an intern named by
// no link sees nothing.
func TestBinomeProposal(t *testing.T) {
	i18n.SetLanguage("fr")
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Binomes: true, Interns: 3, Capacities: []int{1, 1, 1}})
	env.Transition(t, domain.StateWishesOpen)
	a1, a2, a3 := binomeSession(t, env, "i01"), binomeSession(t, env, "i02"), binomeSession(t, env, "i03")
	vm := func(a *Intern) *Binome {
		b := NewBinome(a.Svc, a.Catalogue)
		if err := b.Load(a.Round); err != nil {
			t.Fatal(err)
		}
		return b
	}
	fetch := func(b *Binome) {
		t.Helper()
		d := b.FetchLinks(ctx)
		if d.Err != nil {
			t.Fatal(d.Err)
		}
		b.ApplyLinks(d)
	}
	b1, b2, b3 := vm(a1), vm(a2), vm(a3)
	b1.Partner = "i03"
	for _, pq := range [][2]string{{"P1", "P2"}, {"P3", "P1"}} {
		if err := b1.AddPair(pq[0], pq[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b1.Sign(pass); err != nil {
		t.Fatal(err)
	}
	a1.Svc.Outbox.Step(ctx)
	b2.Partner = "i03"
	if err := b2.AddPair("P2", "P3"); err != nil {
		t.Fatal(err)
	}
	if err := b2.Sign(pass); err != nil {
		t.Fatal(err)
	}
	a2.Svc.Outbox.Step(ctx)

	if err := a3.Svc.Unlock(pass); err != nil { // signed reads need the key
		t.Fatal(err)
	}
	fetch(b3)
	props := b3.Proposals()
	if len(props) != 2 || props[0].From != "i01" || props[1].From != "i02" {
		t.Fatalf("proposals %+v", props)
	}
	if got, want := b3.ProposalTitle(props[0]), "Camille INTERNE1 (i01) vous propose un binôme"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	if got := b3.ProposalPairs(props[0]); !strings.HasPrefix(got, "1. vous : ") || strings.Count(got, "\n") != 1 ||
		!reflect.DeepEqual(props[0].Pairs, [][2]string{{"P2", "P1"}, {"P1", "P3"}}) {
		t.Errorf("pairs %q %v", got, props[0].Pairs)
	}
	fetch(b1)
	if len(b1.Proposals()) != 0 || b1.Status() == "" || strings.Contains(b1.Status(), "confirmé") {
		t.Fatalf("proposer: proposals %v, status %q", b1.Proposals(), b1.Status())
	}

	// Declining i02's is not signing: hidden, nothing queued.
	before, _ := a3.Svc.BinomeVersions(a3.Round.ID)
	b3.Decline(props[1])
	if got := b3.Proposals(); len(got) != 1 || got[0].From != "i01" {
		t.Fatalf("after decline: %+v", got)
	}
	if after, _ := a3.Svc.BinomeVersions(a3.Round.ID); len(after) != len(before) {
		t.Fatalf("declining signed something: %d → %d", len(before), len(after))
	}

	// Accepting i01's signs the mirrored list.
	if err := b3.Accept(props[0], pass); err != nil {
		t.Fatal(err)
	}
	a3.Svc.Outbox.Step(ctx)
	for _, b := range []*Binome{b1, b3} {
		fetch(b)
	}
	want := map[*Binome]string{b1: "binôme confirmé avec Camille INTERNE3 (signé par vous deux)", b3: "binôme confirmé avec Camille INTERNE1 (signé par vous deux)"}
	for b, w := range want {
		if got := b.Status(); got != w {
			t.Errorf("status %q, want %q", got, w)
		}
	}
	if len(b3.Proposals()) != 0 {
		t.Errorf("accepted proposal still shown: %+v", b3.Proposals())
	}
	if p, _, ok := b3.Confirmed(); !ok || p != "i01" {
		t.Errorf("confirmed %q %v", p, ok)
	}
	fetch(b2) // i02's link names i03, who chose i01: no binôme
	if _, _, ok := b2.Confirmed(); ok {
		t.Error("i02: confirmed without i03's link")
	}
}

// TestTurnRow: the texts of the turns of the replay and of the reveal, a
// binôme's waiting member and its turn included.
func TestTurnRow(t *testing.T) {
	i18n.SetLanguage("fr")
	name := func(id string) string { return "poste " + id }
	for _, c := range []struct {
		name string
		st   simulation.Step
		me   string
		want LiveRow
	}{
		{"alone", simulation.Step{Rank: 2, Intern: "i02", Poste: "P2", Left: 1}, "i09",
			LiveRow{2, false, "Rang 2 : i02 prend poste P2 (reste 1 place)"}},
		{"nothing", simulation.Step{Rank: 4, Intern: "i04"}, "i04",
			LiveRow{4, true, "Rang 4 : i04 ne prend aucun poste — vous"}},
		{"waits", simulation.Step{Rank: 1, Intern: "i01", Partner: "i03", Waits: true, PartnerRank: 3}, "i09",
			LiveRow{1, false, "Rang 1 : i01 attend son binôme i03 (rang 3)"}},
		{"pair turn, joint list", simulation.Step{Rank: 3, Intern: "i03", Poste: "P2", Left: 0, Partner: "i01", PartnerRank: 1,
			PartnerPoste: "P1", PartnerLeft: 2, Pair: 2}, "i01",
			LiveRow{3, true, "Rang 3 : tour du binôme i01 + i03 — paire n°\u00a02 de leur liste commune\n    i01 prend poste P1 (restent 2 places)\n    i03 prend poste P2 (reste 0 place) — vous"}},
		{"pair turn, own lists", simulation.Step{Rank: 5, Intern: "i05", Partner: "i02", PartnerRank: 2, PartnerPoste: "P3", PartnerLeft: 0}, "i09",
			LiveRow{5, false, "Rang 5 : tour du binôme i02 + i05 — chacun sur sa propre liste\n    i02 prend poste P3 (reste 0 place)\n    i05 ne prend aucun poste"}},
	} {
		if got := turnRow(c.st, c.me, name); got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// TestCallListPairMarks: the rows of both members of a binôme are marked
// with the partner and the rank at which they choose, from the intern's
// own binôme and from the binômes the replay shows.
func TestCallListPairMarks(t *testing.T) {
	i18n.SetLanguage("fr")
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Binomes: true, Interns: 1, Capacities: []int{1}})
	env.Transition(t, domain.StateWishesOpen)
	a := binomeSession(t, env, "i01")
	c := NewCallList(a.Svc, nil)
	c.Record = testCallRecord([]calllist.Entry{{Rank: 1, Intern: "i01"}, {Rank: 2, Intern: "i02"}, {Rank: 3, Intern: "i03"},
		{Rank: 4, Intern: "i04", Absent: true}, {Rank: 5, Intern: "i05"}})
	c.pairs = [][2]string{{"i01", "i03"}}
	c.ApplyLive(liveOf(simulation.Step{Rank: 5, Intern: "i05", Partner: "i04", PartnerRank: 4}), nil)
	got := map[string]string{}
	for _, r := range c.Rows() {
		got[r.Intern] = r.Text
	}
	want := map[string]string{
		"i01": "1. i01 — vous — en binôme avec i03, choisit au rang 3",
		"i02": "2. i02",
		"i03": "3. i03 — en binôme avec i01, choisit au rang 3",
		"i04": "4. i04 — absence prévue — en binôme avec i05 (un absent : chacun choisit à son rang)",
		"i05": "5. i05 — en binôme avec i04 (un absent : chacun choisit à son rang)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %q\nwant %q", got, want)
	}
}

func testCallRecord(entries []calllist.Entry) *localstore.CallListRecord {
	return &localstore.CallListRecord{Round: "R1", List: &calllist.List{ID: "R1", Version: 1, Entries: entries}}
}

func liveOf(steps ...simulation.Step) *api.LiveReplay {
	return &api.LiveReplay{Round: "R1", Total: len(steps), From: 1, CallListVersion: 1, Steps: steps, Revealed: len(steps)}
}

// TestMineTextBinome: the earlier member of a binôme is told they choose
// at the partner's turn, then, once it is revealed, what the pair's turn
// gave them.
func TestMineTextBinome(t *testing.T) {
	i18n.SetLanguage("fr")
	steps := []simulation.Step{
		{Rank: 1, Intern: "i01", Partner: "i03", Waits: true, PartnerRank: 3},
		{Rank: 2, Intern: "i02", Poste: "P2", Left: 1},
		{Rank: 3, Intern: "i03", Poste: "P2", Partner: "i01", PartnerRank: 1, PartnerPoste: "P1", Pair: 1},
	}
	for _, c := range []struct {
		name     string
		revealed int
		want     string
	}{
		{"before the pair's turn", 2, "Rang 1 : vous choisissez avec votre binôme i03 à son tour (rang 3)"},
		{"at it", 3, "Votre tour (rang 3) : vous obtenez P1"},
	} {
		l := NewLiveFollow(nil)
		l.MyRank = func() int { return 1 }
		l.Started, l.Steps, l.Revealed, l.Total = true, steps[:c.revealed], c.revealed, 3
		if got := l.MineText(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
