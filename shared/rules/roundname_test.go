package rules

import "testing"

func TestNextRoundName(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		want string
	}{
		{"Tour 1 (démo)", 2, "Tour 2 (démo)"},
		{"Tour 2 (démo)", 3, "Tour 3 (démo)"},
		{"Appariement — tour 1 (démonstration)", 2, "Appariement — tour 2 (démonstration)"},
		{"Appariement — tour 2 (démonstration)", 3, "Appariement — tour 3 (démonstration)"},
		{"TOUR 1", 2, "TOUR 2"},
		{"Round 1 (demo)", 2, "Round 2 (demo)"},
		{"Novembre 2026", 2, "Novembre 2026 — tour 2"},
		{"Détour 1", 2, "Détour 1 — tour 2"},
		{"", 3, "Tour 3"},
	} {
		if got := NextRoundName(c.name, c.n); got != c.want {
			t.Errorf("NextRoundName(%q, %d) = %q, want %q", c.name, c.n, got, c.want)
		}
	}
}
