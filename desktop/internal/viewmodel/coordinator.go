package viewmodel

import (
	"context"
	"slices"
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
	// EmailsUnknown is set when the postes came from the public catalogue,
	// which carries no RTS e-mail (key locked): their addresses are then
	// not checked rather than all reported missing.
	EmailsUnknown bool
	// Scope is the specialty and subdivision shown (empty: all).
	Scope domain.Scope
	// People are the people the server let the coordinator see.
	People []api.PersonStatus
	Error  string
}

// NewCoordinator opens a coordinator session; call Load to fill it.
func NewCoordinator(svc *service.Service) *Coordinator { return &Coordinator{Svc: svc} }

// CoordData is what Load brought.
type CoordData struct {
	Rounds []domain.Round
	Round  string
	Postes []domain.Poste
	// Contacts: the postes carry their RTS e-mails (signed catalogue).
	Contacts bool
	People   []api.PersonStatus
	Err      error
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
	catalogue := cl.Catalogue // public: no RTS e-mail, nothing to check
	if cl != c.Svc.Client {
		catalogue = cl.CatalogueFull
	}
	cat, err := catalogue(ctx, round, 0)
	if err != nil {
		d.Err = err
		return d
	}
	d.Postes, d.Contacts = cat.Postes, cat.Contacts
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
	scope := me.Scope()
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
	c.People = d.People
	c.EmailsUnknown = !d.Contacts
	c.Quality = ComputeQuality(scope, d.People, d.Postes, nil)
	if c.EmailsUnknown {
		c.Quality.MissingEmail, c.Quality.BadEmail = nil, nil
	}
	return nil
}

// ScopePostes returns the open postes of the coordinator's specialty and
// subdivision, the ones a flag may name.
func (c *Coordinator) ScopePostes() []domain.Poste {
	var out []domain.Poste
	for _, p := range c.Postes {
		if !p.Closed && c.Scope.Covers(p.Specialty, p.Subdivision) {
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
		out = append(out, i18n.T("coord.issue.shortage", CellName(b.Specialty, b.Subdivision), i18n.N("count.interns", b.Interns, b.Interns), i18n.N("count.places", b.Places, Thousands(b.Places)), -b.Diff()))
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
		out = append(out, i18n.T("coord.issue.no_key", i18n.N("count.interns", len(q.NoKey)-q.RTSWithoutKey, len(q.NoKey)-q.RTSWithoutKey), i18n.N("count.rts", q.RTSWithoutKey, q.RTSWithoutKey)))
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

// CoordRow is one line of the coordinator's lists, with whether it needs
// attention.
type CoordRow struct {
	Text  string
	Alert bool
}

// PosteRows lists the open postes in scope: places, RTS, and what is
// wrong with the RTS's address or enrollment.
func (c *Coordinator) PosteRows() []CoordRow {
	enrolled := map[string]bool{}
	for _, ps := range c.People {
		enrolled[ps.Person.ID] = ps.Enrolled
	}
	var out []CoordRow
	for _, p := range c.ScopePostes() {
		var notes []string
		switch {
		case c.EmailsUnknown:
		case strings.TrimSpace(p.RTSEmail) == "":
			notes = append(notes, i18n.T("coord.poste.no_email"))
		case !domain.ValidEmail(p.RTSEmail):
			notes = append(notes, i18n.T("coord.poste.bad_email", p.RTSEmail))
		}
		if c.InternsKnown && !enrolled[p.RTS] {
			notes = append(notes, i18n.T("coord.poste.rts_no_key"))
		}
		text := i18n.T("coord.poste.row", p.ID, p.Title, i18n.N("count.places", p.Capacity, Thousands(p.Capacity)), p.RTSName)
		if len(notes) > 0 {
			text += " — " + strings.Join(notes, ", ")
		}
		out = append(out, CoordRow{Text: text, Alert: len(notes) > 0})
	}
	return out
}

// InternRows lists the interns in scope by rank, with their enrollment.
func (c *Coordinator) InternRows() []CoordRow {
	var in []api.PersonStatus
	for _, ps := range c.People {
		if ps.Person.Role == domain.RoleIntern {
			in = append(in, ps)
		}
	}
	slices.SortStableFunc(in, func(a, b api.PersonStatus) int {
		ra, rb := a.Person.Rank, b.Person.Rank
		if ra == 0 {
			ra = 1 << 30
		}
		if rb == 0 {
			rb = 1 << 30
		}
		return ra - rb
	})
	out := make([]CoordRow, 0, len(in))
	for _, ps := range in {
		p := ps.Person
		status := i18n.T("people.enrolled")
		if !ps.Enrolled {
			status = i18n.T("people.no_key")
		}
		out = append(out, CoordRow{Text: i18n.T("coord.intern.row", p.ID, p.FullName(), p.Rank, status), Alert: !ps.Enrolled})
	}
	return out
}
