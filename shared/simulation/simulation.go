// Package simulation computes the "simulation des choix" of a choix au rang: while the
// window is open, what each intern would get now with the wish lists submitted so far, and
// how contested each poste of its list is by the interns called before it.
//
// A Simulation is one run of the choices in call-list order on one instance (serial
// dictatorship, the outcome of match.SerialDictatorship). Built in O(L + P + N) for L the
// total length of the wish lists, P the postes and N the interns, it answers:
//
//   - per intern (Intern): its rank, the poste it would get, and for each poste of its list
//     how many interns ahead of it listed it, how many of them would take it, and whether
//     it is already out of reach;
//   - per rank (Amphi): the places still free when that rank's turn comes, the
//     "amphithéâtre virtuel";
//   - rank by rank (Steps): the choices as they would happen, to replay them live.
//
// The package is pure and deterministic: no clock, no I/O.
package simulation

import (
	"fmt"
	"iter"

	"appariement/shared/match"
)

// Simulation is the outcome of the choices in call-list order on one instance. It is
// read-only once built and safe for concurrent use.
type Simulation struct {
	c *match.Compiled
	// order lists intern indices in call-list order; rankOf[i] is intern i's position in it.
	order  []int32
	rankOf []int32
	// capacity[p] is the number of places of poste p.
	capacity []int32
	// Wish list of intern i: wishPoste[wishStart[i]:wishStart[i+1]], best first, with
	// demand[k] the number of interns ahead of i who listed wishPoste[k] and taken[k] the
	// number of them who took it.
	wishStart []int32
	wishPoste []int32
	demand    []int32
	taken     []int32
	// got[i] is the poste intern i would get, or match.NoPoste.
	got match.Matching
	// left[r] is the number of places left on the poste taken at call position r, after
	// that take; 0 when the intern takes nothing.
	left []int32
	// With binômes (nil without): turn[i] is the call position at which intern i chooses
	// (the later of its binôme's two), and partnerLeft[r] the places left on the poste of
	// the partner choosing at position r, after its take.
	turn        []int32
	partnerLeft []int32
}

// Run validates a choix-au-rang instance (see match.Compile) and simulates the choices in
// call-list order: each intern takes the first poste of its wish list that still has a free
// place. An intern whose wish list is empty (not submitted yet, or absent) takes nothing.
func Run(inst *match.Instance) (*Simulation, error) {
	if p := inst.EffectiveProcedure(); p != match.ProcedureChoixAuRang {
		return nil, fmt.Errorf("simulation: instance procedure is %q, not %q", p, match.ProcedureChoixAuRang)
	}
	c, err := match.Compile(inst)
	if err != nil {
		return nil, fmt.Errorf("simulation: %w", err)
	}
	ni, np := c.NumInterns(), c.NumPostes()
	s := &Simulation{
		c:         c,
		order:     make([]int32, ni),
		rankOf:    make([]int32, ni),
		capacity:  make([]int32, np),
		wishStart: make([]int32, ni+1),
		got:       make(match.Matching, ni),
		left:      make([]int32, ni),
	}
	for p := range np {
		s.capacity[p] = int32(c.Capacity(p))
	}
	// Compile checked every id, so the lookups below cannot fail.
	for r, id := range inst.CallList {
		i, _ := c.InternIndex(id)
		s.order[r], s.rankOf[i] = int32(i), int32(r)
	}
	for i, in := range inst.Interns {
		s.wishStart[i+1] = s.wishStart[i] + int32(len(in.Wishes))
	}
	s.wishPoste = make([]int32, s.wishStart[ni])
	for i, in := range inst.Interns {
		for j, id := range in.Wishes {
			p, _ := c.PosteIndex(id)
			s.wishPoste[int(s.wishStart[i])+j] = int32(p)
		}
	}
	if c.NumBinomes() > 0 {
		s.simulateBinomes()
	} else {
		s.simulate()
	}
	return s, nil
}

// simulate runs the choices in call order, recording for every wish the demand and takes
// of the interns ahead. A poste appears at most once in a wish list, so the counters of the
// interns ahead can be read and then bumped in one pass.
func (s *Simulation) simulate() {
	np := len(s.capacity)
	listed := make([]int32, np) // interns so far who listed poste p
	took := make([]int32, np)   // interns so far who took poste p
	s.demand = make([]int32, len(s.wishPoste))
	s.taken = make([]int32, len(s.wishPoste))
	for r, i := range s.order {
		got := match.NoPoste
		for k := s.wishStart[i]; k < s.wishStart[i+1]; k++ {
			p := s.wishPoste[k]
			s.demand[k], s.taken[k] = listed[p], took[p]
			listed[p]++
			if got == match.NoPoste && took[p] < s.capacity[p] {
				got = p
			}
		}
		s.got[i] = got
		if got != match.NoPoste {
			took[got]++
			s.left[r] = s.capacity[got] - took[got]
		}
	}
}

// simulateBinomes is simulate for an instance with binômes: the outcome is the compiled
// instance's (match.Compiled.SerialDictatorship, the pair rule), and the counters of each
// wish are those of the interns who choose at an earlier turn, a binôme choosing at the
// later of its two turns. The partner's take at a binôme's turn comes before the intern's.
func (s *Simulation) simulateBinomes() {
	np, ni := len(s.capacity), len(s.order)
	s.got = s.c.SerialDictatorship()
	s.turn = make([]int32, ni)
	s.partnerLeft = make([]int32, ni)
	for i := range ni {
		s.turn[i] = s.rankOf[i]
		if j := s.c.Partner(i); j >= 0 {
			s.turn[i] = max(s.rankOf[i], s.rankOf[j])
		}
	}
	listed := make([]int32, np)
	took := make([]int32, np)
	s.demand = make([]int32, len(s.wishPoste))
	s.taken = make([]int32, len(s.wishPoste))
	for r, i := range s.order {
		if s.turn[i] != int32(r) {
			continue // waits for its binôme
		}
		who := []int32{int32(i)}
		if j := s.c.Partner(int(i)); j >= 0 {
			who = []int32{int32(j), int32(i)}
		}
		for _, x := range who {
			for k := s.wishStart[x]; k < s.wishStart[x+1]; k++ {
				p := s.wishPoste[k]
				s.demand[k], s.taken[k] = listed[p], took[p]
			}
		}
		for n, x := range who {
			for k := s.wishStart[x]; k < s.wishStart[x+1]; k++ {
				listed[s.wishPoste[k]]++
			}
			if p := s.got[x]; p != match.NoPoste {
				took[p]++
				if n == len(who)-1 {
					s.left[r] = s.capacity[p] - took[p]
				} else {
					s.partnerLeft[r] = s.capacity[p] - took[p]
				}
			}
		}
	}
}

// Len returns the number of interns, that is the number of ranks of the call list.
func (s *Simulation) Len() int { return len(s.order) }

// Matching returns, for every intern in the order of the instance, the index of the poste
// it would get, or match.NoPoste: the same as the compiled instance's SerialDictatorship.
func (s *Simulation) Matching() match.Matching { return append(match.Matching(nil), s.got...) }

// Result returns the simulated outcome in the exchange form.
func (s *Simulation) Result() match.Result { return s.c.Result(s.got) }

// InternView is what one intern sees of the simulation.
type InternView struct {
	// Intern is the intern's id.
	Intern string `json:"intern"`
	// Rank is the intern's position in the call list, from 1.
	Rank int `json:"rank"`
	// Poste is the poste the intern would get now; empty when none.
	Poste string `json:"poste"`
	// Partner is the intern's binôme and ChoosesAt the rank at which the two choose (the
	// later of theirs); empty and 0 without a binôme.
	Partner   string `json:"partner,omitempty"`
	ChoosesAt int    `json:"chooses_at,omitempty"`
	// Wishes are the postes of the intern's wish list, best first.
	Wishes []WishView `json:"wishes"`
}

// WishView is the intern's position on one poste of its wish list.
type WishView struct {
	// Poste is the poste's id.
	Poste string `json:"poste"`
	// Capacity is the poste's number of places.
	Capacity int `json:"capacity"`
	// Demand is the number of interns ahead in the call list who listed the poste,
	// wherever on their list.
	Demand int `json:"demand"`
	// TakenAhead is the number of interns ahead who would take the poste.
	TakenAhead int `json:"taken_ahead"`
	// OutOfReach reports that the interns ahead take every place of the poste.
	OutOfReach bool `json:"out_of_reach"`
	// WouldGet reports that the intern would get this poste now.
	WouldGet bool `json:"would_get"`
}

// Intern returns the view of the intern with the given id, or false if the instance has no
// such intern.
func (s *Simulation) Intern(id string) (*InternView, bool) {
	i, ok := s.c.InternIndex(id)
	if !ok {
		return nil, false
	}
	v := &InternView{Intern: id, Rank: int(s.rankOf[i]) + 1, Wishes: []WishView{}}
	if p := s.got[i]; p != match.NoPoste {
		v.Poste = s.c.PosteID(int(p))
	}
	if j := s.c.Partner(i); j >= 0 {
		v.Partner, v.ChoosesAt = s.c.InternID(j), int(s.turn[i])+1
	}
	for k := s.wishStart[i]; k < s.wishStart[i+1]; k++ {
		p := s.wishPoste[k]
		v.Wishes = append(v.Wishes, WishView{
			Poste:      s.c.PosteID(int(p)),
			Capacity:   int(s.capacity[p]),
			Demand:     int(s.demand[k]),
			TakenAhead: int(s.taken[k]),
			OutOfReach: s.taken[k] >= s.capacity[p],
			WouldGet:   p == s.got[i],
		})
	}
	return v, true
}

// PlaceView is one poste of the amphithéâtre at some rank.
type PlaceView struct {
	// Poste is the poste's id.
	Poste string `json:"poste"`
	// Capacity is the poste's number of places.
	Capacity int `json:"capacity"`
	// Free is the number of places the interns ranked above have left; 0 when the poste
	// is gone.
	Free int `json:"free"`
}

// Amphi returns the "amphithéâtre virtuel" of the intern at the given rank (from 1): every
// poste for which include returns true (every poste when include is nil), in the order of
// the instance, with the places still free after the choices of the interns ranked strictly
// above (with binômes, a binôme's takes count at the later of its two ranks). Rank 1 sees
// every place; rank Len()+1 sees what is left at the end. A rank below 1
// counts as 1 and one above Len()+1 as Len()+1. To show one specialty, include the postes
// of that specialty. It takes O(rank + P) time, O(N + P) with binômes.
func (s *Simulation) Amphi(rank int, include func(poste string) bool) []PlaceView {
	rank = min(max(rank, 1), len(s.order)+1)
	free := append([]int32(nil), s.capacity...)
	for r, i := range s.order {
		if s.turn == nil && r >= rank-1 {
			break
		}
		// Each intern's take counts at its own turn: with binômes, the later of the two.
		at := int32(r)
		if s.turn != nil {
			at = s.turn[i]
		}
		if p := s.got[i]; p != match.NoPoste && at < int32(rank-1) {
			free[p]--
		}
	}
	places := []PlaceView{}
	for p, f := range free {
		id := s.c.PosteID(p)
		if include == nil || include(id) {
			places = append(places, PlaceView{Poste: id, Capacity: int(s.capacity[p]), Free: int(f)})
		}
	}
	return places
}

// Step is one intern's turn in the replay of the choices.
type Step struct {
	// Rank is the intern's position in the call list, from 1.
	Rank int `json:"rank"`
	// Intern is the intern's id.
	Intern string `json:"intern"`
	// Poste is the poste the intern takes; empty when none (no wish left with a free place,
	// no wish list, or absent).
	Poste string `json:"poste"`
	// Left is the number of places left on Poste after this take; at 0 the poste
	// disappears for the interns below. 0 when Poste is empty.
	Left int `json:"left"`
	// Partner is the intern's binôme, if any. At the earlier of the binôme's two ranks the
	// intern Waits (it takes nothing then: Poste is empty) for the partner, called at
	// PartnerRank; at the later, the binôme's turn, the partner takes PartnerPoste (leaving
	// PartnerLeft places on it) just before the intern takes Poste, and Pair is the position
	// (from 1) of the pair of their joint list they took together, 0 when each fell back on
	// its own list.
	Partner      string `json:"partner,omitempty"`
	Waits        bool   `json:"waits,omitempty"`
	PartnerRank  int    `json:"partner_rank,omitempty"`
	PartnerPoste string `json:"partner_poste,omitempty"`
	PartnerLeft  int    `json:"partner_left,omitempty"`
	Pair         int    `json:"pair,omitempty"`
}

// Step returns the turn of the intern at the given rank, from 1 to Len(); it panics for a
// rank out of that range.
func (s *Simulation) Step(rank int) Step {
	i := s.order[rank-1]
	st := Step{Rank: rank, Intern: s.c.InternID(int(i)), Left: int(s.left[rank-1])}
	j := -1
	if s.turn != nil {
		j = s.c.Partner(int(i))
	}
	if j >= 0 && s.turn[i] != int32(rank-1) {
		st.Partner, st.Waits, st.PartnerRank, st.Left = s.c.InternID(j), true, int(s.rankOf[j])+1, 0
		return st
	}
	if p := s.got[i]; p != match.NoPoste {
		st.Poste = s.c.PosteID(int(p))
	}
	if j >= 0 {
		st.Partner, st.PartnerRank = s.c.InternID(j), int(s.rankOf[j])+1
		if p := s.got[j]; p != match.NoPoste {
			st.PartnerPoste, st.PartnerLeft = s.c.PosteID(int(p)), int(s.partnerLeft[rank-1])
		}
		for k, pq := range s.c.JointPairs(int(i)) {
			if int32(pq[0]) == s.got[i] && int32(pq[1]) == s.got[j] {
				st.Pair = k + 1
				break
			}
		}
	}
	return st
}

// Steps returns the turns of all the interns in call-list order, one rank at a time, so
// that the app can replay the choices.
func (s *Simulation) Steps() iter.Seq[Step] {
	return func(yield func(Step) bool) {
		for r := 1; r <= len(s.order); r++ {
			if !yield(s.Step(r)) {
				return
			}
		}
	}
}
