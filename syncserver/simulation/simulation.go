// Package simulation serves the "simulation des choix" of a choix au
// rang: while the wishes window is open, the choices are run in call-list
// order on the wish lists accepted so far (an intern without a list counts
// with an empty one; shared/simulation computes). A Cache keeps the last
// simulation of each round, recomputed only when its input changed; a
// background loop refreshes every open round; a read finds it again when
// it is older than its maximum age; an admin can force it.
package simulation

import (
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	shared "appariement/shared/simulation"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// key is what a simulation depends on: when it is unchanged, so is the
// simulation.
type key struct {
	treeSize  int64
	catalogue uint64
	callList  int
	state     domain.RoundState
}

// State is one computed simulation of a round. It must not be modified.
type State struct {
	key key
	// Meta describes it (round, counts, when computed and checked).
	Meta api.SimulationMeta
	// checked is when it was last checked, on the monotonic clock: its age
	// is judged by both clocks, so that a wall clock stepped back does not
	// serve it stale.
	checked time.Time
	// Sim is the simulation itself.
	Sim *shared.Simulation
	// Postes are the round's open postes by id.
	Postes map[string]domain.Poste
}

// fresh reports whether st, checked last, is younger than maxAge by the
// wall clock (which tests move) and by the monotonic clock, and not from
// the wall clock's future (a clock stepped back).
func (st *State) fresh(now time.Time, maxAge time.Duration) bool {
	wall := now.Sub(st.Meta.CheckedAt)
	return wall >= 0 && wall < maxAge && time.Since(st.checked) < maxAge
}

// simRound serialises the computations of one round and holds the last one.
type simRound struct {
	mu  sync.Mutex
	cur *State
}

// Config configures a Cache. Store and Clock are required.
type Config struct {
	// Store holds the rounds, their lists and call lists.
	Store *store.Store
	// Clock is the server's clock: windows and ages follow it.
	Clock func() time.Time
	// MaxAge is the age past which a read computes again (Me, Amphi).
	MaxAge time.Duration
	// Logger receives the refresh loop's warnings (slog.Default if nil).
	Logger *slog.Logger
}

// Cache holds the last simulation of each round whose wishes are open.
type Cache struct {
	cfg    Config
	mu     sync.Mutex
	rounds map[string]*simRound

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	started  bool
}

// New returns an empty cache.
func New(cfg Config) *Cache {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Cache{cfg: cfg, rounds: map[string]*simRound{}, stop: make(chan struct{}), done: make(chan struct{})}
}

func (c *Cache) round(id string) *simRound {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.rounds[id]
	if !ok {
		r = &simRound{}
		c.rounds[id] = r
	}
	return r
}

// Invalidate forgets the simulation of a round (its call list changed),
// so that the next read computes it again.
func (c *Cache) Invalidate(round string) {
	r := c.round(round)
	r.mu.Lock()
	r.cur = nil
	r.mu.Unlock()
}

// Start runs the refresh loop, every period, until Stop.
func (c *Cache) Start(every time.Duration) {
	c.started = true
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				c.RefreshOpen()
			}
		}
	}()
}

// Stop stops the refresh loop and waits for it.
func (c *Cache) Stop() {
	c.stopOnce.Do(func() { close(c.stop) })
	if c.started {
		<-c.done
	}
}

// RefreshOpen refreshes the simulation of every choix-au-rang round whose
// wishes window is open by the clock, and frees those of the others.
func (c *Cache) RefreshOpen() {
	now := c.cfg.Clock()
	var open []string
	err := c.cfg.Store.View(func(tx store.Tx) error {
		recs, err := tx.Rounds()
		for _, r := range recs {
			if r.Procedure == domain.ChoixAuRang && r.Number != 3 && rules.Effective(&r.Round, now) == domain.StateWishesOpen {
				open = append(open, r.ID)
			}
		}
		return err
	})
	if err != nil {
		c.cfg.Logger.Warn("server: simulation: rounds", "err", err)
		return
	}
	c.dropClosed(open)
	for _, id := range open {
		select {
		case <-c.stop:
			return
		default:
		}
		if _, err := c.Get(id, 0, false); err != nil {
			c.cfg.Logger.Warn("server: simulation", "round", id, "err", err)
		}
	}
}

// dropClosed frees the simulations of rounds whose wishes window is no
// longer open (a national one holds tens of megabytes).
func (c *Cache) dropClosed(open []string) {
	keep := map[string]bool{}
	for _, id := range open {
		keep[id] = true
	}
	c.mu.Lock()
	var closed []*simRound
	for id, r := range c.rounds {
		if !keep[id] {
			closed = append(closed, r)
			delete(c.rounds, id)
		}
	}
	c.mu.Unlock()
	for _, r := range closed {
		r.mu.Lock()
		r.cur = nil
		r.mu.Unlock()
	}
}

// Get returns the simulation of a round, computed again when it is older
// than maxAge (by the clock), when force is set, or when its input
// changed. It refuses unless the round's wishes window is open.
func (c *Cache) Get(round string, maxAge time.Duration, force bool) (*State, error) {
	r := c.round(round)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := c.cfg.Clock()
	if cur := r.cur; cur != nil && !force && maxAge > 0 && cur.fresh(now, maxAge) {
		if rec, err := rounds.Get(c.cfg.Store, round); err == nil && rules.Effective(&rec.Round, now) == domain.StateWishesOpen {
			return cur, nil
		}
	}
	var (
		in *rounds.Input
		k  key
	)
	err := c.cfg.Store.View(func(tx store.Tx) error {
		rec, err := rounds.Choix(tx, round)
		if err != nil {
			return err
		}
		if st := rules.Effective(&rec.Round, now); st != domain.StateWishesOpen {
			return api.Errorf(api.CodeInvalidState,
				"la simulation des choix du tour %s n'est servie que pendant la fenêtre des vœux (état %s)",
				"the simulation of round %s is served only while the wishes window is open (state %s)", round, st)
		}
		k = key{treeSize: tx.TreeSize(), catalogue: rec.CatalogueVersion, state: rec.State}
		if v, err := tx.LatestCallListVersion(round); err == nil {
			k.callList = v.Version
		} else if !store.IsNotFound(err) {
			return err
		}
		if cur := r.cur; cur != nil && !force && cur.key == k {
			return nil
		}
		in, err = CurrentInput(tx, rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	if in == nil { // unchanged since the last computation
		cur := *r.cur
		cur.Meta.CheckedAt, cur.checked = now.UTC(), time.Now()
		r.cur = &cur
		return r.cur, nil
	}
	st, err := Run(in)
	if err != nil {
		return nil, err
	}
	st.key = k
	st.Meta.TreeSize, st.Meta.ComputedAt, st.Meta.CheckedAt = k.treeSize, now.UTC(), now.UTC()
	st.checked = time.Now()
	r.cur = st
	return st, nil
}

// CurrentInput builds the input of a round from its current accepted wish
// lists (already verified when accepted), its open postes and interns and
// its latest published call list.
func CurrentInput(tx store.Tx, rec *store.RoundRecord) (*rounds.Input, error) {
	in := &rounds.Input{Round: rec.Round, Wishes: map[string][]string{}}
	postes, err := tx.Postes(rec.ID, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range postes {
		if !p.Closed {
			in.Postes = append(in.Postes, p)
		}
	}
	if in.Interns, err = rounds.Interns(tx, rec); err != nil {
		return nil, err
	}
	wl, err := tx.CurrentOfType(rec.ID, api.WishListType)
	if err != nil {
		return nil, err
	}
	for _, c := range wl {
		in.Wishes[c.Author] = c.List
	}
	if v, err := tx.LatestCallListVersion(rec.ID); err == nil {
		if in.CallList, err = v.List(api.CallListType); err != nil {
			return nil, err
		}
		in.CallListDigest = v.Digest
	} else if !store.IsNotFound(err) {
		return nil, err
	}
	return in, nil
}

// Run simulates the choices on an input.
func Run(in *rounds.Input) (*State, error) {
	inst, err := in.Instance()
	if err != nil {
		return nil, err
	}
	sim, err := shared.Run(inst)
	if err != nil {
		return nil, fmt.Errorf("server: simulation of %s: %w", in.Round.ID, err)
	}
	st := &State{Sim: sim, Postes: make(map[string]domain.Poste, len(in.Postes))}
	for _, p := range in.Postes {
		st.Postes[p.ID] = p
	}
	st.Meta.Round, st.Meta.Interns = in.Round.ID, sim.Len()
	for _, p := range in.Interns {
		if len(in.Wishes[p.ID]) > 0 {
			st.Meta.Lists++
		}
	}
	if in.CallList != nil {
		st.Meta.CallListVersion = in.CallList.Version
	}
	return st, nil
}

// Me answers who's view of the simulation of a round.
func (c *Cache) Me(who string, round string) (api.SimulationMe, error) {
	st, err := c.Get(round, c.cfg.MaxAge, false)
	if err != nil {
		return api.SimulationMe{}, err
	}
	v, ok := st.Sim.Intern(who)
	if !ok {
		return api.SimulationMe{}, api.Errorf(api.CodeForbidden, "%s ne choisit pas dans le tour %s : pas de simulation",
			"%s does not choose in round %s: no simulation", who, round)
	}
	return api.SimulationMe{SimulationMeta: st.Meta, View: *v}, nil
}

// Amphi answers the places still free after everyone ranked above rank
// (a decimal string; empty: who's own turn, if who chooses in the round),
// for one specialty and subdivision if given.
func (c *Cache) Amphi(who, round, specialty, subdivision, rank string) (api.SimulationAmphi, error) {
	st, err := c.Get(round, c.cfg.MaxAge, false)
	if err != nil {
		return api.SimulationAmphi{}, err
	}
	n := 0
	if rank != "" {
		k, err := strconv.Atoi(rank)
		if err != nil || k < 1 || k > st.Sim.Len()+1 {
			return api.SimulationAmphi{}, api.Errorf(api.CodeBadRequest, "rang %q invalide (1 à %d)", "invalid rank %q (1 to %d)", rank, st.Sim.Len()+1)
		}
		n = k
	} else if me, ok := st.Sim.Intern(who); ok {
		n = me.Rank
	} else {
		return api.SimulationAmphi{}, api.Errorf(api.CodeBadRequest, "paramètre rank manquant", "missing rank parameter")
	}
	filter := domain.Scope{Specialty: specialty, Subdivision: subdivision}
	places := st.Sim.Amphi(n, func(id string) bool {
		p := st.Postes[id]
		return filter.Covers(p.Specialty, p.Subdivision)
	})
	if places == nil {
		places = []shared.PlaceView{}
	}
	return api.SimulationAmphi{SimulationMeta: st.Meta, Rank: n, Specialty: specialty, Subdivision: subdivision, Places: places}, nil
}

// Refresh computes the simulation of a round now.
func (c *Cache) Refresh(round string) (api.SimulationMeta, error) {
	st, err := c.Get(round, 0, true)
	if err != nil {
		return api.SimulationMeta{}, err
	}
	return st.Meta, nil
}
