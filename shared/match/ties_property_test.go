package match

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"appariement/shared/draw"
)

// withTies adds random ranks with ties to the lists of inst (a copy) and a random draw seed.
func withTies(rng *rand.Rand, inst *Instance) *Instance {
	out := *inst
	ranks := func(n int) []int {
		if n == 0 || rng.IntN(3) == 0 {
			return nil // strict
		}
		p := rng.Float64()
		r := []int{1}
		for len(r) < n {
			if rng.Float64() < p {
				r = append(r, r[len(r)-1])
			} else {
				r = append(r, r[len(r)-1]+1)
			}
		}
		return r
	}
	out.Interns = slices.Clone(inst.Interns)
	for i := range out.Interns {
		out.Interns[i].Ranks = ranks(len(out.Interns[i].Wishes))
	}
	out.Rankings = slices.Clone(inst.Rankings)
	for k := range out.Rankings {
		out.Rankings[k].Ranks = ranks(len(out.Rankings[k].Ranking))
	}
	out.TieBreak = draw.Seed([]byte(fmt.Sprintf("secret %d", rng.Uint64())), "root")
	return &out
}

// tieSeeds are a few instances with ties, for the fuzz corpora.
func tieSeeds() []*Instance {
	rng := rand.New(rand.NewPCG(18, 1))
	out := []*Instance{tieExample(testSeed)}
	for n := range 6 {
		proc := ProcedureAppariement
		if n%2 == 1 {
			proc = ProcedureChoixAuRang
		}
		out = append(out, withTies(rng, randomInstance(rng, 6, 4, 2, proc)))
	}
	return out
}

// TestTiesProperties: on random instances with ties, for both procedures, the result is that
// of the strict instance BreakTies gives, Check and CheckWeak accept it, CheckTieBreak accepts
// the strict instance, the encoded instance decodes (both decoders, the fast one without
// giving up) to the same result, and a result of another draw is refused whenever it
// differs.
func TestTiesProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 2))
	tied, differs := 0, 0
	for n := range 2000 {
		proc := ProcedureAppariement
		if n%2 == 1 {
			proc = ProcedureChoixAuRang
		}
		inst := withTies(rng, randomInstance(rng, 12, 6, 3, proc))
		if inst.HasTies() {
			tied++
		}
		strict, err := BreakTies(inst)
		if err != nil {
			t.Fatalf("instance %d: BreakTies: %v", n, err)
		}
		if err := CheckTieBreak(inst, strict); err != nil {
			t.Fatalf("instance %d: CheckTieBreak: %v", n, err)
		}
		res, resStrict := solve(t, inst), solve(t, strict)
		if !reflect.DeepEqual(res, resStrict) {
			t.Fatalf("instance %d: Solve = %+v, Solve(BreakTies) = %+v", n, res, resStrict)
		}
		if err := Check(inst, res); err != nil {
			t.Fatalf("instance %d: Check: %v", n, err)
		}
		if _, err := CheckWeak(inst, res); err != nil {
			t.Fatalf("instance %d: CheckWeak: %v", n, err)
		}
		for _, enc := range []func(*Instance) ([]byte, error){EncodeInstance, func(i *Instance) ([]byte, error) { return json.Marshal(i) }} {
			data, err := enc(inst)
			if err != nil {
				t.Fatal(err)
			}
			if !compareDecoders(t, data) {
				t.Fatalf("instance %d: the fast path gave up on\n%s", n, data)
			}
			c, err := DecodeCompiled(data)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Result(c.Run()); !reflect.DeepEqual(got, res) {
				t.Fatalf("instance %d: DecodeCompiled gives %+v, want %+v", n, got, res)
			}
		}
		// Another draw: its result is refused by the checker of this one whenever it differs.
		other := *inst
		other.TieBreak = draw.Seed([]byte("another secret"), fmt.Sprint(n))
		resOther := solve(t, &other)
		if !reflect.DeepEqual(resOther, res) {
			differs++
			if err := Check(inst, resOther); err == nil {
				t.Fatalf("instance %d: the result of another draw passes Check", n)
			}
		}
	}
	if tied < 500 || differs == 0 {
		t.Fatalf("degenerate test: %d instances with ties, %d where the draw matters", tied, differs)
	}
}

// TestTiesSeedOnlyOrdersTies: changing the seed changes only the order inside tie groups
// (lists without ties, group boundaries and group contents are the same), and without ties
// the seed and strict ranks change nothing at all.
func TestTiesSeedOnlyOrdersTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 3))
	for n := range 500 {
		proc := ProcedureAppariement
		if n%2 == 1 {
			proc = ProcedureChoixAuRang
		}
		base := randomInstance(rng, 12, 6, 3, proc)
		inst := withTies(rng, base)
		other := *inst
		other.TieBreak = draw.Seed([]byte("other"), fmt.Sprint(n))
		a, err := BreakTies(inst)
		if err != nil {
			t.Fatal(err)
		}
		b, err := BreakTies(&other)
		if err != nil {
			t.Fatal(err)
		}
		sameGroups := func(what string, ids, x, y []string, ranks []int) {
			if !hasTie(ranks) && !slices.Equal(x, ids) {
				t.Fatalf("instance %d: %s without tie reordered: %v -> %v", n, what, ids, x)
			}
			for s := 0; s < len(ids); {
				e := s + 1
				for e < len(ids) && len(ranks) > 0 && ranks[e] == ranks[s] {
					e++
				}
				gx, gy, g := slices.Clone(x[s:e]), slices.Clone(y[s:e]), slices.Clone(ids[s:e])
				slices.Sort(gx)
				slices.Sort(gy)
				slices.Sort(g)
				if !slices.Equal(gx, g) || !slices.Equal(gy, g) {
					t.Fatalf("instance %d: %s: group %v became %v and %v", n, what, ids[s:e], x[s:e], y[s:e])
				}
				s = e
			}
		}
		for i, in := range inst.Interns {
			sameGroups("wishes of "+in.ID, in.Wishes, a.Interns[i].Wishes, b.Interns[i].Wishes, in.Ranks)
		}
		for k, rk := range inst.Rankings {
			sameGroups("ranking of "+rk.Poste, rk.Ranking, a.Rankings[k].Ranking, b.Rankings[k].Ranking, rk.Ranks)
		}
		// Without ties: strict ranks and any seed give the result of the plain instance.
		strict := *base
		strict.TieBreak = other.TieBreak
		strict.Interns = slices.Clone(base.Interns)
		for i := range strict.Interns {
			for j := range strict.Interns[i].Wishes {
				strict.Interns[i].Ranks = append(strict.Interns[i].Ranks, j+1)
			}
		}
		if got, want := solve(t, &strict), solve(t, base); !reflect.DeepEqual(got, want) {
			t.Fatalf("instance %d: strict ranks and a seed change the result: %+v vs %+v", n, got, want)
		}
	}
}

// TestTiesCascade documents why "changing the seed changes only tied outcomes" is not a
// property of deferred acceptance: I1 and I2 are ex aequo at P1 (one place); the one the
// draw puts second goes to P2 and there displaces I3, who is in no tie at all.
func TestTiesCascade(t *testing.T) {
	inst := &Instance{
		Postes: []Poste{{ID: "P1", Capacity: 1}, {ID: "P2", Capacity: 1}, {ID: "P3", Capacity: 1}},
		Interns: []Intern{
			{ID: "I1", Wishes: []string{"P1", "P2"}},
			{ID: "I2", Wishes: []string{"P1", "P3"}},
			{ID: "I3", Wishes: []string{"P2"}},
		},
		Rankings: []Ranking{
			{Poste: "P1", Ranking: []string{"I1", "I2"}, Ranks: []int{1, 1}},
			{Poste: "P2", Ranking: []string{"I1", "I3"}},
			{Poste: "P3", Ranking: []string{"I2"}},
		},
	}
	outcomes := map[string]bool{}
	for s := range 40 {
		inst.TieBreak = draw.Seed([]byte(fmt.Sprintf("secret %d", s)), "root")
		res := solve(t, inst)
		if err := Check(inst, res); err != nil {
			t.Fatal(err)
		}
		outcomes[toMap(res)["I3"]] = true
	}
	if !outcomes[""] || !outcomes["P2"] {
		t.Fatalf("I3's outcomes over 40 draws: %v, want both P2 and nothing", outcomes)
	}
}

// TestCheckWeak: the report lists the pairs the draw decided, on a small example with a
// tie on each side, and is empty without ties.
func TestCheckWeak(t *testing.T) {
	inst := tieExample(testSeed)
	res := solve(t, inst)
	rep, err := CheckWeak(inst, res)
	if err != nil {
		t.Fatal(err)
	}
	got := toMap(res)
	for _, d := range rep.DrawDecided {
		switch d.Side {
		case "ranking":
			if d.Poste != "P1" || got[d.Over] != "P1" || got[d.Intern] == "P1" || d.Rank != 1 {
				t.Errorf("bad ranking pair %+v for %v", d, got)
			}
		case "wishes":
			if d.Intern != "I3" || d.Rank != 1 {
				t.Errorf("bad wishes pair %+v for %v", d, got)
			}
		default:
			t.Errorf("bad side %+v", d)
		}
	}
	// P1 holds one of the three, ex aequo: the two others both prefer P1 (I3 is indifferent
	// between P1 and P2, and P2 ranks it first), so the draw decided two pairs at least.
	if len(rep.DrawDecided) < 2 {
		t.Fatalf("DrawDecided = %+v for %v, want two pairs at least", rep.DrawDecided, got)
	}
	plain := &Instance{Postes: inst.Postes, Interns: inst.Interns[:2], Rankings: []Ranking{{Poste: "P1", Ranking: []string{"I1", "I2"}}}}
	rep, err = CheckWeak(plain, solve(t, plain))
	if err != nil || len(rep.DrawDecided) != 0 {
		t.Fatalf("CheckWeak without ties = %+v, %v", rep, err)
	}
}

// TestGenerateWithTies: the generator's ties keep its lists, and the instances run.
func TestGenerateWithTies(t *testing.T) {
	for _, proc := range []Procedure{ProcedureAppariement, ProcedureChoixAuRang} {
		plain := generate(7, 300, 60, 8, proc)
		inst := GenerateWithTies(7, 300, 60, 8, proc, Ties{Rankings: 0.3, Wishes: 0.2})
		if !inst.HasTies() || draw.CheckSeed(inst.TieBreak) != nil {
			t.Fatalf("%s: no ties or bad seed %q", proc, inst.TieBreak)
		}
		for i := range inst.Interns {
			if !slices.Equal(inst.Interns[i].Wishes, plain.Interns[i].Wishes) {
				t.Fatalf("%s: ties changed the wishes of %s", proc, inst.Interns[i].ID)
			}
		}
		res := solve(t, inst)
		if _, err := CheckWeak(inst, res); err != nil {
			t.Fatal(err)
		}
		none := GenerateWithTies(7, 300, 60, 8, proc, Ties{})
		if none.HasTies() || !reflect.DeepEqual(solve(t, none), solve(t, plain)) {
			t.Fatalf("%s: zero ties changed the instance's result", proc)
		}
	}
}
