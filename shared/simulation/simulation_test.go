package simulation

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"appariement/shared/match"
)

// handMade has postes A (1 place), B (2), C (1) and six interns called i1 to i6, listed in
// the instance in another order; i5 has not submitted its wish list.
func handMade() *match.Instance {
	return &match.Instance{
		Procedure: match.ProcedureChoixAuRang,
		Postes:    []match.Poste{{ID: "A", Capacity: 1}, {ID: "B", Capacity: 2}, {ID: "C", Capacity: 1}},
		Interns: []match.Intern{
			{ID: "i6", Wishes: []string{"B", "C", "A"}},
			{ID: "i5", Wishes: []string{}},
			{ID: "i4", Wishes: []string{"A", "B", "C"}},
			{ID: "i3", Wishes: []string{"B", "A"}},
			{ID: "i2", Wishes: []string{"A", "C"}},
			{ID: "i1", Wishes: []string{"A", "B"}},
		},
		CallList: []string{"i1", "i2", "i3", "i4", "i5", "i6"},
	}
}

func TestInternViews(t *testing.T) {
	s, err := Run(handMade())
	if err != nil {
		t.Fatal(err)
	}
	type w = WishView
	tests := []InternView{
		{Intern: "i1", Rank: 1, Poste: "A", Wishes: []w{
			{Poste: "A", Capacity: 1, Demand: 0, TakenAhead: 0, WouldGet: true},
			{Poste: "B", Capacity: 2, Demand: 0, TakenAhead: 0},
		}},
		{Intern: "i2", Rank: 2, Poste: "C", Wishes: []w{
			{Poste: "A", Capacity: 1, Demand: 1, TakenAhead: 1, OutOfReach: true},
			{Poste: "C", Capacity: 1, Demand: 0, TakenAhead: 0, WouldGet: true},
		}},
		{Intern: "i3", Rank: 3, Poste: "B", Wishes: []w{
			{Poste: "B", Capacity: 2, Demand: 1, TakenAhead: 0, WouldGet: true},
			{Poste: "A", Capacity: 1, Demand: 2, TakenAhead: 1, OutOfReach: true},
		}},
		{Intern: "i4", Rank: 4, Poste: "B", Wishes: []w{
			{Poste: "A", Capacity: 1, Demand: 3, TakenAhead: 1, OutOfReach: true},
			{Poste: "B", Capacity: 2, Demand: 2, TakenAhead: 1, WouldGet: true},
			{Poste: "C", Capacity: 1, Demand: 1, TakenAhead: 1, OutOfReach: true},
		}},
		{Intern: "i5", Rank: 5, Poste: "", Wishes: []w{}},
		{Intern: "i6", Rank: 6, Poste: "", Wishes: []w{
			{Poste: "B", Capacity: 2, Demand: 3, TakenAhead: 2, OutOfReach: true},
			{Poste: "C", Capacity: 1, Demand: 2, TakenAhead: 1, OutOfReach: true},
			{Poste: "A", Capacity: 1, Demand: 4, TakenAhead: 1, OutOfReach: true},
		}},
	}
	for _, want := range tests {
		got, ok := s.Intern(want.Intern)
		if !ok {
			t.Fatalf("intern %s not found", want.Intern)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("intern %s\n got %+v\nwant %+v", want.Intern, *got, want)
		}
	}
	if v, ok := s.Intern("nobody"); ok || v != nil {
		t.Errorf("unknown intern: %v, %v", v, ok)
	}
}

func TestAmphi(t *testing.T) {
	s, err := Run(handMade())
	if err != nil {
		t.Fatal(err)
	}
	free := func(a, b, c int) []PlaceView {
		return []PlaceView{{"A", 1, a}, {"B", 2, b}, {"C", 1, c}}
	}
	tests := []struct {
		rank int
		want []PlaceView
	}{
		{-3, free(1, 2, 1)},
		{1, free(1, 2, 1)},
		{2, free(0, 2, 1)},
		{3, free(0, 2, 0)},
		{4, free(0, 1, 0)},
		{5, free(0, 0, 0)},
		{7, free(0, 0, 0)},
		{100, free(0, 0, 0)},
	}
	for _, tt := range tests {
		if got := s.Amphi(tt.rank, nil); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Amphi(%d) = %v, want %v", tt.rank, got, tt.want)
		}
	}
	onlyBC := func(id string) bool { return id != "A" }
	if got, want := s.Amphi(4, onlyBC), []PlaceView{{"B", 2, 1}, {"C", 1, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Amphi(4, B and C) = %v, want %v", got, want)
	}
	if got := s.Amphi(1, func(string) bool { return false }); got == nil || len(got) != 0 {
		t.Errorf("Amphi with no poste = %#v, want empty", got)
	}
}

func TestSteps(t *testing.T) {
	s, err := Run(handMade())
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Rank: 1, Intern: "i1", Poste: "A", Left: 0},
		{Rank: 2, Intern: "i2", Poste: "C", Left: 0},
		{Rank: 3, Intern: "i3", Poste: "B", Left: 1},
		{Rank: 4, Intern: "i4", Poste: "B", Left: 0},
		{Rank: 5, Intern: "i5", Poste: "", Left: 0},
		{Rank: 6, Intern: "i6", Poste: "", Left: 0},
	}
	if got := slices.Collect(s.Steps()); !reflect.DeepEqual(got, want) {
		t.Errorf("steps\n got %v\nwant %v", got, want)
	}
	for st := range s.Steps() { // stopping early is allowed
		if st.Rank == 2 {
			break
		}
	}
	if s.Len() != 6 || s.Step(3) != want[2] {
		t.Errorf("Len() = %d, Step(3) = %v", s.Len(), s.Step(3))
	}
}

func TestRunErrors(t *testing.T) {
	app := handMade()
	app.Procedure, app.CallList = match.ProcedureAppariement, nil
	if _, err := Run(app); err == nil || !strings.Contains(err.Error(), `procedure is "appariement"`) {
		t.Errorf("appariement instance: %v", err)
	}
	bad := handMade()
	bad.Interns[0].Wishes = []string{"B", "Z"}
	bad.CallList = bad.CallList[1:]
	_, err := Run(bad)
	if err == nil || !strings.HasPrefix(err.Error(), "simulation: ") ||
		!strings.Contains(err.Error(), `"Z": unknown poste`) || !strings.Contains(err.Error(), `"i1": missing from the call_list`) {
		t.Errorf("invalid instance: %v", err)
	}
}

// TestProperties checks random instances against match.SerialDictatorship and against a
// direct count of the interns ahead of each intern.
func TestProperties(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		inst := match.GenerateChoixAuRang(seed, 1+rng.IntN(300), 1+rng.IntN(120), rng.IntN(15))
		for i := range inst.Interns {
			if rng.IntN(5) == 0 {
				inst.Interns[i].Wishes = nil // not submitted yet
			}
		}
		s, err := Run(inst)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		want, err := match.SerialDictatorship(inst)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Result(); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: simulated result differs from SerialDictatorship", seed)
		}
		checkAgainstReference(t, seed, inst, s)
	}
}

func checkAgainstReference(t *testing.T, seed uint64, inst *match.Instance, s *Simulation) {
	t.Helper()
	capacity := map[string]int{}
	for _, p := range inst.Postes {
		capacity[p.ID] = p.Capacity
	}
	wishes := map[string][]string{}
	for _, in := range inst.Interns {
		wishes[in.ID] = in.Wishes
	}
	got := map[string]string{}
	assigned := map[string]int{}
	for r, id := range inst.CallList {
		v, ok := s.Intern(id)
		if !ok || v.Rank != r+1 || len(v.Wishes) != len(wishes[id]) {
			t.Fatalf("seed %d: intern %s: view %+v", seed, id, v)
		}
		gets := 0
		for k, w := range v.Wishes {
			demand, taken := 0, 0
			for _, ahead := range inst.CallList[:r] {
				if slices.Contains(wishes[ahead], w.Poste) {
					demand++
				}
				if got[ahead] == w.Poste {
					taken++
				}
			}
			if w.Poste != wishes[id][k] || w.Capacity != capacity[w.Poste] || w.Demand != demand || w.TakenAhead != taken ||
				w.OutOfReach != (taken >= capacity[w.Poste]) {
				t.Fatalf("seed %d: intern %s: wish %+v, want demand %d, taken %d", seed, id, w, demand, taken)
			}
			if w.OutOfReach && w.WouldGet {
				t.Fatalf("seed %d: intern %s: poste %s out of reach but would get it", seed, id, w.Poste)
			}
			if w.WouldGet {
				gets++
				if w.Poste != v.Poste {
					t.Fatalf("seed %d: intern %s: would get %s, but its poste is %q", seed, id, w.Poste, v.Poste)
				}
			} else if gets == 0 && !w.OutOfReach {
				t.Fatalf("seed %d: intern %s: skips %s, which is not out of reach", seed, id, w.Poste)
			}
		}
		if gets > 1 || (gets == 1) != (v.Poste != "") {
			t.Fatalf("seed %d: intern %s: %d postes it would get, poste %q", seed, id, gets, v.Poste)
		}
		step := s.Step(r + 1)
		if v.Poste != "" {
			assigned[v.Poste]++
			if step.Left != capacity[v.Poste]-assigned[v.Poste] {
				t.Fatalf("seed %d: step %+v, want %d left", seed, step, capacity[v.Poste]-assigned[v.Poste])
			}
		}
		if step.Rank != r+1 || step.Intern != id || step.Poste != v.Poste {
			t.Fatalf("seed %d: step %+v for intern %s, poste %q", seed, step, id, v.Poste)
		}
		got[id] = v.Poste
	}
	first, last := s.Amphi(1, nil), s.Amphi(s.Len()+1, nil)
	if len(first) != len(inst.Postes) || len(last) != len(inst.Postes) {
		t.Fatalf("seed %d: amphi of %d and %d postes, want %d", seed, len(first), len(last), len(inst.Postes))
	}
	for p, poste := range inst.Postes {
		if first[p] != (PlaceView{poste.ID, poste.Capacity, poste.Capacity}) {
			t.Fatalf("seed %d: amphi at rank 1: %+v", seed, first[p])
		}
		if last[p] != (PlaceView{poste.ID, poste.Capacity, poste.Capacity - assigned[poste.ID]}) {
			t.Fatalf("seed %d: amphi at the end: %+v, %d assigned", seed, last[p], assigned[poste.ID])
		}
	}
}

// The benchmark instance: a national semester of choix au rang, 40,000 interns, 15,000
// postes of 1 to 5 places (about 45,000 places), 30 wishes each. Generated on first use,
// outside the timings.
var national = sync.OnceValue(func() *match.Instance {
	return match.GenerateChoixAuRang(2020, 40_000, 15_000, 30)
})

// BenchmarkSimulation40k runs the whole simulation from the instance, as the server does
// after each new wish list: validation and indexing (match.Compile), then the choices.
func BenchmarkSimulation40k(b *testing.B) {
	inst := national()
	places := 0
	for _, p := range inst.Postes {
		places += p.Capacity
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(inst); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(places), "places")
}

// BenchmarkViews40k builds the views one intern asks for: its own, and its amphithéâtre.
func BenchmarkViews40k(b *testing.B) {
	inst := national()
	s, err := Run(inst)
	if err != nil {
		b.Fatal(err)
	}
	id := inst.CallList[20_000]
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.Intern(id); !ok {
			b.Fatal("intern not found")
		}
		s.Amphi(20_001, nil)
	}
}
