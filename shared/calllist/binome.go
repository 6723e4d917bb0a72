package calllist

import (
	"cmp"
	"fmt"
	"slices"
)

// PairTurn is a binôme as the call list shows it: its two interns with their own ranks,
// and the rank at which they choose together, the later of the two (see match.Binome).
type PairTurn struct {
	// Interns are the two interns, in call order.
	Interns [2]string `json:"interns"`
	// Ranks are their own ranks in the list, in the same order.
	Ranks [2]int `json:"ranks"`
	// ChoosesAt is the rank at which the binôme chooses, Ranks[1]; 0 when one of the two
	// is flagged absent, and then the other chooses alone at its own rank.
	ChoosesAt int `json:"chooses_at"`
}

// PairTurns returns the binômes of the list, linked by pairs of intern ids, sorted by the
// rank at which they choose (the absent ones last, by first rank). A pair naming an intern
// missing from the list, the same intern twice, or an intern in two pairs is an error
// naming it, in French then English.
func (l *List) PairTurns(pairs [][2]string) ([]PairTurn, error) {
	at := make(map[string]Entry, len(l.Entries))
	for _, e := range l.Entries {
		at[e.Intern] = e
	}
	linked := map[string]bool{}
	out := make([]PairTurn, 0, len(pairs))
	for _, pq := range pairs {
		a, okA := at[pq[0]]
		b, okB := at[pq[1]]
		switch {
		case !okA || !okB:
			missing := pq[0]
			if okA {
				missing = pq[1]
			}
			return nil, fmt.Errorf("binôme %s + %s : l'interne %s n'est pas dans la liste d'appel %s / binôme %s + %s: intern %s is not in call list %s",
				pq[0], pq[1], missing, l.ID, pq[0], pq[1], missing, l.ID)
		case pq[0] == pq[1] || linked[pq[0]] || linked[pq[1]]:
			return nil, fmt.Errorf("binôme %s + %s : un interne est déjà lié / binôme %s + %s: an intern is already linked", pq[0], pq[1], pq[0], pq[1])
		}
		linked[pq[0]], linked[pq[1]] = true, true
		if b.Rank < a.Rank {
			a, b = b, a
		}
		t := PairTurn{Interns: [2]string{a.Intern, b.Intern}, Ranks: [2]int{a.Rank, b.Rank}, ChoosesAt: b.Rank}
		if a.Absent || b.Absent {
			t.ChoosesAt = 0
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(x, y PairTurn) int {
		kx, ky := x.ChoosesAt, y.ChoosesAt
		if kx == 0 {
			kx = len(l.Entries) + x.Ranks[0]
		}
		if ky == 0 {
			ky = len(l.Entries) + y.Ranks[0]
		}
		return cmp.Compare(kx, ky)
	})
	return out, nil
}

// PairMark is how the call list marks an intern of a binôme: the partner
// and the rank at which the two choose together (0 when one of them is
// absent: each then chooses alone at its own rank).
type PairMark struct {
	Partner   string
	ChoosesAt int
}

// PairMarks returns the mark of each intern of the binômes of the list
// (PairTurns), by intern id. Pairs naming an intern missing from the list
// are left out rather than refused, as a reader may know of a binôme of
// another version of the list; a pair repeating an intern already marked
// is left out too.
func (l *List) PairMarks(pairs [][2]string) map[string]PairMark {
	in := make(map[string]bool, len(l.Entries))
	for _, e := range l.Entries {
		in[e.Intern] = true
	}
	var kept [][2]string
	used := map[string]bool{}
	for _, pq := range pairs {
		if !in[pq[0]] || !in[pq[1]] || pq[0] == pq[1] || used[pq[0]] || used[pq[1]] {
			continue
		}
		used[pq[0]], used[pq[1]] = true, true
		kept = append(kept, pq)
	}
	turns, err := l.PairTurns(kept)
	if err != nil { // cannot happen: kept holds valid, disjoint pairs of the list
		return nil
	}
	out := make(map[string]PairMark, 2*len(turns))
	for _, t := range turns {
		out[t.Interns[0]] = PairMark{Partner: t.Interns[1], ChoosesAt: t.ChoosesAt}
		out[t.Interns[1]] = PairMark{Partner: t.Interns[0], ChoosesAt: t.ChoosesAt}
	}
	return out
}
