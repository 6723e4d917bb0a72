package api

import (
	"encoding/json"
	"time"

	"appariement/shared/domain"
	"appariement/shared/envelope"
)

// Admin requests and answers (routes under /v1/admin/, signed requests by
// a person of role admin; every change is written to the audit log).

// Import formats accepted by the import routes (?format=).
const (
	FormatJSON = "json" // a JSON array of domain.Poste or domain.Person
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// ImportReport is the row-by-row outcome of an import. A dry run (?dry_run=1)
// always answers 200 with the report; a real import with any problem is
// refused (invalid_import, the report in the refusal's "report" field) and
// changes nothing.
type ImportReport struct {
	Kind      string `json:"kind"` // "postes" or "people"
	Round     string `json:"round,omitempty"`
	DryRun    bool   `json:"dry_run"`
	Rows      int    `json:"rows"`
	Valid     bool   `json:"valid"`
	Created   int    `json:"created"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Closed    int    `json:"closed"`    // postes absent from the file, withdrawn
	RTSAdded  int    `json:"rts_added"` // RTS created from poste rows
	// RTSMatched counts the RTS found by their e-mail address for postes
	// whose file gives no RTS identifier.
	RTSMatched int             `json:"rts_matched,omitempty"`
	HeaderRow  int             `json:"header_row,omitempty"` // the spreadsheet row taken as the header
	Version    uint64          `json:"version,omitempty"`    // catalogue version after the import
	Problems   []ImportProblem `json:"problems"`             // errors: any makes the import refused
	Warnings   []ImportProblem `json:"warnings"`             // data-quality remarks that do not block the import
	// Notes say what the import did by itself: the header found under a
	// title, each RTS found by e-mail or created.
	Notes []ImportProblem `json:"notes,omitempty"`
}

// ImportProblem is one bad row (or cell) of an imported file.
type ImportProblem struct {
	Row       int    `json:"row"` // the row as the spreadsheet shows it (JSON: the 1-based element); 0 for the whole file
	Column    string `json:"column,omitempty"`
	ID        string `json:"id,omitempty"`
	Message   string `json:"message"`    // French
	MessageEN string `json:"message_en"` // English
}

// ImportRefusal is the body of an invalid_import refusal: the usual error
// fields and the full report.
type ImportRefusal struct {
	Error
	Report *ImportReport `json:"report"`
}

// CreateRoundRequest creates a first round (in state draft).
type CreateRoundRequest struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Procedure   domain.Procedure `json:"procedure"`
	Subdivision string           `json:"subdivision,omitempty"` // empty: every subdivision
	Specialty   string           `json:"specialty,omitempty"`   // empty: every DES
	// MinRankingCoverage is the share of its candidates, in percent, each
	// RTS must rank (appariement only); 0: no minimum.
	MinRankingCoverage int `json:"min_ranking_coverage,omitempty"`
	// Binomes lets the interns of a choix au rang choose in binômes
	// (domain.Round.Binomes); refused for an appariement.
	Binomes bool `json:"binomes,omitempty"`
	// WishTies lets the interns of an appariement put wishes ex aequo
	// (domain.Round.WishTies); refused for a choix au rang.
	WishTies bool `json:"wish_ties,omitempty"`
}

// ScheduleRequest sets the windows of a round, by the server's clock. A
// zero time leaves that bound unscheduled.
type ScheduleRequest struct {
	WishesOpen    time.Time `json:"wishes_open,omitzero"`
	WishesClose   time.Time `json:"wishes_close,omitzero"`
	RankingsOpen  time.Time `json:"rankings_open,omitzero"`
	RankingsClose time.Time `json:"rankings_close,omitzero"`
	Reason        string    `json:"reason,omitempty"`
}

// TransitionRequest moves a round to its next state.
type TransitionRequest struct {
	To     domain.RoundState `json:"to"`
	Reason string            `json:"reason,omitempty"`
}

// IssueCodesRequest issues activation codes: to the people listed, or to
// every person without a registered key.
type IssueCodesRequest struct {
	People        []string `json:"people,omitempty"`
	AllWithoutKey bool     `json:"all_without_key,omitempty"`
}

// IssuedCode is one activation code, shown once to the admin and written
// as an e-mail in the server's outbox.
type IssuedCode struct {
	Person  string    `json:"person"`
	Email   string    `json:"email,omitempty"`
	Code    string    `json:"code"`
	Expires time.Time `json:"expires"`
	Outbox  string    `json:"outbox,omitempty"` // name of the e-mail file written
}

// IssueCodesResponse lists the codes issued.
type IssueCodesResponse struct {
	Codes []IssuedCode `json:"codes"`
}

// ResetKeyRequest removes a person's key and issues a new activation code.
// The reason is mandatory and audited.
type ResetKeyRequest struct {
	Reason string `json:"reason"`
}

// NextRoundRequest creates round 2 (or 3) from a published round.
type NextRoundRequest struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ManualAssignmentRequest assigns a remaining intern to a poste with a free
// place, in a third round. The reason is mandatory and audited.
type ManualAssignmentRequest struct {
	Intern string `json:"intern"`
	Poste  string `json:"poste"`
	Reason string `json:"reason"`
}

// AuditEntry records one action: who, when, what, why.
type AuditEntry struct {
	Seq    uint64          `json:"seq"`
	Time   time.Time       `json:"time"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Round  string          `json:"round,omitempty"`
	Target string          `json:"target,omitempty"` // person, poste or file concerned
	Reason string          `json:"reason,omitempty"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// AuditResponse is a page of the audit log, oldest first; ask again with
// after = the last Seq for the next page.
type AuditResponse struct {
	Entries []AuditEntry `json:"entries"`
}

// LogEntry is one leaf of the transparency log, decoded.
type LogEntry struct {
	Index      int64              `json:"index"`
	ServerTime time.Time          `json:"server_time"`
	Digest     string             `json:"digest"`
	Envelope   *envelope.Envelope `json:"envelope"`
}

// LogEntriesResponse carries the leaves [Start, Start+len(Entries)) of a
// log of TreeSize leaves. Entries reveal wish lists: admins only.
type LogEntriesResponse struct {
	TreeSize int64      `json:"tree_size"`
	Start    int64      `json:"start"`
	Entries  []LogEntry `json:"entries"`
}

// RoundDetail is an admin's view of a round: the round, its counts and,
// once run, the preview of its result.
type RoundDetail struct {
	Round            domain.Round `json:"round"`
	CatalogueVersion uint64       `json:"catalogue_version"`
	TreeSize         int64        `json:"tree_size,omitempty"`
	Postes           int          `json:"postes"` // open postes
	Places           int          `json:"places"` // places on open postes
	Eligible         int          `json:"eligible"`
	WishLists        int          `json:"wish_lists"`
	Rankings         int          `json:"rankings"`
	// RankedPostes counts the open postes with a current signed ranking
	// naming at least one candidate (Postes-RankedPostes have none).
	RankedPostes int `json:"ranked_postes"`
	// Unreachable counts, in an appariement, the interns with a current
	// wish list whom no current ranking of a poste they wish names: they
	// stay unmatched whatever the run (0 in a choix au rang).
	Unreachable int            `json:"unreachable"`
	Preview     *domain.Result `json:"preview,omitempty"`
	Published   bool           `json:"published"`
}

// PersonStatus is a person as admins see it: enrolled or not, with a code
// pending or not.
type PersonStatus struct {
	Person      domain.Person `json:"person"`
	Enrolled    bool          `json:"enrolled"`
	PendingCode bool          `json:"pending_code"`
}

// Participation answers GET /v1/admin/rounds/{round}/participation: who
// has submitted so far and what, from the server's current submissions,
// for the data-quality dashboard and the reminders (no log download).
type Participation struct {
	Round string `json:"round"`
	// Submitted lists the interns with a current wish list, sorted.
	Submitted []string `json:"submitted"`
	// Wished counts, per poste, the interns whose current list names it.
	Wished map[string]int `json:"wished"`
	// Ranked counts, per poste, the candidates of its current ranking.
	Ranked map[string]int `json:"ranked"`
}
