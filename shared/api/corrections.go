package api

import (
	"time"

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
