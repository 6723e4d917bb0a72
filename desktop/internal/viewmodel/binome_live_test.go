package viewmodel

import (
	"reflect"
	"testing"

	"appariement/shared/simulation"
)

// TestPlacesLeftBinome: at a binôme's turn both takes count, the
// partner's first; the earlier member's waiting step takes nothing.
func TestPlacesLeftBinome(t *testing.T) {
	steps := []simulation.Step{
		{Rank: 1, Intern: "i01", Partner: "i03", Waits: true, PartnerRank: 3},
		{Rank: 2, Intern: "i02", Poste: "P2", Left: 1},
		{Rank: 3, Intern: "i03", Poste: "P2", Left: 0, Partner: "i01", PartnerRank: 1, PartnerPoste: "P1", PartnerLeft: 0, Pair: 1},
	}
	for _, c := range []struct {
		name   string
		before int
		want   map[string]PosteState
	}{
		{"before the pair's turn", 3, map[string]PosteState{
			"P1": {Capacity: 1, Left: 1}, "P2": {Capacity: 2, Left: 1}, "P3": {Capacity: 3, Left: 3}}},
		{"after it", 0, map[string]PosteState{
			"P1": {Capacity: 1, Left: 0, FullAt: 3, FullBy: "i01"},
			"P2": {Capacity: 2, Left: 0, FullAt: 3, FullBy: "i03"},
			"P3": {Capacity: 3, Left: 3}}},
	} {
		if got := PlacesLeft(liveCaps, steps, c.before); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}
