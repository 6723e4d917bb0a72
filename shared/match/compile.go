package match

import (
	"fmt"
	"math"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// NoPoste is the value of a Matching entry for an unmatched intern.
const NoPoste int32 = -1

// Matching is an index-based outcome: Matching[i] is the index of the poste of intern i in
// its Compiled instance, or NoPoste.
type Matching []int32

// Compiled is a validated instance turned into dense integer indices, ready to be run any
// number of times: interns and postes are numbered in the order of the instance, wish lists
// and rankings are flat arrays, and the rank of each intern at each poste of its wish list is
// precomputed. Memory is proportional to the total length of the lists. A Compiled is
// read-only once built and safe for concurrent use.
type Compiled struct {
	procedure Procedure
	posteIDs  []string
	internIDs []string
	posteIdx  *idTable
	internIdx *idTable
	capacity  []int32
	// Wish list of intern i: wishPoste[wishStart[i]:wishStart[i+1]], best first, with
	// wishRank[k] the rank of intern i in the ranking of poste wishPoste[k] (0 is best),
	// or -1 when that poste did not rank it (always -1 in a choix au rang).
	wishStart []int32
	wishPoste []int32
	wishRank  []int32
	// Ranking of poste p: rankIntern[rankStart[p]:rankStart[p+1]], best first.
	rankStart  []int32
	rankIntern []int32
	// callOrder lists intern indices in call-list order (choix au rang only).
	callOrder []int32
	// binomes indexes the linked pairs of a choix au rang (nil: none).
	binomes *binomeIndex
	// tieBreak is the draw seed of an instance with ties; wishLevel and rankLevel, parallel
	// to wishPoste and rankIntern, hold the ranks given (equal for ex aequo), nil without ties.
	tieBreak  string
	wishLevel []int32
	rankLevel []int32
}

// Compile validates an instance (with the same rules as DecodeInstance, but without line
// numbers) and indexes it for repeated runs. An instance with ties is compiled as the strict
// instance of its draw (BreakTies), the ranks given kept for WishLevel and RankLevel.
func Compile(inst *Instance) (*Compiled, error) {
	el := &errList{}
	c := compile(inst, noPositions(), el)
	if err := el.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkID reports an id that is empty, too long or holds control characters.
func checkID(el *errList, off int, what string, index int, id string) bool {
	switch {
	case id == "":
		el.add(off, "%s #%d: empty id", what, index+1)
	case len(id) > MaxIDBytes:
		el.add(off, "%s %s: id longer than %d bytes", what, quoteID(id), MaxIDBytes)
	case !utf8.ValidString(id) || hasBadRune(id):
		el.add(off, "%s %s: id holds invalid or control characters", what, quoteID(id))
	default:
		return true
	}
	return false
}

func hasBadRune(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return true
		}
	}
	return false
}

// compile validates inst, recording problems in el with the positions of pos, and returns the compiled instance, or nil when there was any problem.
func compile(inst *Instance, pos *positions, el *errList) *Compiled {
	proc := inst.EffectiveProcedure()
	if proc != ProcedureAppariement && proc != ProcedureChoixAuRang {
		el.add(pos.procedure, "unknown procedure %q (want %q or %q)",
			inst.Procedure, ProcedureAppariement, ProcedureChoixAuRang)
	}
	np, ni := len(inst.Postes), len(inst.Interns)
	c := &Compiled{
		procedure: proc,
		posteIDs:  make([]string, np),
		internIDs: make([]string, ni),
		posteIdx:  newIDTable(np),
		internIdx: newIDTable(ni),
		capacity:  make([]int32, np),
	}

	// Postes.
	for i, ps := range inst.Postes {
		c.posteIDs[i] = ps.ID
		if checkID(el, pos.ofPoste(i), "poste", i, ps.ID) {
			if first, added := addID(c.posteIdx, ps.ID, keyOf(ps.ID), int32(i)); !added {
				el.add(pos.ofPoste(i), "poste %s: duplicate poste id%s", quoteID(ps.ID), firstAt(el, pos.ofPoste(int(first))))
			}
		}
		if ps.Capacity < 1 || ps.Capacity > MaxCapacity {
			el.add(pos.ofCapacity(i), "poste %s: capacity %d out of range (1 to %d)", quoteID(ps.ID), ps.Capacity, MaxCapacity)
		}
		c.capacity[i] = int32(max(0, min(ps.Capacity, MaxCapacity)))
	}

	// Interns.
	for i, in := range inst.Interns {
		c.internIDs[i] = in.ID
		if checkID(el, pos.ofIntern(i), "intern", i, in.ID) {
			if first, added := addID(c.internIdx, in.ID, keyOf(in.ID), int32(i)); !added {
				el.add(pos.ofIntern(i), "intern %s: duplicate intern id%s", quoteID(in.ID), firstAt(el, pos.ofIntern(int(first))))
			}
		}
	}

	// Wish lists. stamp[p] == i+1 when poste p is already on intern i's list.
	total := 0
	for _, in := range inst.Interns {
		total += len(in.Wishes)
	}
	c.wishStart = make([]int32, ni+1)
	c.wishPoste = make([]int32, 0, total)
	stamp := make([]int32, np)
	for i, in := range inst.Interns {
		c.wishStart[i] = int32(len(c.wishPoste))
		for j, w := range in.Wishes {
			p, ok := c.posteIdx.lookup(w)
			switch {
			case !ok:
				el.add(pos.ofWish(i, j), "intern %s: wish %s: unknown poste", quoteID(in.ID), quoteID(w))
			case stamp[p] == int32(i)+1:
				el.add(pos.ofWish(i, j), "intern %s: wish %s: poste listed twice", quoteID(in.ID), quoteID(w))
			default:
				stamp[p] = int32(i) + 1
				c.wishPoste = append(c.wishPoste, p)
			}
		}
	}
	c.wishStart[ni] = int32(len(c.wishPoste))

	// Rankings (appariement) or call list (choix au rang).
	switch proc {
	case ProcedureAppariement:
		c.compileRankings(inst, pos, el)
		if len(inst.CallList) > 0 {
			el.add(pos.callListKey, "a call_list is given but the procedure is %q (a call list belongs to %q)",
				ProcedureAppariement, ProcedureChoixAuRang)
		}
	case ProcedureChoixAuRang:
		if len(inst.Rankings) > 0 {
			el.add(pos.rankingsKey, "rankings are given but the procedure is %q, which has none (ranking of poste %s)",
				ProcedureChoixAuRang, quoteID(inst.Rankings[0].Poste))
		}
		c.compileCallList(inst, pos, el)
	}
	c.compileBinomes(inst, pos, el)
	tied := checkTies(inst, pos, el)
	if !el.empty() {
		return nil
	}
	if tied {
		c.breakTies(inst)
	}
	c.rankWishes(nil)
	return c
}

// firstAt says where the first occurrence of a duplicate was, when that is known.
func firstAt(el *errList, off int) string {
	if off < 0 || el.data == nil {
		return ""
	}
	line, _ := el.position(off)
	return fmt.Sprintf(" (first at line %d)", line)
}

func (c *Compiled) compileRankings(inst *Instance, pos *positions, el *errList) {
	np, ni := len(c.posteIDs), len(c.internIDs)
	rankingOf := make([]int32, np) // index+1 of the ranking of each poste, 0 if none
	for k, rk := range inst.Rankings {
		p, ok := c.posteIdx.lookup(rk.Poste)
		switch {
		case !ok:
			el.add(pos.ofRanking(k), "ranking of poste %s: unknown poste", quoteID(rk.Poste))
		case rankingOf[p] != 0:
			el.add(pos.ofRanking(k), "ranking of poste %s: second ranking for this poste%s",
				quoteID(rk.Poste), firstAt(el, pos.ofRanking(int(rankingOf[p]-1))))
		default:
			rankingOf[p] = int32(k) + 1
		}
	}
	// Each poste's ranking is laid out at rankStart[p] in one flat array.
	c.rankStart = make([]int32, np+1)
	for p, k := range rankingOf {
		n := 0
		if k != 0 {
			n = len(inst.Rankings[k-1].Ranking)
		}
		c.rankStart[p+1] = c.rankStart[p] + int32(n)
	}
	c.rankIntern = make([]int32, c.rankStart[np])
	stamp := make([]int32, ni) // stamp[i] == k+1 when intern i is already in ranking k
	for k, rk := range inst.Rankings {
		p, ok := c.posteIdx.lookup(rk.Poste)
		kept := ok && rankingOf[p] == int32(k)+1
		w := c.rankStart[p]
		for j, id := range rk.Ranking {
			i, ok := c.internIdx.lookup(id)
			switch {
			case !ok:
				el.add(pos.ofRankEntry(k, j), "ranking of poste %s: intern %s: unknown intern", quoteID(rk.Poste), quoteID(id))
			case stamp[i] == int32(k)+1:
				el.add(pos.ofRankEntry(k, j), "ranking of poste %s: intern %s: ranked twice", quoteID(rk.Poste), quoteID(id))
			default:
				stamp[i] = int32(k) + 1
				if kept { // with any error above, the instance is refused: no gap remains
					c.rankIntern[w] = i
					w++
				}
			}
		}
	}
}

func (c *Compiled) compileCallList(inst *Instance, pos *positions, el *errList) {
	ni := len(c.internIDs)
	c.rankStart = make([]int32, len(c.posteIDs)+1)
	if inst.CallList == nil && ni > 0 {
		el.add(pos.callListKey, "procedure %q needs a call_list naming every intern", ProcedureChoixAuRang)
		return
	}
	called := make([]bool, ni)
	c.callOrder = make([]int32, 0, ni)
	for j, id := range inst.CallList {
		i, ok := c.internIdx.lookup(id)
		switch {
		case !ok:
			el.add(pos.ofCall(j), "call_list: intern %s: unknown intern", quoteID(id))
		case called[i]:
			el.add(pos.ofCall(j), "call_list: intern %s: called twice", quoteID(id))
		default:
			called[i] = true
			c.callOrder = append(c.callOrder, i)
		}
	}
	for i, ok := range called {
		if idx, known := c.internIdx.lookup(c.internIDs[i]); !ok && known && idx == int32(i) {
			el.add(pos.ofIntern(i), "intern %s: missing from the call_list", quoteID(c.internIDs[i]))
		}
	}
}

// rankWishes fills wishRank: for each wish of each intern, the intern's rank at that poste.
// It groups ranking entries by intern (counting sort), then for each intern marks the postes
// that ranked it in a scratch array indexed by poste: linear time, no matrix.
// byStart, when not nil, holds in byStart[i+1] the number of ranking entries of intern i, as
// the decoder counts them while it reads the rankings; it is computed otherwise.
func (c *Compiled) rankWishes(byStart []int32) {
	np, ni := len(c.posteIDs), len(c.internIDs)
	c.wishRank = make([]int32, len(c.wishPoste))
	for k := range c.wishRank {
		c.wishRank[k] = -1
	}
	if len(c.rankIntern) == 0 {
		return
	}
	if byStart == nil {
		byStart = make([]int32, ni+1) // entries of intern i: by[byStart[i]:byStart[i+1]]
		for _, i := range c.rankIntern {
			byStart[i+1]++
		}
	}
	for i := range ni {
		byStart[i+1] += byStart[i]
	}
	// Entry e of intern i: poste e>>shift ranked it at rank e&(1<<shift-1); packing both in
	// one word halves the scattered writes, the cost of this step, and one 32-bit word is
	// enough for a national instance (20,000 postes with rankings of a few hundred).
	longest := int32(0)
	for p := range np {
		longest = max(longest, c.rankStart[p+1]-c.rankStart[p])
	}
	shift := bits.Len32(uint32(longest))
	if uint64(np)<<shift <= math.MaxUint32 {
		transposeRanks[uint32](c, byStart, shift)
	} else {
		transposeRanks[uint64](c, byStart, shift)
	}
}

// transposeRanks is the body of rankWishes, with entries of type W.
func transposeRanks[W uint32 | uint64](c *Compiled, byStart []int32, shift int) {
	np, ni := len(c.posteIDs), len(c.internIDs)
	fill := append([]int32(nil), byStart[:ni]...)
	by := make([]W, len(c.rankIntern))
	for p := range np {
		for r, i := range c.rankIntern[c.rankStart[p]:c.rankStart[p+1]] {
			by[fill[i]] = W(p)<<shift | W(r)
			fill[i]++
		}
	}
	mask := W(1)<<shift - 1
	// rank[p] is i+1 in its high half when poste p ranked intern i, at the rank in its low
	// half: one write per entry.
	rank := make([]uint64, np)
	for i := range ni {
		tag := uint64(i+1) << 32
		for _, e := range by[byStart[i]:byStart[i+1]] {
			rank[e>>shift] = tag | uint64(e&mask)
		}
		for k := c.wishStart[i]; k < c.wishStart[i+1]; k++ {
			if r := rank[c.wishPoste[k]]; r&^(1<<32-1) == tag {
				c.wishRank[k] = int32(uint32(r))
			}
		}
	}
}

// Procedure returns the instance's procedure.
func (c *Compiled) Procedure() Procedure { return c.procedure }

// NumInterns returns the number of interns; they are numbered 0 to NumInterns()-1 in the
// order of the instance.
func (c *Compiled) NumInterns() int { return len(c.internIDs) }

// NumPostes returns the number of postes; they are numbered 0 to NumPostes()-1 in the order
// of the instance.
func (c *Compiled) NumPostes() int { return len(c.posteIDs) }

// InternID returns the id of intern i.
func (c *Compiled) InternID(i int) string { return c.internIDs[i] }

// PosteID returns the id of poste p.
func (c *Compiled) PosteID(p int) string { return c.posteIDs[p] }

// InternIndex returns the index of the intern with the given id.
func (c *Compiled) InternIndex(id string) (int, bool) {
	i, ok := c.internIdx.lookup(id)
	return int(i), ok
}

// PosteIndex returns the index of the poste with the given id.
func (c *Compiled) PosteIndex(id string) (int, bool) {
	p, ok := c.posteIdx.lookup(id)
	return int(p), ok
}

// Capacity returns the number of places of poste p.
func (c *Compiled) Capacity(p int) int { return int(c.capacity[p]) }

// Result turns an index-based matching into the exchange form, in canonical order.
func (c *Compiled) Result(m Matching) Result {
	res := Result{Assignments: []Assignment{}, Unmatched: []string{}}
	for i, p := range m {
		if p == NoPoste {
			res.Unmatched = append(res.Unmatched, c.internIDs[i])
		} else {
			res.Assignments = append(res.Assignments, Assignment{Intern: c.internIDs[i], Poste: c.posteIDs[p]})
		}
	}
	res.Normalize()
	return res
}
