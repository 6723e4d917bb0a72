package simulation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"appariement/shared/match"
)

var updateSim = os.Getenv("UPDATE_GOLDEN") != ""

// TestBinomesSteps: the replay of the worked example of docs/matching (section 9) is the
// golden one: I2 waits at rank 2 for I4, the binôme takes its third pair at rank 4, I6 and
// I7 fall back at rank 7.
func TestBinomesSteps(t *testing.T) {
	data, err := os.ReadFile("../match/testdata/binomes.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := match.DecodeInstance(data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Run(inst)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for st := range s.Steps() {
		line, _ := json.Marshal(st)
		b.Write(append(line, '\n'))
	}
	for _, id := range []string{"I2", "I4", "I5"} {
		v, _ := s.Intern(id)
		line, _ := json.Marshal(v)
		b.Write(append(line, '\n'))
	}
	for _, rank := range []int{3, 5} {
		line, _ := json.Marshal(s.Amphi(rank, nil))
		fmt.Fprintf(&b, "amphi %d: %s\n", rank, line)
	}
	golden := filepath.Join("testdata", "binomes.golden")
	if updateSim {
		os.WriteFile(golden, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Fatalf("replay changed:\n got:\n%s\nwant:\n%s", b.Bytes(), want)
	}
}

// TestBinomesProperties: on random instances with binômes, the simulation gives the pair
// rule's result (match.Solve), its steps replay it (each intern's take at its binôme's turn,
// places left counted in that order), and the amphithéâtre at each rank is what the takes of
// the earlier turns leave.
func TestBinomesProperties(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		rng := rand.New(rand.NewPCG(seed, 18))
		inst := match.GenerateChoixAuRang(seed, 1+rng.IntN(80), 1+rng.IntN(30), rng.IntN(8))
		ids := slices.Clone(inst.CallList)
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		for k := 0; k+1 < len(ids)/2; k += 2 {
			b := match.Binome{Interns: [2]string{ids[k], ids[k+1]}}
			for range rng.IntN(4) {
				pq := [2]string{inst.Postes[rng.IntN(len(inst.Postes))].ID, inst.Postes[rng.IntN(len(inst.Postes))].ID}
				if !slices.Contains(b.Pairs, pq) {
					b.Pairs = append(b.Pairs, pq)
				}
			}
			inst.Binomes = append(inst.Binomes, b)
		}
		s, err := Run(inst)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		want, err := match.Solve(inst)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Result(); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: simulated result differs from the pair rule", seed)
		}
		got := map[string]string{}
		for _, a := range want.Assignments {
			got[a.Intern] = a.Poste
		}
		left := map[string]int{}
		for _, p := range inst.Postes {
			left[p.ID] = p.Capacity
		}
		for st := range s.Steps() {
			amphi := s.Amphi(st.Rank, nil)
			for _, pv := range amphi {
				if pv.Free != left[pv.Poste] {
					t.Fatalf("seed %d: amphi at rank %d: %+v, want %d free", seed, st.Rank, pv, left[pv.Poste])
				}
			}
			if st.Waits {
				if st.Poste != "" || st.PartnerRank <= st.Rank {
					t.Fatalf("seed %d: waiting step %+v", seed, st)
				}
				continue
			}
			if st.Partner != "" {
				if st.PartnerRank >= st.Rank || st.PartnerPoste != got[st.Partner] {
					t.Fatalf("seed %d: pair step %+v, partner got %q", seed, st, got[st.Partner])
				}
				if st.PartnerPoste != "" {
					left[st.PartnerPoste]--
					if st.PartnerLeft != left[st.PartnerPoste] {
						t.Fatalf("seed %d: pair step %+v, want %d left for the partner", seed, st, left[st.PartnerPoste])
					}
				}
			}
			if st.Poste != got[st.Intern] {
				t.Fatalf("seed %d: step %+v, result %q", seed, st, got[st.Intern])
			}
			if st.Poste != "" {
				left[st.Poste]--
				if st.Left != left[st.Poste] {
					t.Fatalf("seed %d: step %+v, want %d left", seed, st, left[st.Poste])
				}
			}
		}
	}
}
