// Package live serves the replay of a run choix-au-rang round, rank by
// rank, and its live reveal: once the round is run, an admin starts the
// reveal at a pace (ranks a minute) and every signed caller sees the
// choices up to the reveal's cursor (rules.LiveCursor by the server's
// clock, paced by the monotonic clock once this process has seen it).
// The steps are replayed on the round's frozen input and checked against
// its result before any is shown.
package live

import (
	"fmt"
	"sync"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	shared "appariement/shared/simulation"
	"appariement/syncserver/rounds"
	"appariement/syncserver/simulation"
	"appariement/syncserver/store"
)

// MaxLimit is the most steps one Replay answers.
const MaxLimit = 5000

// replay is the replay of a run round.
type replay struct {
	treeSize int64
	version  int
	steps    []shared.Step
}

// Service serves replays and changes live reveals.
type Service struct {
	st      *store.Store
	updater *rounds.Updater
	pace    pacing

	mu     sync.Mutex
	replay map[string]*replay
	// replayMu serialises the replays, so that a crowd asking at once for
	// a new one computes it once.
	replayMu sync.Mutex
}

// New returns the service of the rounds of st, changed through u.
func New(st *store.Store, u *rounds.Updater) *Service {
	return &Service{st: st, updater: u, replay: map[string]*replay{}}
}

// Replay answers the choices of a run round, rank by rank from from (at
// most limit of them), at now: once published for everyone, once matched
// for admins, and while matched with a live reveal started, to every
// signed caller up to the reveal's cursor.
func (s *Service) Replay(role domain.Role, round string, from, limit int, now time.Time) (api.LiveReplay, error) {
	var rec *store.RoundRecord
	err := s.st.View(func(tx store.Tx) error {
		var err error
		rec, err = rounds.Choix(tx, round)
		return err
	})
	if err != nil {
		return api.LiveReplay{}, err
	}
	live := rec.State == domain.StateMatched && !rec.LiveStart.IsZero()
	switch {
	case rec.State == domain.StatePublished:
	case rec.State == domain.StateMatched && role == domain.RoleAdmin:
	case live:
	default:
		return api.LiveReplay{}, api.Errorf(api.CodeInvalidState, "le déroulé des choix du tour %s n'est pas encore publié (état %s)",
			"the choices of round %s are not published yet (state %s)", round, rec.State)
	}
	ls, err := s.steps(rec)
	if err != nil {
		return api.LiveReplay{}, err
	}
	total := len(ls.steps)
	out := api.LiveReplay{Round: round, Total: total, From: from, CallListVersion: ls.version, Steps: []shared.Step{},
		Revealed: total, ServerTime: now.UTC()}
	if live {
		revealed, next := rules.LiveCursor(rec.LiveStart, rec.LivePace, total, s.pace.now(round, rec.LiveStart, now))
		out.Live, out.Pace = revealed < total, rec.LivePace
		if out.Live {
			out.NextAt = next.UTC()
		}
		if role != domain.RoleAdmin {
			out.Revealed = revealed
		}
	}
	if from <= out.Revealed {
		out.Steps = ls.steps[from-1 : min(out.Revealed, from-1+limit)]
	}
	return out, nil
}

// Start starts the live reveal of a matched choix-au-rang round at the
// pace asked, or changes the pace of a running one from the rank reached.
// Audited "live-start".
func (s *Service) Start(a rounds.Actor, id string, in api.LiveStartRequest) (domain.Round, error) {
	if in.RanksPerMinute < 1 || in.RanksPerMinute > api.MaxLivePace {
		return domain.Round{}, api.Errorf(api.CodeBadRequest, "rythme invalide : de 1 à %d rangs par minute",
			"invalid pace: 1 to %d ranks a minute", api.MaxLivePace)
	}
	if err := rules.CheckOptionalReason(in.Reason); err != nil {
		return domain.Round{}, err
	}
	notMatched := func(rec *store.RoundRecord) error {
		if rec.State != domain.StateMatched {
			return api.Errorf(api.CodeInvalidState, "le direct du tour %s ne peut commencer qu'une fois l'appariement lancé et avant la publication (état %s)",
				"the live reveal of round %s can only start once the round is run and before it is published (state %s)", id, rec.State)
		}
		return nil
	}
	var rec *store.RoundRecord
	if err := s.st.View(func(tx store.Tx) error {
		var err error
		if rec, err = rounds.Choix(tx, id); err != nil {
			return err
		}
		return notMatched(rec)
	}); err != nil {
		return domain.Round{}, err
	}
	// The steps are replayed (and checked against the result) before any
	// of them is shown.
	ls, err := s.steps(rec)
	if err != nil {
		return domain.Round{}, err
	}
	total := len(ls.steps)
	out, err := s.updater.Change(id, func(tx store.Tx, cur *store.RoundRecord) (store.AuditEntry, error) {
		if err := notMatched(cur); err != nil {
			return store.AuditEntry{}, err
		}
		detail := map[string]any{"pace": in.RanksPerMinute, "total": total}
		start := a.Now.UTC()
		if !cur.LiveStart.IsZero() {
			// Re-paced: the rank reached stays revealed, the next ones
			// follow at the new pace.
			reached, _ := rules.LiveCursor(cur.LiveStart, cur.LivePace, total, a.Now)
			start = start.Add(-time.Duration(int64(reached-1) * int64(time.Minute) / int64(in.RanksPerMinute)))
			detail["previous_pace"], detail["revealed"] = cur.LivePace, reached
		}
		cur.LiveStart, cur.LivePace = start, in.RanksPerMinute
		return a.Audit("live-start", id, "", in.Reason, detail), nil
	})
	if err != nil {
		return domain.Round{}, err
	}
	return out.Round, nil
}

// steps replays the choices of a run round on its frozen input and checks
// that they give its result.
func (s *Service) steps(rec *store.RoundRecord) (*replay, error) {
	s.replayMu.Lock()
	defer s.replayMu.Unlock()
	s.mu.Lock()
	ls, ok := s.replay[rec.ID]
	s.mu.Unlock()
	var res *domain.Result
	err := s.st.View(func(tx store.Tx) error {
		var err error
		res, err = rounds.Outcome(tx, rec.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if ok && ls.treeSize == res.TreeSize && ls.version == res.CallListVersion {
		return ls, nil
	}
	var in *rounds.Input
	if err := s.st.View(func(tx store.Tx) error {
		var err error
		in, err = rounds.Freeze(tx, rec.ID, res.TreeSize)
		return err
	}); err != nil {
		return nil, err
	}
	st, err := simulation.Run(in)
	if err != nil {
		return nil, err
	}
	got := map[string]string{}
	for _, a := range res.Assignments {
		got[a.Intern] = a.Poste
	}
	ls = &replay{treeSize: res.TreeSize, version: res.CallListVersion}
	for step := range st.Sim.Steps() {
		if step.PartnerPoste != "" && got[step.Partner] != step.PartnerPoste {
			return nil, fmt.Errorf("server: live replay of %s: %s takes %q with its binôme, the result says %q", rec.ID, step.Partner, step.PartnerPoste, got[step.Partner])
		}
		if !step.Waits && got[step.Intern] != step.Poste {
			return nil, fmt.Errorf("server: live replay of %s: %s takes %q, the result says %q", rec.ID, step.Intern, step.Poste, got[step.Intern])
		}
		ls.steps = append(ls.steps, step)
	}
	s.mu.Lock()
	s.replay[rec.ID] = ls
	s.mu.Unlock()
	return ls, nil
}

// pacing paces the live reveal of a round by the monotonic clock once
// this process has seen it: the reveal's start is stored as a wall time
// (it survives restarts), but a wall clock stepped back must not hide
// ranks already revealed, nor stop the reveal.
type pacing struct {
	mu sync.Mutex
	m  map[string]anchor
}

type anchor struct {
	start time.Time // the round's LiveStart
	mono  time.Time // the monotonic instant of start, as first seen
}

// now returns the time at which to judge the reveal of round started at
// start: the later of the wall clock and start plus the monotonic time
// elapsed since, as first seen in this process.
func (p *pacing) now(round string, start, wall time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]anchor{}
	}
	a, ok := p.m[round]
	if !ok || !a.start.Equal(start) {
		a = anchor{start: start, mono: time.Now().Add(-wall.Sub(start))}
		p.m[round] = a
	}
	mono := start.Add(time.Since(a.mono))
	if mono.After(wall) {
		return mono
	}
	return wall
}
