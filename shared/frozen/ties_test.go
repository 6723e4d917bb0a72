package frozen

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/shared/match"
)

var tieSecret = bytes.Repeat([]byte{0x5a}, 64)

// tieSample is sample() with a draw revealed: rts1 ranks i1 and i2 ex
// aequo for P1.
func tieSample() *Input {
	in := sample()
	in.Round.TieBreakCommitment = draw.Commit(tieSecret)
	in.Round.TieBreakSecret = hex.EncodeToString(tieSecret)
	in.Sort()
	return in
}

func rankingOf(inst *match.Instance, poste string) match.Ranking {
	for _, r := range inst.Rankings {
		if r.Poste == poste {
			return r
		}
	}
	return match.Ranking{}
}

func tieLists() *Lists {
	return &Lists{
		Wishes:       map[string][]string{"i1": {"P1", "P2"}, "i2": {"P1"}},
		Rankings:     map[string][]string{"P1": {"i1", "i2"}, "P2": {"i1"}},
		RankingRanks: map[string][]int{"P1": {1, 1}},
	}
}

// TestTiesGolden: a document with ties reveals the draw in its round; its
// encoding is the golden one and decodes back; the document without ties
// stays byte-identical to the old golden (TestEncodeIsCanonical).
func TestTiesGolden(t *testing.T) {
	in := tieSample()
	golden := filepath.Join("testdata", "input-ties.golden.json")
	if *update {
		os.WriteFile(golden, in.Encode(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(in.Encode(), want) {
		t.Fatalf("encoding changed:\n got %s\nwant %s", in.Encode(), want)
	}
	if _, err := Decode(want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(want, []byte(`"tie_break_commitment":"`+draw.Commit(tieSecret)+`"`)) {
		t.Errorf("no commitment in %s", want)
	}
}

// TestInstanceTies: the ranks go to the instance with the seed of the
// revealed secret and the frozen root hash; the result is that of the
// instance with its ties broken by that seed; a document that does not
// reveal the right secret, reveals one without ties, or has wish ties in a
// round without WishTies is refused.
func TestInstanceTies(t *testing.T) {
	in := tieSample()
	inst, err := in.InstanceOf(tieLists())
	if err != nil {
		t.Fatal(err)
	}
	if want := draw.Seed(tieSecret, in.RootHash); inst.TieBreak != want {
		t.Errorf("tie break %q, want %q", inst.TieBreak, want)
	}
	if p1 := rankingOf(inst, "P1"); !slices.Equal(p1.Ranks, []int{1, 1}) {
		t.Fatalf("ranking of P1: %+v", p1)
	}
	got, _, err := in.ComputeOf(tieLists())
	if err != nil {
		t.Fatal(err)
	}
	strict, err := match.BreakTies(inst)
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Solve(strict)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Assignments {
		if !slices.Contains(got, domain.Assignment{Intern: a.Intern, Poste: a.Poste}) {
			t.Errorf("ComputeOf %v, broken-tie run %v", got, res.Assignments)
		}
	}
	if _, err := in.WhyNotOf(tieLists(), got); err != nil {
		t.Errorf("why not: %v", err)
	}

	// A dropped element takes its rank with it, the rest are numbered again.
	l := tieLists()
	l.Rankings["P1"] = []string{"x9", "i1", "i2"}
	l.RankingRanks["P1"] = []int{1, 2, 2}
	if inst, err := in.InstanceOf(l); err != nil || !slices.Equal(rankingOf(inst, "P1").Ranking, []string{"i1", "i2"}) || !slices.Equal(rankingOf(inst, "P1").Ranks, []int{1, 1}) {
		t.Errorf("renumbered: %+v, %v", inst, err)
	}
	l.RankingRanks["P1"] = []int{1, 1, 2}
	if inst, err := in.InstanceOf(l); err != nil || rankingOf(inst, "P1").Ranks != nil {
		t.Errorf("a tie with a dropped candidate only: %+v, %v", inst, err)
	}

	for _, tc := range []struct {
		name  string
		edit  func(*Input, *Lists)
		wants string
	}{
		{"no secret", func(in *Input, _ *Lists) { in.Round.TieBreakSecret = "" }, "ne révèle pas le secret"},
		{"another secret", func(in *Input, _ *Lists) { in.Round.TieBreakSecret = hex.EncodeToString(bytes.Repeat([]byte{1}, 64)) }, "ne correspond pas"},
		{"a draw without a tie", func(_ *Input, l *Lists) { l.RankingRanks = nil }, "aucune liste n'a d'ex aequo"},
		{"wish ties not allowed", func(_ *Input, l *Lists) { l.WishRanks = map[string][]int{"i1": {1, 1}} }, "n'autorise pas les vœux ex aequo"},
		{"bad ranks", func(_ *Input, l *Lists) { l.RankingRanks["P1"] = []int{1, 3} }, "rang 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, l := tieSample(), tieLists()
			tc.edit(in, l)
			_, err := in.InstanceOf(l)
			var e *api.Error
			if !errors.As(err, &e) || !strings.Contains(e.Message, tc.wants) {
				t.Fatalf("err = %v, want %q", err, tc.wants)
			}
		})
	}
	// With WishTies, wishes ex aequo are broken by the poste lottery.
	in = tieSample()
	in.Round.WishTies = true
	l = tieLists()
	l.WishRanks = map[string][]int{"i1": {1, 1}}
	if inst, err := in.InstanceOf(l); err != nil || inst.Interns[0].ID != "i1" || !slices.Equal(inst.Interns[0].Ranks, []int{1, 1}) {
		t.Errorf("wish ties: %+v, %v", inst, err)
	}
}
