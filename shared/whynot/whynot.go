// Package whynot explains, for every intern and every wish ranked above the
// poste obtained (every wish when the intern obtained none), why that wish
// was not granted: a typed reason (domain.WhyNot, a kind and its numbers)
// computed from a matching instance and its result alone, so that anyone
// holding the frozen input can recompute it, and rendered in plain French
// and English.
//
// Explain is also a certificate: it fails when a wish above the one
// obtained has no reason, which is exactly a blocking pair in an
// appariement (the poste ranked the intern and had a free place, or held an
// intern it ranked lower) and, in a choix au rang, a poste that still had a
// free place at the intern's turn. A result that match.Check accepts always
// has an explanation for every such wish.
//
// With ties (ex aequo ranks and the round's published draw), the
// certificate is about the strict instance the draw gives (match.BreakTies),
// on which the procedures ran: the wishes above the one obtained are those
// the draw's order put above it, and the ranks shown are the ones the RTS
// gave, so that a wish lost to a candidate ranked ex aequo says so (Tied).
package whynot

import (
	"cmp"
	"fmt"
	"slices"

	"appariement/shared/domain"
	"appariement/shared/match"
)

// Explain returns the reasons of every intern of inst, sorted by intern id
// then by wish, for the result res. Wish positions are those of the
// instance's wish lists, from 1. It fails, naming the intern and the poste,
// when res is not a result of inst (unknown or repeated ids, a poste not on
// the intern's list, not ranking the intern in an appariement, or over its
// capacity) or when some wish above the one
// obtained has no reason (see the package comment).
func Explain(inst *match.Instance, res match.Result) ([]domain.WhyNot, error) {
	weak := inst
	if inst.HasTies() {
		strict, err := match.BreakTies(inst)
		if err != nil {
			return nil, errorf("instance invalide : %v", "invalid instance: %v", err)
		}
		inst = strict
	}
	capacity := make(map[string]int, len(inst.Postes))
	for _, p := range inst.Postes {
		capacity[p.ID] = p.Capacity
	}
	wishes := make(map[string][]string, len(inst.Interns))
	for _, in := range inst.Interns {
		wishes[in.ID] = in.Wishes
	}
	got := make(map[string]string, len(res.Assignments))
	holders := map[string][]string{}
	for _, a := range res.Assignments {
		if _, ok := wishes[a.Intern]; !ok {
			return nil, errorf("l'interne %s du résultat n'est pas dans l'instance", "intern %s of the result is not in the instance", a.Intern)
		}
		if _, dup := got[a.Intern]; dup {
			return nil, errorf("l'interne %s a deux postes", "intern %s has two postes", a.Intern)
		}
		if _, ok := capacity[a.Poste]; !ok {
			return nil, errorf("l'interne %s a le poste %s, qui n'est pas dans l'instance", "intern %s has poste %s, which is not in the instance", a.Intern, a.Poste)
		}
		if !slices.Contains(wishes[a.Intern], a.Poste) && !inJointList(inst, a.Intern, a.Poste) {
			return nil, errorf("l'interne %s a le poste %s, absent de sa liste de vœux", "intern %s has poste %s, which is not on its wish list", a.Intern, a.Poste)
		}
		got[a.Intern] = a.Poste
		holders[a.Poste] = append(holders[a.Poste], a.Intern)
	}
	for p, h := range holders {
		if len(h) > capacity[p] {
			return nil, errorf("le poste %s a %d internes pour %d places", "poste %s has %d interns for %d places", p, len(h), capacity[p])
		}
	}
	var e explainer
	switch {
	case inst.EffectiveProcedure() == match.ProcedureChoixAuRang && len(inst.Binomes) > 0:
		e = newBinomes(inst, got, holders)
	case inst.EffectiveProcedure() == match.ProcedureChoixAuRang:
		e = newSerial(inst, holders)
	default:
		d, err := newDeferred(inst, weak, holders)
		if err != nil {
			return nil, err
		}
		e = d
	}
	order := make([]int, len(inst.Interns))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(inst.Interns[a].ID, inst.Interns[b].ID) })
	out := []domain.WhyNot{}
	for _, k := range order {
		in := inst.Interns[k]
		signed := weak.Interns[k].Wishes // the same postes, in the order signed
		obtained, has := got[in.ID]
		start := len(out)
		for _, p := range in.Wishes {
			if has && p == obtained {
				break
			}
			w, err := e.explain(in.ID, p, capacity[p])
			if err != nil {
				return nil, err
			}
			w.Intern, w.Poste, w.Wish = in.ID, p, slices.Index(signed, p)+1
			out = append(out, w)
		}
		slices.SortFunc(out[start:], func(a, b domain.WhyNot) int { return cmp.Compare(a.Wish, b.Wish) })
	}
	return out, nil
}

// explainer gives the reason of one wish of one intern above the one obtained.
type explainer interface {
	explain(intern, poste string, capacity int) (domain.WhyNot, error)
}

// deferred explains an appariement: a wish above the one obtained was either
// unacceptable to the poste or taken by interns it ranked better, or ex
// aequo and put first by the draw.
type deferred struct {
	ranked map[string]map[string]int // poste → intern → position from 1 (after the draw)
	given  map[string]map[string]int // poste → intern → rank given by the RTS, as shown (ex aequo equal, 1, 1, 3)
	count  map[string]int            // poste → interns admitted
	worst  map[string]int            // poste → worst position admitted
	last   map[string]string         // poste → the admitted intern at that position
}

// newDeferred indexes the strict instance inst and the ranks given in weak,
// the same instance before the draw.
func newDeferred(inst, weak *match.Instance, holders map[string][]string) (*deferred, error) {
	d := &deferred{ranked: map[string]map[string]int{}, given: map[string]map[string]int{},
		count: map[string]int{}, worst: map[string]int{}, last: map[string]string{}}
	for _, r := range inst.Rankings {
		m := make(map[string]int, len(r.Ranking))
		for k, id := range r.Ranking {
			m[id] = k + 1
		}
		d.ranked[r.Poste] = m
	}
	for _, r := range weak.Rankings {
		if len(r.Ranks) == 0 {
			d.given[r.Poste] = d.ranked[r.Poste]
			continue
		}
		// The ranks are written as the RTS sees them in the app: ex aequo
		// share the rank of the first of their group, and the next group's
		// rank counts everyone before it (1, 1, 3), where the instance's
		// ranks number the groups (1, 1, 2).
		m := make(map[string]int, len(r.Ranking))
		shown := 0
		for k, id := range r.Ranking {
			if k == 0 || r.Ranks[k] != r.Ranks[k-1] {
				shown = k + 1
			}
			m[id] = shown
		}
		d.given[r.Poste] = m
	}
	for p, h := range holders {
		d.count[p] = len(h)
		for _, id := range h {
			r, ok := d.ranked[p][id]
			if !ok {
				return nil, errorf("l'interne %s a le poste %s, qui ne l'a pas classé", "intern %s has poste %s, which did not rank it", id, p)
			}
			if r > d.worst[p] {
				d.worst[p], d.last[p] = r, id
			}
		}
	}
	return d, nil
}

func (d *deferred) explain(intern, poste string, capacity int) (domain.WhyNot, error) {
	ranking, ok := d.ranked[poste]
	if !ok {
		return domain.WhyNot{Kind: domain.WhyNoRanking}, nil
	}
	m, ok := ranking[intern]
	switch {
	case !ok:
		return domain.WhyNot{Kind: domain.WhyNotRanked}, nil
	case d.count[poste] < capacity:
		return domain.WhyNot{}, errorf("paire bloquante : l'interne %s préfère le poste %s, qui l'a classé (rang %d) et a une place libre",
			"blocking pair: intern %s prefers poste %s, which ranked it (rank %d) and has a free place", intern, poste, m)
	case d.worst[poste] > m:
		return domain.WhyNot{}, errorf("paire bloquante : l'interne %s préfère le poste %s, qui l'a classé (rang %d) avant un interne retenu (rang %d)",
			"blocking pair: intern %s prefers poste %s, which ranked it (rank %d) above an admitted intern (rank %d)", intern, poste, m, d.worst[poste])
	}
	last, yours := d.given[poste][d.last[poste]], d.given[poste][intern]
	return domain.WhyNot{Kind: domain.WhyFilled, Filled: d.count[poste], LastRank: last, YourRank: yours, Tied: last == yours}, nil
}

// serial explains a choix au rang: a wish above the one obtained had all
// its places taken by interns called before.
type serial struct {
	turn  map[string]int // intern → position in the call list, from 1
	count map[string]int // poste → interns who took it
	last  map[string]int // poste → latest call position among them
}

func newSerial(inst *match.Instance, holders map[string][]string) *serial {
	s := &serial{turn: make(map[string]int, len(inst.CallList)), count: map[string]int{}, last: map[string]int{}}
	for k, id := range inst.CallList {
		if _, dup := s.turn[id]; !dup {
			s.turn[id] = k + 1
		}
	}
	for p, h := range holders {
		s.count[p] = len(h)
		for _, id := range h {
			s.last[p] = max(s.last[p], s.turn[id])
		}
	}
	return s
}

func (s *serial) explain(intern, poste string, capacity int) (domain.WhyNot, error) {
	m, ok := s.turn[intern]
	switch {
	case !ok:
		return domain.WhyNot{}, errorf("l'interne %s n'est pas dans la liste d'appel", "intern %s is not in the call list", intern)
	case s.count[poste] < capacity || s.last[poste] > m:
		return domain.WhyNot{}, errorf("l'interne %s (rang %d) préférait le poste %s, qui avait encore une place libre à son tour",
			"intern %s (rank %d) preferred poste %s, which still had a free place at its turn", intern, m, poste)
	}
	return domain.WhyNot{Kind: domain.WhyTaken, Filled: s.count[poste], LastRank: s.last[poste], YourRank: m}, nil
}

// Error is a failure of Explain, in French and English.
type Error struct {
	French, English string
}

func (e *Error) Error() string { return e.French + " / " + e.English }

func errorf(fr, en string, args ...any) error {
	return &Error{French: "pourquoi pas : " + fmt.Sprintf(fr, args...), English: "why not: " + fmt.Sprintf(en, args...)}
}
