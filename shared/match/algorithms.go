package match

import "fmt"

// DeferredAcceptance runs intern-proposing deferred acceptance (Gale–Shapley, many-to-one
// with capacities) and returns the intern-optimal stable matching.
//
// Interns are taken from a stack of free interns; each proposes to the next poste of its
// wish list that ranked it. A poste holds its best proposers up to its capacity in a max-heap
// of ranks, so that the worst held intern is found in constant time and replaced in
// O(log capacity); a rejected or displaced intern goes back to the stack and resumes at its
// next wish. Each intern proposes at most once to each poste of its list, so the run takes
// O(L log C) time for L the total length of the wish lists and C the largest capacity. The
// order in which free interns are taken does not change the outcome.
func (c *Compiled) DeferredAcceptance() Matching {
	ni, np := len(c.internIDs), len(c.posteIDs)
	m := make(Matching, ni)
	// Heap of poste p: held ranks heap[heapStart[p]:heapStart[p]+heapLen[p]], worst first.
	// A poste can never hold more interns than it has places or ranked candidates.
	heapStart := make([]int32, np+1)
	for p := range np {
		size := min(c.capacity[p], c.rankStart[p+1]-c.rankStart[p])
		heapStart[p+1] = heapStart[p] + size
	}
	heap := make([]int32, heapStart[np])
	heapLen := make([]int32, np)
	next := make([]int32, ni) // position of each intern's next proposal in wishPoste
	free := make([]int32, ni) // stack of free interns, intern 0 on top
	for i := range ni {
		m[i] = NoPoste
		next[i] = c.wishStart[i]
		free[i] = int32(ni - 1 - i)
	}
	for len(free) > 0 {
		i := free[len(free)-1]
		free = free[:len(free)-1]
		end := c.wishStart[i+1]
		for k := next[i]; k < end; k++ {
			r := c.wishRank[k]
			if r < 0 {
				continue // the poste did not rank this intern: unacceptable
			}
			p := c.wishPoste[k]
			h := heap[heapStart[p]:heapStart[p+1]]
			n := heapLen[p]
			if n < int32(len(h)) {
				heapLen[p] = n + 1
				siftUp(h, n, r)
			} else if h[0] > r {
				worst := c.rankIntern[c.rankStart[p]+h[0]]
				m[worst] = NoPoste
				free = append(free, worst)
				siftDown(h, r)
			} else {
				continue // the poste prefers all the interns it holds
			}
			m[i] = p
			next[i] = k + 1
			break
		}
	}
	return m
}

// siftUp inserts rank r at position n of the max-heap h[:n].
func siftUp(h []int32, n, r int32) {
	for n > 0 {
		parent := (n - 1) / 2
		if h[parent] >= r {
			break
		}
		h[n] = h[parent]
		n = parent
	}
	h[n] = r
}

// siftDown replaces the root of the full max-heap h with rank r.
func siftDown(h []int32, r int32) {
	n := int32(len(h))
	at := int32(0)
	for {
		child := 2*at + 1
		if child >= n {
			break
		}
		if child+1 < n && h[child+1] > h[child] {
			child++
		}
		if h[child] <= r {
			break
		}
		h[at] = h[child]
		at = child
	}
	h[at] = r
}

// SerialDictatorship runs the choix au rang: interns in call-list order each take the first
// poste of their wish list that still has a free place. It takes O(L) time for L the total
// length of the wish lists. Interns absent from the call list (every intern of an
// appariement instance, which has none) stay unmatched. With binomes, linked interns
// choose together at the later of their two turns (see Binome).
func (c *Compiled) SerialDictatorship() Matching {
	if c.binomes != nil {
		return c.serialWithBinomes()
	}
	m := make(Matching, len(c.internIDs))
	for i := range m {
		m[i] = NoPoste
	}
	left := append([]int32(nil), c.capacity...)
	for _, i := range c.callOrder {
		for k := c.wishStart[i]; k < c.wishStart[i+1]; k++ {
			if p := c.wishPoste[k]; left[p] > 0 {
				left[p]--
				m[i] = p
				break
			}
		}
	}
	return m
}

// Run runs the procedure of the instance: DeferredAcceptance for an appariement,
// SerialDictatorship for a choix au rang.
func (c *Compiled) Run() Matching {
	if c.procedure == ProcedureChoixAuRang {
		return c.SerialDictatorship()
	}
	return c.DeferredAcceptance()
}

// DeferredAcceptance validates an appariement instance and returns its intern-optimal stable
// matching (see Compiled.DeferredAcceptance).
func DeferredAcceptance(inst *Instance) (Result, error) {
	c, err := compileFor(inst, ProcedureAppariement)
	if err != nil {
		return Result{}, err
	}
	return c.Result(c.DeferredAcceptance()), nil
}

// SerialDictatorship validates a choix-au-rang instance and returns the outcome of the
// choices in call-list order (see Compiled.SerialDictatorship).
func SerialDictatorship(inst *Instance) (Result, error) {
	c, err := compileFor(inst, ProcedureChoixAuRang)
	if err != nil {
		return Result{}, err
	}
	return c.Result(c.SerialDictatorship()), nil
}

// Solve validates an instance and runs its procedure.
func Solve(inst *Instance) (Result, error) {
	c, err := Compile(inst)
	if err != nil {
		return Result{}, err
	}
	return c.Result(c.Run()), nil
}

func compileFor(inst *Instance, want Procedure) (*Compiled, error) {
	if got := inst.EffectiveProcedure(); got != want {
		return nil, fmt.Errorf("instance procedure is %q, not %q", got, want)
	}
	return Compile(inst)
}
