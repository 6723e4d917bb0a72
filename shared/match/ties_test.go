package match

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"appariement/shared/draw"
)

// testSeed is a draw seed for the tests: that of a fixed secret and root hash.
var testSeed = draw.Seed([]byte("secret of the test round, 32 bytes"), "root")

// TestDecodeTieErrors breaks the ranks of a valid instance in one way per case and asserts
// that the error names the id and the line, French then English.
func TestDecodeTieErrors(t *testing.T) {
	withSeed := strings.Replace(baseAppariement, "  ]\n}", "  ],\n  \"tie_break\": \""+testSeed+"\"\n}", 1)
	tests := []struct {
		name     string
		base     string
		old, new string
		want     string
	}{
		{"tie without tie_break", baseAppariement, `["I2", "I1"]`, `["I2", "I1"], "ranks": [1, 1]`,
			`instance line 14: ranking of poste "P2": intern "I1": ex aequo sans tirage au sort : le champ "tie_break" (graine publiée du tour) est requis / tied (ex aequo) without a draw: the "tie_break" field (the round's published seed) is required`},
		{"wish tie without tie_break", baseAppariement, `["P1", "P2"]`, `["P1", "P2"], "ranks": [1, 1]`,
			`instance line 8: intern "I1": wish "P2": ex aequo sans tirage au sort : le champ "tie_break" (graine publiée du tour) est requis / tied (ex aequo) without a draw: the "tie_break" field (the round's published seed) is required`},
		{"ranks too short", withSeed, `["I2", "I1"]`, `["I2", "I1"], "ranks": [1]`,
			`instance line 14: ranking of poste "P2": 1 rangs pour 2 éléments, il en faut autant / 1 ranks for 2 entries: there must be as many`},
		{"wish ranks too long", withSeed, `["P1", "P2"]`, `["P1", "P2"], "ranks": [1, 2, 3]`,
			`instance line 8: intern "I1": 3 rangs pour 2 éléments, il en faut autant / 3 ranks for 2 wishes: there must be as many`},
		{"first rank not 1", withSeed, `["I2", "I1"]`, `["I2", "I1"], "ranks": [2, 2]`,
			`instance line 14: ranking of poste "P2": "I2": premier rang 2, attendu 1 / first rank 2, expected 1`},
		{"rank gap", withSeed, `["I2", "I1"]`, `["I2", "I1"], "ranks": [1, 3]`,
			`instance line 14: ranking of poste "P2": "I1": rang 3 après 1, attendu 1 (ex aequo) ou 2 / rank 3 after 1, expected 1 (ex aequo) or 2`},
		{"rank going down", withSeed, `["P2", "P3"]`, `["P2", "P3"], "ranks": [1, 0]`,
			`instance line 9: intern "I2": "P3": rang 0 après 1, attendu 1 (ex aequo) ou 2 / rank 0 after 1, expected 1 (ex aequo) or 2`},
		{"rank not an integer", withSeed, `["P2", "P3"]`, `["P2", "P3"], "ranks": [1, "2"]`,
			`instance line 9: interns[1].ranks[1]: expected an integer, got a string`},
		{"ranks in a binome-free choix au rang are fine but tie_break is bad", baseChoix, "  \"call_list\"", "  \"tie_break\": \"abc\",\n  \"call_list\"",
			`instance line 12: tie_break: tirage au sort "abc" invalide : 64 chiffres hexadécimaux attendus, 3 reçus / invalid draw seed "abc": 64 hex digits expected, got 3`},
		{"unknown field in ranking", withSeed, `{"poste": "P1", "ranking": ["I1"]}`, `{"poste": "P1", "ranking": ["I1"], "rank": [1]}`,
			`instance line 13: rankings[0]: unknown field "rank"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := strings.Replace(tt.base, tt.old, tt.new, 1)
			if input == tt.base {
				t.Fatalf("replacement of %q did not apply", tt.old)
			}
			for name, decode := range map[string]func([]byte) error{
				"DecodeInstance": func(b []byte) error { _, err := DecodeInstance(b); return err },
				"DecodeCompiled": func(b []byte) error { _, err := DecodeCompiled(b); return err },
			} {
				err := decode([]byte(input))
				if err == nil {
					t.Fatalf("%s: no error", name)
				}
				lines := strings.Split(err.Error(), "\n")
				if !slices.Contains(lines, tt.want) {
					t.Errorf("%s: want the error line\n  %s\ngot\n  %s", name, tt.want, strings.Join(lines, "\n  "))
				}
			}
		})
	}
}

// tieExample is an appariement with ties on both sides: P1 (one place) ranks I1, I2 and I3
// ex aequo; I3 lists P1 and P2 ex aequo.
func tieExample(seed string) *Instance {
	return &Instance{
		Postes: []Poste{{ID: "P1", Capacity: 1}, {ID: "P2", Capacity: 1}},
		Interns: []Intern{
			{ID: "I1", Wishes: []string{"P1"}},
			{ID: "I2", Wishes: []string{"P1", "P2"}},
			{ID: "I3", Wishes: []string{"P1", "P2"}, Ranks: []int{1, 1}},
		},
		Rankings: []Ranking{
			{Poste: "P1", Ranking: []string{"I1", "I2", "I3"}, Ranks: []int{1, 1, 1}},
			{Poste: "P2", Ranking: []string{"I3", "I2"}},
		},
		TieBreak: seed,
	}
}

func TestBreakTies(t *testing.T) {
	inst := tieExample(testSeed)
	strict, err := BreakTies(inst)
	if err != nil {
		t.Fatal(err)
	}
	if strict.HasTies() || strict.TieBreak != testSeed {
		t.Fatalf("BreakTies kept ties or lost the seed: %+v", strict)
	}
	if inst.Rankings[0].Ranks == nil || !slices.Equal(inst.Rankings[0].Ranking, []string{"I1", "I2", "I3"}) {
		t.Fatal("BreakTies modified its argument")
	}
	// The group of P1 is ordered by the interns' lottery numbers, smallest first.
	got := strict.Rankings[0].Ranking
	want := []string{"I1", "I2", "I3"}
	slices.SortFunc(want, func(a, b string) int {
		ka, kb := draw.InternKey(testSeed, a), draw.InternKey(testSeed, b)
		return strings.Compare(string(ka[:]), string(kb[:]))
	})
	if !slices.Equal(got, want) {
		t.Fatalf("P1's ranking = %v, want %v (by lottery number)", got, want)
	}
	if strict.Rankings[1].Ranks != nil || !slices.Equal(strict.Rankings[1].Ranking, []string{"I3", "I2"}) {
		t.Fatalf("strict ranking changed: %+v", strict.Rankings[1])
	}
	// Solve runs the strict instance.
	res, err := Solve(inst)
	if err != nil {
		t.Fatal(err)
	}
	resStrict, err := Solve(strict)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Assignments, resStrict.Assignments) || !slices.Equal(res.Unmatched, resStrict.Unmatched) {
		t.Fatalf("Solve(ties) = %+v, Solve(BreakTies) = %+v", res, resStrict)
	}
	if err := Check(inst, res); err != nil {
		t.Fatalf("Check: %v", err)
	}
	// Without ties, the instance is returned as it is.
	plain := &Instance{Postes: inst.Postes, Interns: []Intern{{ID: "I1", Wishes: []string{"P1"}, Ranks: []int{1}}}}
	if got, err := BreakTies(plain); err != nil || got != plain {
		t.Fatalf("BreakTies(no tie) = %p, %v; want the instance itself", got, err)
	}
	// A tie without a seed is refused.
	if _, err := BreakTies(tieExample("")); err == nil || !strings.Contains(err.Error(), "tie_break") {
		t.Fatalf("BreakTies without a seed: %v", err)
	}
}

// TestTiesStrictGolden: the strict instances the published draw gives for the tie instances
// of testdata/ are the golden ones (go test -update rewrites them), and CheckTieBreak
// accepts them.
func TestTiesStrictGolden(t *testing.T) {
	for _, name := range []string{"ties", "ties-choix-au-rang"} {
		t.Run(name, func(t *testing.T) {
			inst := readInstance(t, "testdata/"+name+".json")
			strict, err := BreakTies(inst)
			if err != nil {
				t.Fatal(err)
			}
			got, err := EncodeInstance(strict)
			if err != nil {
				t.Fatal(err)
			}
			golden := "testdata/" + name + ".strict.golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readBytes(t, golden)
			if !bytes.Equal(got, want) {
				t.Fatalf("strict instance differs from %s:\n%s", golden, got)
			}
			back, err := DecodeInstance(want)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckTieBreak(inst, back); err != nil {
				t.Fatal(err)
			}
		})
	}
}
