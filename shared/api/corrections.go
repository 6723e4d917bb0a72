package api

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"appariement/shared/domain"
)

// The correction queue: an RTS asks for a correction of one of their
// postes, a coordinator flags a data error in their specialty and
// subdivision, an admin may file one too; the admins accept, apply or
// refuse each request (routes /v1/corrections and
// /v1/admin/corrections/{id}/decision, every step audited).

// CorrectionStatus is the state of a correction request.
type CorrectionStatus string

// The statuses. A request starts requested; accepted means an admin agrees
// and will apply it; applied and refused are final.
const (
	CorrectionRequested CorrectionStatus = "requested"
	CorrectionAccepted  CorrectionStatus = "accepted"
	CorrectionApplied   CorrectionStatus = "applied"
	CorrectionRefused   CorrectionStatus = "refused"
)

// CorrectionStatuses are every status, in the order a request goes
// through them.
var CorrectionStatuses = []CorrectionStatus{CorrectionRequested, CorrectionAccepted, CorrectionApplied, CorrectionRefused}

// Known reports whether s is one of CorrectionStatuses.
func (s CorrectionStatus) Known() bool { return slices.Contains(CorrectionStatuses, s) }

// Decision reports whether an admin's decision may set s: any known
// status but the initial one.
func (s CorrectionStatus) Decision() bool { return s.Known() && s != CorrectionRequested }

// Final reports whether no decision can follow s.
func (s CorrectionStatus) Final() bool { return s == CorrectionApplied || s == CorrectionRefused }

// CanMove reports whether a request in status s may move to status to.
func (s CorrectionStatus) CanMove(to CorrectionStatus) bool {
	switch s {
	case CorrectionRequested:
		return to == CorrectionAccepted || to == CorrectionApplied || to == CorrectionRefused
	case CorrectionAccepted:
		return to == CorrectionApplied || to == CorrectionRefused
	}
	return false
}

// Fields a correction may name. The poste fields apply to the poste of the
// request; the person fields to its person; FieldOther is any other error,
// fixed by hand (applying it changes no data, the admin says how it was
// fixed).
const (
	FieldTitle       = "title"
	FieldService     = "service"
	FieldRTSName     = "rts_name"
	FieldRTSEmail    = "rts_email"
	FieldDescription = "description"
	FieldCapacity    = "capacity"
	FieldEmail       = "email"
	FieldLastName    = "last_name"
	FieldFirstName   = "first_name"
	FieldSpecialty   = "specialty"
	FieldSubdivision = "subdivision"
	FieldOther       = "other"
)

// PosteFields are the fields of a poste a correction can change.
var PosteFields = []string{FieldTitle, FieldService, FieldRTSName, FieldRTSEmail, FieldDescription, FieldCapacity, FieldOther}

// PersonFields are the fields of a person a correction can change.
var PersonFields = []string{FieldEmail, FieldLastName, FieldFirstName, FieldSpecialty, FieldSubdivision, FieldOther}

// fieldNames names the fields in refusals, in French and English.
var fieldNames = map[string][2]string{
	FieldTitle: {"l'intitulé", "the title"}, FieldService: {"le service", "the service"},
	FieldRTSName: {"le nom du RTS", "the RTS name"}, FieldRTSEmail: {"l'e-mail du RTS", "the RTS e-mail"},
	FieldDescription: {"la description", "the description"}, FieldCapacity: {"la capacité", "the capacity"},
	FieldEmail: {"l'e-mail", "the e-mail"}, FieldLastName: {"le nom", "the last name"},
	FieldFirstName: {"le prénom", "the first name"}, FieldSpecialty: {"la spécialité", "the specialty"},
	FieldSubdivision: {"la subdivision", "the subdivision"}, FieldOther: {"l'explication", "the explanation"},
}

// PosteFieldValue returns the value of field on p, and whether a poste has
// that field (FieldOther has no value).
func PosteFieldValue(p *domain.Poste, field string) (string, bool) {
	switch field {
	case FieldTitle:
		return p.Title, true
	case FieldService:
		return p.Service, true
	case FieldRTSName:
		return p.RTSName, true
	case FieldRTSEmail:
		return p.RTSEmail, true
	case FieldDescription:
		return p.Description, true
	case FieldCapacity:
		return strconv.Itoa(p.Capacity), true
	case FieldOther:
		return "", true
	}
	return "", false
}

// PersonFieldValue returns the value of field on p, and whether a person
// has that field (FieldOther has no value).
func PersonFieldValue(p *domain.Person, field string) (string, bool) {
	switch field {
	case FieldEmail:
		return p.Email, true
	case FieldLastName:
		return p.LastName, true
	case FieldFirstName:
		return p.FirstName, true
	case FieldSpecialty:
		return p.Specialty, true
	case FieldSubdivision:
		return p.Subdivision, true
	case FieldOther:
		return "", true
	}
	return "", false
}

// SetPosteField writes value (already checked) into field of p and
// reports whether a poste has that field.
func SetPosteField(p *domain.Poste, field, value string) bool {
	switch field {
	case FieldTitle:
		p.Title = value
	case FieldService:
		p.Service = value
	case FieldRTSName:
		p.RTSName = value
	case FieldRTSEmail:
		p.RTSEmail = value
	case FieldDescription:
		p.Description = value
	case FieldCapacity:
		n, err := strconv.Atoi(value)
		if err != nil {
			return false
		}
		p.Capacity = n
	default:
		return false
	}
	return true
}

// SetPersonField writes value (already checked) into field of p and
// reports whether a person has that field.
func SetPersonField(p *domain.Person, field, value string) bool {
	switch field {
	case FieldEmail:
		p.Email = value
	case FieldLastName:
		p.LastName = value
	case FieldFirstName:
		p.FirstName = value
	case FieldSpecialty:
		p.Specialty = value
	case FieldSubdivision:
		p.Subdivision = value
	default:
		return false
	}
	return true
}

// Target names what c is about, in French: "poste P (tour R)", "fiche
// I000002" or "CARDIO × LYON".
func (c *Correction) Target() string {
	switch {
	case c.Person != "":
		return "fiche " + c.Person
	case c.Poste == "":
		return c.Specialty + " × " + c.Subdivision
	}
	return "poste " + c.Poste + " (tour " + c.Round + ")"
}

// CheckCorrectionValue validates a proposed or applied value of field: the
// server's rule, which the app also runs before sending. The refusal
// (bad_request or too_large) names the field and the value.
func CheckCorrectionValue(field, v string) error {
	name, ok := fieldNames[field]
	if !ok {
		return Errorf(CodeBadRequest, "champ %q inconnu", "unknown field %q", field)
	}
	switch {
	case !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r"):
		return Errorf(CodeBadRequest, "valeur invalide pour %[1]s", "invalid value for %[2]s", name[0], name[1])
	case len(v) > MaxCorrectionValue:
		return Errorf(CodeTooLarge, "valeur trop longue pour %[1]s (%[3]d octets au plus)",
			"value too long for %[2]s (at most %[3]d bytes)", name[0], name[1], MaxCorrectionValue)
	}
	switch field {
	case FieldOther, FieldDescription:
		return nil
	case FieldCapacity:
		if n, err := strconv.Atoi(v); err != nil || !domain.ValidCapacity(n) {
			return Errorf(CodeBadRequest, "capacité « %s » invalide : un entier de %d à %d", "invalid capacity %q: an integer from %d to %d",
				v, domain.MinCapacity, domain.MaxCapacity)
		}
	case FieldRTSEmail, FieldEmail:
		if !domain.ValidEmail(v) {
			return Errorf(CodeBadRequest, "adresse e-mail « %s » invalide", "invalid e-mail address %q", v)
		}
	case FieldSpecialty:
		if domain.LookupDES(v) == nil {
			return Errorf(CodeBadRequest, "spécialité « %s » inconnue (code DES attendu)", "unknown specialty %q (a DES code is expected)", v)
		}
	case FieldSubdivision:
		if domain.LookupSubdivision(v) == nil {
			return Errorf(CodeBadRequest, "subdivision « %s » inconnue", "unknown subdivision %q", v)
		}
	default:
		if strings.TrimSpace(v) == "" || strings.Contains(v, "\n") {
			return Errorf(CodeBadRequest, "indiquez %[1]s, sur une ligne", "give %[2]s, on one line", name[0], name[1])
		}
	}
	return nil
}

// Limits of a correction request.
const (
	MaxCorrectionValue   = 2000 // bytes of a proposed value
	MaxCorrectionMessage = 4000 // bytes of the requester's explanation
)

// CorrectionRequest files a correction. It names exactly one target: a
// poste of Round, a person, or (FieldOther only) the cell Specialty ×
// Subdivision of Round, e.g. "more interns than places".
type CorrectionRequest struct {
	Round       string `json:"round,omitempty"`
	Poste       string `json:"poste,omitempty"`
	Person      string `json:"person,omitempty"`
	Specialty   string `json:"specialty,omitempty"`
	Subdivision string `json:"subdivision,omitempty"`
	Field       string `json:"field"`
	Proposed    string `json:"proposed,omitempty"` // the right value; empty for FieldOther
	Message     string `json:"message"`            // what is wrong, for the admins
}

// CorrectionEvent is one step of a request's history.
type CorrectionEvent struct {
	Time   time.Time        `json:"time"`
	Actor  string           `json:"actor"`
	Status CorrectionStatus `json:"status"`
	Reason string           `json:"reason,omitempty"`
	Value  string           `json:"value,omitempty"` // value applied
}

// Correction is a request in the queue, with its history.
type Correction struct {
	ID string `json:"id"` // CR000001, in filing order
	CorrectionRequest
	Current    string            `json:"current"` // the value when filed
	Author     string            `json:"author"`
	AuthorRole domain.Role       `json:"author_role"`
	AuthorName string            `json:"author_name"`
	Created    time.Time         `json:"created"`
	Status     CorrectionStatus  `json:"status"`
	Reason     string            `json:"reason,omitempty"` // of the last decision
	Updated    time.Time         `json:"updated"`
	History    []CorrectionEvent `json:"history"`
}

// CorrectionDecision moves a request to Status (accepted, applied or
// refused). A refusal needs a Reason. Applying a poste or person field
// writes Value, or the proposed value when Value is empty; applying
// FieldOther needs a Reason saying how the error was fixed.
type CorrectionDecision struct {
	Status CorrectionStatus `json:"status"`
	Reason string           `json:"reason,omitempty"`
	Value  string           `json:"value,omitempty"`
}

// ScopePeople answers GET /v1/scope/people: the people a coordinator may
// see (the interns of their specialty and subdivision and the RTS of the
// postes there), with their enrollment status.
type ScopePeople struct {
	Specialty   string         `json:"specialty,omitempty"`
	Subdivision string         `json:"subdivision,omitempty"`
	People      []PersonStatus `json:"people"`
}
