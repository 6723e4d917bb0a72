package viewmodel

import (
	"context"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// Coordinator is a coordinator's read-only session: postes and places
// (and interns, when the server lets the coordinator see them) per
// specialty and subdivision, limited to the coordinator's own specialty
// and subdivision when the person record names them.
type Coordinator struct {
	Svc     *service.Service
	Rounds  []domain.Round
	Round   *domain.Round
	Postes  []domain.Poste
	Quality *Quality
	// InternsKnown is false when the server refused the list of people.
	InternsKnown bool
	// Scope is the specialty and subdivision shown (empty: all).
	Scope domain.Round
	Error string
}

// NewCoordinator opens a coordinator session; call Load to fill it.
func NewCoordinator(svc *service.Service) *Coordinator { return &Coordinator{Svc: svc} }

// CoordData is what Load brought.
type CoordData struct {
	Rounds []domain.Round
	Round  string
	Postes []domain.Poste
	People []api.PersonStatus
	Err    error
}

// Load fetches the rounds, the round's postes and, if allowed, the people.
// It blocks.
func (c *Coordinator) Load(ctx context.Context, round string) CoordData {
	var d CoordData
	rounds, err := c.Svc.SyncRounds(ctx)
	if err != nil {
		d.Err = err
		return d
	}
	d.Rounds = rounds
	if round == "" && len(rounds) > 0 {
		round = rounds[len(rounds)-1].ID
	}
	d.Round = round
	if round == "" {
		return d
	}
	cl := c.Svc.Client
	if s, err := c.Svc.Signed(); err == nil {
		cl = s
		if sp, err := s.ScopePeople(ctx); err == nil {
			d.People = sp.People
		} // else: an older server, postes only
	}
	cat, err := cl.Catalogue(ctx, round, 0)
	if err != nil {
		d.Err = err
		return d
	}
	d.Postes = cat.Postes
	return d
}

// Apply shows the outcome of Load.
func (c *Coordinator) Apply(d CoordData) error {
	c.Error = Message(d.Err)
	if d.Err != nil {
		return d.Err
	}
	c.Rounds = d.Rounds
	c.Round = nil
	for i := range c.Rounds {
		if c.Rounds[i].ID == d.Round {
			c.Round = &c.Rounds[i]
		}
	}
	me := c.Svc.Me()
	scope := domain.Round{Specialty: me.Specialty, Subdivision: me.Subdivision}
	if c.Round != nil {
		if scope.Specialty == "" {
			scope.Specialty = c.Round.Specialty
		}
		if scope.Subdivision == "" {
			scope.Subdivision = c.Round.Subdivision
		}
	}
	c.Postes = d.Postes
	c.Scope = scope
	c.InternsKnown = d.People != nil
	c.Quality = ComputeQuality(&scope, d.People, d.Postes, nil)
	return nil
}

// ScopePostes returns the open postes of the coordinator's specialty and
// subdivision, the ones a flag may name.
func (c *Coordinator) ScopePostes() []domain.Poste {
	var out []domain.Poste
	for _, p := range c.Postes {
		if !p.Closed && (c.Scope.Specialty == "" || c.Scope.Specialty == p.Specialty) &&
			(c.Scope.Subdivision == "" || c.Scope.Subdivision == p.Subdivision) {
			out = append(out, p)
		}
	}
	return out
}

// Issues lists the data errors of the dashboard as lines, the ones a
// coordinator would flag: shortages, postes without or with a bad RTS
// e-mail, people with a bad e-mail, duplicates, people without a key.
func (c *Coordinator) Issues() []string {
	q := c.Quality
	if q == nil {
		return nil
	}
	var out []string
	for _, b := range q.Shortages() {
		out = append(out, i18n.T("coord.issue.shortage", b.Specialty, b.Subdivision, b.Interns, b.Places, -b.Diff()))
	}
	for _, p := range q.MissingEmail {
		out = append(out, i18n.T("coord.issue.missing_email", p.ID, p.RTSName))
	}
	for _, p := range q.BadEmail {
		out = append(out, i18n.T("coord.issue.bad_email", p.ID, p.RTSEmail))
	}
	for _, p := range q.BadPeople {
		out = append(out, i18n.T("coord.issue.bad_person", p.ID, p.Email))
	}
	for _, d := range q.Duplicates {
		out = append(out, i18n.T("coord.issue.duplicate", d.Name, strings.Join(d.IDs, ", ")))
	}
	if c.InternsKnown && len(q.NoKey) > 0 {
		out = append(out, i18n.T("coord.issue.no_key", len(q.NoKey)-q.RTSWithoutKey, q.RTSWithoutKey))
	}
	return out
}

// Note explains what the dashboard shows.
func (c *Coordinator) Note() string {
	if c.InternsKnown {
		return i18n.T("coord.note_full")
	}
	return i18n.T("coord.note_postes")
}
