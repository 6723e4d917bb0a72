package viewmodel

import (
	"context"
	"fmt"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
)

// Corrections is the correction queue as one person sees it: an RTS their
// requests and those about their postes, a coordinator their flags, an
// admin every request, with the decisions.
type Corrections struct {
	Svc *service.Service
	// OpenOnly shows only the requests still to decide (requested or
	// accepted).
	OpenOnly bool
	Items    []api.Correction
	// Selected is the index of the request shown in detail, -1 for none.
	Selected int
	Error    string
}

// NewCorrections returns an empty queue; call Load then Apply.
func NewCorrections(svc *service.Service) *Corrections {
	return &Corrections{Svc: svc, Selected: -1}
}

// Load fetches the requests the person may see. It blocks.
func (c *Corrections) Load(ctx context.Context) ([]api.Correction, error) {
	cl, err := c.Svc.Signed()
	if err != nil {
		return nil, err
	}
	status := ""
	if c.OpenOnly {
		status = "open"
	}
	return cl.Corrections(ctx, status, "")
}

// Apply shows the outcome of Load, newest first, keeping the selected
// request selected.
func (c *Corrections) Apply(items []api.Correction, err error) error {
	c.Error = Message(err)
	if err != nil {
		return err
	}
	sel := ""
	if s := c.Current(); s != nil {
		sel = s.ID
	}
	c.Items = make([]api.Correction, 0, len(items))
	for i := len(items) - 1; i >= 0; i-- {
		c.Items = append(c.Items, items[i])
	}
	c.Selected = -1
	for i := range c.Items {
		if c.Items[i].ID == sel {
			c.Selected = i
		}
	}
	return nil
}

// Current returns the selected request, or nil.
func (c *Corrections) Current() *api.Correction {
	if c.Selected < 0 || c.Selected >= len(c.Items) {
		return nil
	}
	return &c.Items[c.Selected]
}

// Counts returns how many requests are in each status.
func (c *Corrections) Counts() map[api.CorrectionStatus]int {
	n := map[api.CorrectionStatus]int{}
	for _, it := range c.Items {
		n[it.Status]++
	}
	return n
}

// Summary is one line on the requests, e.g. "2 demandée(s), 1 appliquée(s)".
func (c *Corrections) Summary() string {
	if len(c.Items) == 0 {
		return i18n.T("corr.none")
	}
	n := c.Counts()
	var parts []string
	for _, s := range []api.CorrectionStatus{api.CorrectionRequested, api.CorrectionAccepted, api.CorrectionApplied, api.CorrectionRefused} {
		if n[s] > 0 {
			parts = append(parts, i18n.T("corr.count."+string(s), n[s]))
		}
	}
	return strings.Join(parts, ", ")
}

// StatusLabel names a status in the user's language.
func StatusLabel(s api.CorrectionStatus) string { return i18n.T("corr.status." + string(s)) }

// FieldLabel names a field in the user's language.
func FieldLabel(f string) string { return i18n.T("corr.field." + f) }

// Target names what a request is about: "poste P0001 (R1)", "fiche
// I000002", "CARDIO × LYON".
func Target(c *api.Correction) string {
	switch {
	case c.Poste != "":
		return i18n.T("corr.target.poste", c.Poste, c.Round)
	case c.Person != "":
		return i18n.T("corr.target.person", c.Person)
	}
	return c.Specialty + " × " + c.Subdivision
}

// Label is a request's line in a list.
func Label(c *api.Correction) string {
	change := FieldLabel(c.Field)
	if c.Field != api.FieldOther {
		cur := c.Current
		if cur == "" {
			cur = i18n.T("corr.empty")
		}
		change += " : « " + cur + " » → « " + c.Proposed + " »"
	}
	return fmt.Sprintf("%s · %s · %s · %s", c.ID, StatusLabel(c.Status), Target(c), change)
}

// Labels are the lines of the list.
func (c *Corrections) Labels() []string {
	out := make([]string, len(c.Items))
	for i := range c.Items {
		out[i] = Label(&c.Items[i])
	}
	return out
}

// Detail is the selected request as label/value rows, history last.
func (c *Corrections) Detail() [][2]string {
	it := c.Current()
	if it == nil {
		return nil
	}
	rows := [][2]string{
		{i18n.T("corr.id"), it.ID},
		{i18n.T("corr.status"), StatusLabel(it.Status)},
		{i18n.T("corr.target"), Target(it)},
		{i18n.T("corr.field"), FieldLabel(it.Field)},
	}
	if it.Field != api.FieldOther {
		rows = append(rows, [2]string{i18n.T("corr.current"), it.Current}, [2]string{i18n.T("corr.proposed"), it.Proposed})
	}
	rows = append(rows,
		[2]string{i18n.T("corr.message"), it.Message},
		[2]string{i18n.T("corr.author"), fmt.Sprintf("%s (%s, %s)", it.AuthorName, it.Author, i18n.T("role."+string(it.AuthorRole)))},
	)
	if it.Reason != "" {
		rows = append(rows, [2]string{i18n.T("corr.reason"), it.Reason})
	}
	for _, ev := range it.History {
		line := StatusLabel(ev.Status) + " — " + ev.Actor
		if ev.Value != "" {
			line += " — « " + ev.Value + " »"
		}
		if ev.Reason != "" {
			line += " — " + ev.Reason
		}
		rows = append(rows, [2]string{FormatTime(ev.Time), line})
	}
	return rows
}

// CanDecide reports whether the selected request may still move to to.
func (c *Corrections) CanDecide(to api.CorrectionStatus) bool {
	it := c.Current()
	return it != nil && it.Status.CanMove(to)
}

// UserError is input refused before anything is sent (a correction
// request, a schedule, a reason); its message, for the user, names what
// is wrong.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

// Form is a correction request being written.
type Form struct {
	Round, Poste, Person     string
	Specialty, Subdivision   string
	Field, Proposed, Message string
}

// Check validates the form as the server will, with a message naming the
// faulty field, so that a request is not sent only to be refused.
func (f *Form) Check() error {
	bad := func(key string, args ...any) error { return &UserError{Msg: i18n.T(key, args...)} }
	f.Proposed = strings.TrimSpace(f.Proposed)
	f.Message = strings.TrimSpace(f.Message)
	if f.Field == "" {
		return bad("corr.err.field")
	}
	if len(f.Message) < 3 {
		return bad("corr.err.message")
	}
	if len(f.Message) > api.MaxCorrectionMessage || len(f.Proposed) > api.MaxCorrectionValue {
		return bad("corr.err.too_long")
	}
	if f.Field != api.FieldOther && f.Proposed == "" {
		return bad("corr.err.empty", FieldLabel(f.Field))
	}
	if err := api.CheckCorrectionValue(f.Field, f.Proposed); err != nil {
		return err
	}
	return nil
}

// File sends the request. It blocks.
func (c *Corrections) File(ctx context.Context, f Form) (*api.Correction, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	cl, err := c.Svc.Signed()
	if err != nil {
		return nil, err
	}
	return cl.FileCorrection(ctx, api.CorrectionRequest{Round: f.Round, Poste: f.Poste, Person: f.Person,
		Specialty: f.Specialty, Subdivision: f.Subdivision, Field: f.Field, Proposed: f.Proposed, Message: f.Message})
}

// Decide sends an admin's decision on request id. It blocks.
func (c *Corrections) Decide(ctx context.Context, id string, to api.CorrectionStatus, reason, value string) (*api.Correction, error) {
	reason = strings.TrimSpace(reason)
	if (to == api.CorrectionRefused) && len(reason) < 3 {
		return nil, &UserError{Msg: i18n.T("corr.err.reason")}
	}
	cl, err := c.Svc.Signed()
	if err != nil {
		return nil, err
	}
	return cl.DecideCorrection(ctx, id, api.CorrectionDecision{Status: to, Reason: reason, Value: strings.TrimSpace(value)})
}
