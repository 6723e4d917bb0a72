package match

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// withBinomes adds random binomes to a choix-au-rang instance: about a third of the interns
// are linked in pairs, each pair with a random joint list (some empty, some pairs naming the
// same poste twice).
func withBinomes(rng *rand.Rand, inst *Instance) *Instance {
	ids := make([]string, len(inst.Interns))
	for k, in := range inst.Interns {
		ids[k] = in.ID
	}
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	for k := 0; k+1 < len(ids)*2/3; k += 2 {
		b := Binome{Interns: [2]string{ids[k], ids[k+1]}}
		seen := map[[2]string]bool{}
		for range rng.IntN(5) {
			if len(inst.Postes) == 0 {
				break
			}
			pq := [2]string{inst.Postes[rng.IntN(len(inst.Postes))].ID, inst.Postes[rng.IntN(len(inst.Postes))].ID}
			if rng.IntN(4) == 0 {
				pq[1] = pq[0]
			}
			if !seen[pq] {
				seen[pq] = true
				b.Pairs = append(b.Pairs, pq)
			}
		}
		inst.Binomes = append(inst.Binomes, b)
	}
	return inst
}

// naiveBinomes is the pair rule written from its definition, on ids: interns in call-list
// order; a linked intern whose partner is called later waits; at the later turn the pair
// takes the first pair of its joint list with free places, or each member (the one called
// first, then the other) its first wish with a free place.
func naiveBinomes(inst *Instance) map[string]string {
	left := map[string]int{}
	for _, p := range inst.Postes {
		left[p.ID] = p.Capacity
	}
	wishes := map[string][]string{}
	for _, in := range inst.Interns {
		wishes[in.ID] = in.Wishes
	}
	turn := map[string]int{}
	for k, id := range inst.CallList {
		turn[id] = k
	}
	m := map[string]string{}
	alone := func(id string) {
		for _, p := range wishes[id] {
			if left[p] > 0 {
				left[p]--
				m[id] = p
				return
			}
		}
	}
	for _, id := range inst.CallList {
		var bn *Binome
		for k := range inst.Binomes {
			if slices.Contains(inst.Binomes[k].Interns[:], id) {
				bn = &inst.Binomes[k]
			}
		}
		if bn == nil {
			alone(id)
			continue
		}
		other := bn.Interns[0]
		if other == id {
			other = bn.Interns[1]
		}
		if turn[other] > turn[id] {
			continue
		}
		done := false
		for _, pq := range bn.Pairs {
			free := left[pq[0]] > 0 && left[pq[1]] > 0
			if pq[0] == pq[1] {
				free = left[pq[0]] >= 2
			}
			if free {
				left[pq[0]]--
				left[pq[1]]--
				m[bn.Interns[0]], m[bn.Interns[1]] = pq[0], pq[1]
				done = true
				break
			}
		}
		if !done {
			alone(other)
			alone(id)
		}
	}
	for _, in := range inst.Interns {
		if _, ok := m[in.ID]; !ok {
			m[in.ID] = ""
		}
	}
	return m
}

// TestBinomesTable covers the cases of the pair rule on small instances.
func TestBinomesTable(t *testing.T) {
	postes := []Poste{{ID: "A", Capacity: 1}, {ID: "B", Capacity: 2}, {ID: "C", Capacity: 1}}
	tests := []struct {
		name    string
		interns []Intern
		call    []string
		binomes []Binome
		want    map[string]string
	}{
		{
			name:    "the pair takes its first pair with free places, at the later turn",
			interns: []Intern{{ID: "I1", Wishes: []string{"A"}}, {ID: "I2", Wishes: []string{"B"}}, {ID: "I3", Wishes: []string{"B"}}},
			call:    []string{"I1", "I2", "I3"},
			binomes: []Binome{{Interns: [2]string{"I1", "I3"}, Pairs: [][2]string{{"A", "C"}}}},
			want:    map[string]string{"I1": "A", "I2": "B", "I3": "C"},
		},
		{
			name:    "the earlier member waits: an intern between them takes its poste",
			interns: []Intern{{ID: "I1", Wishes: []string{"A"}}, {ID: "I2", Wishes: []string{"A"}}, {ID: "I3", Wishes: []string{"C"}}},
			call:    []string{"I1", "I2", "I3"},
			binomes: []Binome{{Interns: [2]string{"I1", "I3"}, Pairs: [][2]string{{"A", "C"}, {"B", "C"}}}},
			want:    map[string]string{"I1": "B", "I2": "A", "I3": "C"},
		},
		{
			name:    "the same poste twice needs two free places",
			interns: []Intern{{ID: "I1"}, {ID: "I2", Wishes: []string{"B"}}, {ID: "I3"}},
			call:    []string{"I1", "I2", "I3"},
			binomes: []Binome{{Interns: [2]string{"I3", "I1"}, Pairs: [][2]string{{"B", "B"}, {"C", "A"}}}},
			want:    map[string]string{"I1": "A", "I2": "B", "I3": "C"},
		},
		{
			name:    "no pair free: each falls back on its own list, the one called first first",
			interns: []Intern{{ID: "I1", Wishes: []string{"C", "B"}}, {ID: "I2", Wishes: []string{"A"}}, {ID: "I3", Wishes: []string{"C", "B"}}},
			call:    []string{"I1", "I2", "I3"},
			binomes: []Binome{{Interns: [2]string{"I3", "I1"}, Pairs: [][2]string{{"A", "A"}}}},
			want:    map[string]string{"I1": "C", "I2": "A", "I3": "B"},
		},
		{
			name:    "an empty joint list: both choose alone at the later turn, the one called first first",
			interns: []Intern{{ID: "I1", Wishes: []string{"A", "C"}}, {ID: "I2", Wishes: []string{"A"}}, {ID: "I3", Wishes: []string{"C"}}},
			call:    []string{"I1", "I3", "I2"},
			binomes: []Binome{{Interns: [2]string{"I1", "I2"}}},
			want:    map[string]string{"I1": "A", "I2": "", "I3": "C"},
		},
		{
			name:    "a joint poste need not be on the intern's own list",
			interns: []Intern{{ID: "I1"}, {ID: "I2"}},
			call:    []string{"I2", "I1"},
			binomes: []Binome{{Interns: [2]string{"I1", "I2"}, Pairs: [][2]string{{"A", "B"}}}},
			want:    map[string]string{"I1": "A", "I2": "B"},
		},
		{
			name:    "no binome: serial dictatorship",
			interns: []Intern{{ID: "I1", Wishes: []string{"A", "B"}}, {ID: "I2", Wishes: []string{"A", "C"}}},
			call:    []string{"I2", "I1"},
			want:    map[string]string{"I1": "B", "I2": "A"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst := &Instance{Procedure: ProcedureChoixAuRang, Postes: postes, Interns: tt.interns, CallList: tt.call, Binomes: tt.binomes}
			res := solve(t, inst)
			got := toMap(res)
			for id, want := range tt.want {
				if got[id] != want {
					t.Errorf("intern %s got %q, want %q", id, got[id], want)
				}
			}
			if err := Check(inst, res); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// TestBinomesMatchNaive compares the compiled pair rule with its naive definition on random
// instances, and checks that Check accepts it.
func TestBinomesMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 4))
	for n := range 500 {
		inst := withBinomes(rng, randomInstance(rng, 30, 8, 3, ProcedureChoixAuRang))
		res := solve(t, inst)
		got, want := toMap(res), naiveBinomes(inst)
		for _, in := range inst.Interns {
			if got[in.ID] != want[in.ID] {
				t.Fatalf("instance %d: intern %s got %q, reference %q\n%+v", n, in.ID, got[in.ID], want[in.ID], inst)
			}
		}
		if err := Check(inst, res); err != nil {
			t.Fatalf("instance %d: %v", n, err)
		}
	}
}

// TestBinomesProperties checks, on random instances, what the pair rule promises: interns
// called before every linked intern get what plain serial dictatorship gives them; a linked
// pair either got a pair of its joint list together, and then no earlier pair of the list
// was free at its turn (the naive rule gives the same), or fell back, and then what they got
// is no pair of the list (a free one would have been taken); nobody gets a poste off its own
// list except from its joint list.
func TestBinomesProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 5))
	for n := range 500 {
		inst := withBinomes(rng, randomInstance(rng, 30, 8, 3, ProcedureChoixAuRang))
		got := toMap(solve(t, inst))
		plain := newRef(inst).naiveSD()
		linked := map[string]*Binome{}
		for k := range inst.Binomes {
			for _, id := range inst.Binomes[k].Interns {
				linked[id] = &inst.Binomes[k]
			}
		}
		for _, id := range inst.CallList {
			if linked[id] != nil {
				break
			}
			if got[id] != plain[id] {
				t.Fatalf("instance %d: intern %s, called before every linked intern, got %q, not %q as without binomes", n, id, got[id], plain[id])
			}
		}
		for _, in := range inst.Interns {
			p := got[in.ID]
			if p == "" || slices.Contains(in.Wishes, p) {
				continue
			}
			b := linked[in.ID]
			if b == nil {
				t.Fatalf("instance %d: intern %s got %q, off its list and in no binome", n, in.ID, p)
			}
			pair := [2]string{got[b.Interns[0]], got[b.Interns[1]]}
			if !slices.Contains(b.Pairs, pair) {
				t.Fatalf("instance %d: intern %s got %q, off its list, and its binome's outcome %v is not a joint pair", n, in.ID, p, pair)
			}
		}
	}
}

// TestBinomesCheckRejectsAnyChange moves one intern of a correct result with binomes to
// another poste of its lists, or to nothing, and expects Check to refuse it.
func TestBinomesCheckRejectsAnyChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 6))
	for n := range 500 {
		inst := withBinomes(rng, randomInstance(rng, 20, 8, 3, ProcedureChoixAuRang))
		if len(inst.Interns) == 0 {
			continue
		}
		m := toMap(solve(t, inst))
		in := inst.Interns[rng.IntN(len(inst.Interns))]
		options := append([]string{""}, in.Wishes...)
		for _, b := range inst.Binomes {
			for s, id := range b.Interns {
				if id == in.ID {
					for _, pq := range b.Pairs {
						options = append(options, pq[s])
					}
				}
			}
		}
		alt := options[rng.IntN(len(options))]
		if alt == m[in.ID] {
			continue
		}
		m[in.ID] = alt
		if err := Check(inst, toResult(m)); err == nil {
			t.Fatalf("instance %d: moving intern %s to %q passes Check", n, in.ID, alt)
		}
	}
}

// TestBinomesOrderIndependence: the order of postes, interns and binomes in the file, and
// the order of the two interns of a binome (with its pairs swapped), do not change the
// result.
func TestBinomesOrderIndependence(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 7))
	for n := range 200 {
		inst := withBinomes(rng, randomInstance(rng, 30, 8, 3, ProcedureChoixAuRang))
		want, err := EncodeResult(solve(t, inst))
		if err != nil {
			t.Fatal(err)
		}
		c := shuffled(rng, inst)
		rng.Shuffle(len(c.Binomes), func(i, j int) { c.Binomes[i], c.Binomes[j] = c.Binomes[j], c.Binomes[i] })
		for k := range c.Binomes {
			if rng.IntN(2) == 0 {
				b := &c.Binomes[k]
				b.Interns[0], b.Interns[1] = b.Interns[1], b.Interns[0]
				for j := range b.Pairs {
					b.Pairs[j][0], b.Pairs[j][1] = b.Pairs[j][1], b.Pairs[j][0]
				}
			}
		}
		data, err := EncodeInstance(c)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeCompiled(data)
		if err != nil {
			t.Fatalf("instance %d: %v\n%s", n, err, data)
		}
		got, err := EncodeResult(again.Result(again.Run()))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("instance %d: reordered input changes the result:\n%s\nvs\n%s", n, got, want)
		}
	}
}

// TestBinomesRoundTrip: EncodeInstance then DecodeInstance gives back the binomes, and an
// instance without binomes encodes without the field (today's files are unchanged).
func TestBinomesRoundTrip(t *testing.T) {
	inst := readInstance(t, "testdata/binomes.json")
	data, err := EncodeInstance(inst)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeInstance(data)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(inst.Binomes)
	b, _ := json.Marshal(back.Binomes)
	if string(a) != string(b) {
		t.Fatalf("binomes after a round trip: %s, want %s", b, a)
	}
	plain := readInstance(t, "testdata/choix-au-rang.json")
	data, err = EncodeInstance(plain)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "binomes") {
		t.Fatalf("an instance without binomes encodes the field:\n%s", data)
	}
}

// TestBinomesCheckMessages names the intern and the rule broken.
func TestBinomesCheckMessages(t *testing.T) {
	inst := readInstance(t, "testdata/binomes.json")
	res := solve(t, inst)
	m := toMap(res)
	m["I2"], m["I4"] = "", "" // C+D was free at their turn
	err := Check(inst, toResult(m))
	if err == nil {
		t.Fatal("Check accepts a binome off its joint list")
	}
	for _, want := range []string{`intern "I2" (number 4 in the call list): got nothing`, `pair 3 of its joint list`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check error lacks %q:\n%v", want, err)
		}
	}
}
