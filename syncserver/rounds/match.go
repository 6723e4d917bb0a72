package rounds

import (
	"encoding/hex"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/audit"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/frozen"
	"appariement/shared/match"
	"appariement/shared/rules"
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
	// WishRanks and RankingRanks are the ranks of the lists of Wishes and
	// Rankings that carry some (api.Submission.Ranks; absent: strict).
	WishRanks, RankingRanks map[string][]int
	// TieBreakSecret is the secret of the round's draw (TieBreakSecret),
	// revealed in the frozen document when some list has a tie; nil: the
	// round has no draw, and a tie is an error.
	TieBreakSecret []byte
	Manual         []domain.Assignment // third round only
	// CallList is the latest published call list (choix au rang), nil when
	// none was published: the interns then choose in the order of their rank.
	CallList *calllist.List
	// CallListDigest is the hex SHA-256 of CallList's signed payload.
	CallListDigest string
	// RootHash is the root hash of the log's first TreeSize leaves.
	RootHash tlog.Hash
	// Used names the envelopes Wishes and Rankings were read from.
	Used []frozen.Envelope
	// Binomes are the binômes of a choix au rang that allows them: the
	// pairs of matching latest links of their two interns (api.PairLinks).
	Binomes []frozen.Binome
}

// Freeze reads the input of round from the first size leaves of the log:
// every wish list and ranking of the round is re-verified against its
// author's registered keys, and each author's highest sequence number per
// poste wins. It reads nothing else from the submissions bookkeeping, so
// the result depends on the log alone, and, for a choix au rang, on the
// latest published call list, signed by the server and named in the
// result (domain.Result.CallListVersion and CallListDigest).
func Freeze(tx store.Tx, round string, size int64) (*Input, error) {
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
		if in.CallList, err = v.List(api.CallListType); err != nil {
			return nil, errorf(round, "call list: %w", err)
		}
		in.CallListDigest = v.Digest
	} else if !store.IsNotFound(err) {
		return nil, err
	}
	if in.RootHash, err = store.TreeHash(tx, size); err != nil {
		return nil, err
	}
	// The leaves are decoded and their signatures verified on every core (see parallel);
	// the transaction is used by this goroutine alone, and everything is then taken in log
	// order: the outcome, and the error reported (that of the first bad leaf), are those of
	// a sequential walk.
	type leaf struct {
		index int64
		data  []byte // valid for the life of tx
	}
	var leaves []leaf
	if err := tx.ForEachLeaf(0, size, func(index int64, data []byte) error {
		leaves = append(leaves, leaf{index, data})
		return nil
	}); err != nil {
		return nil, err
	}
	decoded := make([]leafSubmission, len(leaves))
	parallel(len(leaves), func(k int) {
		decoded[k] = decodeLeaf(round, leaves[k].index, leaves[k].data)
	})
	var subs []leafSubmission
	var walkErr error
	keys := map[string][]audit.Key{}
	for _, ls := range decoded {
		if ls.err != nil {
			walkErr = ls.err
			break
		}
		if ls.sub == nil {
			continue // another round, or not a list
		}
		hist, ok := keys[ls.sub.Author]
		if !ok {
			var recs []store.KeyRecord
			if recs, walkErr = tx.KeyHistory(ls.sub.Author); walkErr != nil {
				break
			}
			for _, k := range recs {
				hist = append(hist, audit.Key{Person: k.Person, PublicKey: k.PublicKey, Registered: k.Registered, Revoked: k.Revoked})
			}
			keys[ls.sub.Author] = hist
		}
		ls.keys = hist
		subs = append(subs, ls)
	}
	if err := verifyAll(round, subs); err != nil {
		return nil, err
	}
	if walkErr != nil {
		return nil, walkErr
	}
	type best struct {
		seq   uint64
		list  []string
		ranks []int
		used  frozen.Envelope
	}
	latest := map[[2]string]best{}
	type bestLink struct {
		link  *api.BinomeLink
		index int64
	}
	links := map[string]bestLink{}
	for _, ls := range subs {
		env, sub := ls.env, ls.sub
		if ls.link != nil {
			if b, ok := links[sub.Author]; !ok || sub.Seq > b.link.Seq {
				links[sub.Author] = bestLink{ls.link, ls.index}
			}
			continue
		}
		k := [2]string{sub.Author, sub.Poste}
		if env.PayloadType == api.WishListType {
			k[1] = ""
		}
		if b, ok := latest[k]; !ok || sub.Seq > b.seq {
			latest[k] = best{sub.Seq, sub.List, sub.Ranks, frozen.Envelope{Index: ls.index, Digest: env.Digest(),
				PayloadType: env.PayloadType, Author: sub.Author, Poste: k[1], Seq: sub.Seq}}
		}
	}
	in.WishRanks, in.RankingRanks = map[string][]int{}, map[string][]int{}
	for k, b := range latest {
		if k[1] == "" {
			in.Wishes[k[0]] = b.list
			if b.ranks != nil {
				in.WishRanks[k[0]] = b.ranks
			}
		} else {
			in.Rankings[k[1]] = b.list
			if b.ranks != nil {
				in.RankingRanks[k[1]] = b.ranks
			}
		}
		in.Used = append(in.Used, b.used)
	}
	if rec.Round.Procedure == domain.ChoixAuRang && rec.Round.Binomes && len(links) > 0 {
		byAuthor := make(map[string]*api.BinomeLink, len(links))
		for a, b := range links {
			byAuthor[a] = b.link
		}
		pairs, err := api.PairLinks(byAuthor)
		if err != nil {
			return nil, errorf(round, "%w", err)
		}
		for _, p := range pairs {
			in.Binomes = append(in.Binomes, frozen.Binome{Interns: p.Interns, Pairs: p.Pairs,
				Envelopes: [2]int64{links[p.Interns[0]].index, links[p.Interns[1]].index}})
		}
	}
	return in, nil
}

// leafSubmission is a submission of the round read from the log, with the keys its author
// ever had; sub is nil for a leaf that is not a list of the round, err is set for a leaf
// that does not decode.
type leafSubmission struct {
	index int64
	at    time.Time
	env   *envelope.Envelope
	sub   *api.Submission
	link  *api.BinomeLink // a binôme link; sub then holds its round, author and sequence
	keys  []audit.Key
	err   error
}

// decodeLeaf decodes leaf index of the log, keeping it when it is a wish list or a ranking
// of round.
func decodeLeaf(round string, index int64, data []byte) leafSubmission {
	ls := leafSubmission{index: index}
	at, env, err := store.ParseLeaf(data)
	if err != nil {
		ls.err = errorf(round, "leaf %d: %w", index, err)
		return ls
	}
	if env.PayloadType == api.BinomeType {
		link, err := api.DecodeBinomeLink(env.Payload)
		if err != nil {
			ls.err = errorf(round, "leaf %d: %w", index, err)
			return ls
		}
		if link.Round == round {
			// The link's author and sequence, for the walk's key history and ordering.
			ls.at, ls.env, ls.link = at, env, link
			ls.sub = &api.Submission{Round: link.Round, Author: link.Author, Seq: link.Seq}
		}
		return ls
	}
	if env.PayloadType != api.WishListType && env.PayloadType != api.RankingType {
		return ls
	}
	sub, err := api.DecodeSubmission(env.Payload)
	if err != nil {
		ls.err = errorf(round, "leaf %d: %w", index, err)
		return ls
	}
	if sub.Round == round {
		ls.at, ls.env, ls.sub = at, env, sub
	}
	return ls
}

// parallel calls fn(k) for every k below n on up to GOMAXPROCS goroutines, which take
// chunks of indices in turn; fn must only write what belongs to k.
func parallel(n int, fn func(k int)) {
	const chunk = 256
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk) {
		wg.Go(func() {
			for {
				start := int(next.Add(chunk)) - chunk
				if start >= n {
					return
				}
				for k := start; k < min(start+chunk, n); k++ {
					fn(k)
				}
			}
		})
	}
	wg.Wait()
}

// verifyAll checks the signature of every submission against its author's key of the time,
// on every core, and returns the error of the first submission in log order that does not
// verify.
func verifyAll(round string, subs []leafSubmission) error {
	bad := make([]bool, len(subs))
	parallel(len(subs), func(k int) {
		bad[k] = verifyAt(subs[k].env, subs[k].keys, subs[k].at) != nil
	})
	if k := slices.Index(bad, true); k >= 0 {
		ls := subs[k]
		return errorf(round, "leaf %d by %s: %w", ls.index, ls.sub.Author, verifyAt(ls.env, ls.keys, ls.at))
	}
	return nil
}

// verifyAt checks env against the keys its author had at time at.
func verifyAt(env *envelope.Envelope, hist []audit.Key, at time.Time) error {
	if audit.SignedAt(env, hist, at) {
		return nil
	}
	return errors.New("signature does not verify with the author's key of the time")
}

// Document returns the canonical frozen input of in (see shared/frozen):
// what the result's InputDigest names and what an auditor re-runs.
func (in *Input) Document() *frozen.Input {
	doc := &frozen.Input{
		Version:        frozen.Version,
		Round:          frozen.Round{ID: in.Round.ID, Procedure: in.Round.Procedure, Number: in.Round.Number},
		Binomes:        slices.Clone(in.Binomes),
		TreeSize:       in.TreeSize,
		RootHash:       in.RootHash.String(),
		Postes:         make([]frozen.Poste, 0, len(in.Postes)),
		Interns:        make([]frozen.Intern, 0, len(in.Interns)),
		CallListDigest: in.CallListDigest,
		Envelopes:      slices.Clone(in.Used),
		Manual:         slices.Clone(in.Manual),
	}
	if doc.Envelopes == nil {
		doc.Envelopes = []frozen.Envelope{}
	}
	if in.Round.Procedure == domain.ChoixAuRang {
		doc.CallList = in.CallList
		if in.CallList != nil {
			doc.Round.CallListCommitment = in.Round.CallListCommitment
		}
		doc.Round.Binomes = in.Round.Binomes
	} else {
		doc.CallListDigest = ""
	}
	// The draw is revealed, with the round's rule on wish ties, only when
	// some list has a tie: a round without one has the document it had
	// before ties existed.
	if in.Lists().HasTies() {
		doc.Round.WishTies = in.Round.WishTies
		doc.Round.TieBreakCommitment = in.Round.TieBreakCommitment
		if in.TieBreakSecret != nil {
			doc.Round.TieBreakSecret = hex.EncodeToString(in.TieBreakSecret)
		}
	}
	for _, p := range in.Postes {
		doc.Postes = append(doc.Postes, frozen.Poste{ID: p.ID, Specialty: p.Specialty, Subdivision: p.Subdivision, Capacity: p.Capacity})
	}
	for _, p := range in.Interns {
		doc.Interns = append(doc.Interns, frozen.Intern{ID: p.ID, Specialty: p.Specialty, Subdivision: p.Subdivision, Rank: p.Rank})
	}
	doc.Sort()
	return doc
}

// Lists are the input's lists with their ranks, as shared/frozen takes
// them.
func (in *Input) Lists() *frozen.Lists {
	return &frozen.Lists{Wishes: in.Wishes, Rankings: in.Rankings, WishRanks: in.WishRanks, RankingRanks: in.RankingRanks}
}

// Instance builds the exchange-format instance of the input, with the one
// rule of shared/frozen (Input.InstanceOf).
func (in *Input) Instance() (*match.Instance, error) {
	return in.Document().InstanceOf(in.Lists())
}

// Compute runs the matching of the input (shared/frozen's Compute: the
// algorithms of shared/match, checked by match.Check) and returns the
// round's result, naming the digest of the frozen input document, with the
// "why not" of every intern's wishes above the one obtained
// (frozen.Input.WhyNot), and the document itself.
func Compute(in *Input, checkpoint string, now time.Time) (*domain.Result, []byte, error) {
	doc := in.Document()
	data := doc.Encode()
	res := &domain.Result{
		Round: in.Round.ID, Procedure: in.Round.Procedure, Checkpoint: checkpoint,
		TreeSize: in.TreeSize, ComputedAt: now.UTC(), InputDigest: frozen.Digest(data),
	}
	if in.CallList != nil && in.Round.Procedure == domain.ChoixAuRang {
		res.CallListVersion, res.CallListDigest = in.CallList.Version, in.CallListDigest
	}
	var err error
	res.Assignments, res.Unmatched, res.WhyNot, err = doc.Outcome(in.Lists())
	if err != nil {
		var apiErr *api.Error
		if errors.As(err, &apiErr) {
			return nil, nil, apiErr
		}
		return nil, nil, errorf(in.Round.ID, "%w", err)
	}
	return res, data, nil
}

// Derive returns the postes and interns of the round after a published
// one: the same postes with their capacity reduced by the places taken
// (closed when none is left) and the interns left unmatched.
func Derive(postes []domain.Poste, res *domain.Result) ([]domain.Poste, []string) {
	free := rules.FreePlaces(postes, res.Assignments)
	var out []domain.Poste
	for _, p := range postes {
		if p.Closed {
			continue
		}
		p.Version = 0
		p.Capacity = free[p.ID]
		if p.Capacity <= 0 {
			p.Capacity, p.Closed = 0, true
		}
		out = append(out, p)
	}
	return out, slices.Clone(res.Unmatched)
}
