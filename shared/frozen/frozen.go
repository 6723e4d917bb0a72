// Package frozen is the frozen input of a round: the one canonical
// document a round's matching is computed from, and the rule that turns it,
// with the lists of the envelopes it names, into a matching instance.
//
// The server writes the document when it runs a round and signs its
// SHA-256 in the result (domain.Result.InputDigest); an auditor rebuilds the
// same instance from an audit bundle with the same code and compares. The
// document holds what the round needs and nothing more: identifiers,
// specialties, subdivisions, ranks and capacities, no names or addresses.
package frozen

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/shared/match"
	"appariement/shared/rules"
	"appariement/shared/whynot"
)

// Version is the version of the document's format.
const Version = 1

// Input is the frozen input of a round. Build it with its fields sorted
// (Sort) and encode it with Encode: the same input always gives the same
// bytes, hence the same Digest.
type Input struct {
	Version int `json:"version"`
	// Round names the round and its parameters.
	Round Round `json:"round"`
	// TreeSize and RootHash are those of the frozen checkpoint: the log up
	// to it is what the round reads.
	TreeSize int64  `json:"tree_size"`
	RootHash string `json:"root_hash"` // base64, as in the checkpoint's text
	// Postes are the round's open postes, by id.
	Postes []Poste `json:"postes"`
	// Interns are the round's eligible interns, by id.
	Interns []Intern `json:"interns"`
	// CallList is the published call list a choix au rang follows (nil: the
	// interns choose in the order of their rank); CallListDigest is the hex
	// SHA-256 of its signed payload.
	CallList       *calllist.List `json:"call_list,omitempty"`
	CallListDigest string         `json:"call_list_digest,omitempty"`
	// Envelopes are the wish lists and rankings used: for each author (and
	// poste, for a ranking) its highest sequence number in the log, by log
	// index.
	Envelopes []Envelope `json:"envelopes"`
	// Manual holds the assignments of a third round, made by hand.
	Manual []domain.Assignment `json:"manual,omitempty"`
	// Binomes are the binômes of a choix au rang that allows them
	// (Round.Binomes): the pairs of matching signed links (api.PairLinks),
	// by first intern; absent when there is none, so that a round without
	// binômes has the same document as before they existed.
	Binomes []Binome `json:"binomes,omitempty"`
}

// Binome is one binôme of the round, in canonical form: Interns in
// increasing order, each pair of the joint list oriented the same way
// (Pairs[k][0] for Interns[0]), and the log indices of the two signed
// links it comes from, in the order of Interns.
type Binome struct {
	Interns   [2]string   `json:"interns"`
	Pairs     [][2]string `json:"pairs"`
	Envelopes [2]int64    `json:"envelopes"`
}

// Round is what the document says of the round.
type Round struct {
	ID        string           `json:"id"`
	Procedure domain.Procedure `json:"procedure"`
	Number    int              `json:"number"`
	// Binomes: the round lets interns choose in binômes (domain.Round.Binomes).
	Binomes bool `json:"binomes,omitempty"`
	// WishTies: the round lets interns put wishes ex aequo
	// (domain.Round.WishTies); without it a wish list with ties is an error.
	WishTies bool `json:"wish_ties,omitempty"`
	// TieBreakCommitment is the round's published commitment to its draw
	// (domain.Round.TieBreakCommitment) and TieBreakSecret the secret,
	// revealed at the freeze, in hexadecimal (draw.Verify); the instance's
	// tie_break is draw.Seed(secret, RootHash). Both are present when some
	// list of the round has a tie, absent otherwise, so that a round without
	// ties has the same document as before they existed.
	TieBreakCommitment string `json:"tie_break_commitment,omitempty"`
	TieBreakSecret     string `json:"tie_break_secret,omitempty"`
	// CallListCommitment is the commitment to the call list's seed
	// published with a choix au rang (domain.Round.CallListCommitment):
	// when set, the call list's seed must match it (draw.CheckDraw).
	// Present with a call list of a round that has one, absent otherwise,
	// so that older documents keep their bytes.
	CallListCommitment string `json:"call_list_commitment,omitempty"`
}

// List is one signed list as the round reads it from its envelope: its
// elements (postes of a wish list, interns of a ranking) and, when the
// author gave them, their ranks (api.Submission.Ranks).
type List struct {
	Items []string
	Ranks []int
}

// Lists are the wish lists and rankings of a round's envelopes: Wishes by
// intern, Rankings by poste, and the ranks of those that carry some
// (WishRanks, RankingRanks; a list without ranks is a strict order).
type Lists struct {
	Wishes, Rankings        map[string][]string
	WishRanks, RankingRanks map[string][]int
}

// HasTies reports whether some list puts two elements ex aequo: the round's
// frozen input then reveals its draw.
func (l *Lists) HasTies() bool {
	for _, m := range []map[string][]int{l.WishRanks, l.RankingRanks} {
		for _, r := range m {
			for i := 1; i < len(r); i++ {
				if r[i] == r[i-1] {
					return true
				}
			}
		}
	}
	return false
}

// Strict returns the Lists of lists without ranks (every order strict).
func Strict(wishes, rankings map[string][]string) *Lists {
	return &Lists{Wishes: wishes, Rankings: rankings}
}

// Poste is an open poste as the round sees it.
type Poste struct {
	ID          string `json:"id"`
	Specialty   string `json:"specialty"`
	Subdivision string `json:"subdivision"`
	Capacity    int    `json:"capacity"`
}

// Intern is an eligible intern as the round sees it.
type Intern struct {
	ID          string `json:"id"`
	Specialty   string `json:"specialty"`
	Subdivision string `json:"subdivision"`
	Rank        int    `json:"rank,omitempty"`
}

// Envelope names one submission the round used.
type Envelope struct {
	Index       int64  `json:"index"`  // leaf index in the log
	Digest      string `json:"digest"` // envelope.Envelope.Digest
	PayloadType string `json:"payload_type"`
	Author      string `json:"author"`
	Poste       string `json:"poste,omitempty"` // rankings only
	Seq         uint64 `json:"seq"`
}

// Sort puts the document's lists in their canonical order.
func (in *Input) Sort() {
	slices.SortFunc(in.Postes, func(a, b Poste) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(in.Interns, func(a, b Intern) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(in.Envelopes, func(a, b Envelope) int { return cmp.Compare(a.Index, b.Index) })
	slices.SortFunc(in.Manual, func(a, b domain.Assignment) int { return cmp.Compare(a.Intern, b.Intern) })
	slices.SortFunc(in.Binomes, func(a, b Binome) int { return cmp.Compare(a.Interns[0], b.Interns[0]) })
}

// Encode returns the canonical encoding of the document: JSON, lists in
// canonical order, no insignificant white space.
func (in *Input) Encode() []byte {
	c := *in
	c.Postes, c.Interns, c.Envelopes, c.Manual = slices.Clone(in.Postes), slices.Clone(in.Interns),
		slices.Clone(in.Envelopes), slices.Clone(in.Manual)
	c.Binomes = slices.Clone(in.Binomes)
	c.Sort()
	b, err := json.Marshal(&c)
	if err != nil {
		panic("frozen: encode: " + err.Error()) // plain data: cannot fail
	}
	return b
}

// Digest returns the hex SHA-256 of data, the encoded document.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Decode parses an encoded document, refusing unknown fields, another
// version and a document that is not in canonical form (its digest would
// not name one input only).
func Decode(data []byte) (*Input, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in Input
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("frozen input: %w", err)
	}
	if dec.More() {
		return nil, errors.New("frozen input: trailing data")
	}
	if in.Version != Version {
		return nil, fmt.Errorf("frozen input: version %d, want %d", in.Version, Version)
	}
	if !bytes.Equal(in.Encode(), data) {
		return nil, errors.New("frozen input: not in canonical form")
	}
	return &in, nil
}

// Instance builds the matching instance of the document, given the wish
// list of each intern and the ranking of each poste, as read from the
// envelopes it names (Lists). Only open postes and eligible interns count:
// a wish for a poste that is not open is dropped, a ranked intern who is
// not eligible too. A choix au rang follows the published call list (an
// intern flagged absent chooses nothing; an eligible intern missing from
// it, or a listed intern who is not eligible, is an error); without one,
// the interns choose by rank, and a missing or shared rank is an error,
// never a silent tie break.
func (in *Input) Instance(wishes, rankings map[string][]string) (*match.Instance, error) {
	return in.InstanceOf(Strict(wishes, rankings))
}

// InstanceOf is Instance on lists that may carry ranks: a list's ranks go
// with its elements (those dropped take their rank with them, and the
// rest are numbered again from 1), and when some list has a tie the
// document must reveal the round's draw (its secret matches the published
// commitment) and the instance's TieBreak is draw.Seed(secret, RootHash);
// a document that reveals a draw without a tie, or wish ties in a round
// that does not allow them, is an error.
func (in *Input) InstanceOf(l *Lists) (*match.Instance, error) {
	wishes, rankings := l.Wishes, l.Rankings
	inst := &match.Instance{Procedure: match.Procedure(in.Round.Procedure)}
	seed, err := in.tieBreak(l)
	if err != nil {
		return nil, err
	}
	inst.TieBreak = seed
	// Sets of ids rather than maps: millions of lookups in a national round.
	open := match.NewIDSet(len(in.Postes))
	for _, p := range in.Postes {
		open.Add(p.ID)
		inst.Postes = append(inst.Postes, match.Poste{ID: p.ID, Capacity: p.Capacity})
	}
	eligible := match.NewIDSet(len(in.Interns))
	for _, p := range in.Interns {
		eligible.Add(p.ID)
		kept, ranks := keep(wishes[p.ID], l.WishRanks[p.ID], open.Has)
		inst.Interns = append(inst.Interns, match.Intern{ID: p.ID, Wishes: kept, Ranks: ranks})
	}
	switch in.Round.Procedure {
	case domain.Appariement:
		for _, p := range in.Postes {
			list, ok := rankings[p.ID]
			if !ok {
				continue
			}
			ranking, ranks := keep(list, l.RankingRanks[p.ID], eligible.Has)
			inst.Rankings = append(inst.Rankings, match.Ranking{Poste: p.ID, Ranking: ranking, Ranks: ranks})
		}
	case domain.ChoixAuRang:
		if err := in.addBinomes(inst, open, eligible); err != nil {
			return nil, err
		}
		if in.CallList != nil {
			return inst, in.followCallList(inst)
		}
		interns := slices.Clone(in.Interns)
		slices.SortFunc(interns, func(a, b Intern) int { return cmp.Compare(a.Rank, b.Rank) })
		var bad []string
		for i, p := range interns {
			if p.Rank < 1 || (i > 0 && interns[i-1].Rank == p.Rank) {
				bad = append(bad, fmt.Sprintf("%s (rang %d)", p.ID, p.Rank))
			}
			inst.CallList = append(inst.CallList, p.ID)
		}
		if len(bad) > 0 {
			return nil, api.Errorf(api.CodeInvalidState,
				"liste d'appel du tour %s : rang manquant ou partagé pour %s",
				"call list of round %s: missing or shared rank for %s", in.Round.ID, strings.Join(bad, ", "))
		}
	}
	return inst, nil
}

// keep returns the elements of list that ok accepts, and their ranks
// numbered again densely from 1 (nil when the list has none, or no tie is
// left among the elements kept: a strict order).
func keep(list []string, ranks []int, ok func(string) bool) ([]string, []int) {
	kept := make([]string, 0, len(list))
	var kr []int
	tie, last := false, 0 // last: the signed rank of the last element kept
	for k, id := range list {
		if !ok(id) {
			continue
		}
		kept = append(kept, id)
		if k >= len(ranks) {
			continue
		}
		switch n := len(kr); {
		case n == 0:
			kr = append(kr, 1)
		case ranks[k] == last:
			kr, tie = append(kr, kr[n-1]), true
		default:
			kr = append(kr, kr[n-1]+1)
		}
		last = ranks[k]
	}
	if !tie {
		return kept, nil
	}
	return kept, kr
}

// tieBreak checks the document's draw against the lists and returns the
// instance's seed: "" when no list has a tie.
func (in *Input) tieBreak(l *Lists) (string, error) {
	r := in.Round
	for _, intern := range slices.Sorted(maps.Keys(l.WishRanks)) { // sorted: the same error every time
		ranks := l.WishRanks[intern]
		if err := rules.CheckRanks("liste de vœux de "+intern, "wish list of "+intern, l.Wishes[intern], ranks); err != nil {
			return "", err
		}
	}
	for _, poste := range slices.Sorted(maps.Keys(l.RankingRanks)) {
		ranks := l.RankingRanks[poste]
		if err := rules.CheckRanks("classement du poste "+poste, "ranking of poste "+poste, l.Rankings[poste], ranks); err != nil {
			return "", err
		}
	}
	if !l.HasTies() {
		if r.TieBreakCommitment != "" || r.TieBreakSecret != "" {
			return "", api.Errorf(api.CodeInvalidState, "l'entrée gelée du tour %s révèle un tirage au sort alors qu'aucune liste n'a d'ex aequo",
				"the frozen input of round %s reveals a draw although no list has a tie", r.ID)
		}
		return "", nil
	}
	if !r.WishTies {
		for _, intern := range slices.Sorted(maps.Keys(l.WishRanks)) {
			ranks := l.WishRanks[intern]
			for i := 1; i < len(ranks); i++ {
				if ranks[i] == ranks[i-1] {
					return "", api.Errorf(api.CodeInvalidState, "le tour %s n'autorise pas les vœux ex aequo, mais la liste de %s en a",
						"round %s does not allow wishes ex aequo, but the list of %s has some", r.ID, intern)
				}
			}
		}
	}
	secret, err := hex.DecodeString(r.TieBreakSecret)
	if err != nil || r.TieBreakSecret == "" {
		return "", api.Errorf(api.CodeInvalidState, "l'entrée gelée du tour %s a des ex aequo mais ne révèle pas le secret de son tirage au sort",
			"the frozen input of round %s has ties but does not reveal the secret of its draw", r.ID)
	}
	if err := draw.Verify(r.TieBreakCommitment, secret); err != nil {
		return "", api.Errorf(api.CodeInvalidState, "tirage au sort du tour %s : %v", "draw of round %s: %v", r.ID, err)
	}
	return draw.Seed(secret, in.RootHash), nil
}

// addBinomes adds the document's binômes to inst: a pair of the joint list
// naming a poste that is not open is dropped, as such a wish is; a binôme
// with an intern who is not eligible, in a round that does not allow
// binômes, or not in canonical form is an error, and so is an intern in two.
// A binôme with an intern absent from the published call list is dropped:
// the other chooses alone, at their own rank.
func (in *Input) addBinomes(inst *match.Instance, open, eligible *match.IDSet) error {
	if len(in.Binomes) == 0 {
		return nil
	}
	if !in.Round.Binomes {
		return api.Errorf(api.CodeInvalidState, "le tour %s n'autorise pas les binômes, mais son entrée gelée en contient %d",
			"round %s does not allow binômes, but its frozen input holds %d", in.Round.ID, len(in.Binomes))
	}
	absent := map[string]bool{}
	if in.CallList != nil {
		for _, e := range in.CallList.Entries {
			absent[e.Intern] = e.Absent
		}
	}
	linked := map[string]bool{}
	for _, b := range in.Binomes {
		a, c := b.Interns[0], b.Interns[1]
		switch {
		case !(a < c):
			return api.Errorf(api.CodeInvalidState, "binôme %s + %s du tour %s : internes dans le désordre ou identiques",
				"binôme %s + %s of round %s: interns out of order or the same", a, c, in.Round.ID)
		case !eligible.Has(a) || !eligible.Has(c):
			return api.Errorf(api.CodeInvalidState, "binôme %s + %s du tour %s : un interne n'est pas éligible au tour",
				"binôme %s + %s of round %s: an intern is not eligible for the round", a, c, in.Round.ID)
		case linked[a] || linked[c]:
			return api.Errorf(api.CodeInvalidState, "binôme %s + %s du tour %s : un interne est déjà dans un autre binôme",
				"binôme %s + %s of round %s: an intern is already in another binôme", a, c, in.Round.ID)
		}
		linked[a], linked[c] = true, true
		if absent[a] || absent[c] {
			continue
		}
		mb := match.Binome{Interns: b.Interns, Pairs: [][2]string{}}
		for _, pq := range b.Pairs {
			if open.Has(pq[0]) && open.Has(pq[1]) {
				mb.Pairs = append(mb.Pairs, pq)
			}
		}
		inst.Binomes = append(inst.Binomes, mb)
	}
	return nil
}

// followCallList sets the call list of inst from the published one,
// checked against the eligible interns and, when the document carries the
// round's commitment, its seed against it (draw.CheckDraw); absent
// interns get no wish.
func (in *Input) followCallList(inst *match.Instance) error {
	if c := in.Round.CallListCommitment; c != "" {
		if err := draw.CheckDraw(c, in.CallList.Seed); err != nil {
			return api.Errorf(api.CodeInvalidState, "liste d'appel publiée (version %d) du tour %s : %v",
				"published call list (version %d) of round %s: %v", in.CallList.Version, in.Round.ID, err)
		}
	}
	eligible := make([]calllist.EligibleIntern, 0, len(in.Interns))
	absent := map[string]bool{}
	for _, e := range in.CallList.Entries {
		absent[e.Intern] = e.Absent
	}
	for _, p := range in.Interns {
		eligible = append(eligible, calllist.EligibleIntern{Intern: p.ID, Specialty: p.Specialty, Absent: absent[p.ID]})
	}
	if rep := calllist.Check(in.CallList, eligible, nil); !rep.OK() {
		return api.Errorf(api.CodeInvalidState,
			"la liste d'appel publiée (version %[1]d) du tour %[2]s ne correspond plus aux internes du tour : %[3]s",
			"the published call list (version %[1]d) of round %[2]s no longer matches the round's interns: %[4]s",
			in.CallList.Version, in.Round.ID, strings.Join(rep.Messages("fr"), " ; "), strings.Join(rep.Messages("en"), "; "))
	}
	for k := range inst.Interns {
		if absent[inst.Interns[k].ID] {
			inst.Interns[k].Wishes = []string{}
		}
	}
	for _, e := range in.CallList.Entries {
		inst.CallList = append(inst.CallList, e.Intern)
	}
	return nil
}

// ListsOf returns the wish lists and rankings of the document's envelopes,
// with their ranks, given the list each one carries (by log index).
func (in *Input) ListsOf(byIndex map[int64]List) (*Lists, error) {
	l := &Lists{Wishes: map[string][]string{}, Rankings: map[string][]string{},
		WishRanks: map[string][]int{}, RankingRanks: map[string][]int{}}
	for _, e := range in.Envelopes {
		list, ok := byIndex[e.Index]
		if !ok {
			return nil, fmt.Errorf("frozen input: no list for envelope %d", e.Index)
		}
		switch e.PayloadType {
		case api.WishListType:
			l.Wishes[e.Author] = list.Items
			if list.Ranks != nil {
				l.WishRanks[e.Author] = list.Ranks
			}
		case api.RankingType:
			l.Rankings[e.Poste] = list.Items
			if list.Ranks != nil {
				l.RankingRanks[e.Poste] = list.Ranks
			}
		default:
			return nil, fmt.Errorf("frozen input: envelope %d of type %q", e.Index, e.PayloadType)
		}
	}
	return l, nil
}

// Lists returns the wish lists and rankings of the document's envelopes,
// given the list each one carries (by log index), for lists without ranks
// (ListsOf keeps them).
func (in *Input) Lists(byIndex map[int64][]string) (wishes, rankings map[string][]string, err error) {
	wishes, rankings = map[string][]string{}, map[string][]string{}
	for _, e := range in.Envelopes {
		list, ok := byIndex[e.Index]
		if !ok {
			return nil, nil, fmt.Errorf("frozen input: no list for envelope %d", e.Index)
		}
		switch e.PayloadType {
		case api.WishListType:
			wishes[e.Author] = list
		case api.RankingType:
			rankings[e.Poste] = list
		default:
			return nil, nil, fmt.Errorf("frozen input: envelope %d of type %q", e.Index, e.PayloadType)
		}
	}
	return wishes, rankings, nil
}

// Compute runs the matching of the document with shared/match, checks it
// with match.Check, and returns the assignments and the unmatched interns
// in the order the algorithms give them. A third round's assignments are
// its manual ones, and every other eligible intern is unmatched.
func (in *Input) Compute(wishes, rankings map[string][]string) ([]domain.Assignment, []string, error) {
	return in.ComputeOf(Strict(wishes, rankings))
}

// ComputeOf is Compute on lists that may carry ranks (InstanceOf): the
// algorithms run on the instance with its ties broken by the round's draw.
func (in *Input) ComputeOf(l *Lists) ([]domain.Assignment, []string, error) {
	var inst *match.Instance
	if in.Round.Number != 3 {
		var err error
		if inst, err = in.InstanceOf(l); err != nil {
			return nil, nil, err
		}
	}
	return in.computeOn(inst)
}

// Outcome is ComputeOf followed by WhyNotOf on the same instance, built once
// from the lists: the round's assignments, its unmatched interns and the
// "why not" of every intern's wishes above the one obtained.
func (in *Input) Outcome(l *Lists) ([]domain.Assignment, []string, []domain.WhyNot, error) {
	if in.Round.Number == 3 {
		assignments, unmatched, err := in.computeOn(nil)
		return assignments, unmatched, nil, err
	}
	inst, err := in.InstanceOf(l)
	if err != nil {
		return nil, nil, nil, err
	}
	assignments, unmatched, err := in.computeOn(inst)
	if err != nil {
		return nil, nil, nil, err
	}
	why, err := in.whyNotOn(inst, l.Wishes, assignments)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("why not: %w", err)
	}
	return assignments, unmatched, why, nil
}

// computeOn runs the matching on inst, the round's instance (nil for a third
// round, whose assignments are its manual ones).
func (in *Input) computeOn(inst *match.Instance) ([]domain.Assignment, []string, error) {
	assignments, unmatched := []domain.Assignment{}, []string{}
	if in.Round.Number == 3 {
		assigned := map[string]bool{}
		for _, a := range in.Manual {
			assigned[a.Intern] = true
			assignments = append(assignments, a)
		}
		for _, p := range in.Interns {
			if !assigned[p.ID] {
				unmatched = append(unmatched, p.ID)
			}
		}
	} else {
		// Compiled once, for the run and for its check (match.Solve and match.Check would
		// each compile the instance).
		c, err := match.Compile(inst)
		if err != nil {
			return nil, nil, fmt.Errorf("match: %w", err)
		}
		out := c.Result(c.Run())
		if err := c.Check(out); err != nil {
			return nil, nil, fmt.Errorf("check: %w", err)
		}
		for _, a := range out.Assignments {
			assignments = append(assignments, domain.Assignment{Intern: a.Intern, Poste: a.Poste})
		}
		unmatched = append(unmatched, out.Unmatched...)
	}
	return assignments, unmatched, nil
}

// WhyNot explains, for every eligible intern and every wish of their signed
// list ranked above the poste obtained (every wish when unmatched), why it
// was not granted (shared/whynot), given the lists of the envelopes and the
// round's assignments: a wish for a poste that was not open is WhyClosed,
// every wish of an intern absent from the call is WhyAbsent, and the others
// get the reason of whynot.Explain on the round's instance. Wish positions
// are those of the signed list; the ranks of a choix au rang are those of
// the published call list, or the interns' ranks when the round has none.
// A third round, assigned by hand, has none.
func (in *Input) WhyNot(wishes, rankings map[string][]string, assignments []domain.Assignment) ([]domain.WhyNot, error) {
	return in.WhyNotOf(Strict(wishes, rankings), assignments)
}

// WhyNotOf is WhyNot on lists that may carry ranks (InstanceOf).
func (in *Input) WhyNotOf(l *Lists, assignments []domain.Assignment) ([]domain.WhyNot, error) {
	if in.Round.Number == 3 {
		return nil, nil
	}
	inst, err := in.InstanceOf(l)
	if err != nil {
		return nil, err
	}
	return in.whyNotOn(inst, l.Wishes, assignments)
}

// whyNotOn is WhyNotOf on inst, the round's instance built from the lists
// whose wish lists are wishes.
func (in *Input) whyNotOn(inst *match.Instance, wishes map[string][]string, assignments []domain.Assignment) ([]domain.WhyNot, error) {
	res := match.Result{Assignments: []match.Assignment{}, Unmatched: []string{}}
	got := map[string]string{}
	for _, a := range assignments {
		got[a.Intern] = a.Poste
		res.Assignments = append(res.Assignments, match.Assignment{Intern: a.Intern, Poste: a.Poste})
	}
	for _, p := range in.Interns {
		if _, ok := got[p.ID]; !ok {
			res.Unmatched = append(res.Unmatched, p.ID)
		}
	}
	explained, err := whynot.Explain(inst, res)
	if err != nil {
		return nil, err
	}
	reason := make(map[[2]string]domain.WhyNot, len(explained))
	for _, w := range explained {
		reason[[2]string{w.Intern, w.Poste}] = w
	}
	open := map[string]bool{}
	for _, p := range in.Postes {
		open[p.ID] = true
	}
	// The ranks a choix au rang's reasons name are those the interns see:
	// of the published call list, or the interns' own ranks without one.
	absent := map[string]bool{}
	rank := map[string]int{}
	if in.Round.Procedure == domain.ChoixAuRang && in.CallList != nil {
		for _, e := range in.CallList.Entries {
			absent[e.Intern], rank[e.Intern] = e.Absent, e.Rank
		}
	} else {
		for _, p := range in.Interns {
			rank[p.ID] = p.Rank
		}
	}
	rankAt := func(turn int) int {
		if turn < 1 || turn > len(inst.CallList) {
			return turn
		}
		return rank[inst.CallList[turn-1]]
	}
	out := []domain.WhyNot{}
	for _, p := range in.Interns { // sorted by id
		obtained, has := got[p.ID]
		for k, poste := range wishes[p.ID] {
			if has && poste == obtained {
				break
			}
			w, ok := reason[[2]string{p.ID, poste}]
			switch {
			case !open[poste]:
				w = domain.WhyNot{Kind: domain.WhyClosed}
			case absent[p.ID]:
				w = domain.WhyNot{Kind: domain.WhyAbsent}
			case !ok:
				return nil, fmt.Errorf("why not: intern %s, poste %s: no reason", p.ID, poste)
			case w.Kind == domain.WhyTaken || w.Kind == domain.WhyBinome:
				w.LastRank, w.YourRank = rankAt(w.LastRank), rankAt(w.YourRank)
			}
			w.Intern, w.Poste, w.Wish = p.ID, poste, k+1
			out = append(out, w)
		}
	}
	slices.SortStableFunc(out, func(a, b domain.WhyNot) int { return cmp.Compare(a.Intern, b.Intern) })
	return out, nil
}
