package match

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeResult decodes a result in the JSON exchange format. Unknown fields and trailing
// data are rejected; syntax and type errors name the line. The ids themselves are checked
// against an instance by Check.
func DecodeResult(data []byte) (Result, error) {
	if res, ok := fastResult(data); ok {
		return res, nil
	}
	var res Result
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&res)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("unexpected data after the result")
		}
	}
	if err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := lineCol(data, int(se.Offset)-1)
			return Result{}, fmt.Errorf("result line %d column %d: invalid JSON: %w", line, col, err)
		case errors.As(err, &te):
			line, _ := lineCol(data, int(te.Offset)-1)
			return Result{}, fmt.Errorf("result line %d: %w", line, err)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return Result{}, errors.New("result: invalid JSON: unexpected end of input")
		}
		return Result{}, fmt.Errorf("result: %w", err)
	}
	if res.Assignments == nil {
		res.Assignments = []Assignment{}
	}
	if res.Unmatched == nil {
		res.Unmatched = []string{}
	}
	return res, nil
}

// lineCol returns the 1-based line and character column of byte offset off of data.
func lineCol(data []byte, off int) (int, int) {
	l := &errList{data: data}
	return l.position(max(off, 0))
}

// resultErrs collects the problems of a result, up to MaxErrors.
type resultErrs struct {
	errs []error
	full bool
}

func (r *resultErrs) add(format string, args ...any) {
	if len(r.errs) == MaxErrors {
		r.full = true
		return
	}
	r.errs = append(r.errs, fmt.Errorf("result: "+format, args...))
}

func (r *resultErrs) err() error {
	if r.full {
		return errors.Join(append(r.errs, fmt.Errorf("too many errors: stopped after %d", MaxErrors))...)
	}
	return errors.Join(r.errs...)
}

// Check proves that res is the valid outcome of inst, or says why not, naming the ids:
//
//   - every intern of the instance appears exactly once, assigned or unmatched, and no
//     unknown intern or poste appears;
//   - no poste holds more interns than its capacity;
//   - every assignment is acceptable: the poste is on the intern's wish list and, in an
//     appariement, the poste ranked the intern;
//   - appariement: no blocking pair (an intern and a poste that ranked it, which the intern
//     prefers to its assignment, and which has a free place or holds an intern it ranked
//     lower), and the matching is the intern-optimal one, that of deferred acceptance;
//   - choix au rang: no intern got a poste (or nothing) while a poste it preferred still had a
//     free place at its turn in the call list, which makes the result that of serial
//     dictatorship; with binomes, each pair got the first pair of its joint list with free
//     places at the later of its two turns or, when none had, each member the first free
//     poste of its own list at that turn (the member called first choosing first).
//
// With ties, all of this is about the strict instance that the instance's published draw
// gives (BreakTies), recomputed from its TieBreak: a result of another draw is refused
// whenever it differs. CheckWeak says what holds of the orders as given.
func Check(inst *Instance, res Result) error {
	c, err := Compile(inst)
	if err != nil {
		return fmt.Errorf("checking result: invalid instance: %w", err)
	}
	return c.Check(res)
}

// Check proves that res is the valid outcome of the compiled instance (see Check).
func (c *Compiled) Check(res Result) error {
	var re resultErrs
	m, wishPos := c.matchingOf(res, &re)
	if len(re.errs) > 0 {
		return re.err()
	}
	switch c.procedure {
	case ProcedureChoixAuRang:
		if c.binomes != nil {
			c.checkBinomes(m, &re)
			break
		}
		c.checkSerial(m, wishPos, &re)
	default:
		c.checkStable(m, wishPos, &re)
		if len(re.errs) == 0 {
			c.checkOptimal(m, &re)
		}
	}
	return re.err()
}

// describeOutcome says what an intern got, for an error message.
func (c *Compiled) describeOutcome(p int32) string {
	if p == NoPoste {
		return "nothing"
	}
	return "poste " + quoteID(c.posteIDs[p])
}

// matchingOf checks the structure of res (coverage, ids, capacities, acceptability) and
// returns it as a Matching with, for each intern, the position of its poste in wishPoste
// (wishStart[i+1] when unmatched).
func (c *Compiled) matchingOf(res Result, re *resultErrs) (Matching, []int32) {
	ni := len(c.internIDs)
	m := make(Matching, ni)
	seen := make([]bool, ni)
	place := func(id string, p int32) {
		i, ok := c.internIdx.lookup(id)
		switch {
		case !ok:
			re.add("unknown intern %s", quoteID(id))
		case seen[i]:
			re.add("intern %s appears more than once", quoteID(id))
		default:
			seen[i] = true
			m[i] = p
		}
	}
	for _, a := range res.Assignments {
		p, ok := c.posteIdx.lookup(a.Poste)
		if !ok {
			re.add("intern %s: assigned to unknown poste %s", quoteID(a.Intern), quoteID(a.Poste))
			continue
		}
		place(a.Intern, p)
	}
	for _, id := range res.Unmatched {
		place(id, NoPoste)
	}
	for i, ok := range seen {
		if !ok {
			re.add("intern %s is missing (neither assigned nor unmatched)", quoteID(c.internIDs[i]))
		}
	}
	if len(re.errs) > 0 {
		return nil, nil
	}
	count := make([]int32, len(c.posteIDs))
	wishPos := make([]int32, ni)
	for i, p := range m {
		end := c.wishStart[i+1]
		wishPos[i] = end
		if p == NoPoste {
			continue
		}
		count[p]++
		for k := c.wishStart[i]; k < end; k++ {
			if c.wishPoste[k] == p {
				wishPos[i] = k
				break
			}
		}
		switch {
		case wishPos[i] == end && c.inJointList(i, p):
			// a binome's poste from its joint list: checkBinomes proves it
		case wishPos[i] == end:
			re.add("intern %s: assigned to poste %s, which is not on its wish list", quoteID(c.internIDs[i]), quoteID(c.posteIDs[p]))
		case c.procedure == ProcedureAppariement && c.wishRank[wishPos[i]] < 0:
			re.add("intern %s: assigned to poste %s, which did not rank it", quoteID(c.internIDs[i]), quoteID(c.posteIDs[p]))
		}
	}
	for p, n := range count {
		if n > c.capacity[p] {
			re.add("poste %s: %d interns assigned, over its capacity of %d", quoteID(c.posteIDs[p]), n, c.capacity[p])
		}
	}
	return m, wishPos
}

// checkStable reports the blocking pairs of an acceptable matching within capacities.
func (c *Compiled) checkStable(m Matching, wishPos []int32, re *resultErrs) {
	np := len(c.posteIDs)
	count := make([]int32, np)
	worst := make([]int32, np) // worst rank held by each poste
	for i, p := range m {
		if p != NoPoste {
			count[p]++
			worst[p] = max(worst[p], c.wishRank[wishPos[i]])
		}
	}
	for i := range m {
		for k := c.wishStart[i]; k < wishPos[i]; k++ {
			r, p := c.wishRank[k], c.wishPoste[k]
			switch {
			case r < 0:
				continue
			case count[p] < c.capacity[p]:
				re.add("blocking pair: intern %s prefers poste %s to %s, and the poste ranked it and has a free place",
					quoteID(c.internIDs[i]), quoteID(c.posteIDs[p]), c.describeOutcome(m[i]))
			case worst[p] > r:
				held := c.rankIntern[c.rankStart[p]+worst[p]]
				re.add("blocking pair: intern %s prefers poste %s to %s, and the poste ranked it (rank %d) above intern %s (rank %d) whom it holds",
					quoteID(c.internIDs[i]), quoteID(c.posteIDs[p]), c.describeOutcome(m[i]), r+1, quoteID(c.internIDs[held]), worst[p]+1)
			default:
				continue
			}
			break // one blocking pair per intern is enough
		}
	}
}

// checkOptimal reports where a stable matching differs from the intern-optimal one.
func (c *Compiled) checkOptimal(m Matching, re *resultErrs) {
	da := c.DeferredAcceptance()
	for i := range m {
		if m[i] != da[i] {
			re.add("intern %s: got %s, but the intern-optimal stable matching (deferred acceptance) gives it %s",
				quoteID(c.internIDs[i]), c.describeOutcome(m[i]), c.describeOutcome(da[i]))
		}
	}
}

// checkSerial replays the call list against m and reports every intern who got a poste (or
// nothing) while a poste it preferred still had a free place at its turn.
func (c *Compiled) checkSerial(m Matching, wishPos []int32, re *resultErrs) {
	left := append([]int32(nil), c.capacity...)
	for t, i := range c.callOrder {
		for k := c.wishStart[i]; k < wishPos[i]; k++ {
			q := c.wishPoste[k]
			if left[q] == 0 {
				continue
			}
			taken := ""
			for _, later := range c.callOrder[t+1:] {
				if m[later] == q {
					taken = fmt.Sprintf(" (a place later taken by intern %s)", quoteID(c.internIDs[later]))
					break
				}
			}
			re.add("intern %s (number %d in the call list): got %s, but preferred poste %s still had a free place at its turn%s",
				quoteID(c.internIDs[i]), t+1, c.describeOutcome(m[i]), quoteID(c.posteIDs[q]), taken)
			break
		}
		if p := m[i]; p != NoPoste {
			left[p]--
		}
	}
}
