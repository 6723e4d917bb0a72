package whynot

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"appariement/shared/domain"
	"appariement/shared/match"
)

// TestBinomeReasonsAreTrue: on random choix au rang with binômes, every
// wish above the one obtained has a reason, and each reason is true of the
// result: a WhyTaken poste has all its places taken by interns who chose at
// an earlier turn than the intern's (its pair's turn), or by the partner
// choosing first at the same turn; a WhyBinome intern's binôme obtained
// pair number Pair of its joint list, and the wish still had a place then.
func TestBinomeReasonsAreTrue(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 40))
	for n := range 2000 {
		inst := randomInstance(rng, match.ProcedureChoixAuRang)
		ids := slices.Clone(inst.CallList)
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		for k := 0; k+1 < len(ids) && rng.IntN(3) != 0; k += 2 {
			b := match.Binome{Interns: [2]string{ids[k], ids[k+1]}}
			for range rng.IntN(4) {
				pq := [2]string{inst.Postes[rng.IntN(len(inst.Postes))].ID, inst.Postes[rng.IntN(len(inst.Postes))].ID}
				if !slices.Contains(b.Pairs, pq) {
					b.Pairs = append(b.Pairs, pq)
				}
			}
			inst.Binomes = append(inst.Binomes, b)
		}
		res := mustSolve(t, inst)
		ws, err := Explain(inst, res)
		if err != nil {
			t.Fatalf("instance %d: %v\n%+v", n, err, inst)
		}
		if err := binomeTruth(inst, res, ws); err != nil {
			t.Fatalf("instance %d: %v\n%+v", n, err, inst)
		}
	}
}

// binomeTruth checks the reasons of a choix au rang with binômes (see
// TestBinomeReasonsAreTrue).
func binomeTruth(inst *match.Instance, res match.Result, ws []domain.WhyNot) error {
	got := map[string]string{}
	for _, a := range res.Assignments {
		got[a.Intern] = a.Poste
	}
	capacity := map[string]int{}
	for _, p := range inst.Postes {
		capacity[p.ID] = p.Capacity
	}
	turn := map[string]int{}
	for k, id := range inst.CallList {
		turn[id] = k + 1
	}
	partner := map[string]string{}
	joint := map[string]match.Binome{}
	for _, b := range inst.Binomes {
		x, y := b.Interns[0], b.Interns[1]
		partner[x], partner[y] = y, x
		joint[x], joint[y] = b, b
		t := max(turn[x], turn[y])
		turn[x], turn[y] = t, t
	}
	for _, w := range ws {
		if w.YourRank != turn[w.Intern] || w.Partner != partner[w.Intern] {
			return fmt.Errorf("%+v: rank or partner wrong (turn %d, partner %q)", w, turn[w.Intern], partner[w.Intern])
		}
		before, same := 0, false
		for id, p := range got {
			if p == w.Poste && turn[id] < w.YourRank {
				before++
			}
			if p == w.Poste && id == partner[w.Intern] {
				same = true
			}
		}
		switch w.Kind {
		case domain.WhyTaken:
			if before < capacity[w.Poste] && !(same && before+1 == capacity[w.Poste] && w.LastRank == w.YourRank) {
				return fmt.Errorf("%+v: only %d places taken before", w, before)
			}
		case domain.WhyBinome:
			b := joint[w.Intern]
			if w.Pair < 1 || w.Pair > len(b.Pairs) || b.Pairs[w.Pair-1] != [2]string{got[b.Interns[0]], got[b.Interns[1]]} {
				return fmt.Errorf("%+v: the binôme did not get pair %d of %v", w, w.Pair, b.Pairs)
			}
			if before >= capacity[w.Poste] {
				return fmt.Errorf("%+v: the poste was full before: WhyTaken", w)
			}
		default:
			return fmt.Errorf("%+v: unexpected kind", w)
		}
	}
	return nil
}
