package match

import (
	"bytes"
	"cmp"
	"slices"

	"appariement/shared/draw"
)

// Ties (ex aequo). A wish list or a ranking may carry ranks, with equal ranks for elements
// the intern or the RTS could not tell apart; the instance then carries the round's
// published draw seed, TieBreak. Every tie group is ordered by the draw, the same way for
// every list (single tie-breaking): candidates ranked ex aequo by draw.InternKey, postes
// listed ex aequo by draw.PosteKey, smallest key first, then by id should two keys be equal.
// The procedures and the checker run on that strict instance (BreakTies).

// hasTie reports whether ranks has two equal neighbours.
func hasTie(ranks []int) bool {
	for j := 1; j < len(ranks); j++ {
		if ranks[j] == ranks[j-1] {
			return true
		}
	}
	return false
}

// HasTies reports whether some wish list or ranking of inst has elements ex aequo.
func (inst *Instance) HasTies() bool {
	for _, in := range inst.Interns {
		if hasTie(in.Ranks) {
			return true
		}
	}
	for _, rk := range inst.Rankings {
		if hasTie(rk.Ranks) {
			return true
		}
	}
	return false
}

// checkTies validates the ranks of every list and the tie_break, recording problems in el
// with the positions of pos, and reports whether the instance has a tie.
func checkTies(inst *Instance, pos *positions, el *errList) bool {
	tied := false
	var tieWhat string
	tieOff := -1
	firstTie := func(what string, off int) {
		if !tied {
			tied, tieWhat, tieOff = true, what, off
		}
	}
	for i, in := range inst.Interns {
		if len(in.Ranks) == 0 {
			continue // strict: nothing to check (and no message to build)
		}
		what := "intern " + quoteID(in.ID)
		if t := checkRanks(el, pos, "wishes", i, what, "wishes", in.Wishes, in.Ranks); t >= 0 {
			firstTie(what+": wish "+quoteID(in.Wishes[t]), pos.ofRank("wishes", i, t))
		}
	}
	for k, rk := range inst.Rankings {
		if len(rk.Ranks) == 0 {
			continue
		}
		what := "ranking of poste " + quoteID(rk.Poste)
		if t := checkRanks(el, pos, "rankings", k, what, "entries", rk.Ranking, rk.Ranks); t >= 0 {
			firstTie(what+": intern "+quoteID(rk.Ranking[t]), pos.ofRank("rankings", k, t))
		}
	}
	switch {
	case inst.TieBreak != "":
		if err := draw.CheckSeed(inst.TieBreak); err != nil {
			el.add(pos.tieBreak, "tie_break: %v", err)
		}
	case tied:
		el.add(tieOff, "%s: ex aequo sans tirage au sort : le champ \"tie_break\" (graine publiée du tour) est requis / tied (ex aequo) without a draw: the \"tie_break\" field (the round's published seed) is required", tieWhat)
	}
	return tied
}

// checkRanks validates the ranks of one list (the wishes of intern i, or ranking i) and
// returns the index of its first element tied with the previous one, or -1.
func checkRanks(el *errList, pos *positions, list string, i int, what, elems string, ids []string, ranks []int) int {
	if len(ranks) == 0 {
		return -1
	}
	if len(ranks) != len(ids) {
		el.add(pos.ofRanks(list, i), "%s: %d rangs pour %d éléments, il en faut autant / %d ranks for %d %s: there must be as many",
			what, len(ranks), len(ids), len(ranks), len(ids), elems)
		return -1
	}
	tie := -1
	for j, r := range ranks {
		if j == 0 {
			if r != 1 {
				el.add(pos.ofRank(list, i, j), "%s: %s: premier rang %d, attendu 1 / first rank %d, expected 1",
					what, quoteID(ids[j]), r, r)
				return -1
			}
			continue
		}
		prev := ranks[j-1]
		if r != prev && r != prev+1 {
			el.add(pos.ofRank(list, i, j), "%s: %s: rang %d après %d, attendu %d (ex aequo) ou %d / rank %d after %d, expected %d (ex aequo) or %d",
				what, quoteID(ids[j]), r, prev, prev, prev+1, r, prev, prev, prev+1)
			return -1
		}
		if r == prev && tie < 0 {
			tie = j
		}
	}
	return tie
}

// BreakTies returns the strict instance that the procedures run on: inst with each tie group
// of a wish list ordered by draw.PosteKey and each tie group of a ranking by
// draw.InternKey under inst.TieBreak, smallest key first, then by id, and every Ranks
// removed. An instance without ties is returned as it is. BreakTies validates the ranks and
// the tie_break (the other rules are Compile's); inst is not modified.
func BreakTies(inst *Instance) (*Instance, error) {
	el := &errList{}
	if !checkTies(inst, noPositions(), el) {
		if err := el.err(); err != nil {
			return nil, err
		}
		return inst, nil
	}
	if err := el.err(); err != nil {
		return nil, err
	}
	out := *inst
	out.Interns = slices.Clone(inst.Interns)
	posteKeys := map[string][32]byte{}
	for i := range out.Interns {
		in := &out.Interns[i]
		if hasTie(in.Ranks) {
			in.Wishes = slices.Clone(in.Wishes)
			orderGroups(in.Wishes, in.Ranks, func(id string) [32]byte {
				k, ok := posteKeys[id]
				if !ok {
					k = draw.PosteKey(inst.TieBreak, id)
					posteKeys[id] = k
				}
				return k
			})
		}
		in.Ranks = nil
	}
	if inst.Rankings != nil {
		out.Rankings = slices.Clone(inst.Rankings)
	}
	internKeys := map[string][32]byte{}
	for k := range out.Rankings {
		rk := &out.Rankings[k]
		if hasTie(rk.Ranks) {
			rk.Ranking = slices.Clone(rk.Ranking)
			orderGroups(rk.Ranking, rk.Ranks, func(id string) [32]byte {
				key, ok := internKeys[id]
				if !ok {
					key = draw.InternKey(inst.TieBreak, id)
					internKeys[id] = key
				}
				return key
			})
		}
		rk.Ranks = nil
	}
	return &out, nil
}

// orderGroups sorts each run of equal ranks of ids by key, then id.
func orderGroups(ids []string, ranks []int, key func(string) [32]byte) {
	for a := 0; a < len(ids); {
		b := a + 1
		for b < len(ids) && ranks[b] == ranks[a] {
			b++
		}
		if b-a > 1 {
			slices.SortFunc(ids[a:b], func(x, y string) int {
				kx, ky := key(x), key(y)
				return cmp.Or(bytes.Compare(kx[:], ky[:]), cmp.Compare(x, y))
			})
		}
		a = b
	}
}

// breakTies orders the tie groups of the compiled lists of inst (already validated, laid
// out in the order of inst) by the draw, as BreakTies does.
func (c *Compiled) breakTies(inst *Instance) {
	byPoste := make([][]int, len(c.posteIDs))
	for _, rk := range inst.Rankings {
		if p, ok := c.posteIdx.lookup(rk.Poste); ok {
			byPoste[p] = rk.Ranks
		}
	}
	c.orderTies(inst.TieBreak, func(i int) []int { return inst.Interns[i].Ranks },
		func(p int) []int { return byPoste[p] })
}

// orderTies orders the tie groups of the compiled lists by the draw of seed, given the ranks
// of the wishes of each intern i, wishRanks(i), and of the ranking of each poste p,
// rankRanks(p), each valid and parallel to its list or empty (strict). It records each
// element's rank in wishLevel and rankLevel, for the explanations of the "why not".
func (c *Compiled) orderTies(seed string, wishRanks, rankRanks func(int) []int) {
	c.tieBreak = seed
	posteKey := make([][32]byte, len(c.posteIDs))
	posteHas := make([]bool, len(c.posteIDs))
	internKey := make([][32]byte, len(c.internIDs))
	internHas := make([]bool, len(c.internIDs))
	c.wishLevel = make([]int32, len(c.wishPoste))
	for i := range c.internIDs {
		ranks := wishRanks(i)
		seg := c.wishPoste[c.wishStart[i]:c.wishStart[i+1]]
		levels(c.wishLevel[c.wishStart[i]:c.wishStart[i+1]], ranks)
		if !hasTie(ranks) {
			continue
		}
		orderIndexGroups(seg, ranks, func(q int32) ([32]byte, string) {
			if !posteHas[q] {
				posteKey[q], posteHas[q] = draw.PosteKey(seed, c.posteIDs[q]), true
			}
			return posteKey[q], c.posteIDs[q]
		})
	}
	c.rankLevel = make([]int32, len(c.rankIntern))
	for p := range c.posteIDs {
		ranks := rankRanks(p)
		seg := c.rankIntern[c.rankStart[p]:c.rankStart[p+1]]
		levels(c.rankLevel[c.rankStart[p]:c.rankStart[p+1]], ranks)
		if !hasTie(ranks) {
			continue
		}
		orderIndexGroups(seg, ranks, func(i int32) ([32]byte, string) {
			if !internHas[i] {
				internKey[i], internHas[i] = draw.InternKey(seed, c.internIDs[i]), true
			}
			return internKey[i], c.internIDs[i]
		})
	}
}

// levels sets lv to ranks, or to 1, 2, 3… when ranks is empty.
func levels(lv []int32, ranks []int) {
	for j := range lv {
		lv[j] = int32(j + 1)
		if len(ranks) > 0 {
			lv[j] = int32(ranks[j])
		}
	}
}

// orderIndexGroups sorts each run of equal ranks of idx by key, then id.
func orderIndexGroups(idx []int32, ranks []int, key func(int32) ([32]byte, string)) {
	for a := 0; a < len(idx); {
		b := a + 1
		for b < len(idx) && ranks[b] == ranks[a] {
			b++
		}
		if b-a > 1 {
			slices.SortFunc(idx[a:b], func(x, y int32) int {
				kx, ix := key(x)
				ky, iy := key(y)
				return cmp.Or(bytes.Compare(kx[:], ky[:]), cmp.Compare(ix, iy))
			})
		}
		a = b
	}
}

// TieBreak returns the draw seed that ordered the instance's ties, "" when it had none.
func (c *Compiled) TieBreak() string { return c.tieBreak }

// HasTies reports whether the instance had elements ex aequo, ordered by the draw.
func (c *Compiled) HasTies() bool { return c.wishLevel != nil }

// WishLevel returns the rank the intern gave, on its own list, to the wish at position k of
// its (broken) wish list, 1 for the first: equal for wishes it listed ex aequo.
func (c *Compiled) WishLevel(i, k int) int {
	if c.wishLevel == nil {
		return k + 1
	}
	return int(c.wishLevel[int(c.wishStart[i])+k])
}

// RankLevel returns the rank the RTS of poste p gave to the candidate at position r of its
// (broken) ranking, 1 for the first: equal for candidates it ranked ex aequo.
func (c *Compiled) RankLevel(p, r int) int {
	if c.rankLevel == nil {
		return r + 1
	}
	return int(c.rankLevel[int(c.rankStart[p])+r])
}
