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
	"strings"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/store"
)

// simulate makes the simulated interns submit signed wish lists through
// the API, one every opts.SimulateEvery, each listing a few postes of its
// specialty and subdivision; now and then one of them revises its list.
// It stops when ctx is done, when the window closes or when every
// simulated intern has submitted once.
func simulate(ctx context.Context, url string, st *store.Store, opts Options, postes []domain.Poste,
	people []domain.Person, sim map[string]ed25519.PrivateKey) {
	log := opts.Logger
	byScope := map[string][]string{}
	for _, p := range postes {
		if !p.Closed {
			k := p.Specialty + "/" + p.Subdivision
			byScope[k] = append(byScope[k], p.ID)
		}
	}
	var ids []string
	scope := map[string]string{}
	for _, p := range people {
		if _, ok := sim[p.ID]; ok {
			ids = append(ids, p.ID)
			scope[p.ID] = p.Specialty + "/" + p.Subdivision
		}
	}
	sort.Strings(ids)
	base, err := client.New(url, nil)
	if err != nil {
		log.Error("simulation : client", "err", err)
		return
	}
	rng := rand.New(rand.NewPCG(opts.Data.Seed, 2026))
	tick := time.NewTicker(opts.SimulateEvery)
	defer tick.Stop()
	done := 0
	for i := 0; i < len(ids); {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		id := ids[i]
		// One time in eight, an intern who already submitted revises its list.
		if i > 0 && rng.IntN(8) == 0 {
			id = ids[rng.IntN(i)]
		} else {
			i++
		}
		c := base.WithIdentity(id, sim[id])
		err := submitOne(ctx, c, st, Round, id, byScope[scope[id]], rng)
		if err == nil && strings.HasSuffix(scope[id], "/"+ChoixSubdivision) {
			// Interns of the choix-au-rang subdivision take part in both rounds.
			err = submitOne(ctx, c, st, ChoixRound, id, byScope[scope[id]], rng)
		}
		var ae *api.Error
		switch {
		case err == nil:
			done++
			log.Info("simulation : liste de vœux déposée", "interne", id, "dépôts", done)
		case errors.As(err, &ae) && (ae.Code == api.CodeWindowClosed || ae.Code == api.CodeWindowNotOpen || ae.Code == api.CodeInvalidState):
			log.Info("simulation arrêtée : fenêtre des vœux fermée", "raison", ae.Message)
			return
		case ctx.Err() != nil:
			return
		default:
			log.Warn("simulation : dépôt refusé", "interne", id, "err", err)
		}
	}
	log.Info("simulation terminée", "dépôts", done)
}

// submitOne signs and sends a wish list of round for intern id: a few
// postes of its scope, in a random order, with the next sequence number.
func submitOne(ctx context.Context, c *client.Client, st *store.Store, round, id string, scope []string, rng *rand.Rand) error {
	if len(scope) == 0 {
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
	list := slices.Clone(scope)
	rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
	h := fnv.New32a()
	h.Write([]byte(id))
	n := 3 + int(h.Sum32()%10)
	list = list[:min(n, len(list))]
	b, err := json.Marshal(api.Submission{Round: round, Author: id, Seq: seq, ClientTime: time.Now().UTC(), List: list})
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = c.Submit(sctx, envelope.Sign(c.Key, api.WishListType, b))
	return err
}
