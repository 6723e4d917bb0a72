package rounds

import (
	"cmp"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/match"
	"appariement/syncserver/store"
)

// Input is the frozen input of a round: what the matching runs on.
type Input struct {
	Round    domain.Round
	TreeSize int64
	Postes   []domain.Poste      // open postes, by id
	Interns  []domain.Person     // eligible interns, by id
	Wishes   map[string][]string // intern → postes, from its highest-seq wish list in the log
	Rankings map[string][]string // poste → interns, from its highest-seq ranking in the log
	Manual   []domain.Assignment // third round only
	// CallList is the latest published call list (choix au rang), nil when
	// none was published: the interns then choose in the order of their rank.
	CallList *calllist.List
	// CallListDigest is the hex SHA-256 of CallList's signed payload.
	CallListDigest string
}

// Freeze reads the input of round from the first size leaves of the log:
// every wish list and ranking of the round is re-verified against its
// author's registered keys, and each author's highest sequence number per
// poste wins. It reads nothing else from the submissions bookkeeping, so
// the result depends on the log alone, and, for a choix au rang, on the
// latest published call list, signed by the server and named in the
// result (domain.Result.CallListVersion and CallListDigest).
func Freeze(tx *store.Tx, round string, size int64) (*Input, error) {
	rec, err := tx.Round(round)
	if err != nil {
		return nil, err
	}
	in := &Input{Round: rec.Round, TreeSize: size, Wishes: map[string][]string{}, Rankings: map[string][]string{}}
	postes, err := tx.Postes(round, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range postes {
		if !p.Closed {
			in.Postes = append(in.Postes, p)
		}
	}
	ids, err := tx.Eligible(round)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		p, err := tx.Person(id)
		if err != nil {
			return nil, errorf(round, "eligible intern: %w", err)
		}
		in.Interns = append(in.Interns, *p)
	}
	if in.Manual, err = tx.Manual(round); err != nil {
		return nil, err
	}
	if v, err := tx.LatestCallListVersion(round); err == nil {
		if in.CallList, err = v.List(); err != nil {
			return nil, errorf(round, "call list: %w", err)
		}
		in.CallListDigest = v.Digest
	} else if !store.IsNotFound(err) {
		return nil, err
	}
	type best struct {
		seq  uint64
		list []string
	}
	latest := map[[2]string]best{}
	keys := map[string][]store.KeyRecord{}
	err = tx.ForEachLeaf(0, size, func(index int64, data []byte) error {
		at, env, err := store.ParseLeaf(data)
		if err != nil {
			return errorf(round, "leaf %d: %w", index, err)
		}
		if env.PayloadType != api.WishListType && env.PayloadType != api.RankingType {
			return nil
		}
		sub, err := api.DecodeSubmission(env.Payload)
		if err != nil {
			return errorf(round, "leaf %d: %w", index, err)
		}
		if sub.Round != round {
			return nil
		}
		hist, ok := keys[sub.Author]
		if !ok {
			if hist, err = tx.KeyHistory(sub.Author); err != nil {
				return err
			}
			keys[sub.Author] = hist
		}
		if err := verifyAt(env, hist, at); err != nil {
			return errorf(round, "leaf %d by %s: %w", index, sub.Author, err)
		}
		k := [2]string{sub.Author, sub.Poste}
		if env.PayloadType == api.WishListType {
			k[1] = ""
		}
		if b, ok := latest[k]; !ok || sub.Seq > b.seq {
			latest[k] = best{sub.Seq, sub.List}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, b := range latest {
		if k[1] == "" {
			in.Wishes[k[0]] = b.list
		} else {
			in.Rankings[k[1]] = b.list
		}
	}
	return in, nil
}

// verifyAt checks env against the keys its author had at time at.
func verifyAt(env *envelope.Envelope, hist []store.KeyRecord, at time.Time) error {
	for _, k := range hist {
		if at.Before(k.Registered) || (!k.Revoked.IsZero() && at.After(k.Revoked)) {
			continue
		}
		if env.Verify(ed25519.PublicKey(k.PublicKey)) == nil {
			return nil
		}
	}
	return errors.New("signature does not verify with the author's key of the time")
}

// Instance builds the exchange-format instance of the input: only open
// postes and eligible interns; a wish for a poste closed since is dropped,
// a ranking of a closed poste too. A choix-au-rang round follows its
// published call list (an intern flagged absent chooses nothing; an
// eligible intern missing from it, or a listed intern who is not
// eligible, is an error); without one, the interns choose by rank, and a
// missing or shared rank is an error, never a silent tie break.
func (in *Input) Instance() (*match.Instance, error) {
	inst := &match.Instance{Procedure: match.Procedure(in.Round.Procedure)}
	open := map[string]bool{}
	for _, p := range in.Postes {
		open[p.ID] = true
		inst.Postes = append(inst.Postes, match.Poste{ID: p.ID, Capacity: p.Capacity})
	}
	eligible := map[string]bool{}
	for _, p := range in.Interns {
		eligible[p.ID] = true
		wishes := []string{}
		for _, w := range in.Wishes[p.ID] {
			if open[w] {
				wishes = append(wishes, w)
			}
		}
		inst.Interns = append(inst.Interns, match.Intern{ID: p.ID, Wishes: wishes})
	}
	switch in.Round.Procedure {
	case domain.Appariement:
		for _, p := range in.Postes {
			list, ok := in.Rankings[p.ID]
			if !ok {
				continue
			}
			ranking := []string{}
			for _, id := range list {
				if eligible[id] {
					ranking = append(ranking, id)
				}
			}
			inst.Rankings = append(inst.Rankings, match.Ranking{Poste: p.ID, Ranking: ranking})
		}
	case domain.ChoixAuRang:
		if in.CallList != nil {
			return inst, in.followCallList(inst)
		}
		interns := slices.Clone(in.Interns)
		slices.SortFunc(interns, func(a, b domain.Person) int { return cmp.Compare(a.Rank, b.Rank) })
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

// followCallList sets the call list of inst from the published one,
// checked against the eligible interns; absent interns get no wish.
func (in *Input) followCallList(inst *match.Instance) error {
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

// Compute runs the matching of the input with shared/match, checks the
// outcome with match.Check and returns the round's result. A third round's
// result is its manual assignments.
func Compute(in *Input, checkpoint string, now time.Time) (*domain.Result, error) {
	res := &domain.Result{
		Round: in.Round.ID, Procedure: in.Round.Procedure, Checkpoint: checkpoint,
		TreeSize: in.TreeSize, ComputedAt: now.UTC(), Assignments: []domain.Assignment{}, Unmatched: []string{},
	}
	if in.CallList != nil && in.Round.Procedure == domain.ChoixAuRang {
		res.CallListVersion, res.CallListDigest = in.CallList.Version, in.CallListDigest
	}
	if in.Round.Number == 3 {
		assigned := map[string]bool{}
		for _, a := range in.Manual {
			assigned[a.Intern] = true
			res.Assignments = append(res.Assignments, a)
		}
		for _, p := range in.Interns {
			if !assigned[p.ID] {
				res.Unmatched = append(res.Unmatched, p.ID)
			}
		}
		return res, nil
	}
	inst, err := in.Instance()
	if err != nil {
		return nil, err
	}
	out, err := match.Solve(inst)
	if err != nil {
		return nil, errorf(in.Round.ID, "match: %w", err)
	}
	if err := match.Check(inst, out); err != nil {
		return nil, errorf(in.Round.ID, "check: %w", err)
	}
	for _, a := range out.Assignments {
		res.Assignments = append(res.Assignments, domain.Assignment{Intern: a.Intern, Poste: a.Poste})
	}
	res.Unmatched = append(res.Unmatched, out.Unmatched...)
	return res, nil
}

// Derive returns the postes and interns of the round after a published
// one: the same postes with their capacity reduced by the places taken
// (closed when none is left) and the interns left unmatched.
func Derive(postes []domain.Poste, res *domain.Result) ([]domain.Poste, []string) {
	taken := map[string]int{}
	for _, a := range res.Assignments {
		taken[a.Poste]++
	}
	var out []domain.Poste
	for _, p := range postes {
		if p.Closed {
			continue
		}
		p.Version = 0
		p.Capacity -= taken[p.ID]
		if p.Capacity <= 0 {
			p.Capacity, p.Closed = 0, true
		}
		out = append(out, p)
	}
	return out, slices.Clone(res.Unmatched)
}

// FreePlaces returns the places left on each open poste of a round given
// its assignments so far.
func FreePlaces(postes []domain.Poste, assigned []domain.Assignment) map[string]int {
	free := map[string]int{}
	for _, p := range postes {
		if !p.Closed {
			free[p.ID] = p.Capacity
		}
	}
	for _, a := range assigned {
		free[a.Poste]--
	}
	return free
}
