package api

import (
	"time"

	"appariement/shared/calllist"
	"appariement/shared/simulation"
)

// Call lists and simulation of a choix au rang (issue 6).
//
// An admin prepares a draft call list (imported, or computed from the
// interns' classement, ties broken by the seed the server drew and
// committed at the round's creation), checks it, and publishes it:
// the server signs the canonical encoding (calllist.Encode) in an envelope
// of payload type CallListType. Every published version is kept; a new
// version (a reclassification) needs a reason, and each intern whose rank
// changed gets a notice saying by how much and why.

// CodeInvalidCallList refuses the publication of a call list that fails
// calllist.Check; the refusal (CallListRefusal) carries the full report.
const CodeInvalidCallList Code = "invalid_call_list"

// ImportCallListRequest imports a draft call list
// (POST /v1/admin/rounds/{round}/call-list/import).
type ImportCallListRequest struct {
	// Seed must be empty: the list gets the round's seed, drawn by the
	// server and committed at the round's creation
	// (domain.Round.CallListCommitment); a request with a seed is refused.
	Seed string `json:"seed,omitempty"`
	// Entries are the interns in call order, ranks from 1.
	Entries []calllist.Entry `json:"entries"`
	// Absences are the interns with an "absence prévue" according to the
	// ARS's records: the check wants them, and only them, flagged absent.
	Absences []string `json:"absences,omitempty"`
}

// ComputeCallListRequest computes a draft call list from the interns'
// classement (domain.Person.Rank) and seniority
// (POST /v1/admin/rounds/{round}/call-list/compute), with calllist.Compute.
type ComputeCallListRequest struct {
	// Seed must be empty: the ties (same seniority and classement) are
	// broken by the round's seed, drawn by the server and committed at the
	// round's creation (domain.Round.CallListCommitment, checked with
	// shared/draw.CheckDraw), the same at every compute; it is published
	// with the list and every tie it broke is reported. A request with a
	// seed is refused (kept in the type so that the refusal is explicit).
	Seed string `json:"seed,omitempty"`
	// Seniority gives the validated semesters of interns (0 when absent).
	Seniority map[string]int `json:"seniority,omitempty"`
	// Absences are the interns with an "absence prévue": flagged absent.
	Absences []string `json:"absences,omitempty"`
	// Notes are copied to the interns' entries (shown in their notices).
	Notes map[string]string `json:"notes,omitempty"`
}

// CallListReport is the outcome of calllist.Check with its messages.
type CallListReport struct {
	// OK is set when the report holds no error (warnings allowed).
	OK       bool               `json:"ok"`
	Problems []calllist.Problem `json:"problems"`
	// Messages and MessagesEN are the problems' sentences, in order.
	Messages   []string `json:"messages"`
	MessagesEN []string `json:"messages_en"`
	// Eligible is the number of interns who must be on the list; Places
	// the places of the round's open postes.
	Eligible int `json:"eligible"`
	Places   int `json:"places"`
}

// CallListDraft is the draft call list of a round, checked against the
// round's eligible interns and places.
type CallListDraft struct {
	Round string         `json:"round"`
	List  *calllist.List `json:"list"`
	// Source is "import" or "compute".
	Source   string              `json:"source"`
	Absences []string            `json:"absences"`
	Ties     *calllist.TieReport `json:"ties,omitempty"`
	// TieMessages and TieMessagesEN describe every tie the seed broke.
	TieMessages   []string        `json:"tie_messages,omitempty"`
	TieMessagesEN []string        `json:"tie_messages_en,omitempty"`
	Report        *CallListReport `json:"report"`
	UpdatedAt     time.Time       `json:"updated_at"`
	UpdatedBy     string          `json:"updated_by"`
}

// PublishCallListRequest publishes the draft as the next version
// (POST /v1/admin/rounds/{round}/call-list/publish). The reason is
// mandatory from version 2 on (a reclassification) and audited.
type PublishCallListRequest struct {
	Reason string `json:"reason,omitempty"`
}

// PublishedCallList answers a publication: the version, the digest of its
// signed payload and who moved compared with the version before.
type PublishedCallList struct {
	Round       string          `json:"round"`
	Version     int             `json:"version"`
	Digest      string          `json:"digest"` // hex SHA-256 of the payload (calllist.Encode)
	PublishedAt time.Time       `json:"published_at"`
	Moves       []calllist.Move `json:"moves"`
	Report      *CallListReport `json:"report"`
}

// CallListRefusal is the body of an invalid_call_list refusal: the usual
// error fields and the full report.
type CallListRefusal struct {
	Error
	Report *CallListReport `json:"report"`
}

// CallListVersionInfo describes one published version.
type CallListVersionInfo struct {
	Version     int       `json:"version"`
	Digest      string    `json:"digest"`
	PublishedAt time.Time `json:"published_at"`
	PublishedBy string    `json:"published_by"`
	Reason      string    `json:"reason,omitempty"`
	Entries     int       `json:"entries"`
}

// CallListNotice is one change of the caller's place between two
// consecutive published versions.
type CallListNotice struct {
	FromVersion int           `json:"from_version"`
	ToVersion   int           `json:"to_version"`
	PublishedAt time.Time     `json:"published_at"`
	Move        calllist.Move `json:"move"`
	Message     string        `json:"message"`    // French
	MessageEN   string        `json:"message_en"` // English
}

// CallListNotices answers GET /v1/rounds/{round}/call-list/notices: the
// caller's place in the current version and every change since version 1.
type CallListNotices struct {
	Round   string           `json:"round"`
	Intern  string           `json:"intern"`
	Version int              `json:"version"` // current version
	Rank    int              `json:"rank"`    // 0 when not on the current version
	Absent  bool             `json:"absent,omitempty"`
	Notices []CallListNotice `json:"notices"`
}

// SimulationMeta says what a simulation was computed on.
type SimulationMeta struct {
	Round string `json:"round"`
	// ComputedAt is the server time of the computation; CheckedAt the last
	// time the server found its input unchanged.
	ComputedAt time.Time `json:"computed_at"`
	CheckedAt  time.Time `json:"checked_at"`
	// TreeSize is the log size whose accepted wish lists were counted.
	TreeSize int64 `json:"tree_size"`
	// Lists is the number of wish lists counted; Interns the interns of the
	// call list (those without a list count with an empty one).
	Lists   int `json:"lists"`
	Interns int `json:"interns"`
	// CallListVersion is the published call list used (0: interns' rank order).
	CallListVersion int `json:"call_list_version"`
}

// SimulationMe answers GET /v1/rounds/{round}/simulation/me.
type SimulationMe struct {
	SimulationMeta
	View simulation.InternView `json:"view"`
}

// SimulationAmphi answers GET /v1/rounds/{round}/simulation/amphi: the
// places still free after everyone ranked above Rank.
type SimulationAmphi struct {
	SimulationMeta
	Rank        int                    `json:"rank"`
	Specialty   string                 `json:"specialty,omitempty"`
	Subdivision string                 `json:"subdivision,omitempty"`
	Places      []simulation.PlaceView `json:"places"`
}

// LiveReplay answers GET /v1/rounds/{round}/live: the choices of a run
// round in call-list order, from rank From, for a live replay or a live
// reveal. Steps stop at rank Revealed.
type LiveReplay struct {
	Round           string            `json:"round"`
	Total           int               `json:"total"`
	From            int               `json:"from"`
	CallListVersion int               `json:"call_list_version"`
	Steps           []simulation.Step `json:"steps"`
	// Revealed is the number of turns the caller may see: Total once the
	// round is published (and for admins), the reveal's cursor while a
	// live reveal of the matched round runs.
	Revealed int `json:"revealed"`
	// Live is set while a live reveal runs: more turns will come, at Pace
	// ranks a minute, the next one at NextAt (server time).
	Live   bool      `json:"live,omitempty"`
	Pace   int       `json:"pace,omitempty"`
	NextAt time.Time `json:"next_at,omitzero"`
	// ServerTime is the server's clock when it answered.
	ServerTime time.Time `json:"server_time"`
}

// MaxLivePace bounds the pace of a live reveal, in ranks a minute.
const MaxLivePace = 100000

// LiveStartRequest starts (or re-paces) the live reveal of a matched
// choix-au-rang round (POST /v1/admin/rounds/{round}/live): the turns are
// revealed to every signed caller at RanksPerMinute ranks a minute (1 to
// MaxLivePace), the first one at once. Reason is audited.
type LiveStartRequest struct {
	RanksPerMinute int    `json:"ranks_per_minute"`
	Reason         string `json:"reason,omitempty"`
}
