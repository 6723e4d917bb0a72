package viewmodel

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
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

// Summary is one line on the requests, e.g. "2 demandées, 1 appliquée".
func (c *Corrections) Summary() string {
	if len(c.Items) == 0 {
		return i18n.T("corr.none")
	}
	n := c.Counts()
	var parts []string
	for _, s := range api.CorrectionStatuses {
		if n[s] > 0 {
			parts = append(parts, i18n.N("corr.count."+string(s), n[s], n[s]))
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
	return cl.FileCorrection(ctx, f.Request())
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

// Request is the form as sent to the server.
func (f Form) Request() api.CorrectionRequest {
	return api.CorrectionRequest{Round: f.Round, Poste: f.Poste, Person: f.Person,
		Specialty: f.Specialty, Subdivision: f.Subdivision, Field: f.Field, Proposed: f.Proposed, Message: f.Message}
}

// CorrectionKind is what a new correction request is about.
type CorrectionKind int

// The kinds of correction requests.
const (
	// KindPoste is about a poste of the round (its fields: api.PosteFields).
	KindPoste CorrectionKind = iota
	// KindPerson is about a person's record (api.PersonFields).
	KindPerson
	// KindCell is about a specialty in a subdivision (api.FieldOther only).
	KindCell
)

// String is the kind's name: "poste", "person" or "cell".
func (k CorrectionKind) String() string {
	switch k {
	case KindPerson:
		return "person"
	case KindCell:
		return "cell"
	}
	return "poste"
}

// Label names the kind in the user's language.
func (k CorrectionKind) Label() string {
	switch k {
	case KindPerson:
		return i18n.T("corr.kind.person")
	case KindCell:
		return i18n.T("corr.kind.cell")
	}
	return i18n.T("corr.kind.poste")
}

// Fields are the fields a request of this kind may correct.
func (k CorrectionKind) Fields() []string {
	switch k {
	case KindPerson:
		return api.PersonFields
	case KindCell:
		return []string{api.FieldOther}
	}
	return api.PosteFields
}

// CorrectionScope says what a person may name in a new request.
type CorrectionScope struct {
	Round string
	// Postes are the postes the person may name (the first is preselected).
	Postes []domain.Poste
	// People: may name a person by id; Cells: a specialty × subdivision.
	People, Cells bool
	// Fixed: the poste is fixed (an RTS's selected poste).
	Fixed bool
	// Specialty and Subdivision preset those of a cell.
	Specialty, Subdivision string
}

// CorrectionForm is a new correction request being written: what it is
// about (Kind and the target of that kind), the field, the proposed value
// and the message. The screen shows the rows of Kind's target only and
// sends Form's outcome.
type CorrectionForm struct {
	Scope CorrectionScope
	Kind  CorrectionKind
	// The target, by kind: Poste (KindPoste), Person (KindPerson),
	// Specialty and Subdivision (KindCell).
	Poste, Person, Specialty, Subdivision string
	// Field is the field to correct (one of Kind.Fields()), "" if not chosen.
	Field             string
	Proposed, Message string
}

// NewCorrectionForm opens a form on scope: about a poste, the first of the
// scope's postes preselected.
func NewCorrectionForm(sc CorrectionScope) *CorrectionForm {
	f := &CorrectionForm{Scope: sc, Specialty: sc.Specialty, Subdivision: sc.Subdivision}
	if len(sc.Postes) > 0 {
		f.Poste = sc.Postes[0].ID
	}
	f.SetKind(KindPoste)
	return f
}

// Kinds are the kinds the person may choose, KindPoste first.
func (f *CorrectionForm) Kinds() []CorrectionKind {
	ks := []CorrectionKind{KindPoste}
	if f.Scope.People {
		ks = append(ks, KindPerson)
	}
	if f.Scope.Cells {
		ks = append(ks, KindCell)
	}
	return ks
}

// KindLabels name Kinds in the user's language.
func (f *CorrectionForm) KindLabels() []string {
	ks := f.Kinds()
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Label()
	}
	return out
}

// SetKind changes what the request is about; the field is to choose again,
// except for a cell, whose only field is api.FieldOther.
func (f *CorrectionForm) SetKind(k CorrectionKind) {
	f.Kind = k
	f.Field = ""
	if k == KindCell {
		f.Field = api.FieldOther
	}
}

// Fields are the fields of the current kind.
func (f *CorrectionForm) Fields() []string { return f.Kind.Fields() }

// FieldLabels name Fields in the user's language.
func (f *CorrectionForm) FieldLabels() []string {
	codes := f.Fields()
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = FieldLabel(c)
	}
	return out
}

// FieldIndex is the index of Field in Fields, -1 if none is chosen.
func (f *CorrectionForm) FieldIndex() int { return slices.Index(f.Fields(), f.Field) }

// SetFieldIndex chooses the i-th of Fields (out of range: none).
func (f *CorrectionForm) SetFieldIndex(i int) {
	if codes := f.Fields(); i >= 0 && i < len(codes) {
		f.Field = codes[i]
	} else {
		f.Field = ""
	}
}

// PosteIDs are the ids of the postes the person may name.
func (f *CorrectionForm) PosteIDs() []string {
	out := make([]string, len(f.Scope.Postes))
	for i := range f.Scope.Postes {
		out[i] = f.Scope.Postes[i].ID
	}
	return out
}

// Current is the field's value today, for a poste of the scope ("" when
// unknown: a person, a cell, another poste, no field or api.FieldOther).
func (f *CorrectionForm) Current() string {
	if f.Kind != KindPoste || f.Field == "" || f.Field == api.FieldOther {
		return ""
	}
	i := slices.IndexFunc(f.Scope.Postes, func(p domain.Poste) bool { return p.ID == f.Poste })
	if i < 0 {
		return ""
	}
	v, _ := api.PosteFieldValue(&f.Scope.Postes[i], f.Field)
	return v
}

// ProposedEnabled reports whether a value is to propose (not for
// api.FieldOther, whose message says it all).
func (f *CorrectionForm) ProposedEnabled() bool { return f.Field != api.FieldOther }

// Form validates the request as the server will, with a message naming
// what is wrong (the target first), and returns it ready for File: only
// the target of the chosen kind is sent.
func (f *CorrectionForm) Form() (Form, error) {
	out := Form{Round: f.Scope.Round, Field: f.Field, Proposed: f.Proposed, Message: f.Message}
	if !slices.Contains(f.Kinds(), f.Kind) {
		return Form{}, &UserError{Msg: i18n.T("corr.err.target")}
	}
	switch f.Kind {
	case KindPerson:
		out.Person = strings.TrimSpace(f.Person)
	case KindCell:
		out.Specialty, out.Subdivision = strings.TrimSpace(f.Specialty), strings.TrimSpace(f.Subdivision)
	default:
		out.Poste = strings.TrimSpace(f.Poste)
	}
	if out.Poste == "" && out.Person == "" && (out.Specialty == "" || out.Subdivision == "") {
		return Form{}, &UserError{Msg: i18n.T("corr.err.target")}
	}
	if err := out.Check(); err != nil {
		return Form{}, err
	}
	return out, nil
}
