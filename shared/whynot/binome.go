package whynot

import (
	"slices"

	"appariement/shared/domain"
	"appariement/shared/match"
)

// binomes explains a choix au rang with binômes. A linked intern chose at
// the later of the two turns (its pair's turn): a wish above the one
// obtained had all its places taken by interns called before that turn
// (WhyTaken), or by the partner choosing just before on its own list
// (WhyTaken with Partner), or still had a place but the pair took a pair of
// its joint list, which comes first (WhyBinome). An intern in no binôme is
// explained as in a plain choix au rang, with the turns at which places
// were really taken.
type binomes struct {
	turn    map[string]int  // intern → turn at which it chose, from 1
	first   map[string]bool // intern of a binôme called first (chooses first in a fallback)
	partner map[string]string
	pair    map[string]int   // intern → joint pair obtained by its binôme, from 1 (0: fell back)
	taken   map[string][]int // poste → turns of the interns who took it, sorted
	got     map[string]string
}

func newBinomes(inst *match.Instance, got map[string]string, holders map[string][]string) *binomes {
	b := &binomes{turn: map[string]int{}, first: map[string]bool{}, partner: map[string]string{},
		pair: map[string]int{}, taken: map[string][]int{}, got: got}
	for k, id := range inst.CallList {
		if _, dup := b.turn[id]; !dup {
			b.turn[id] = k + 1
		}
	}
	for _, bn := range inst.Binomes {
		x, y := bn.Interns[0], bn.Interns[1]
		tx, okx := b.turn[x]
		ty, oky := b.turn[y]
		if !okx || !oky {
			continue
		}
		b.partner[x], b.partner[y] = y, x
		t := max(tx, ty)
		b.turn[x], b.turn[y] = t, t
		b.first[x], b.first[y] = tx < ty, ty < tx
		for k, pq := range bn.Pairs {
			if got[x] == pq[0] && got[y] == pq[1] {
				b.pair[x], b.pair[y] = k+1, k+1
				break
			}
		}
	}
	for p, h := range holders {
		for _, id := range h {
			b.taken[p] = append(b.taken[p], b.turn[id])
		}
		slices.Sort(b.taken[p])
	}
	return b
}

func (b *binomes) explain(intern, poste string, capacity int) (domain.WhyNot, error) {
	m, ok := b.turn[intern]
	if !ok {
		return domain.WhyNot{}, errorf("l'interne %s n'est pas dans la liste d'appel", "intern %s is not in the call list", intern)
	}
	turns := b.taken[poste]
	before, _ := slices.BinarySearch(turns, m) // places taken at turns before m
	partner := b.partner[intern]
	switch {
	case before >= capacity:
		return domain.WhyNot{Kind: domain.WhyTaken, Filled: len(turns), LastRank: turns[capacity-1], YourRank: m, Partner: partner}, nil
	case partner != "" && b.pair[intern] > 0:
		return domain.WhyNot{Kind: domain.WhyBinome, YourRank: m, Partner: partner, Pair: b.pair[intern]}, nil
	case partner != "" && !b.first[intern] && before == capacity-1 && b.got[partner] == poste:
		return domain.WhyNot{Kind: domain.WhyTaken, Filled: len(turns), LastRank: m, YourRank: m, Partner: partner}, nil
	}
	return domain.WhyNot{}, errorf("l'interne %s (rang %d) préférait le poste %s, qui avait encore une place libre à son tour",
		"intern %s (rank %d) preferred poste %s, which still had a free place at its turn", intern, m, poste)
}

// inJointList reports whether poste is intern's side of a pair of its
// binôme's joint list.
func inJointList(inst *match.Instance, intern, poste string) bool {
	for _, bn := range inst.Binomes {
		for s, id := range bn.Interns {
			if id != intern {
				continue
			}
			for _, pq := range bn.Pairs {
				if pq[s] == poste {
					return true
				}
			}
		}
	}
	return false
}
