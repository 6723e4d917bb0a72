package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// SimulationInterval is the shortest delay between two automatic
// refreshes of the simulation.
const SimulationInterval = time.Minute

// Simulation is the "Simulation" tab of a choix au rang while wishes are
// open: what the intern would get now with the wish lists the server has
// received, how contested each of its wishes is, and the places still free
// at its rank (the amphithéâtre virtuel).
type Simulation struct {
	svc *service.Service
	// PosteName names a poste for display.
	PosteName func(id string) string
	// Now is the clock (time.Now).
	Now func() time.Time

	Round string
	Me    *api.SimulationMe
	Amphi *api.SimulationAmphi
	// AmphiRank is the rank asked for the amphithéâtre (0: own rank).
	AmphiRank int
	// Closed is set when the server says the window is not open.
	Closed bool
	Error  string

	lastFetch time.Time
}

// NewSimulation returns the simulation view model of svc's intern.
func NewSimulation(svc *service.Service, posteName func(string) string) *Simulation {
	if posteName == nil {
		posteName = func(id string) string { return id }
	}
	return &Simulation{svc: svc, PosteName: posteName, Now: time.Now}
}

// Applies reports whether the tab makes sense for round r: a choix au
// rang whose wishes are open.
func SimulationApplies(r *domain.Round) bool {
	return r != nil && r.Procedure == domain.ChoixAuRang && r.State == domain.StateWishesOpen
}

// SimulationData is what Fetch brought back, to Apply on the UI goroutine.
type SimulationData struct {
	Round     string
	Me        *api.SimulationMe
	Amphi     *api.SimulationAmphi
	AmphiRank int
	Err       error
}

// Due reports whether an automatic refresh may run now: never more than
// once per SimulationInterval.
func (s *Simulation) Due() bool {
	return s.lastFetch.IsZero() || s.Now().Sub(s.lastFetch) >= SimulationInterval
}

// Start notes that a fetch starts now (for Due).
func (s *Simulation) Start() { s.lastFetch = s.Now() }

// Fetch asks the server for the simulation of round and the amphithéâtre
// at rank (0: own rank). It blocks and changes nothing: run it in the
// background, then Apply its outcome.
func (s *Simulation) Fetch(ctx context.Context, round string, rank int) SimulationData {
	d := SimulationData{Round: round, AmphiRank: rank}
	d.Me, d.Err = s.svc.Simulation(ctx, round)
	if d.Err != nil {
		return d
	}
	me := s.svc.Me()
	d.Amphi, d.Err = s.svc.Amphi(ctx, round, me.Specialty, me.Subdivision, rank)
	return d
}

// Apply shows the outcome of Fetch.
func (s *Simulation) Apply(d SimulationData) {
	s.Round = d.Round
	s.Error = ""
	s.Closed = false
	if d.Err != nil {
		var apiErr *api.Error
		if errors.As(d.Err, &apiErr) && apiErr.Code == api.CodeInvalidState {
			s.Closed = true
			s.Me, s.Amphi = nil, nil
			return
		}
		s.Error = Message(d.Err)
		return
	}
	s.Me, s.Amphi, s.AmphiRank = d.Me, d.Amphi, d.AmphiRank
}

// Status is the line above the figures: closed window, error, or when and
// on what the simulation was computed.
func (s *Simulation) Status() string {
	switch {
	case s.Closed:
		return i18n.T("sim.closed")
	case s.Error != "":
		return s.Error
	case s.Me == nil:
		return i18n.T("sim.none")
	}
	m := s.Me.SimulationMeta
	return i18n.T("sim.computed", FormatClock(m.ComputedAt), m.Lists, m.Interns, m.CallListVersion)
}

// RankText says the intern's rank in the call list.
func (s *Simulation) RankText() string {
	if s.Me == nil {
		return ""
	}
	return i18n.T("sim.rank", s.Me.View.Rank, s.Me.Interns)
}

// PosteText says the poste the intern would get now, or none.
func (s *Simulation) PosteText() string {
	if s.Me == nil {
		return ""
	}
	if s.Me.View.Poste == "" {
		return i18n.T("sim.poste_none")
	}
	return i18n.T("sim.poste", s.PosteName(s.Me.View.Poste))
}

// WishRow is one wish of the intern in the simulation.
type WishRow struct {
	Order  int
	Poste  string
	Name   string
	Places string // "2 places"
	Demand string // "demandé par 3 internes mieux classés"
	Taken  string // "déjà pris par 2"
	// Marker is "obtenu", "hors de portée" or "".
	Marker     string
	WouldGet   bool
	OutOfReach bool
}

// WishRows returns the intern's wishes with their figures, best first.
func (s *Simulation) WishRows() []WishRow {
	if s.Me == nil {
		return nil
	}
	out := make([]WishRow, len(s.Me.View.Wishes))
	for i, w := range s.Me.View.Wishes {
		r := WishRow{Order: i + 1, Poste: w.Poste, Name: s.PosteName(w.Poste),
			Places: i18n.N("sim.places", w.Capacity, w.Capacity), Demand: i18n.N("sim.demand", w.Demand, w.Demand),
			Taken: i18n.T("sim.taken", w.TakenAhead), WouldGet: w.WouldGet, OutOfReach: w.OutOfReach}
		switch {
		case w.WouldGet:
			r.Marker = i18n.T("sim.marker.got")
		case w.OutOfReach:
			r.Marker = i18n.T("sim.marker.out")
		}
		out[i] = r
	}
	return out
}

// AmphiTitle says whose rank the amphithéâtre is for.
func (s *Simulation) AmphiTitle() string {
	if s.Amphi == nil {
		return ""
	}
	return i18n.T("sim.amphi.title", s.Amphi.Rank, s.Amphi.Specialty, s.Amphi.Subdivision)
}

// AmphiRow is one poste of the amphithéâtre virtuel.
type AmphiRow struct {
	Poste string
	Name  string
	Free  int
	Text  string // "1 place libre sur 2" or "complet"
}

// AmphiRows returns the postes with their free places at the rank asked,
// full postes included (last).
func (s *Simulation) AmphiRows() []AmphiRow {
	if s.Amphi == nil {
		return nil
	}
	var free, full []AmphiRow
	for _, p := range s.Amphi.Places {
		r := AmphiRow{Poste: p.Poste, Name: s.PosteName(p.Poste), Free: p.Free}
		if p.Free == 0 {
			r.Text = i18n.T("sim.amphi.full")
			full = append(full, r)
			continue
		}
		r.Text = i18n.N("sim.amphi.free", p.Free, p.Free, p.Capacity)
		free = append(free, r)
	}
	return append(free, full...)
}

// ParseRank reads the rank field of the amphithéâtre: empty means the
// intern's own rank (0).
func ParseRank(text string) (int, error) {
	if text == "" {
		return 0, nil
	}
	var n int
	if _, err := fmt.Sscan(text, &n); err != nil || n < 1 {
		return 0, fmt.Errorf("%s", i18n.T("sim.amphi.bad_rank"))
	}
	return n, nil
}
