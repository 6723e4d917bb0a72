// Package match holds the matching engine of Appariement: the exchange format of a round
// (instance and result), a strict decoder that names the offending id and line of every
// error, the two procedures (intern-proposing deferred acceptance for the consolidation-phase
// "appariement", serial dictatorship for "choix au rang"), and a checker that proves a result
// valid for its instance.
//
// The package is pure and deterministic: no I/O beyond decoding bytes handed to it, no clock,
// no randomness except in GenerateInstance, which takes an explicit seed. The same instance
// gives the same result on any machine, whatever the order of postes and interns in the file.
//
// Typical use:
//
//	inst, err := match.DecodeInstance(data) // strict validation, errors name id and line
//	res, err := match.Solve(inst)           // runs the instance's procedure
//	err = match.Check(inst, res)            // proves the result valid
//
// For repeated runs on the same data (simulations), Compile an instance once and call the
// index-based methods of Compiled. To run a round from its file, DecodeCompiled goes from the
// bytes to the Compiled in one pass, with the same validation and errors as DecodeInstance.
package match

import (
	"cmp"
	"slices"
)

// Procedure names the allocation procedure of an instance.
type Procedure string

const (
	// ProcedureAppariement is the consolidation-phase matching: interns rank postes, each
	// poste's RTS ranks its candidates, and intern-proposing deferred acceptance computes the
	// intern-optimal stable matching. It is the procedure of an instance whose "procedure"
	// field is absent or empty.
	ProcedureAppariement Procedure = "appariement"
	// ProcedureChoixAuRang is the "choix au rang": interns choose one after another in the
	// order of the call list, each taking its most-preferred poste that still has a free place
	// (serial dictatorship). Such an instance has a call list and no rankings.
	ProcedureChoixAuRang Procedure = "choix-au-rang"
)

// Size limits enforced by DecodeInstance and Compile.
const (
	// MaxIDBytes is the maximum length of a poste or intern id, in bytes.
	MaxIDBytes = 64
	// MaxCapacity is the maximum capacity of one poste.
	MaxCapacity = 100_000
	// MaxInstanceBytes is the maximum size of an encoded instance accepted by DecodeInstance.
	MaxInstanceBytes = 512 << 20
	// MaxErrors is the number of errors after which validation stops collecting more.
	MaxErrors = 50
)

// Instance is the input of one round, as exchanged in JSON:
//
//	{"postes":[{"id":"P1","capacity":2}],
//	 "interns":[{"id":"I1","wishes":["P3","P1"]}],
//	 "rankings":[{"poste":"P1","ranking":["I4","I1"]}]}
//
// For the choix au rang, "procedure" is "choix-au-rang", "call_list" gives the order in
// which interns choose, and "rankings" is absent.
//
// Ties: a wish list or a ranking may carry "ranks", its elements' ranks with equal ranks for
// ex aequo, and the instance then carries "tie_break", the round's published draw seed:
//
//	{"postes":[{"id":"P1","capacity":1}],
//	 "interns":[{"id":"I1","wishes":["P1"]},{"id":"I2","wishes":["P1"]}],
//	 "rankings":[{"poste":"P1","ranking":["I1","I2"],"ranks":[1,1]}],
//	 "tie_break":"5f1c…(64 hexadecimal digits)"}
//
// The procedures run on the strict instance that BreakTies derives from the draw.
type Instance struct {
	// Procedure is the allocation procedure; empty means ProcedureAppariement.
	Procedure Procedure `json:"procedure,omitempty"`
	// Postes are the internship posts offered in the round.
	Postes []Poste `json:"postes"`
	// Interns are the interns taking part in the round, each with its ordered wish list.
	Interns []Intern `json:"interns"`
	// Rankings are the RTS rankings, at most one per poste (appariement only). A poste
	// without a ranking accepts nobody.
	Rankings []Ranking `json:"rankings,omitempty"`
	// CallList is the order in which interns choose (choix au rang only); it must name
	// every intern exactly once.
	CallList []string `json:"call_list,omitempty"`
	// Binomes are the linked pairs of interns who choose together (choix au rang only, when
	// the round allows them); absent or empty, the procedure is plain serial dictatorship.
	Binomes []Binome `json:"binomes,omitempty"`
	// TieBreak is the round's published draw seed (draw.Seed), 64 hexadecimal digits: it
	// orders the elements of every tie group (see BreakTies). It is required when some
	// Ranks has a tie, and may be given without any.
	TieBreak string `json:"tie_break,omitempty"`
}

// Binome is two interns of a choix au rang who linked their lists: they choose together at
// the later of their two turns in the call list, taking the first pair of Pairs where both
// postes have a free place (two places when both name the same poste); when no pair has,
// each falls back on its own wish list at that turn, the one called first choosing first.
//
//	{"interns":["I1","I4"],"pairs":[["P2","P3"],["P5","P5"]]}
type Binome struct {
	// Interns are the two linked interns, distinct, each in one binome at most.
	Interns [2]string `json:"interns"`
	// Pairs is the joint list, best first: Pairs[k][0] is the poste of Interns[0] and
	// Pairs[k][1] that of Interns[1] in the k-th choice of the pair; each pair at most once.
	Pairs [][2]string `json:"pairs"`
}

// Poste is one internship post and its number of places.
type Poste struct {
	// ID identifies the poste; non-empty, at most MaxIDBytes bytes.
	ID string `json:"id"`
	// Capacity is the number of places, between 1 and MaxCapacity.
	Capacity int `json:"capacity"`
}

// Intern is one intern and its wish list, most-preferred poste first. A poste absent from
// the list is unacceptable to the intern.
type Intern struct {
	// ID identifies the intern; non-empty, at most MaxIDBytes bytes.
	ID string `json:"id"`
	// Wishes are poste ids, most preferred first, each at most once.
	Wishes []string `json:"wishes"`
	// Ranks, when given, is parallel to Wishes: Ranks[j] is the rank of Wishes[j], Ranks[0]
	// is 1 and each next rank is equal to the previous one (ex aequo) or one more. Absent,
	// the order is strict (ranks 1, 2, 3…).
	Ranks []int `json:"ranks,omitempty"`
}

// Ranking is the ordered list of candidates of one poste, best first, as signed by its RTS.
// An intern absent from the list is unacceptable to the poste.
type Ranking struct {
	// Poste is the id of the ranked poste.
	Poste string `json:"poste"`
	// Ranking holds intern ids, best first, each at most once.
	Ranking []string `json:"ranking"`
	// Ranks, when given, is parallel to Ranking: Ranks[j] is the rank of Ranking[j], Ranks[0]
	// is 1 and each next rank is equal to the previous one (ex aequo) or one more. Absent,
	// the order is strict (ranks 1, 2, 3…).
	Ranks []int `json:"ranks,omitempty"`
}

// Result is the outcome of a round, as exchanged in JSON:
//
//	{"assignments":[{"intern":"I1","poste":"P3"}],"unmatched":["I7"]}
//
// Assignments are sorted by intern id and Unmatched is sorted; both encode as [] when empty.
// Every intern of the instance appears exactly once, in one list or the other.
type Result struct {
	// Assignments pairs each matched intern with its poste, sorted by intern id.
	Assignments []Assignment `json:"assignments"`
	// Unmatched lists the ids of the interns left without a poste, sorted.
	Unmatched []string `json:"unmatched"`
}

// Assignment is one intern matched to one poste.
type Assignment struct {
	// Intern is the intern's id.
	Intern string `json:"intern"`
	// Poste is the poste's id.
	Poste string `json:"poste"`
}

// EffectiveProcedure returns the instance's procedure, ProcedureAppariement when the field is
// empty.
func (inst *Instance) EffectiveProcedure() Procedure {
	if inst.Procedure == "" {
		return ProcedureAppariement
	}
	return inst.Procedure
}

// Normalize sorts the result into its canonical form (assignments by intern id, unmatched
// ids in order) and replaces nil lists by empty ones, so that it encodes as [] not null.
func (r *Result) Normalize() {
	if r.Assignments == nil {
		r.Assignments = []Assignment{}
	}
	if r.Unmatched == nil {
		r.Unmatched = []string{}
	}
	slices.SortFunc(r.Assignments, func(a, b Assignment) int {
		return cmp.Or(cmp.Compare(a.Intern, b.Intern), cmp.Compare(a.Poste, b.Poste))
	})
	slices.Sort(r.Unmatched)
}
