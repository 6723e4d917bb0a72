package match

import "fmt"

// binomeIndex is the compiled form of an instance's binomes.
type binomeIndex struct {
	// of[i] is the index of intern i's binome, or -1.
	of []int32
	// members[b] are the two interns of binome b, in the order of the instance.
	members [][2]int32
	// Joint list of binome b: pairs pairPoste[2*k], pairPoste[2*k+1] for k in
	// pairStart[b]:pairStart[b+1], the first for members[b][0].
	pairStart []int32
	pairPoste []int32
}

// compileBinomes validates the binomes of inst and indexes them.
func (c *Compiled) compileBinomes(inst *Instance, pos *positions, el *errList) {
	if len(inst.Binomes) == 0 {
		return
	}
	if c.procedure != ProcedureChoixAuRang {
		el.add(pos.binomesKey, "binomes are given but the procedure is %q (binomes belong to %q)",
			c.procedure, ProcedureChoixAuRang)
		return
	}
	ni := len(c.internIDs)
	bi := &binomeIndex{of: make([]int32, ni), pairStart: make([]int32, 1, len(inst.Binomes)+1)}
	for i := range bi.of {
		bi.of[i] = -1
	}
	for k, b := range inst.Binomes {
		var mem [2]int32
		ok := true
		for s, id := range b.Interns {
			i, known := c.internIdx.lookup(id)
			switch {
			case !known:
				el.add(pos.ofBinome(k), "binome %s+%s: intern %s: unknown intern", quoteID(b.Interns[0]), quoteID(b.Interns[1]), quoteID(id))
				ok = false
			case bi.of[i] >= 0:
				el.add(pos.ofBinome(k), "binome %s+%s: intern %s is already in another binome", quoteID(b.Interns[0]), quoteID(b.Interns[1]), quoteID(id))
				ok = false
			default:
				mem[s] = i
			}
		}
		if ok && mem[0] == mem[1] {
			el.add(pos.ofBinome(k), "binome %s+%s: an intern cannot be linked with itself", quoteID(b.Interns[0]), quoteID(b.Interns[1]))
			ok = false
		}
		if ok {
			bi.of[mem[0]], bi.of[mem[1]] = int32(len(bi.members)), int32(len(bi.members))
		}
		seen := map[[2]int32]bool{}
		for j, pair := range b.Pairs {
			var pp [2]int32
			good := true
			for s, id := range pair {
				p, known := c.posteIdx.lookup(id)
				if !known {
					el.add(pos.ofPair(k, j), "binome %s+%s: pair %s+%s: poste %s: unknown poste",
						quoteID(b.Interns[0]), quoteID(b.Interns[1]), quoteID(pair[0]), quoteID(pair[1]), quoteID(id))
					good = false
				}
				pp[s] = p
			}
			if good && seen[pp] {
				el.add(pos.ofPair(k, j), "binome %s+%s: pair %s+%s listed twice",
					quoteID(b.Interns[0]), quoteID(b.Interns[1]), quoteID(pair[0]), quoteID(pair[1]))
			}
			if good {
				seen[pp] = true
			}
			bi.pairPoste = append(bi.pairPoste, pp[0], pp[1])
		}
		bi.members = append(bi.members, mem)
		bi.pairStart = append(bi.pairStart, int32(len(bi.pairPoste)/2))
	}
	c.binomes = bi
}

// NumBinomes returns the number of binomes of the instance.
func (c *Compiled) NumBinomes() int {
	if c.binomes == nil {
		return 0
	}
	return len(c.binomes.members)
}

// Partner returns the index of the intern linked with intern i, or -1 when i is in no
// binome.
func (c *Compiled) Partner(i int) int {
	if c.binomes == nil || c.binomes.of[i] < 0 {
		return -1
	}
	mem := c.binomes.members[c.binomes.of[i]]
	if int(mem[0]) == i {
		return int(mem[1])
	}
	return int(mem[0])
}

// turns returns the position of each intern in the call list (-1 when absent from it).
func (c *Compiled) turns() []int32 {
	t := make([]int32, len(c.internIDs))
	for i := range t {
		t[i] = -1
	}
	for k, i := range c.callOrder {
		t[i] = int32(k)
	}
	return t
}

// pairTurn says what happens at position t of the call list, for intern i: solo (not in a
// binome, or its partner is absent from the call list), wait (its partner is called
// later: the pair chooses then), or the pair's turn, with first the member called first.
func (c *Compiled) pairTurn(turn []int32, i int32) (b, first, second int32, solo, wait bool) {
	if c.binomes == nil || c.binomes.of[i] < 0 {
		return -1, 0, 0, true, false
	}
	b = c.binomes.of[i]
	mem := c.binomes.members[b]
	j := mem[0]
	if j == i {
		j = mem[1]
	}
	switch {
	case turn[j] < 0:
		return b, 0, 0, true, false
	case turn[j] > turn[i]:
		return b, 0, 0, false, true
	}
	return b, j, i, false, false
}

// firstFreePair returns the position k (from pairStart[b]) of the first pair of binome b's
// joint list where both postes have a free place given left, or -1; the postes of the pair,
// for members[b][0] and members[b][1].
func (c *Compiled) firstFreePair(b int32, left []int32) (int32, int32, int32) {
	bi := c.binomes
	for k := bi.pairStart[b]; k < bi.pairStart[b+1]; k++ {
		p, q := bi.pairPoste[2*k], bi.pairPoste[2*k+1]
		if (p == q && left[p] >= 2) || (p != q && left[p] > 0 && left[q] > 0) {
			return k, p, q
		}
	}
	return -1, NoPoste, NoPoste
}

// pick gives intern i the first poste of its wish list with a free place, if any.
func (c *Compiled) pick(i int32, left []int32, m Matching) {
	for k := c.wishStart[i]; k < c.wishStart[i+1]; k++ {
		if p := c.wishPoste[k]; left[p] > 0 {
			left[p]--
			m[i] = p
			return
		}
	}
}

// serialWithBinomes is SerialDictatorship when the instance has binomes: an intern linked
// with one called later waits; at the later turn the pair takes the first pair of its joint
// list where both postes have a free place or, when none has, the member called first then
// the other pick from their own lists.
func (c *Compiled) serialWithBinomes() Matching {
	m := make(Matching, len(c.internIDs))
	for i := range m {
		m[i] = NoPoste
	}
	left := append([]int32(nil), c.capacity...)
	turn := c.turns()
	for _, i := range c.callOrder {
		b, first, second, solo, wait := c.pairTurn(turn, i)
		switch {
		case solo:
			c.pick(i, left, m)
		case wait:
		default:
			if k, p, q := c.firstFreePair(b, left); k >= 0 {
				mem := c.binomes.members[b]
				left[p]--
				left[q]--
				m[mem[0]], m[mem[1]] = p, q
				continue
			}
			c.pick(first, left, m)
			c.pick(second, left, m)
		}
	}
	return m
}

// checkBinomes replays the call list of an instance with binomes against m (already
// checked for coverage, ids and capacities) and reports every intern whose outcome is not
// the one of the pair rule: a solo intern who got a poste (or nothing) while a preferred one
// still had a free place at its turn, a pair that did not get the first free pair of its
// joint list, a member that fell back on a poste other than the first free one of its list.
func (c *Compiled) checkBinomes(m Matching, re *resultErrs) {
	left := append([]int32(nil), c.capacity...)
	turn := c.turns()
	expect := func(t int, i, want int32, why string) {
		if m[i] != want {
			re.add("intern %s (number %d in the call list): got %s, but %s gives it %s",
				quoteID(c.internIDs[i]), t+1, c.describeOutcome(m[i]), why, c.describeOutcome(want))
		}
	}
	firstFree := func(i int32) int32 {
		for k := c.wishStart[i]; k < c.wishStart[i+1]; k++ {
			if p := c.wishPoste[k]; left[p] > 0 {
				return p
			}
		}
		return NoPoste
	}
	take := func(i int32) {
		if p := m[i]; p != NoPoste {
			left[p]--
		}
	}
	for t, i := range c.callOrder {
		b, first, second, solo, wait := c.pairTurn(turn, i)
		switch {
		case solo:
			expect(t, i, firstFree(i), "its first wish with a free place at its turn")
			take(i)
		case wait:
		default:
			mem := c.binomes.members[b]
			partner := fmt.Sprintf("the binome with intern %s", quoteID(c.internIDs[first]))
			if k, p, q := c.firstFreePair(b, left); k >= 0 {
				why := fmt.Sprintf("%s (pair %d of its joint list, the first with free places)", partner, k-c.binomes.pairStart[b]+1)
				expect(t, mem[0], p, why)
				expect(t, mem[1], q, why)
				take(mem[0])
				take(mem[1])
				continue
			}
			expect(t, first, firstFree(first), "falling back on its own list (no pair of the binome's joint list had free places)")
			take(first)
			expect(t, second, firstFree(second), "falling back on its own list after its partner (no pair of the binome's joint list had free places)")
			take(second)
		}
	}
}

// JointPairs returns the joint list of the binome of intern i, as (poste of i, poste of its
// partner) index pairs, best first; nil when i is in no binome.
func (c *Compiled) JointPairs(i int) [][2]int {
	if c.binomes == nil || c.binomes.of[i] < 0 {
		return nil
	}
	b := c.binomes.of[i]
	swap := int(c.binomes.members[b][0]) != i
	var out [][2]int
	for k := c.binomes.pairStart[b]; k < c.binomes.pairStart[b+1]; k++ {
		p, q := int(c.binomes.pairPoste[2*k]), int(c.binomes.pairPoste[2*k+1])
		if swap {
			p, q = q, p
		}
		out = append(out, [2]int{p, q})
	}
	return out
}

// inJointList reports whether poste p is intern i's side of a pair of its binome's joint
// list.
func (c *Compiled) inJointList(i int, p int32) bool {
	for _, pq := range c.JointPairs(i) {
		if int32(pq[0]) == p {
			return true
		}
	}
	return false
}
