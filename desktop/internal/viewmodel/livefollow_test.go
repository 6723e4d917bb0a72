package viewmodel

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
	"appariement/shared/simulation"
)

// liveSteps is a hand-made reveal: P1 has 1 place, P2 2, P3 3; PX is not
// in the catalogue.
var liveSteps = []simulation.Step{
	{Rank: 1, Intern: "i01", Poste: "P1", Left: 0},
	{Rank: 2, Intern: "i02", Poste: "P2", Left: 1},
	{Rank: 3, Intern: "i03"},
	{Rank: 4, Intern: "i04", Poste: "P2", Left: 0},
	{Rank: 5, Intern: "i05", Poste: "P3", Left: 2},
	{Rank: 6, Intern: "i06", Poste: "PX", Left: 0},
}

var liveCaps = map[string]int{"P1": 1, "P2": 2, "P3": 3}

func TestPlacesLeft(t *testing.T) {
	for _, c := range []struct {
		name   string
		steps  []simulation.Step
		before int
		want   map[string]PosteState
	}{
		{"nothing revealed", nil, 0, map[string]PosteState{
			"P1": {Capacity: 1, Left: 1}, "P2": {Capacity: 2, Left: 2}, "P3": {Capacity: 3, Left: 3}}},
		{"every turn", liveSteps, 0, map[string]PosteState{
			"P1": {Capacity: 1, Left: 0, FullAt: 1, FullBy: "i01"},
			"P2": {Capacity: 2, Left: 0, FullAt: 4, FullBy: "i04"},
			"P3": {Capacity: 3, Left: 2},
			"PX": {Capacity: -1, Left: 0, FullAt: 6, FullBy: "i06"}}},
		{"above rank 4", liveSteps, 4, map[string]PosteState{
			"P1": {Capacity: 1, Left: 0, FullAt: 1, FullBy: "i01"},
			"P2": {Capacity: 2, Left: 1},
			"P3": {Capacity: 3, Left: 3}}},
		{"above rank 1", liveSteps, 1, map[string]PosteState{
			"P1": {Capacity: 1, Left: 1}, "P2": {Capacity: 2, Left: 2}, "P3": {Capacity: 3, Left: 3}}},
		{"revealed up to 2", liveSteps[:2], 6, map[string]PosteState{
			"P1": {Capacity: 1, Left: 0, FullAt: 1, FullBy: "i01"},
			"P2": {Capacity: 2, Left: 1},
			"P3": {Capacity: 3, Left: 3}}},
	} {
		if got := PlacesLeft(liveCaps, c.steps, c.before); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// TestSplitWishes: a wished poste disappears once its last place goes to
// someone ranked above; what happens below does not count; the poste the
// intern took is marked.
func TestSplitWishes(t *testing.T) {
	wishes := []string{"P2", "P1", "P3", "P9"}
	ids := func(ws []LiveWish) string {
		var s []string
		for _, w := range ws {
			id := w.Poste
			if w.Got {
				id += "*"
			}
			s = append(s, id)
		}
		return strings.Join(s, " ")
	}
	for _, c := range []struct {
		name       string
		revealed   int
		me         int
		open, gone string
	}{
		{"before anything", 0, 5, "P2 P1 P3 P9", ""},
		{"P1 taken at rank 1", 1, 5, "P2 P3 P9", "P1"},
		{"P2 has a place left", 3, 5, "P2 P3 P9", "P1"},
		{"P2 full at rank 4", 4, 5, "P3 P9", "P2 P1"},
		{"my turn: P3", 5, 5, "P3* P9", "P2 P1"},
		{"below me does not count", 6, 5, "P3* P9", "P2 P1"},
		{"rank 3: i04 is below", 6, 3, "P2 P3 P9", "P1"},
		{"rank unknown: every turn counts", 6, 0, "P3 P9", "P2 P1"},
	} {
		open, gone := SplitWishes(wishes, liveCaps, liveSteps[:c.revealed], c.me)
		if ids(open) != c.open || ids(gone) != c.gone {
			t.Errorf("%s: open %q gone %q, want %q and %q", c.name, ids(open), ids(gone), c.open, c.gone)
		}
	}
	_, gone := SplitWishes(wishes, liveCaps, liveSteps, 5)
	if gone[0].Order != 1 || gone[0].FullAt != 4 || gone[0].FullBy != "i04" || gone[1].Order != 2 {
		t.Fatalf("gone: %+v", gone)
	}
	open, _ := SplitWishes(wishes, liveCaps, liveSteps, 5)
	if open[1].Poste != "P9" || open[1].Left != -1 || open[0].Left != 3 {
		t.Fatalf("open: %+v", open)
	}
}

// TestLiveFollowApply: pages are appended in order, an out-of-order page
// is dropped, a refusal before the start means waiting; the texts.
func TestLiveFollowApply(t *testing.T) {
	i18n.SetLanguage("fr")
	l := NewLiveFollow(nil)
	l.Capacity = func(id string) (int, bool) { c, ok := liveCaps[id]; return c, ok }
	l.MyRank = func() int { return 5 }
	l.Wishes = func() []string { return []string{"P2", "P3"} }
	l.Reset("C1")
	l.Apply(LivePoll{Round: "C1", From: 1, Err: &api.Error{Code: api.CodeInvalidState, Message: "pas encore"}})
	if !l.Waiting || l.Started || !strings.Contains(l.StatusText(), "pas encore commencé") || l.CurrentText() != "" {
		t.Fatalf("waiting: %+v %q", l, l.StatusText())
	}
	next := time.Date(2026, 9, 1, 14, 0, 30, 0, time.UTC)
	page := func(from, to, revealed int) LivePoll {
		return LivePoll{Round: "C1", From: from, Replay: &api.LiveReplay{Round: "C1", Total: 6, From: from, Steps: liveSteps[from-1 : to],
			Revealed: revealed, Live: revealed < 6, Pace: 2, NextAt: next}}
	}
	l.Apply(page(1, 2, 2))
	if l.Waiting || !l.Started || len(l.Steps) != 2 || l.CurrentText() != "Rang en cours : 2 / 6" {
		t.Fatalf("first page: %+v", l)
	}
	if got := l.MineText(); !strings.HasPrefix(got, "Encore 2 rangs avant le vôtre (rang 5), vers ") {
		t.Fatalf("mine: %q", got)
	}
	l.Apply(page(4, 4, 4)) // not the next one: dropped
	if len(l.Steps) != 2 || l.Revealed != 2 {
		t.Fatalf("out of order page kept: %+v", l)
	}
	l.Apply(page(3, 4, 4))
	if len(l.Steps) != 4 || l.MineText() != "Vous êtes le prochain appelé (rang 5)" {
		t.Fatalf("second page: %d %q", len(l.Steps), l.MineText())
	}
	open, gone := l.WishRows()
	if len(open) != 1 || len(gone) != 1 || l.WishText(gone[0]) != "1. P2 — plus de place : la dernière prise au rang 4 par i04" ||
		l.WishText(open[0]) != "2. P3 — 3 places restantes sur 3" {
		t.Fatalf("wishes: %+v %+v", open, gone)
	}
	l.Apply(page(5, 6, 6))
	if !l.Finished() || l.MineText() != "Votre tour (rang 5) : vous obtenez P3" || !strings.HasPrefix(l.StatusText(), "Direct terminé") {
		t.Fatalf("end: %v %q %q", l.Finished(), l.MineText(), l.StatusText())
	}
	if open, _ := l.WishRows(); !open[0].Got || l.WishText(open[0]) != "2. P3 — votre poste" {
		t.Fatalf("got: %+v", open)
	}
	// A poll from rank 1 replaces; another round forgets everything.
	l.Apply(page(1, 1, 1))
	if len(l.Steps) != 1 || l.Revealed != 1 {
		t.Fatalf("replaced from rank 1 of the same round: %d", len(l.Steps))
	}
	l.Apply(LivePoll{Round: "C2", From: 1, Err: &api.Error{Code: api.CodeInvalidState}})
	if l.Round != "C2" || len(l.Steps) != 0 || !l.Waiting {
		t.Fatalf("other round: %+v", l)
	}
}

// TestParsePace: 1 to api.MaxLivePace ranks a minute.
func TestParsePace(t *testing.T) {
	for text, want := range map[string]int{"60": 60, " 1 ": 1, "100000": 100000, "0": 0, "100001": 0, "x": 0, "": 0, "-3": 0} {
		got, err := ParsePace(text)
		if got != want || (err != nil) != (want == 0) {
			t.Errorf("ParsePace(%q) = %d, %v", text, got, err)
		}
	}
}
