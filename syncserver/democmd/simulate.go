package democmd

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/rules"
	"appariement/syncserver/demodata"
	"appariement/syncserver/store"
)

// HumanInterns and HumanRTS are how many of the showcase's interns and RTS
// (demodata.Showcase) the demo leaves to people, with activation codes,
// at the top of codes.txt; the simulation plays the others.
const (
	HumanInterns = 4
	HumanRTS     = 2
)

// plan is what the simulation plays: its interns in the order they first
// submit (the showcase's first, so that the showcase poste soon has many
// candidates), the open postes each may list, and its RTS with their
// postes of Round.
type plan struct {
	interns  []string
	scope    map[string][]string // intern → open postes of its specialty and subdivision
	showcase map[string]string   // intern of the showcase → the poste they all list
	inChoix  map[string]bool     // interns of ChoixSubdivision, who take part in ChoixRound too
	rts      []string
	postes   map[string][]string // RTS → its open postes of Round
	// pace spaces the rankings' requests, which come all at once when
	// the rankings open (see rankingRate).
	pace *rate.Limiter
}

// rankingRate is how many requests a second the simulated RTS send, all
// from the demo's one address: under the demo server's limit per address
// (demoIPRate), with room left for the people using the demo.
const rankingRate = 300

// newPlan makes the plan of the simulated people sim (interns and RTS).
func newPlan(postes []domain.Poste, people []domain.Person, sc demodata.Showcase, sim map[string]ed25519.PrivateKey) *plan {
	p := &plan{scope: map[string][]string{}, showcase: map[string]string{}, inChoix: map[string]bool{},
		postes: map[string][]string{}, pace: rate.NewLimiter(rankingRate, 1)}
	byScope := map[string][]string{}
	for _, q := range postes {
		if !q.Closed {
			k := q.Specialty + "/" + q.Subdivision
			byScope[k] = append(byScope[k], q.ID)
			if _, ok := sim[q.RTS]; ok {
				p.postes[q.RTS] = append(p.postes[q.RTS], q.ID)
			}
		}
	}
	var first, rest []string
	for _, q := range people {
		if _, ok := sim[q.ID]; !ok {
			continue
		}
		switch q.Role {
		case domain.RoleIntern:
			p.scope[q.ID] = byScope[q.Specialty+"/"+q.Subdivision]
			p.inChoix[q.ID] = q.Subdivision == ChoixSubdivision
			if q.Specialty == sc.Specialty && q.Subdivision == sc.Subdivision && sc.Poste != "" {
				p.showcase[q.ID] = sc.Poste
				first = append(first, q.ID)
			} else {
				rest = append(rest, q.ID)
			}
		case domain.RoleRTS:
			p.rts = append(p.rts, q.ID)
		}
	}
	sort.Strings(first)
	sort.Strings(rest)
	sort.Strings(p.rts)
	p.interns = append(first, rest...)
	return p
}

// wishList is a wish list of intern id: 3 to 12 postes of its scope (a
// number fixed by its id) in a random order; an intern of the showcase
// always lists the showcase poste, among its first three wishes.
func (p *plan) wishList(id string, rng *rand.Rand) []string {
	list := slices.Clone(p.scope[id])
	rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
	h := fnv.New32a()
	h.Write([]byte(id))
	n := min(3+int(h.Sum32()%10), len(list))
	sc, ok := p.showcase[id]
	if !ok || !slices.Contains(list, sc) {
		return list[:n]
	}
	list = slices.DeleteFunc(list, func(s string) bool { return s == sc })[:n-1]
	return slices.Insert(list, rng.IntN(min(3, n)), sc)
}

// simulate makes the simulated interns submit signed wish lists through
// the API: the showcase's at once, then one every opts.SimulateEvery; now
// and then one of them revises its list. It stops submitting when the
// window closes or every simulated intern has submitted once. Meanwhile
// the simulated RTS sign a ranking of every poste with candidates once
// the rankings of Round are open (simulateRankings). It returns when ctx
// is done or both are over.
func simulate(ctx context.Context, url string, st *store.Store, opts Options, pl *plan, sim map[string]ed25519.PrivateKey) {
	log := opts.Logger
	base, err := client.New(url, nil)
	if err != nil {
		log.Error("simulation : client", "err", err)
		return
	}
	ranked := make(chan struct{})
	go func() {
		defer close(ranked)
		simulateRankings(ctx, base, st, opts, pl, sim)
	}()
	defer func() { <-ranked }()
	rng := rand.New(rand.NewPCG(opts.Data.Seed, 2026))
	tick := time.NewTicker(opts.SimulateEvery)
	defer tick.Stop()
	done := 0
	for i := 0; i < len(pl.interns); {
		id := pl.interns[i]
		if _, now := pl.showcase[id]; now {
			i++
		} else {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			// One time in eight, an intern who already submitted revises its list.
			if i > 0 && rng.IntN(8) == 0 {
				id = pl.interns[rng.IntN(i)]
			} else {
				i++
			}
		}
		c := base.WithIdentity(id, sim[id])
		err := submitWishes(ctx, c, st, Round, id, pl.wishList(id, rng))
		if err == nil && pl.inChoix[id] {
			// Interns of the choix-au-rang subdivision take part in both rounds.
			err = submitWishes(ctx, c, st, ChoixRound, id, pl.wishList(id, rng))
		}
		var ae *api.Error
		switch {
		case err == nil:
			done++
			log.Info("simulation : liste de vœux déposée", "interne", id, "dépôts", done)
		case errors.As(err, &ae) && (ae.Code == api.CodeWindowClosed || ae.Code == api.CodeWindowNotOpen || ae.Code == api.CodeInvalidState):
			log.Info("simulation des vœux arrêtée : fenêtre des vœux fermée", "raison", ae.Message)
			return
		case ctx.Err() != nil:
			return
		default:
			log.Warn("simulation : dépôt refusé", "interne", id, "err", err)
		}
	}
	log.Info("simulation des vœux terminée", "dépôts", done)
}

// simulateRankings waits, looking every opts.SimulateEvery (at least a
// second), for the rankings of Round to be open, then makes every
// simulated RTS rank the candidates of each of its postes (rankPostes).
func simulateRankings(ctx context.Context, base *client.Client, st *store.Store, opts Options, pl *plan, sim map[string]ed25519.PrivateKey) {
	log := opts.Logger
	if len(pl.rts) == 0 {
		return
	}
	every := max(opts.SimulateEvery, time.Second)
	watcher := base.WithIdentity(pl.rts[0], sim[pl.rts[0]])
	for {
		state, err := roundState(ctx, watcher, Round)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("simulation des classements : état du tour", "err", err)
		case state == domain.StateRankingsOpen:
			n, err := rankAll(ctx, base, st, pl, sim, opts.Data.Seed)
			if err != nil && ctx.Err() == nil {
				log.Warn("simulation des classements interrompue", "classements", n, "err", err)
			} else {
				log.Info("simulation des classements terminée", "classements", n)
			}
			return
		case state.Index() > domain.StateRankingsOpen.Index():
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// roundState is the state of round as the server's clock has it.
func roundState(ctx context.Context, c *client.Client, round string) (domain.RoundState, error) {
	rs, err := c.Rounds(ctx)
	if err != nil {
		return "", err
	}
	for i := range rs.Rounds {
		if rs.Rounds[i].ID == round {
			return rules.Effective(&rs.Rounds[i], rs.ServerTime), nil
		}
	}
	return "", errors.New("round " + round + " not listed")
}

// rankers is how many simulated RTS rank at the same time: the server
// commits their rankings together (group commit) instead of one by one.
const rankers = 4

// rankAll makes every RTS of pl rank its postes of Round, rankers at a
// time, each with its own random order seeded by seed and its id, and
// returns how many rankings were signed. A refusal because the window
// closed ends it; other refusals are skipped.
func rankAll(ctx context.Context, base *client.Client, st *store.Store, pl *plan, sim map[string]ed25519.PrivateKey, seed uint64) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ids := make(chan string)
	var mu sync.Mutex
	n := 0
	var stop error
	var wg sync.WaitGroup
	for range rankers {
		wg.Go(func() {
			for id := range ids {
				h := fnv.New64a()
				h.Write([]byte(id))
				rng := rand.New(rand.NewPCG(seed, h.Sum64()))
				k, err := rankPostes(ctx, base.WithIdentity(id, sim[id]), st, pl.pace, Round, id, pl.postes[id], rng)
				var ae *api.Error
				mu.Lock()
				n += k
				if stop == nil && (errors.As(err, &ae) && (ae.Code == api.CodeWindowClosed || ae.Code == api.CodeInvalidState) ||
					err != nil && ctx.Err() != nil) {
					stop = err
					cancel()
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, id := range pl.rts {
		select {
		case ids <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(ids)
	wg.Wait()
	return n, stop
}

// rankPostes signs, as RTS id, a ranking of every candidate of each of
// postes that has candidates and no ranking yet, in a random order (an
// RTS's judgement, which the demo does not model), and returns how many it
// signed.
func rankPostes(ctx context.Context, c *client.Client, st *store.Store, pace *rate.Limiter, round, id string, postes []string, rng *rand.Rand) (int, error) {
	n := 0
	for _, poste := range postes {
		var seq uint64 = 1
		err := st.View(func(tx store.Tx) error {
			cur, err := tx.Current(round, id, poste)
			if err == nil {
				seq = cur.Seq + 1
			} else if !store.IsNotFound(err) {
				return err
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		if seq > 1 {
			continue // ranked already (by an earlier run of the demo)
		}
		if err := pace.Wait(ctx); err != nil {
			return n, err
		}
		cand, err := c.Candidates(ctx, round, poste)
		if err != nil {
			return n, err
		}
		if len(cand.Candidates) == 0 {
			continue
		}
		list := make([]string, len(cand.Candidates))
		for i, k := range rng.Perm(len(list)) {
			list[i] = cand.Candidates[k].Intern.ID
		}
		if err := pace.Wait(ctx); err != nil {
			return n, err
		}
		if err := submit(ctx, c, api.RankingType, api.Submission{Round: round, Author: id, Seq: seq, Poste: poste,
			ClientTime: time.Now().UTC(), List: list, Ranks: demoTies(len(list), rng)}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// demoTies returns the ranks of a demo ranking of n candidates: for about
// one poste in three with at least three candidates, the first two are ex
// aequo (a tie group, broken by the round's published draw); nil,
// a strict order, otherwise.
func demoTies(n int, rng *rand.Rand) []int {
	if n < 3 || rng.IntN(3) != 0 {
		return nil
	}
	ranks := make([]int, n)
	for i := range ranks {
		ranks[i] = i
	}
	ranks[0] = 1
	return ranks
}

// submitWishes signs and sends list as the wish list of round for intern
// id, with the next sequence number.
func submitWishes(ctx context.Context, c *client.Client, st *store.Store, round, id string, list []string) error {
	if len(list) == 0 {
		return nil
	}
	var seq uint64 = 1
	err := st.View(func(tx store.Tx) error {
		cur, err := store.CurrentOfAuthor(tx, round, id, api.WishListType)
		if err == nil {
			seq = cur.Seq + 1
		} else if !store.IsNotFound(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return submit(ctx, c, api.WishListType, api.Submission{Round: round, Author: id, Seq: seq, ClientTime: time.Now().UTC(), List: list})
}

// submit signs sub with c's key and sends it.
func submit(ctx context.Context, c *client.Client, payloadType string, sub api.Submission) error {
	b, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = c.Submit(sctx, envelope.Sign(c.Key, payloadType, b))
	return err
}
