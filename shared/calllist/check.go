package calllist

import (
	"maps"
	"slices"
)

// EligibleIntern is an intern who must appear on the call list, as known from the faculty's
// and the ARS's records.
type EligibleIntern struct {
	// Intern is the intern's id.
	Intern string `json:"intern"`
	// Specialty is the intern's DES code, to compare interns and places per specialty.
	Specialty string `json:"specialty"`
	// Absent marks an "absence prévue": the intern must be on the list, flagged absent.
	Absent bool `json:"absent,omitempty"`
}

// ExcessPlacesPercent is the margin above which Check warns that a specialty offers too
// many places for its interns: places > interns × (100 + ExcessPlacesPercent) / 100.
const ExcessPlacesPercent = 20

// Severity tells whether a problem forbids publishing the list.
type Severity string

// The severities.
const (
	// Error: the list must not be published as it is.
	Error Severity = "error"
	// Warning: the list may be published, but someone should look at it.
	Warning Severity = "warning"
)

// Kind names the kind of a problem.
type Kind string

// The kinds of problem found by Check. All are errors except KindTooManyPlaces.
const (
	// KindMissing: an eligible intern is not on the list.
	KindMissing Kind = "missing"
	// KindUnknown: an intern on the list is not eligible.
	KindUnknown Kind = "unknown"
	// KindDuplicateIntern: an intern appears more than once on the list.
	KindDuplicateIntern Kind = "duplicate_intern"
	// KindDuplicateEligible: an intern appears more than once among the eligible interns.
	KindDuplicateEligible Kind = "duplicate_eligible"
	// KindDuplicateRank: several entries have the same rank.
	KindDuplicateRank Kind = "duplicate_rank"
	// KindRankGap: no entry has this rank, between 1 and the number of entries.
	KindRankGap Kind = "rank_gap"
	// KindRankRange: an entry's rank is below 1 or above the number of entries.
	KindRankRange Kind = "rank_range"
	// KindRankOrder: an entry's rank is lower than the rank of the entry before it.
	KindRankOrder Kind = "rank_order"
	// KindAbsentNotFlagged: an intern with an absence prévue is not flagged absent.
	KindAbsentNotFlagged Kind = "absent_not_flagged"
	// KindFlaggedNotAbsent: an intern flagged absent has no absence prévue.
	KindFlaggedNotAbsent Kind = "flagged_not_absent"
	// KindTooFewPlaces: a specialty has more interns choosing than places.
	KindTooFewPlaces Kind = "too_few_places"
	// KindTooManyPlaces (warning): a specialty has more than ExcessPlacesPercent % more
	// places than interns choosing.
	KindTooManyPlaces Kind = "too_many_places"
)

// Problem is one problem found by Check. Its fields name what is wrong; Message says it.
type Problem struct {
	// Severity is Error or Warning.
	Severity Severity `json:"severity"`
	// Kind is the kind of problem.
	Kind Kind `json:"kind"`
	// Interns are the ids of the interns concerned, in list order.
	Interns []string `json:"interns,omitempty"`
	// Ranks are the ranks concerned: the entries' ranks of Interns, or the duplicated or
	// missing rank.
	Ranks []int `json:"ranks,omitempty"`
	// Specialty is the DES code concerned (missing interns and places checks).
	Specialty string `json:"specialty,omitempty"`
	// Count is the number of interns choosing in Specialty (places checks), or the number
	// of entries of the list (KindRankRange).
	Count int `json:"count,omitempty"`
	// Places is the number of places of Specialty (places checks).
	Places int `json:"places,omitempty"`
}

// Report is the outcome of Check.
type Report struct {
	// Problems are in a fixed order: list structure (duplicates, ranks), then interns
	// missing, unknown and absences, then places per specialty.
	Problems []Problem `json:"problems"`
}

// OK reports whether the report holds no error (warnings allowed).
func (r *Report) OK() bool {
	return !slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Severity == Error })
}

// Messages returns the message of every problem in the given language (see
// Problem.Message), in the order of the problems.
func (r *Report) Messages(lang string) []string {
	msgs := make([]string, len(r.Problems))
	for k, p := range r.Problems {
		msgs[k] = p.Message(lang)
	}
	return msgs
}

// Check checks a call list against the interns who must choose and the places offered:
//
//   - every eligible intern is on the list exactly once, and nobody else;
//   - the ranks are 1 to n, each once, in increasing order;
//   - an eligible intern is flagged absent on the list if and only if it has an absence
//     prévue (it keeps its rank but chooses nothing);
//   - per specialty, the eligible interns who are not absent are no more than the places,
//     and (warning) the places are not more than ExcessPlacesPercent % above them. Places
//     maps each DES code to its number of places; a nil map skips this check.
//
// Every problem names the interns, ranks or specialty concerned.
func Check(l *List, eligible []EligibleIntern, places map[string]int) *Report {
	r := &Report{Problems: []Problem{}}
	add := func(sev Severity, kind Kind, interns []string, ranks ...int) *Problem {
		r.Problems = append(r.Problems, Problem{Severity: sev, Kind: kind, Interns: interns, Ranks: ranks})
		return &r.Problems[len(r.Problems)-1]
	}
	n := len(l.Entries)

	// Structure: each intern once, each rank of 1..n once, in order.
	byIntern := make(map[string][]int, n) // intern -> positions in Entries
	byRank := make(map[int][]int, n)      // rank -> positions in Entries
	for k, e := range l.Entries {
		byIntern[e.Intern] = append(byIntern[e.Intern], k)
		byRank[e.Rank] = append(byRank[e.Rank], k)
	}
	for k, e := range l.Entries {
		if pos := byIntern[e.Intern]; len(pos) > 1 && pos[0] == k {
			add(Error, KindDuplicateIntern, []string{e.Intern}, ranksAt(l, pos)...)
		}
	}
	for _, rank := range slices.Sorted(maps.Keys(byRank)) {
		pos := byRank[rank]
		switch {
		case rank < 1 || rank > n:
			for _, k := range pos {
				add(Error, KindRankRange, []string{l.Entries[k].Intern}, rank).Count = n
			}
		case len(pos) > 1:
			add(Error, KindDuplicateRank, internsAt(l, pos), rank)
		}
	}
	for rank := 1; rank <= n; rank++ {
		if len(byRank[rank]) == 0 {
			add(Error, KindRankGap, nil, rank)
		}
	}
	for k := 1; k < n; k++ {
		if e := l.Entries[k]; e.Rank < l.Entries[k-1].Rank {
			add(Error, KindRankOrder, []string{e.Intern}, e.Rank)
		}
	}

	// Interns: the eligible ones, each flagged absent when it has an absence prévue.
	want := make(map[string]EligibleIntern, len(eligible))
	for _, e := range eligible {
		if _, dup := want[e.Intern]; dup {
			add(Error, KindDuplicateEligible, []string{e.Intern})
		}
		want[e.Intern] = e
	}
	for _, e := range eligible {
		if pos := byIntern[e.Intern]; len(pos) == 0 {
			add(Error, KindMissing, []string{e.Intern}).Specialty = e.Specialty
			byIntern[e.Intern] = []int{-1} // report a duplicated eligible intern once
		}
	}
	for k, e := range l.Entries {
		w, ok := want[e.Intern]
		switch {
		case byIntern[e.Intern][0] != k: // a duplicate, already reported
		case !ok:
			add(Error, KindUnknown, []string{e.Intern}, e.Rank)
		case w.Absent && !e.Absent:
			add(Error, KindAbsentNotFlagged, []string{e.Intern}, e.Rank)
		case !w.Absent && e.Absent:
			add(Error, KindFlaggedNotAbsent, []string{e.Intern}, e.Rank)
		}
	}

	// Places: per specialty, interns choosing against places offered.
	if places != nil {
		count := make(map[string]int)
		for spec := range places {
			count[spec] = 0
		}
		for _, w := range want {
			if !w.Absent {
				count[w.Specialty]++
			}
		}
		for _, spec := range slices.Sorted(maps.Keys(count)) {
			c, p := count[spec], places[spec]
			var pr *Problem
			switch {
			case c > p:
				pr = add(Error, KindTooFewPlaces, nil)
			case p*100 > c*(100+ExcessPlacesPercent):
				pr = add(Warning, KindTooManyPlaces, nil)
			default:
				continue
			}
			pr.Specialty, pr.Count, pr.Places = spec, c, p
		}
	}
	return r
}

// ranksAt returns the ranks of the entries at the given positions.
func ranksAt(l *List, pos []int) []int {
	ranks := make([]int, len(pos))
	for j, k := range pos {
		ranks[j] = l.Entries[k].Rank
	}
	return ranks
}

// internsAt returns the interns of the entries at the given positions.
func internsAt(l *List, pos []int) []string {
	ids := make([]string, len(pos))
	for j, k := range pos {
		ids[j] = l.Entries[k].Intern
	}
	return ids
}
