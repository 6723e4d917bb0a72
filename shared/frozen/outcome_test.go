package frozen

import (
	"reflect"
	"testing"
)

// TestOutcomeIsComputeThenWhyNot: Outcome, which builds the round's
// instance once, gives exactly what ComputeOf then WhyNotOf give, on an
// appariement, one with ties, a choix au rang with binômes and a third
// round.
func TestOutcomeIsComputeThenWhyNot(t *testing.T) {
	third := sample()
	third.Round.Number = 3
	cases := []struct {
		name string
		in   *Input
		l    *Lists
	}{
		{"appariement", sample(), Strict(map[string][]string{"i1": {"P9", "P2", "P1"}, "i2": {"P2"}}, map[string][]string{"P2": {"i2"}, "P1": {"i1"}})},
		{"ties", tieSample(), tieLists()},
		{"binomes", binomeSample(), Strict(map[string][]string{"i1": {"P1", "P2"}, "i2": {"P1"}, "i3": {"P2", "P3"}}, nil)},
		{"round 3", third, Strict(nil, nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.Sort()
			as, un, err := c.in.ComputeOf(c.l)
			if err != nil {
				t.Fatal(err)
			}
			why, err := c.in.WhyNotOf(c.l, as)
			if err != nil {
				t.Fatal(err)
			}
			as2, un2, why2, err := c.in.Outcome(c.l)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(as, as2) || !reflect.DeepEqual(un, un2) || !reflect.DeepEqual(why, why2) {
				t.Errorf("Outcome %v %v %v, ComputeOf+WhyNotOf %v %v %v", as2, un2, why2, as, un, why)
			}
			if c.name != "round 3" && len(why) == 0 && len(as) == 0 {
				t.Errorf("empty fixture: nothing compared")
			}
		})
	}
}
