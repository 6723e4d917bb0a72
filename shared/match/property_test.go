package match

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// randomInstance builds a small random instance: random capacities, wish lists that are
// random ordered subsets of the postes, and (appariement) rankings that are random ordered
// subsets of the interns, favouring those who listed the poste; or (choix au rang) a
// shuffled call list.
func randomInstance(rng *rand.Rand, maxInterns, maxPostes, maxCap int, proc Procedure) *Instance {
	ni, np := rng.IntN(maxInterns+1), rng.IntN(maxPostes+1)
	inst := &Instance{Procedure: proc, Postes: []Poste{}, Interns: []Intern{}}
	if proc == ProcedureAppariement && rng.IntN(2) == 0 {
		inst.Procedure = ""
	}
	for p := range np {
		inst.Postes = append(inst.Postes, Poste{ID: fmt.Sprintf("P%d", p), Capacity: 1 + rng.IntN(maxCap)})
	}
	listed := make([][]bool, np)
	for p := range listed {
		listed[p] = make([]bool, ni)
	}
	for i := range ni {
		in := Intern{ID: fmt.Sprintf("I%d", i)}
		for _, p := range rng.Perm(np)[:rng.IntN(np+1)] {
			in.Wishes = append(in.Wishes, inst.Postes[p].ID)
			listed[p][i] = true
		}
		inst.Interns = append(inst.Interns, in)
	}
	if proc == ProcedureChoixAuRang {
		inst.CallList = []string{}
		for _, i := range rng.Perm(ni) {
			inst.CallList = append(inst.CallList, inst.Interns[i].ID)
		}
		return inst
	}
	for _, p := range rng.Perm(np) {
		if rng.IntN(10) == 0 {
			continue // a poste without a ranking accepts nobody
		}
		rk := Ranking{Poste: inst.Postes[p].ID, Ranking: []string{}}
		for _, i := range rng.Perm(ni) {
			if (listed[p][i] && rng.IntN(5) != 0) || rng.IntN(4) == 0 {
				rk.Ranking = append(rk.Ranking, inst.Interns[i].ID)
			}
		}
		inst.Rankings = append(inst.Rankings, rk)
	}
	return inst
}

// ref is a plain, map-based view of an instance for the reference implementations below,
// which share no code with the engine.
type ref struct {
	inst     *Instance
	capacity map[string]int
	wishPos  map[string]map[string]int // intern -> poste -> position in its wishes
	rank     map[string]map[string]int // poste -> intern -> rank
}

func newRef(inst *Instance) *ref {
	r := &ref{inst: inst, capacity: map[string]int{}, wishPos: map[string]map[string]int{}, rank: map[string]map[string]int{}}
	for _, p := range inst.Postes {
		r.capacity[p.ID] = p.Capacity
		r.rank[p.ID] = map[string]int{}
	}
	for _, in := range inst.Interns {
		r.wishPos[in.ID] = map[string]int{}
		for k, w := range in.Wishes {
			r.wishPos[in.ID][w] = k
		}
	}
	for _, rk := range inst.Rankings {
		for k, id := range rk.Ranking {
			r.rank[rk.Poste][id] = k
		}
	}
	return r
}

// pref is the position of poste p in intern i's wishes; "" (unmatched) ranks last.
func (r *ref) pref(i, p string) int {
	if p == "" {
		return len(r.wishPos[i])
	}
	return r.wishPos[i][p]
}

func (r *ref) acceptable(i, p string) bool {
	_, wished := r.wishPos[i][p]
	_, ranked := r.rank[p][i]
	return wished && ranked
}

// stable reports whether m (intern -> poste, "" when unmatched) has no blocking pair.
func (r *ref) stable(m map[string]string) bool {
	held := map[string][]string{}
	for i, p := range m {
		if p != "" {
			held[p] = append(held[p], i)
		}
	}
	for _, in := range r.inst.Interns {
		for _, p := range in.Wishes {
			if r.pref(in.ID, p) >= r.pref(in.ID, m[in.ID]) || !r.acceptable(in.ID, p) {
				continue
			}
			if len(held[p]) < r.capacity[p] {
				return false
			}
			for _, j := range held[p] {
				if r.rank[p][j] > r.rank[p][in.ID] {
					return false
				}
			}
		}
	}
	return true
}

// allMatchings enumerates every matching that is acceptable and within capacities.
func (r *ref) allMatchings() []map[string]string {
	var out []map[string]string
	count := map[string]int{}
	cur := map[string]string{}
	var rec func(k int)
	rec = func(k int) {
		if k == len(r.inst.Interns) {
			out = append(out, clone(cur))
			return
		}
		in := r.inst.Interns[k]
		cur[in.ID] = ""
		rec(k + 1)
		for _, p := range in.Wishes {
			if r.acceptable(in.ID, p) && count[p] < r.capacity[p] {
				count[p]++
				cur[in.ID] = p
				rec(k + 1)
				count[p]--
			}
		}
	}
	rec(0)
	return out
}

func clone(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// naiveDA is a round-based deferred acceptance: every free intern proposes at once, each
// poste keeps its best proposers up to capacity.
func (r *ref) naiveDA() map[string]string {
	next := map[string]int{}
	m := map[string]string{}
	held := map[string][]string{}
	for {
		proposals := map[string][]string{}
		any := false
		for _, in := range r.inst.Interns {
			if m[in.ID] != "" {
				continue
			}
			for next[in.ID] < len(in.Wishes) {
				p := in.Wishes[next[in.ID]]
				next[in.ID]++
				if r.acceptable(in.ID, p) {
					proposals[p] = append(proposals[p], in.ID)
					any = true
					break
				}
			}
		}
		if !any {
			return m
		}
		for p, ids := range proposals {
			all := append(held[p], ids...)
			slices.SortFunc(all, func(a, b string) int { return r.rank[p][a] - r.rank[p][b] })
			keep := all[:min(len(all), r.capacity[p])]
			for _, id := range all[len(keep):] {
				m[id] = ""
			}
			for _, id := range keep {
				m[id] = p
			}
			held[p] = slices.Clone(keep)
		}
	}
}

// naiveSD lets interns choose in call-list order.
func (r *ref) naiveSD() map[string]string {
	left := map[string]int{}
	for p, c := range r.capacity {
		left[p] = c
	}
	m := map[string]string{}
	for _, id := range r.inst.CallList {
		for _, in := range r.inst.Interns {
			if in.ID != id {
				continue
			}
			for _, p := range in.Wishes {
				if left[p] > 0 {
					left[p]--
					m[id] = p
					break
				}
			}
		}
	}
	return m
}

func toMap(res Result) map[string]string {
	m := map[string]string{}
	for _, a := range res.Assignments {
		m[a.Intern] = a.Poste
	}
	for _, id := range res.Unmatched {
		m[id] = ""
	}
	return m
}

func toResult(m map[string]string) Result {
	res := Result{}
	for i, p := range m {
		if p == "" {
			res.Unmatched = append(res.Unmatched, i)
		} else {
			res.Assignments = append(res.Assignments, Assignment{Intern: i, Poste: p})
		}
	}
	res.Normalize()
	return res
}

func solve(t *testing.T, inst *Instance) Result {
	t.Helper()
	res, err := Solve(inst)
	if err != nil {
		t.Fatalf("Solve: %v\ninstance: %+v", err, inst)
	}
	return res
}

// TestDeferredAcceptanceOptimalBruteForce enumerates every matching of small random
// instances and checks that DA is stable, that no stable matching gives any intern a
// strictly better poste, and that Check accepts DA alone, for the right reason.
func TestDeferredAcceptanceOptimalBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 400 {
		inst := randomInstance(rng, 6, 4, 3, ProcedureAppariement)
		r := newRef(inst)
		da := toMap(solve(t, inst))
		if !r.stable(da) {
			t.Fatalf("instance %d: DA result %v is not stable", n, da)
		}
		c, err := Compile(inst)
		if err != nil {
			t.Fatal(err)
		}
		stableCount := 0
		for k, m := range r.allMatchings() {
			isStable := r.stable(m)
			if isStable {
				stableCount++
				for _, in := range inst.Interns {
					if r.pref(in.ID, m[in.ID]) < r.pref(in.ID, da[in.ID]) {
						t.Fatalf("instance %d: stable matching %v gives intern %s poste %q, better than DA's %q",
							n, m, in.ID, m[in.ID], da[in.ID])
					}
				}
			}
			if k > 300 { // Check on a sample of the matchings is enough
				continue
			}
			err := c.Check(toResult(m))
			switch {
			case reflect.DeepEqual(m, da):
				if err != nil {
					t.Fatalf("instance %d: Check rejects DA: %v", n, err)
				}
			case isStable:
				if err == nil || !strings.Contains(err.Error(), "intern-optimal") {
					t.Fatalf("instance %d: stable non-optimal %v: got %v", n, m, err)
				}
			default:
				if err == nil || !strings.Contains(err.Error(), "blocking pair") {
					t.Fatalf("instance %d: unstable %v: got %v", n, m, err)
				}
			}
		}
		if stableCount == 0 {
			t.Fatalf("instance %d: no stable matching found by brute force", n)
		}
	}
}

// TestDeferredAcceptanceMatchesNaive compares the engine with a round-based reference on
// larger instances with larger capacities.
func TestDeferredAcceptanceMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 200 {
		inst := randomInstance(rng, 60, 15, 8, ProcedureAppariement)
		got := toMap(solve(t, inst))
		want := newRef(inst).naiveDA()
		for _, in := range inst.Interns {
			if got[in.ID] != want[in.ID] {
				t.Fatalf("instance %d: intern %s got %q, reference %q", n, in.ID, got[in.ID], want[in.ID])
			}
		}
		if err := Check(inst, toResult(got)); err != nil {
			t.Fatalf("instance %d: %v", n, err)
		}
	}
}

// shuffled returns a deep copy of inst with postes, interns and rankings in a random order.
func shuffled(rng *rand.Rand, inst *Instance) *Instance {
	data, err := json.Marshal(inst)
	if err != nil {
		panic(err)
	}
	var c Instance
	if err := json.Unmarshal(data, &c); err != nil {
		panic(err)
	}
	rng.Shuffle(len(c.Postes), func(i, j int) { c.Postes[i], c.Postes[j] = c.Postes[j], c.Postes[i] })
	rng.Shuffle(len(c.Interns), func(i, j int) { c.Interns[i], c.Interns[j] = c.Interns[j], c.Interns[i] })
	rng.Shuffle(len(c.Rankings), func(i, j int) { c.Rankings[i], c.Rankings[j] = c.Rankings[j], c.Rankings[i] })
	return &c
}

// TestOrderIndependence shuffles the order of postes, interns and rankings in the JSON and
// expects the same result, byte for byte.
func TestOrderIndependence(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := range 200 {
		proc := ProcedureAppariement
		if n%2 == 1 {
			proc = ProcedureChoixAuRang
		}
		inst := randomInstance(rng, 40, 12, 4, proc)
		want, err := EncodeResult(solve(t, inst))
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			data, err := json.MarshalIndent(shuffled(rng, inst), "", " ")
			if err != nil {
				t.Fatal(err)
			}
			again, err := DecodeInstance(data)
			if err != nil {
				t.Fatalf("instance %d: %v", n, err)
			}
			got, err := EncodeResult(solve(t, again))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("instance %d: shuffled input changes the result:\n%s\nvs\n%s", n, got, want)
			}
		}
	}
}

// TestSerialDictatorshipMatchesNaive compares serial dictatorship with the naive reference,
// and checks that Check accepts it.
func TestSerialDictatorshipMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 300 {
		inst := randomInstance(rng, 50, 12, 4, ProcedureChoixAuRang)
		res, err := SerialDictatorship(inst)
		if err != nil {
			t.Fatal(err)
		}
		got, want := toMap(res), newRef(inst).naiveSD()
		for _, in := range inst.Interns {
			if got[in.ID] != want[in.ID] {
				t.Fatalf("instance %d: intern %s got %q, reference %q", n, in.ID, got[in.ID], want[in.ID])
			}
		}
		if err := Check(inst, res); err != nil {
			t.Fatalf("instance %d: %v", n, err)
		}
	}
}

// TestCheckRejectsAnyChange moves one intern of a correct result elsewhere (another poste of
// its list, or unmatched) and expects Check to refuse it, for both procedures: the result of
// a round is unique.
func TestCheckRejectsAnyChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := range 300 {
		proc := ProcedureAppariement
		if n%2 == 1 {
			proc = ProcedureChoixAuRang
		}
		inst := randomInstance(rng, 30, 10, 3, proc)
		if len(inst.Interns) == 0 {
			continue
		}
		m := toMap(solve(t, inst))
		in := inst.Interns[rng.IntN(len(inst.Interns))]
		options := append([]string{""}, in.Wishes...)
		alt := options[rng.IntN(len(options))]
		if alt == m[in.ID] {
			continue
		}
		m[in.ID] = alt
		if err := Check(inst, toResult(m)); err == nil {
			t.Fatalf("instance %d (%s): moving intern %s to %q passes Check", n, proc, in.ID, alt)
		}
	}
}

func TestGenerateInstance(t *testing.T) {
	for _, gen := range []func(uint64, int, int, int) *Instance{GenerateInstance, GenerateChoixAuRang} {
		inst := gen(42, 2000, 600, 15)
		if !reflect.DeepEqual(inst, gen(42, 2000, 600, 15)) {
			t.Fatal("same seed, different instances")
		}
		if reflect.DeepEqual(inst, gen(43, 2000, 600, 15)) {
			t.Fatal("different seeds, same instance")
		}
		res := solve(t, inst)
		if err := Check(inst, res); err != nil {
			t.Fatal(err)
		}
		for _, in := range inst.Interns {
			if len(in.Wishes) != 15 {
				t.Fatalf("intern %s has %d wishes", in.ID, len(in.Wishes))
			}
		}
	}
	// More wishes than postes: every intern lists every poste.
	inst := GenerateInstance(1, 10, 3, 8)
	if len(inst.Interns[0].Wishes) != 3 {
		t.Fatalf("got %d wishes", len(inst.Interns[0].Wishes))
	}
	solve(t, inst)
	solve(t, GenerateInstance(1, 0, 0, 5))
}
