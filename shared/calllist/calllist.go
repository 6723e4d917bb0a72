// Package calllist holds the call list ("liste d'appel") of a choix au rang: the order in
// which the interns of a subdivision (and possibly one specialty) choose their postes.
//
// It computes a list from the interns' ranking data with a published rule and a published
// tie seed, recording every tie it breaks (Compute); checks a list against the interns who
// must choose and the places offered, naming every missing, unknown, duplicated or
// wrongly flagged intern (Check); lists the rank changes between two published versions,
// to notify each intern concerned (Diff); and encodes a list in a canonical form that can be
// signed and verified (Encode, Decode).
//
// These are the failures of the Île-de-France choice of October 2020: interns missing from
// the call list, interns added at the last minute, absent interns not flagged "absence
// prévue", a number of interns far from the number of places, and ranks that changed
// without notice. The package is pure and deterministic: no clock, no I/O beyond decoding
// the bytes handed to it.
package calllist

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"appariement/shared/draw"
)

// List is one published version of a call list.
type List struct {
	// ID identifies the call list across its versions (for example the round's id).
	ID string `json:"id"`
	// Version numbers the published versions of the list, from 1.
	Version int `json:"version"`
	// Subdivision is the code of the subdivision (see domain.Subdivisions); empty: national.
	Subdivision string `json:"subdivision,omitempty"`
	// Specialty is the DES code when the list covers one specialty (see domain.DESList);
	// empty: every specialty of the subdivision.
	Specialty string `json:"specialty,omitempty"`
	// Seed is the published seed that broke the ties of the ranking data (see Compute).
	Seed string `json:"seed"`
	// Reason says why this version was published ("liste initiale", "ajout des internes
	// promo 2017 non comptés"...); it is shown to every intern whose rank changed.
	Reason string `json:"reason,omitempty"`
	// Entries are the interns in call order: Entries[k].Rank is k+1.
	Entries []Entry `json:"entries"`
}

// Entry is one intern's place in the call list.
type Entry struct {
	// Rank is the intern's position in the call list, from 1.
	Rank int `json:"rank"`
	// Intern is the intern's id.
	Intern string `json:"intern"`
	// Absent flags an "absence prévue" (leave, disponibilité...): the intern keeps its rank
	// but chooses nothing, and the interns below it do not wait for it.
	Absent bool `json:"absent,omitempty"`
	// Note explains a change concerning this intern in this version ("rétrogradé en phase
	// socle"); it takes precedence over the list's Reason in the intern's notice.
	Note string `json:"note,omitempty"`
}

// Candidate is the ranking data of one intern, from which Compute orders the call list.
type Candidate struct {
	// Intern is the intern's id.
	Intern string `json:"intern"`
	// Seniority is the number of validated semesters counted for the choice ("ancienneté
	// de fonctions validées", whole semesters); more chooses first.
	Seniority int `json:"seniority"`
	// Classement is the intern's rank at the national ranking exam (ECN, or EN from 2024),
	// from 1; at equal seniority, a lower rank chooses first.
	Classement int `json:"classement"`
	// Absent marks an "absence prévue", copied to the entry.
	Absent bool `json:"absent,omitempty"`
	// Note is copied to the entry.
	Note string `json:"note,omitempty"`
}

// TieReport records every tie that Compute broke with the published seed, so that no tie is
// broken silently and anyone can check the draw.
type TieReport struct {
	// Seed is the published seed.
	Seed string `json:"seed"`
	// Ties are the groups of interns with equal ranking data, in call order; empty when
	// the ranking data had no tie.
	Ties []Tie `json:"ties"`
}

// Tie is a group of two or more interns with the same seniority and the same classement,
// put in order by the draw.
type Tie struct {
	// Seniority is the number of validated semesters the interns share.
	Seniority int `json:"seniority"`
	// Classement is the classement the interns share.
	Classement int `json:"classement"`
	// Entries are the tied interns in the order the draw gave them.
	Entries []TieEntry `json:"entries"`
}

// TieEntry is one intern of a tie.
type TieEntry struct {
	// Intern is the intern's id.
	Intern string `json:"intern"`
	// Rank is the rank the intern got in the call list.
	Rank int `json:"rank"`
	// Key is the intern's hexadecimal draw key (TieKey): the tied interns are ordered by
	// increasing key.
	Key string `json:"key"`
}

// TieKey returns the draw key of an intern: the lottery number of the project's one draw
// scheme, draw.InternKey(seed, intern) (HMAC-SHA256 keyed by the seed, with its own
// domain-separation prefix; docs/matching §10). Tied interns choose in increasing order of
// their keys.
func TieKey(seed, intern string) [sha256.Size]byte {
	return draw.InternKey(seed, intern)
}

// Compute orders interns into a call list by the rule of the choix de stage in the phase
// socle and the phase d'approfondissement (arrêté du 12 avril 2017 portant organisation du
// troisième cycle des études de médecine): by seniority of validated semesters, more first,
// then, at equal seniority, by classement, lower first. Interns with the same seniority and
// classement are ordered by TieKey(seed, id), and every such tie is recorded in the report.
//
// The list has the given seed and ranks 1 to n; the caller sets its ID, Version, scope and
// Reason. In a round, the seed is the round's call-list seed, drawn by the server and
// committed when the round was created (shared/draw.CallListSeed, checked against the
// round's commitment with draw.CheckDraw), never one chosen by an admin. Compute refuses an empty seed, an invalid or duplicated intern id, a negative
// seniority, a classement below 1, and more than MaxEntries candidates.
func Compute(cands []Candidate, seed string) (*List, *TieReport, error) {
	if err := checkCandidates(cands, seed); err != nil {
		return nil, nil, fmt.Errorf("calllist: compute: %w", err)
	}
	type keyed struct {
		Candidate
		key [sha256.Size]byte
	}
	order := make([]keyed, len(cands))
	for k, c := range cands {
		order[k] = keyed{c, TieKey(seed, c.Intern)}
	}
	sameData := func(a, b keyed) bool { return a.Seniority == b.Seniority && a.Classement == b.Classement }
	slices.SortFunc(order, func(a, b keyed) int {
		return cmp.Or(
			cmp.Compare(b.Seniority, a.Seniority),
			cmp.Compare(a.Classement, b.Classement),
			bytes.Compare(a.key[:], b.key[:]),
			cmp.Compare(a.Intern, b.Intern), // never reached: ids are distinct, keys too
		)
	})
	l := &List{Seed: seed, Entries: make([]Entry, len(order))}
	rep := &TieReport{Seed: seed, Ties: []Tie{}}
	for k, c := range order {
		l.Entries[k] = Entry{Rank: k + 1, Intern: c.Intern, Absent: c.Absent, Note: c.Note}
		if k > 0 && sameData(order[k-1], c) {
			if k == 1 || !sameData(order[k-2], c) {
				prev := order[k-1]
				rep.Ties = append(rep.Ties, Tie{Seniority: c.Seniority, Classement: c.Classement,
					Entries: []TieEntry{{prev.Intern, k, hex.EncodeToString(prev.key[:])}}})
			}
			t := &rep.Ties[len(rep.Ties)-1]
			t.Entries = append(t.Entries, TieEntry{c.Intern, k + 1, hex.EncodeToString(c.key[:])})
		}
	}
	return l, rep, nil
}

// checkCandidates returns the problems of Compute's input, up to maxErrors, joined.
func checkCandidates(cands []Candidate, seed string) error {
	var errs errList
	if seed == "" {
		errs.add("empty tie seed")
	} else if err := checkText(seed, MaxSeedBytes); err != nil {
		errs.add("tie seed: %v", err)
	}
	if len(cands) > MaxEntries {
		errs.add("%d candidates, more than %d", len(cands), MaxEntries)
		return errs.err()
	}
	seen := make(map[string]bool, len(cands))
	for k, c := range cands {
		if err := checkID(c.Intern); err != nil {
			errs.add("candidate #%d: %v", k+1, err)
			continue
		}
		if seen[c.Intern] {
			errs.add("intern %q: listed twice", c.Intern)
		}
		seen[c.Intern] = true
		if c.Seniority < 0 {
			errs.add("intern %q: negative seniority %d", c.Intern, c.Seniority)
		}
		if c.Classement < 1 {
			errs.add("intern %q: classement %d, must be 1 or more", c.Intern, c.Classement)
		}
		if err := checkText(c.Note, MaxNoteBytes); err != nil {
			errs.add("intern %q: note: %v", c.Intern, err)
		}
	}
	return errs.err()
}

// maxErrors is the number of problems after which validation stops collecting more.
const maxErrors = 20

// errList collects up to maxErrors problems.
type errList struct{ errs []error }

func (e *errList) add(format string, args ...any) {
	switch {
	case len(e.errs) < maxErrors:
		e.errs = append(e.errs, fmt.Errorf(format, args...))
	case len(e.errs) == maxErrors:
		e.errs = append(e.errs, errors.New("too many errors, stopped"))
	}
}

func (e *errList) err() error { return errors.Join(e.errs...) }
