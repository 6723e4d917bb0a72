package whynot

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/shared/match"
)

// randomInstance builds a small random instance: random capacities, wish
// lists that are random ordered subsets of the postes, and (appariement)
// rankings that are random subsets of the interns, some postes without a
// ranking; or (choix au rang) a shuffled call list.
func randomInstance(rng *rand.Rand, proc match.Procedure) *match.Instance {
	ni, np := rng.IntN(9), 1+rng.IntN(5)
	inst := &match.Instance{Procedure: proc}
	for p := range np {
		inst.Postes = append(inst.Postes, match.Poste{ID: fmt.Sprintf("P%d", p), Capacity: 1 + rng.IntN(3)})
	}
	for i := range ni {
		in := match.Intern{ID: fmt.Sprintf("I%d", i), Wishes: []string{}}
		for _, p := range rng.Perm(np)[:rng.IntN(np+1)] {
			in.Wishes = append(in.Wishes, inst.Postes[p].ID)
		}
		inst.Interns = append(inst.Interns, in)
	}
	if proc == match.ProcedureChoixAuRang {
		for _, i := range rng.Perm(ni) {
			inst.CallList = append(inst.CallList, inst.Interns[i].ID)
		}
		return inst
	}
	for p := range np {
		if rng.IntN(6) == 0 {
			continue // no ranking: the poste accepts nobody
		}
		rk := match.Ranking{Poste: inst.Postes[p].ID, Ranking: []string{}}
		for _, i := range rng.Perm(ni) {
			if rng.IntN(4) != 0 {
				rk.Ranking = append(rk.Ranking, inst.Interns[i].ID)
			}
		}
		inst.Rankings = append(inst.Rankings, rk)
	}
	return inst
}

// randomMatching assigns interns at random to postes of their list (that
// ranked them, in an appariement) within capacities: a structurally valid
// result that is usually not the procedure's.
func randomMatching(rng *rand.Rand, inst *match.Instance) match.Result {
	left := map[string]int{}
	for _, p := range inst.Postes {
		left[p.ID] = p.Capacity
	}
	ranked := map[[2]string]bool{}
	for _, r := range inst.Rankings {
		for _, id := range r.Ranking {
			ranked[[2]string{r.Poste, id}] = true
		}
	}
	res := match.Result{Assignments: []match.Assignment{}, Unmatched: []string{}}
	for _, k := range rng.Perm(len(inst.Interns)) {
		in := inst.Interns[k]
		var ok []string
		for _, p := range in.Wishes {
			if left[p] > 0 && (inst.EffectiveProcedure() == match.ProcedureChoixAuRang || ranked[[2]string{p, in.ID}]) {
				ok = append(ok, p)
			}
		}
		if len(ok) == 0 || rng.IntN(5) == 0 {
			res.Unmatched = append(res.Unmatched, in.ID)
			continue
		}
		p := ok[rng.IntN(len(ok))]
		left[p]--
		res.Assignments = append(res.Assignments, match.Assignment{Intern: in.ID, Poste: p})
	}
	res.Normalize()
	return res
}

// truth checks, the plain way, that every reason is true of the matching
// and that there is exactly one for every wish above the one obtained. With
// ties, "above" is in the order the draw gives (match.BreakTies), and the
// ranks of a reason are those the RTS gave, Tied when the last admitted was
// ex aequo with the intern.
func truth(weak *match.Instance, res match.Result, ws []domain.WhyNot) error {
	inst, err := match.BreakTies(weak)
	if err != nil {
		return err
	}
	given := func(poste, intern string) int {
		for _, r := range weak.Rankings {
			if k := slices.Index(r.Ranking, intern); r.Poste == poste && k >= 0 {
				if len(r.Ranks) == 0 {
					return k + 1
				}
				// As shown: 1 + the candidates ranked strictly better (1, 1, 3).
				better := 0
				for _, g := range r.Ranks {
					if g < r.Ranks[k] {
						better++
					}
				}
				return better + 1
			}
		}
		return 0
	}
	signed := func(intern, poste string) int {
		for _, in := range weak.Interns {
			if in.ID == intern {
				return slices.Index(in.Wishes, poste) + 1
			}
		}
		return 0
	}
	got := map[string]string{}
	holders := map[string][]string{}
	for _, a := range res.Assignments {
		got[a.Intern] = a.Poste
		holders[a.Poste] = append(holders[a.Poste], a.Intern)
	}
	capacity := map[string]int{}
	for _, p := range inst.Postes {
		capacity[p.ID] = p.Capacity
	}
	rankOf := func(poste, intern string) (int, bool) {
		for _, r := range inst.Rankings {
			if r.Poste == poste {
				return slices.Index(r.Ranking, intern) + 1, true
			}
		}
		return 0, false
	}
	turn := func(intern string) int { return slices.Index(inst.CallList, intern) + 1 }
	var want [][2]string
	for _, in := range inst.Interns {
		for _, p := range in.Wishes {
			if p == got[in.ID] {
				break
			}
			want = append(want, [2]string{in.ID, p})
		}
	}
	slices.SortStableFunc(want, func(a, b [2]string) int {
		if a[0] < b[0] {
			return -1
		} else if a[0] > b[0] {
			return 1
		}
		return signed(a[0], a[1]) - signed(b[0], b[1])
	})
	if len(ws) != len(want) {
		return fmt.Errorf("%d reasons, want %d", len(ws), len(want))
	}
	for k, w := range ws {
		if [2]string{w.Intern, w.Poste} != want[k] {
			return fmt.Errorf("reason %d is for %s/%s, want %v", k, w.Intern, w.Poste, want[k])
		}
		in := weak.Interns[slices.IndexFunc(weak.Interns, func(x match.Intern) bool { return x.ID == w.Intern })]
		if in.Wishes[w.Wish-1] != w.Poste {
			return fmt.Errorf("%v: wish %d is %s", w, w.Wish, in.Wishes[w.Wish-1])
		}
		h := holders[w.Poste]
		switch w.Kind {
		case domain.WhyNoRanking:
			if _, ok := rankOf(w.Poste, w.Intern); ok {
				return fmt.Errorf("%v: the poste has a ranking", w)
			}
		case domain.WhyNotRanked:
			if r, ok := rankOf(w.Poste, w.Intern); !ok || r != 0 {
				return fmt.Errorf("%v: the poste ranked the intern (%d)", w, r)
			}
		case domain.WhyFilled:
			m, _ := rankOf(w.Poste, w.Intern)
			yours := given(w.Poste, w.Intern)
			if len(h) != capacity[w.Poste] || len(h) != w.Filled || yours != w.YourRank || m == 0 {
				return fmt.Errorf("%v: %d holders of %d places, intern rank %d", w, len(h), capacity[w.Poste], yours)
			}
			last, lastAt := 0, 0
			for _, id := range h {
				r, _ := rankOf(w.Poste, id)
				if r >= m {
					return fmt.Errorf("%v: holder %s ranked %d after the draw, not before", w, id, r)
				}
				if g := given(w.Poste, id); g > yours {
					return fmt.Errorf("%v: holder %s ranked %d, after the intern", w, id, g)
				}
				if r > lastAt {
					last, lastAt = given(w.Poste, id), r
				}
			}
			if last != w.LastRank || w.Tied != (last == yours) {
				return fmt.Errorf("%v: last admitted rank is %d (tied: %v)", w, last, last == yours)
			}
		case domain.WhyTaken:
			m := turn(w.Intern)
			last := 0
			for _, id := range h {
				last = max(last, turn(id))
			}
			if len(h) != capacity[w.Poste] || len(h) != w.Filled || m != w.YourRank || last != w.LastRank || last >= m {
				return fmt.Errorf("%v: %d holders of %d places, last at %d, intern at %d", w, len(h), capacity[w.Poste], last, m)
			}
		default:
			return fmt.Errorf("%v: kind %q cannot come from an instance", w, w.Kind)
		}
	}
	return nil
}

// TestPropertyTrue: on random instances, the procedure's result has a
// reason for every wish above the one obtained, each true of the matching
// and rendered in both languages.
func TestPropertyTrue(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 3))
	for n := range 3000 {
		proc := match.ProcedureAppariement
		if n%2 == 1 {
			proc = match.ProcedureChoixAuRang
		}
		inst := randomInstance(rng, proc)
		res, err := match.Solve(inst)
		if err != nil {
			t.Fatal(err)
		}
		if err := match.Check(inst, res); err != nil {
			t.Fatal(err)
		}
		ws, err := Explain(inst, res)
		if err != nil {
			t.Fatalf("instance %d: %v\n%+v", n, err, inst)
		}
		if err := truth(inst, res, ws); err != nil {
			t.Fatalf("instance %d: %v\n%+v\n%+v", n, err, inst, res)
		}
		for _, w := range ws {
			if French(w) == "" || English(w) == "" {
				t.Fatalf("%v: empty text", w)
			}
		}
	}
}

// withTies gives ranks with ties to some lists of inst (a copy) and a
// published draw seed.
func withTies(rng *rand.Rand, inst *match.Instance) *match.Instance {
	out := *inst
	ranks := func(n int) []int {
		if n == 0 || rng.IntN(3) == 0 {
			return nil
		}
		r := []int{1}
		for len(r) < n {
			if rng.IntN(2) == 0 {
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
	out.TieBreak = draw.Seed([]byte(fmt.Sprint("secret ", rng.Uint64())), "root")
	return &out
}

// TestPropertyTrueWithTies: on random instances with ties, every reason is
// true of the matching and of the strict instance of the draw, a wish lost
// to a candidate ranked ex aequo says so (Tied), and that happens.
func TestPropertyTrueWithTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 5))
	tied := 0
	for n := range 3000 {
		proc := match.ProcedureAppariement
		if n%2 == 1 {
			proc = match.ProcedureChoixAuRang
		}
		inst := withTies(rng, randomInstance(rng, proc))
		res, err := match.Solve(inst)
		if err != nil {
			t.Fatal(err)
		}
		ws, err := Explain(inst, res)
		if err != nil {
			t.Fatalf("instance %d: %v\n%+v", n, err, inst)
		}
		if err := truth(inst, res, ws); err != nil {
			t.Fatalf("instance %d: %v\n%+v\n%+v", n, err, inst, res)
		}
		for _, w := range ws {
			if w.Tied {
				tied++
				if !strings.Contains(French(w), "ex aequo avec vous") || !strings.Contains(English(w), "ex aequo with you") {
					t.Fatalf("%v: the text does not say ex aequo: %s / %s", w, French(w), English(w))
				}
			}
		}
	}
	if tied == 0 {
		t.Fatal("degenerate test: no wish lost to an ex aequo candidate")
	}
}

// TestPropertyAgreesWithChecker: on random structurally valid matchings,
// Explain is the stability certificate: when the checker accepts a result,
// every wish above the one obtained has a true reason; when Explain finds
// none for some wish, the checker refuses the result. In a choix au rang
// the two agree exactly (the checker's replay is the same condition).
func TestPropertyAgreesWithChecker(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 4))
	refused, accepted := 0, 0
	for n := range 3000 {
		proc := match.ProcedureAppariement
		if n%2 == 1 {
			proc = match.ProcedureChoixAuRang
		}
		inst := randomInstance(rng, proc)
		if n%3 == 2 {
			inst = withTies(rng, inst) // the certificate of the strict instance of the draw
		}
		res := randomMatching(rng, inst)
		if n%5 == 0 {
			res, _ = match.Solve(inst)
		}
		checkErr := match.Check(inst, res)
		ws, err := Explain(inst, res)
		switch {
		case checkErr == nil && err != nil:
			t.Fatalf("instance %d: the checker accepts, Explain refuses: %v", n, err)
		case proc == match.ProcedureChoixAuRang && checkErr != nil && err == nil:
			t.Fatalf("instance %d: the checker refuses (%v), Explain accepts", n, checkErr)
		case err == nil:
			accepted++
			if e := truth(inst, res, ws); e != nil {
				t.Fatalf("instance %d: %v", n, e)
			}
		default:
			refused++
		}
	}
	if refused == 0 || accepted == 0 {
		t.Fatalf("degenerate test: %d accepted, %d refused", accepted, refused)
	}
}
