package viewmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
)

// Admin is an admin's session: the rounds, the data-quality dashboard of
// the selected round, the round operations, imports, exports, reminders
// and the audit log. Every network call blocks: run it in the background
// and apply its outcome on the UI goroutine with Apply.
type Admin struct {
	Svc *service.Service

	Rounds  []domain.Round
	Round   *domain.Round
	Detail  *api.RoundDetail
	People  []api.PersonStatus
	Postes  []domain.Poste
	Quality *Quality
	// Submitted is who has a current signed wish list in the round.
	Submitted map[string]bool
	// Parent is the detail of the round the current one comes from.
	Parent *api.RoundDetail
	Audit  []api.AuditEntry
	// Error is the last error to show (the server's words).
	Error string
}

// NewAdmin opens an admin session; call Load to fill it.
func NewAdmin(svc *service.Service) *Admin { return &Admin{Svc: svc} }

// AdminData is what Load brought.
type AdminData struct {
	Rounds    []domain.Round
	Round     string
	Detail    *api.RoundDetail
	Parent    *api.RoundDetail
	People    []api.PersonStatus
	Postes    []domain.Poste
	Submitted map[string]bool
	Wished    map[string]bool
	Audit     []api.AuditEntry
	Err       error
}

// Load fetches everything the dashboards show for round (the last round
// if empty). It blocks; apply with Apply. The key must be unlocked.
func (a *Admin) Load(ctx context.Context, round string) AdminData {
	var d AdminData
	c, err := a.Svc.Signed()
	if err != nil {
		d.Err = err
		return d
	}
	rr, err := c.Rounds(ctx)
	if err != nil {
		d.Err = err
		return d
	}
	d.Rounds = rr.Rounds
	if d.People, err = c.People(ctx); err != nil {
		d.Err = err
		return d
	}
	for after := uint64(0); ; {
		page, err := c.AuditLog(ctx, after, 500)
		if err != nil {
			d.Err = err
			return d
		}
		d.Audit = append(d.Audit, page...)
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if round == "" && len(d.Rounds) > 0 {
		round = d.Rounds[len(d.Rounds)-1].ID
	}
	d.Round = round
	if round == "" {
		return d
	}
	if d.Detail, err = c.RoundDetail(ctx, round); err != nil {
		d.Err = err
		return d
	}
	if p := d.Detail.Round.Parent; p != "" {
		d.Parent, _ = c.RoundDetail(ctx, p)
	}
	cat, err := c.CatalogueFull(ctx, round, 0)
	if err != nil {
		d.Err = err
		return d
	}
	d.Postes = cat.Postes
	// Who wished what, from the server's current submissions.
	if d.Detail.Round.State != domain.StateDraft { // in draft nobody could wish yet
		part, err := c.Participation(ctx, round)
		if err != nil {
			d.Err = err
			return d
		}
		d.Submitted, d.Wished = map[string]bool{}, map[string]bool{}
		for _, id := range part.Submitted {
			d.Submitted[id] = true
		}
		for p := range part.Wished {
			d.Wished[p] = true
		}
	}
	return d
}

// Apply shows the outcome of Load.
func (a *Admin) Apply(d AdminData) error {
	if d.Rounds != nil {
		a.Rounds = d.Rounds
	}
	if d.People != nil {
		a.People = d.People
	}
	a.Error = a.Message(d.Err)
	a.Round = nil
	for i := range a.Rounds {
		if a.Rounds[i].ID == d.Round {
			a.Round = &a.Rounds[i]
		}
	}
	if d.People != nil {
		a.People = d.People
	}
	if d.Audit != nil {
		a.Audit = d.Audit
	}
	a.Detail, a.Parent, a.Postes, a.Submitted = d.Detail, d.Parent, d.Postes, d.Submitted
	if a.Detail != nil {
		r := a.Detail.Round
		a.Round = &r
	}
	if d.Err == nil {
		var scope domain.Scope // no round: everyone
		if a.Round != nil {
			scope = a.Round.Scope()
		}
		a.Quality = ComputeQuality(scope, a.People, a.Postes, d.Wished)
	}
	return d.Err
}

// CountsPollInterval is how often the round tab refreshes the counts of a
// round one of whose windows is open, while wish lists and rankings
// arrive (right after the rankings opened the demo showed "0 classement"
// until Synchroniser).
const CountsPollInterval = 15 * time.Second

// CountsLive reports whether the current round's counts change by
// themselves: one of its windows is open by the server's clock.
func (a *Admin) CountsLive() bool {
	if a.Round == nil || a.Detail == nil {
		return false
	}
	s := rules.Effective(a.Round, a.Svc.Now())
	return s == domain.StateWishesOpen || s == domain.StateRankingsOpen
}

// FetchCounts fetches the detail of round alone (its counts), for
// ApplyCounts. It blocks and reads no field of a: call it from a poller.
func (a *Admin) FetchCounts(ctx context.Context, round string) (*api.RoundDetail, error) {
	c, err := a.Svc.Signed()
	if err != nil {
		return nil, err
	}
	return c.RoundDetail(ctx, round)
}

// ApplyCounts shows the counts of a detail fetched by FetchCounts when
// round is still the current one in the same state; it reports whether
// the state changed instead (the caller then reloads everything).
func (a *Admin) ApplyCounts(round string, d *api.RoundDetail) (reload bool) {
	if d == nil || a.Detail == nil || a.RoundID() != round {
		return false
	}
	if d.Round.State != a.Detail.Round.State {
		return true
	}
	a.Detail = d
	r := d.Round
	a.Round = &r
	return false
}

// RoundID is the current round's id, or "".
func (a *Admin) RoundID() string {
	if a.Round == nil {
		return ""
	}
	return a.Round.ID
}

// RoundLabels names the rounds for a selector.
func (a *Admin) RoundLabels() []string {
	out := make([]string, len(a.Rounds))
	for i := range a.Rounds {
		out[i] = RoundLabel(&a.Rounds[i])
	}
	return out
}

// RoundSummary describes the current round and its counts.
func (a *Admin) RoundSummary() string {
	if a.Detail == nil {
		return i18n.T("round.none")
	}
	d := a.Detail
	s := i18n.T("admin.summary_head", RoundLabel(&d.Round), d.Round.Number) + "\n" +
		strings.Join([]string{i18n.N("count.open_postes", d.Postes, Thousands(d.Postes)), i18n.N("count.places", d.Places, Thousands(d.Places)),
			i18n.N("admin.fact.eligible", d.Eligible, Thousands(d.Eligible))}, ", ") + "\n" +
		i18n.N("count.wish_lists", d.WishLists, d.WishLists) + ", " + i18n.N("count.rankings", d.Rankings, d.Rankings)
	if draw := DrawInfo(&d.Round); draw != "" {
		s += "\n" + draw
	}
	if d.Preview != nil {
		placed, left := len(d.Preview.Assignments), len(d.Preview.Unmatched)
		head := "admin.preview_head"
		if d.Published {
			head = "admin.published_head" // no more a preview
		}
		s += "\n" + i18n.T(head, i18n.N("admin.preview_placed", placed, Thousands(placed)), i18n.N("admin.fact.without", left, Thousands(left)))
	}
	return s
}

// NextState is the state the current round moves to next by a transition
// (empty when the next step is run, publish or none).
func (a *Admin) NextState() domain.RoundState {
	if a.Round == nil {
		return ""
	}
	return rules.NextTransition(a.Round, a.Svc.Now())
}

// CanRun reports whether the matching may run now (rules.RunStatusOf).
func (a *Admin) CanRun() bool {
	return a.Round != nil && !a.published() && rules.CheckRun(a.Round, a.Svc.Now()) == nil
}

// RunButton is the run button of the current round: its label, whether it
// is enabled, and the note shown beside it (why it is disabled, or "").
func (a *Admin) RunButton() (label string, enabled bool, note string) {
	if a.Round == nil {
		return i18n.T("admin.run"), false, ""
	}
	r := *a.Round
	if a.published() {
		r.State = domain.StatePublished
	}
	return RunButtonOf(&r, a.Svc.Now())
}

// RunButtonOf is the run button of round r at now, by the one rule of
// rules.RunStatusOf: "Lancer l'appariement" once the windows closed,
// "Relancer (même entrée gelée, même résultat)" before publication,
// disabled with the reason once published or live (or before the windows
// closed).
func RunButtonOf(r *domain.Round, now time.Time) (label string, enabled bool, note string) {
	switch st := rules.RunStatusOf(r, now); st {
	case rules.RunFirst:
		return i18n.T("admin.run"), true, ""
	case rules.RunAgain:
		return i18n.T("admin.run_again"), true, ""
	case rules.RunPublished:
		return i18n.T("admin.run"), false, i18n.T("admin.run_final_published")
	case rules.RunLiveStarted:
		return i18n.T("admin.run"), false, i18n.T("admin.run_final_live")
	}
	if r.Procedure == domain.ChoixAuRang {
		return i18n.T("admin.run"), false, i18n.T("admin.run_after_wishes")
	}
	return i18n.T("admin.run"), false, i18n.T("admin.run_after_rankings")
}

// RunWarning says what the admin should know before running the current
// round: no wish list received, or (appariement) no ranking, so that
// nobody would be matched. Empty when nothing is amiss.
func (a *Admin) RunWarning() string {
	if a.Detail == nil || a.Round == nil {
		return ""
	}
	switch {
	case a.Detail.WishLists == 0:
		return i18n.T("admin.warn_no_wishes")
	case a.Round.Procedure == domain.Appariement && a.Detail.Rankings == 0:
		return i18n.N("admin.warn_no_rankings", a.Detail.WishLists, a.Detail.WishLists)
	}
	return ""
}

// CanPublish reports whether a previewed result waits for publication.
func (a *Admin) CanPublish() bool {
	return a.Detail != nil && a.Detail.Preview != nil && !a.Detail.Published
}

// CanNextRound reports whether the next round may be created.
func (a *Admin) CanNextRound() bool { return a.published() && a.Round.Number < 3 }

func (a *Admin) published() bool { return a.Detail != nil && a.Detail.Published }

// ErrReasonRequired is returned when an action needs a reason.
var ErrReasonRequired = errors.New("a reason is required")

// Transition moves the round to its next state. It blocks.
func (a *Admin) Transition(ctx context.Context, reason string) error {
	c, err := a.Svc.Signed()
	if err != nil {
		return err
	}
	_, err = c.Transition(ctx, a.RoundID(), a.NextState(), reason)
	return err
}

// Run computes the preview. It blocks.
func (a *Admin) Run(ctx context.Context) (*domain.Result, error) {
	c, err := a.Svc.Signed()
	if err != nil {
		return nil, err
	}
	return c.Run(ctx, a.RoundID())
}

// Publish signs and publishes the preview. It blocks.
func (a *Admin) Publish(ctx context.Context) error {
	c, err := a.Svc.Signed()
	if err != nil {
		return err
	}
	_, err = c.Publish(ctx, a.RoundID())
	return err
}

// NextRound creates the next round (2, then 3). It blocks.
func (a *Admin) NextRound(ctx context.Context) (*domain.Round, error) {
	c, err := a.Svc.Signed()
	if err != nil {
		return nil, err
	}
	n := a.Round.Number + 1
	baseID, _, _ := strings.Cut(a.Round.ID, "-T")
	id := fmt.Sprintf("%s-T%d", baseID, n)
	return c.NextRound(ctx, a.RoundID(), api.NextRoundRequest{ID: id, Name: rules.NextRoundName(a.Round.Name, n)})
}

// manual returns the manual assignments of the current round, as the
// audit log records them (no endpoint lists them before the round runs).
func (a *Admin) manual() []domain.Assignment {
	var out []domain.Assignment
	if a.Detail != nil && a.Detail.Preview != nil {
		out = append(out, a.Detail.Preview.Assignments...)
	}
	for _, e := range a.Audit {
		if e.Action != "manual-assignment" || e.Round != a.RoundID() {
			continue
		}
		var d struct {
			Poste string `json:"poste"`
		}
		if json.Unmarshal(e.Detail, &d) == nil && !slices.ContainsFunc(out, func(x domain.Assignment) bool { return x.Intern == e.Target }) {
			out = append(out, domain.Assignment{Intern: e.Target, Poste: d.Poste, Manual: true, Author: e.Actor, Reason: e.Reason})
		}
	}
	return out
}

// Remaining lists the interns left without a poste for a round 3: the
// unmatched of the parent round not yet assigned by hand.
func (a *Admin) Remaining() []domain.Person {
	if a.Round == nil || a.Parent == nil || a.Parent.Preview == nil {
		return nil
	}
	done := map[string]bool{}
	for _, as := range a.manual() {
		done[as.Intern] = true
	}
	byID := map[string]domain.Person{}
	for _, p := range a.People {
		byID[p.Person.ID] = p.Person
	}
	var out []domain.Person
	for _, id := range a.Parent.Preview.Unmatched {
		if !done[id] {
			p, ok := byID[id]
			if !ok {
				p = domain.Person{ID: id}
			}
			out = append(out, p)
		}
	}
	return out
}

// RemainingMatching returns the remaining interns whose id, name,
// specialty or subdivision contains filter (case-insensitive; all when
// empty).
func (a *Admin) RemainingMatching(filter string) []domain.Person {
	all := a.Remaining()
	f := strings.ToLower(strings.TrimSpace(filter))
	if f == "" {
		return all
	}
	var out []domain.Person
	for _, p := range all {
		if strings.Contains(strings.ToLower(p.ID+" "+p.FullName()+" "+p.Specialty+"/"+p.Subdivision), f) {
			out = append(out, p)
		}
	}
	return out
}

// FreePoste is a poste with free places in the current round.
type FreePoste struct {
	Poste domain.Poste
	Free  int
}

// FreePostes lists the postes of the current round with free places,
// optionally of one intern's specialty and subdivision.
func (a *Admin) FreePostes(intern *domain.Person) []FreePoste {
	free := rules.FreePlaces(a.Postes, a.manual())
	var out []FreePoste
	for _, p := range a.Postes {
		if p.Closed || free[p.ID] <= 0 {
			continue
		}
		if intern != nil && rules.CheckWish(a.RoundID(), intern, &p) != nil {
			continue
		}
		out = append(out, FreePoste{p, free[p.ID]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Poste.ID < out[j].Poste.ID })
	return out
}

// Assign assigns an intern to a poste by hand in a round 3. It blocks.
func (a *Admin) Assign(ctx context.Context, intern, poste, reason string) error {
	if reason == "" {
		return ErrReasonRequired
	}
	c, err := a.Svc.Signed()
	if err != nil {
		return err
	}
	_, err = c.Assign(ctx, a.RoundID(), api.ManualAssignmentRequest{Intern: intern, Poste: poste, Reason: reason})
	return err
}

// Import sends a people ("people") or postes ("postes") file, as a dry run
// or for real (refused as a whole if any row is bad). It blocks.
func (a *Admin) Import(ctx context.Context, kind, format string, data []byte, dryRun bool) (*api.ImportReport, error) {
	c, err := a.Svc.Signed()
	if err != nil {
		return nil, err
	}
	var rep *api.ImportReport
	if kind == "people" {
		rep, err = c.ImportPeople(ctx, format, data, dryRun)
	} else {
		rep, err = c.ImportPostes(ctx, a.RoundID(), format, data, dryRun)
	}
	return rep, err
}

// ReportRows formats an import report row by row.
func ReportRows(r *api.ImportReport) []string {
	if r == nil {
		return nil
	}
	out := []string{i18n.T("import.summary", i18n.N("import.count.rows", r.Rows, r.Rows), i18n.N("import.count.created", r.Created, r.Created),
		i18n.N("import.count.updated", r.Updated, r.Updated), i18n.N("import.count.unchanged", r.Unchanged, r.Unchanged),
		i18n.N("import.count.closed", r.Closed, r.Closed), i18n.N("import.count.errors", len(r.Problems), len(r.Problems)),
		i18n.N("import.count.warnings", len(r.Warnings), len(r.Warnings)))}
	line := func(kind string, p api.ImportProblem) string {
		s := kind
		if p.Row > 0 { // 0: the whole file
			s += " " + i18n.T("import.row", p.Row)
		}
		if p.Column != "" {
			s += " [" + p.Column + "]"
		}
		if p.ID != "" {
			s += " (" + p.ID + ")"
		}
		if s == kind {
			return s + " " + i18n.Pick(p.Message, p.MessageEN)
		}
		return s + " : " + i18n.Pick(p.Message, p.MessageEN)
	}
	for _, p := range r.Problems {
		out = append(out, line("✗", p))
	}
	for _, p := range r.Warnings {
		out = append(out, line("⚠", p))
	}
	// What the importer did by itself: the header row it took under a
	// title, each RTS found by e-mail or created.
	for _, p := range r.Notes {
		out = append(out, line("•", p))
	}
	return out
}

// FormatFromName guesses an import format from a file name.
func FormatFromName(name string) string {
	n := len(name)
	switch {
	case n >= 5 && (name[n-5:] == ".xlsx" || name[n-5:] == ".XLSX"):
		return api.FormatXLSX
	case n >= 5 && name[n-5:] == ".json":
		return api.FormatJSON
	}
	return api.FormatCSV
}

// Export writes the round's result as format (csv or xlsx) to w. It blocks.
func (a *Admin) Export(ctx context.Context, format string, w io.Writer) error {
	c, err := a.Svc.Signed()
	if err != nil {
		return err
	}
	return c.Export(ctx, a.RoundID(), format, w)
}

// AuditRows formats the audit log, newest first.
func (a *Admin) AuditRows() []string {
	out := make([]string, 0, len(a.Audit))
	who := map[string]string{}
	for _, p := range a.People {
		if n := strings.TrimSpace(p.Person.FullName()); n != "" {
			who[p.Person.ID] = n + " (" + p.Person.ID + ")"
		}
	}
	round := map[string]string{}
	for _, r := range a.Rounds {
		round[r.ID] = r.Name
	}
	name := func(m map[string]string, id string) string {
		if n, ok := m[id]; ok && n != "" {
			return n
		}
		return id
	}
	for _, e := range slices.Backward(a.Audit) {
		s := fmt.Sprintf("#%d %s — %s — %s", e.Seq, FormatTime(e.Time), name(who, e.Actor), e.Action)
		if e.Round != "" {
			s += " — " + name(round, e.Round)
		}
		if e.Target != "" {
			s += " — " + name(who, e.Target)
		}
		if e.Reason != "" {
			s += " — « " + e.Reason + " »"
		}
		out = append(out, s)
	}
	return out
}

// PreviewRows lists the previewed (or published) result: each assignment,
// then the unmatched interns.
func (a *Admin) PreviewRows() []string {
	if a.Detail == nil || a.Detail.Preview == nil {
		return nil
	}
	name := map[string]string{}
	for _, p := range a.People {
		name[p.Person.ID] = p.Person.FullName()
	}
	title := map[string]string{}
	for _, p := range a.Postes {
		title[p.ID] = p.Title
		if p.Town != "" {
			title[p.ID] += ", " + p.Town
		}
	}
	var out []string
	for _, as := range a.Detail.Preview.Assignments {
		s := fmt.Sprintf("%s (%s) → %s (%s)", name[as.Intern], as.Intern, title[as.Poste], as.Poste)
		if as.Manual {
			s += " — " + i18n.T("admin.manual", as.Reason)
		}
		out = append(out, s)
	}
	for _, id := range a.Detail.Preview.Unmatched {
		out = append(out, fmt.Sprintf("%s (%s) — %s", name[id], id, i18n.T("admin.unmatched")))
	}
	return out
}
