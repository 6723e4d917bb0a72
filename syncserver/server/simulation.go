package server

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/shared/simulation"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// The "simulation des choix" of a choix au rang: while the wishes window
// is open, the server runs the choices in call-list order on the wish
// lists accepted so far (an intern without a list counts with an empty
// one). A background loop refreshes every open round at least every
// Config.SimulationEvery by the server's clock; a read finds it again when
// it is older than Config.SimulationMaxAge; an admin can force it. After
// the run, the same computation on the frozen input gives the steps of the
// live replay.

// simKey is what a simulation depends on: when it is unchanged, so is the
// simulation.
type simKey struct {
	treeSize  int64
	catalogue uint64
	callList  int
	state     domain.RoundState
}

// simState is one computed simulation of a round.
type simState struct {
	key  simKey
	meta api.SimulationMeta
	// checked is when it was last checked, on the monotonic clock: its age
	// is judged by both clocks, so that a wall clock stepped back does not
	// serve it stale.
	checked time.Time
	sim     *simulation.Simulation
	postes  map[string]domain.Poste
}

// simRound serialises the computations of one round and holds the last one.
type simRound struct {
	mu  sync.Mutex
	cur *simState
}

// simulations is the server's cache of simulations and live replays.
type simulations struct {
	mu     sync.Mutex
	rounds map[string]*simRound
	live   map[string]*liveState
	// liveMu serialises the replays, so that a crowd asking at once for a
	// new one computes it once.
	liveMu sync.Mutex

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// liveState is the replay of a run round.
type liveState struct {
	treeSize int64
	version  int
	steps    []simulation.Step
}

func newSimulations() *simulations {
	return &simulations{rounds: map[string]*simRound{}, live: map[string]*liveState{},
		stop: make(chan struct{}), done: make(chan struct{})}
}

func (c *simulations) round(id string) *simRound {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.rounds[id]
	if !ok {
		r = &simRound{}
		c.rounds[id] = r
	}
	return r
}

// invalidateSimulation forgets the simulation of a round (its call list
// changed), so that the next read computes it again.
func (s *Server) invalidateSimulation(round string) {
	r := s.sims.round(round)
	r.mu.Lock()
	r.cur = nil
	r.mu.Unlock()
}

// startSimulations runs the refresh loop until stopSimulations.
func (s *Server) startSimulations() {
	go func() {
		defer close(s.sims.done)
		t := time.NewTicker(s.cfg.SimulationEvery)
		defer t.Stop()
		for {
			select {
			case <-s.sims.stop:
				return
			case <-t.C:
				s.refreshOpenSimulations()
			}
		}
	}()
}

// stopSimulations stops the refresh loop and waits for it.
func (s *Server) stopSimulations() {
	s.sims.stopOnce.Do(func() { close(s.sims.stop) })
	<-s.sims.done
}

// refreshOpenSimulations refreshes the simulation of every choix-au-rang
// round whose wishes window is open by the server's clock.
func (s *Server) refreshOpenSimulations() {
	now := s.now()
	var open []string
	err := s.store.View(func(tx store.Tx) error {
		recs, err := tx.Rounds()
		for _, r := range recs {
			if r.Procedure == domain.ChoixAuRang && r.Number != 3 && rules.Effective(&r.Round, now) == domain.StateWishesOpen {
				open = append(open, r.ID)
			}
		}
		return err
	})
	if err != nil {
		s.log.Warn("server: simulation: rounds", "err", err)
		return
	}
	s.dropClosedSimulations(open)
	for _, id := range open {
		select {
		case <-s.sims.stop:
			return
		default:
		}
		if _, err := s.simulation(id, 0, false); err != nil {
			s.log.Warn("server: simulation", "round", id, "err", err)
		}
	}
}

// dropClosedSimulations frees the simulations of rounds whose wishes
// window is no longer open (a national one holds tens of megabytes).
func (s *Server) dropClosedSimulations(open []string) {
	keep := map[string]bool{}
	for _, id := range open {
		keep[id] = true
	}
	s.sims.mu.Lock()
	var closed []*simRound
	for id, r := range s.sims.rounds {
		if !keep[id] {
			closed = append(closed, r)
			delete(s.sims.rounds, id)
		}
	}
	s.sims.mu.Unlock()
	for _, r := range closed {
		r.mu.Lock()
		r.cur = nil
		r.mu.Unlock()
	}
}

// simulation returns the simulation of a round, computed again when it is
// older than maxAge (by the server's clock), when force is set, or when
// its input changed. It refuses unless the round's wishes window is open.
func (s *Server) simulation(round string, maxAge time.Duration, force bool) (*simState, error) {
	r := s.sims.round(round)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := s.now()
	if cur := r.cur; cur != nil && !force && maxAge > 0 && fresh(cur, now, maxAge) {
		if rec, err := s.round(round); err == nil && rules.Effective(&rec.Round, now) == domain.StateWishesOpen {
			return cur, nil
		}
	}
	var (
		in  *rounds.Input
		key simKey
	)
	err := s.store.View(func(tx store.Tx) error {
		rec, err := choixRound(tx, round)
		if err != nil {
			return err
		}
		if st := rules.Effective(&rec.Round, now); st != domain.StateWishesOpen {
			return api.Errorf(api.CodeInvalidState,
				"la simulation des choix du tour %s n'est servie que pendant la fenêtre des vœux (état %s)",
				"the simulation of round %s is served only while the wishes window is open (state %s)", round, st)
		}
		key = simKey{treeSize: tx.TreeSize(), catalogue: rec.CatalogueVersion, state: rec.State}
		if v, err := tx.LatestCallListVersion(round); err == nil {
			key.callList = v.Version
		} else if !store.IsNotFound(err) {
			return err
		}
		if cur := r.cur; cur != nil && !force && cur.key == key {
			return nil
		}
		in, err = currentInput(tx, rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	if in == nil { // unchanged since the last computation
		cur := *r.cur
		cur.meta.CheckedAt, cur.checked = now.UTC(), time.Now()
		r.cur = &cur
		return r.cur, nil
	}
	st, err := runSimulation(in)
	if err != nil {
		return nil, err
	}
	st.key = key
	st.meta.TreeSize, st.meta.ComputedAt, st.meta.CheckedAt = key.treeSize, now.UTC(), now.UTC()
	st.checked = time.Now()
	r.cur = st
	return st, nil
}

// currentInput builds the input of a round from its current accepted wish
// lists (already verified when accepted), its open postes and interns and
// its latest published call list.
func currentInput(tx store.Tx, rec *store.RoundRecord) (*rounds.Input, error) {
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
	if in.Interns, err = roundInterns(tx, rec); err != nil {
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

// runSimulation simulates the choices on an input.
func runSimulation(in *rounds.Input) (*simState, error) {
	inst, err := in.Instance()
	if err != nil {
		return nil, err
	}
	sim, err := simulation.Run(inst)
	if err != nil {
		return nil, fmt.Errorf("server: simulation of %s: %w", in.Round.ID, err)
	}
	st := &simState{sim: sim, postes: make(map[string]domain.Poste, len(in.Postes))}
	for _, p := range in.Postes {
		st.postes[p.ID] = p
	}
	st.meta.Round, st.meta.Interns = in.Round.ID, sim.Len()
	for _, p := range in.Interns {
		if len(in.Wishes[p.ID]) > 0 {
			st.meta.Lists++
		}
	}
	if in.CallList != nil {
		st.meta.CallListVersion = in.CallList.Version
	}
	return st, nil
}

// simulationMe answers the caller's view of the simulation
// (GET /v1/rounds/{round}/simulation/me).
func (s *Server) simulationMe(q *req) error {
	round := mux.Vars(q.r)["round"]
	st, err := s.simulation(round, s.cfg.SimulationMaxAge, false)
	if err != nil {
		return err
	}
	v, ok := st.sim.Intern(q.who.ID)
	if !ok {
		return forbidden("%s ne choisit pas dans le tour %s : pas de simulation", "%s does not choose in round %s: no simulation", q.who.ID, round)
	}
	return q.ok(api.SimulationMe{SimulationMeta: st.meta, View: *v})
}

// simulationAmphi answers the places still free after everyone ranked
// above rank, for one specialty (and subdivision) if asked
// (GET /v1/rounds/{round}/simulation/amphi?specialty=&subdivision=&rank=).
// Without rank, an intern of the round sees its own turn.
func (s *Server) simulationAmphi(q *req) error {
	round := mux.Vars(q.r)["round"]
	v := q.r.URL.Query()
	spec, sub := v.Get("specialty"), v.Get("subdivision")
	st, err := s.simulation(round, s.cfg.SimulationMaxAge, false)
	if err != nil {
		return err
	}
	rank := 0
	if r := v.Get("rank"); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil || n < 1 || n > st.sim.Len()+1 {
			return badRequest("rang %q invalide (1 à %d)", "invalid rank %q (1 to %d)", r, st.sim.Len()+1)
		}
		rank = n
	} else if me, ok := st.sim.Intern(q.who.ID); ok {
		rank = me.Rank
	} else {
		return badRequest("paramètre rank manquant", "missing rank parameter")
	}
	places := st.sim.Amphi(rank, func(id string) bool {
		p := st.postes[id]
		return (spec == "" || p.Specialty == spec) && (sub == "" || p.Subdivision == sub)
	})
	if places == nil {
		places = []simulation.PlaceView{}
	}
	return q.ok(api.SimulationAmphi{SimulationMeta: st.meta, Rank: rank, Specialty: spec, Subdivision: sub, Places: places})
}

// refreshSimulation computes the simulation of a round now
// (POST /v1/admin/rounds/{round}/simulation/refresh).
func (s *Server) refreshSimulation(q *req) error {
	st, err := s.simulation(mux.Vars(q.r)["round"], 0, true)
	if err != nil {
		return err
	}
	return q.ok(st.meta)
}

// live answers the choices of a run round, rank by rank from ?from=
// (default 1, at most ?limit=, default 1000, at most 5000), for the live
// replay (GET /v1/rounds/{round}/live): once published for everyone, once
// matched for admins, and while matched with a live reveal started, to
// every signed caller up to the reveal's cursor (rules.LiveCursor by the
// server's clock).
func (s *Server) live(q *req) error {
	round := mux.Vars(q.r)["round"]
	from, limit := 1, 1000
	for name, p := range map[string]*int{"from": &from, "limit": &limit} {
		if v := q.r.URL.Query().Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (name == "limit" && n > 5000) {
				return badRequest("paramètre %s invalide", "invalid %s parameter", name)
			}
			*p = n
		}
	}
	var rec *store.RoundRecord
	err := s.store.View(func(tx store.Tx) error {
		var err error
		rec, err = choixRound(tx, round)
		return err
	})
	if err != nil {
		return err
	}
	live := rec.State == domain.StateMatched && !rec.LiveStart.IsZero()
	switch {
	case rec.State == domain.StatePublished:
	case rec.State == domain.StateMatched && q.who.Role == domain.RoleAdmin:
	case live:
	default:
		return api.Errorf(api.CodeInvalidState, "le déroulé des choix du tour %s n'est pas encore publié (état %s)",
			"the choices of round %s are not published yet (state %s)", round, rec.State)
	}
	ls, err := s.liveSteps(rec)
	if err != nil {
		return err
	}
	total := len(ls.steps)
	out := api.LiveReplay{Round: round, Total: total, From: from, CallListVersion: ls.version, Steps: []simulation.Step{},
		Revealed: total, ServerTime: q.now.UTC()}
	if live {
		revealed, next := rules.LiveCursor(rec.LiveStart, rec.LivePace, total, s.livePace.now(round, rec.LiveStart, q.now))
		out.Live, out.Pace = revealed < total, rec.LivePace
		if out.Live {
			out.NextAt = next.UTC()
		}
		if q.who.Role != domain.RoleAdmin {
			out.Revealed = revealed
		}
	}
	if from <= out.Revealed {
		out.Steps = ls.steps[from-1 : min(out.Revealed, from-1+limit)]
	}
	return q.ok(out)
}

// startLive starts the live reveal of a matched choix-au-rang round at the
// pace asked, or changes the pace of a running one from the rank reached
// (POST /v1/admin/rounds/{round}/live). Audited as "live-start".
func (s *Server) startLive(q *req) error {
	id := mux.Vars(q.r)["round"]
	var in api.LiveStartRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if in.RanksPerMinute < 1 || in.RanksPerMinute > api.MaxLivePace {
		return badRequest("rythme invalide : de 1 à %d rangs par minute", "invalid pace: 1 to %d ranks a minute", api.MaxLivePace)
	}
	if len(in.Reason) > 2000 {
		return badRequest("motif trop long (2000 caractères au plus)", "reason too long (at most 2000 characters)")
	}
	notMatched := func(rec *store.RoundRecord) error {
		if rec.State != domain.StateMatched {
			return api.Errorf(api.CodeInvalidState, "le direct du tour %s ne peut commencer qu'une fois l'appariement lancé et avant la publication (état %s)",
				"the live reveal of round %s can only start once the round is run and before it is published (state %s)", id, rec.State)
		}
		return nil
	}
	var rec *store.RoundRecord
	if err := s.store.View(func(tx store.Tx) error {
		var err error
		if rec, err = choixRound(tx, id); err != nil {
			return err
		}
		return notMatched(rec)
	}); err != nil {
		return err
	}
	// The steps are replayed (and checked against the result) before any
	// of them is shown.
	ls, err := s.liveSteps(rec)
	if err != nil {
		return err
	}
	total := len(ls.steps)
	out, err := s.updateRound(q, id, func(tx store.Tx, cur *store.RoundRecord) (store.AuditEntry, error) {
		if err := notMatched(cur); err != nil {
			return store.AuditEntry{}, err
		}
		detail := map[string]any{"pace": in.RanksPerMinute, "total": total}
		start := q.now.UTC()
		if !cur.LiveStart.IsZero() {
			// Re-paced: the rank reached stays revealed, the next ones
			// follow at the new pace.
			reached, _ := rules.LiveCursor(cur.LiveStart, cur.LivePace, total, q.now)
			start = start.Add(-time.Duration(int64(reached-1) * int64(time.Minute) / int64(in.RanksPerMinute)))
			detail["previous_pace"], detail["revealed"] = cur.LivePace, reached
		}
		cur.LiveStart, cur.LivePace = start, in.RanksPerMinute
		return q.audit("live-start", id, "", in.Reason, detail), nil
	})
	if err != nil {
		return err
	}
	return q.ok(out.Round)
}

// liveSteps replays the choices of a run round on its frozen input and
// checks that they give its result.
func (s *Server) liveSteps(rec *store.RoundRecord) (*liveState, error) {
	s.sims.liveMu.Lock()
	defer s.sims.liveMu.Unlock()
	s.sims.mu.Lock()
	ls, ok := s.sims.live[rec.ID]
	s.sims.mu.Unlock()
	var res *domain.Result
	err := s.store.View(func(tx store.Tx) error {
		var err error
		if res, _, err = tx.Result(rec.ID); store.IsNotFound(err) {
			res, err = tx.Preview(rec.ID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if ok && ls.treeSize == res.TreeSize && ls.version == res.CallListVersion {
		return ls, nil
	}
	var in *rounds.Input
	if err := s.store.View(func(tx store.Tx) error {
		var err error
		in, err = rounds.Freeze(tx, rec.ID, res.TreeSize)
		return err
	}); err != nil {
		return nil, err
	}
	st, err := runSimulation(in)
	if err != nil {
		return nil, err
	}
	got := map[string]string{}
	for _, a := range res.Assignments {
		got[a.Intern] = a.Poste
	}
	ls = &liveState{treeSize: res.TreeSize, version: res.CallListVersion}
	for step := range st.sim.Steps() {
		if got[step.Intern] != step.Poste {
			return nil, fmt.Errorf("server: live replay of %s: %s takes %q, the result says %q", rec.ID, step.Intern, step.Poste, got[step.Intern])
		}
		ls.steps = append(ls.steps, step)
	}
	s.sims.mu.Lock()
	s.sims.live[rec.ID] = ls
	s.sims.mu.Unlock()
	return ls, nil
}
