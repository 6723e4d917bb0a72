// Package api defines what crosses the wire between the desktop app and the
// sync server: the signed payloads, the request and response bodies of the
// /v1 HTTP API, the refusal codes and the signed-request scheme.
//
// Everything here is plain data; the HTTP routes are documented in
// docs/openapi.yaml.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"appariement/shared/domain"
)

// Payload types of signed envelopes.
const (
	// WishListType is an intern's ordered wish list (Submission.List holds poste ids).
	WishListType = "application/vnd.appariement.wishlist+json"
	// RankingType is an RTS ranking of one poste's candidates (Submission.List holds intern ids).
	RankingType = "application/vnd.appariement.ranking+json"
	// ResultType is a round's full result (domain.Result), signed by the server.
	ResultType = "application/vnd.appariement.result+json"
	// PersonalResultType is one person's result (PersonalResult), signed by the server.
	PersonalResultType = "application/vnd.appariement.personal-result+json"
	// CallListType is a signed, versioned call list (choix au rang).
	CallListType = "application/vnd.appariement.call-list+json"
)

// Limits on submissions.
const (
	MaxListLength  = 1000 // items in one wish list or ranking
	MaxIDLength    = 64   // bytes in any identifier
	MaxAttachments = 10
	MaxFileSize    = 10 << 20 // bytes of one candidate file (PDF)
	// MaxFilesPerPerson and MaxBytesPerPerson bound what one person may
	// upload in all (a CV, a letter and a contract a round, replaced a few
	// times): beyond, an upload is refused with quota_exceeded.
	MaxFilesPerPerson = 30
	MaxBytesPerPerson = 60 << 20
	MaxBodySize       = 2 << 20 // bytes of any JSON request body of a signed request
	// MaxAnonymousBody bounds the body of a request open to anyone
	// (enrollment), read before anybody is authenticated.
	MaxAnonymousBody = 16 << 10
	// MaxSubmissionSize bounds a submitted envelope: a list of MaxListLength
	// identifiers of MaxIDLength bytes and MaxAttachments, with room to spare.
	MaxSubmissionSize = 256 << 10
	MaxClockSkew      = 5 * time.Minute
	RequestAuthName   = "Appariement-Ed25519-v2" // scheme of signed requests (RequestAuth)
)

// Submission is the payload of a wish list or ranking envelope. The payload
// bytes are signed as sent; the server never re-serialises them.
type Submission struct {
	Round      string    `json:"round"`
	Author     string    `json:"author"`
	Seq        uint64    `json:"seq"`         // per author and round, starts at 1, strictly increasing
	ClientTime time.Time `json:"client_time"` // informative only: the server's clock decides
	// Poste is the ranked poste (rankings only).
	Poste string `json:"poste,omitempty"`
	// List is the ordered choice, best first: poste ids in a wish list,
	// intern ids in a ranking. Anything absent is unacceptable.
	List []string `json:"list"`
	// Ranks, when present, is parallel to List: the rank of each item,
	// from 1, each equal to the previous (ex aequo, broken by the round's
	// published draw) or the previous plus one (rules.CheckRanks). Absent:
	// a strict order, so payloads signed before ties existed are unchanged.
	Ranks []int `json:"ranks,omitempty"`
	// Attachments is the candidate file (wish lists only).
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment names an uploaded candidate document by its SHA-256.
type Attachment struct {
	Kind   string `json:"kind"` // "cv", "lettre", "contrat", "autre"
	Name   string `json:"name"` // file name, no directory
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// DecodeSubmission parses a submission payload strictly: unknown fields and
// trailing data are refused.
func DecodeSubmission(payload []byte) (*Submission, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var s Submission
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode submission: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode submission: trailing data")
	}
	return &s, nil
}

// ServerKey is what a client pins on enrollment: the server's Ed25519 public
// key, the note verifier key derived from it (for log checkpoints) and its
// fingerprint for display.
type ServerKey struct {
	Name        string `json:"name"`
	PublicKey   []byte `json:"public_key"`
	NoteKey     string `json:"note_key"`
	Fingerprint string `json:"fingerprint"`
}

// KeyRotation is one rotation of the server's signing key (GET
// /v1/server-key/rotations, oldest first): the old and new public keys and
// the statement of the rotation, a note signed by both (see
// translog.FollowRotations), which lets a client pinned on the old key
// take the new one.
type KeyRotation struct {
	Time      time.Time `json:"time"`
	Old       []byte    `json:"old"`
	New       []byte    `json:"new"`
	Statement string    `json:"statement"`
}

// EnrollRequest registers a public key with a one-time activation code.
type EnrollRequest struct {
	Identifier string `json:"identifier"`
	Code       string `json:"code"`
	PublicKey  []byte `json:"public_key"`
}

// EnrollResponse confirms an enrollment.
type EnrollResponse struct {
	Person    domain.Person `json:"person"`
	ServerKey ServerKey     `json:"server_key"`
}

// RoundsResponse lists the rounds visible to clients.
type RoundsResponse struct {
	ServerTime time.Time      `json:"server_time"`
	Rounds     []domain.Round `json:"rounds"`
}

// CatalogueResponse carries the postes of a round changed since the
// version the client asked for. A closed poste comes with Closed set, so a
// delta also carries withdrawals.
//
// The public catalogue (GET /v1/rounds/{round}/postes, open to anyone)
// leaves out the RTS e-mail addresses; the same catalogue with them
// (GET /v1/rounds/{round}/postes/full) is for signed-in users only, and
// says so with Contacts.
type CatalogueResponse struct {
	Round   string         `json:"round"`
	Since   uint64         `json:"since"`
	Version uint64         `json:"version"`
	Postes  []domain.Poste `json:"postes"`
	// Contacts is true when the postes carry their RTS e-mail addresses.
	Contacts bool `json:"contacts,omitempty"`
}

// Receipt proves that the server accepted an envelope at ServerTime as leaf
// Index of its transparency log. The checkpoint is a signed note whose text
// is a tlog tree; Proof is the inclusion proof of the leaf in that tree.
type Receipt struct {
	Index      int64     `json:"index"`
	ServerTime time.Time `json:"server_time"`
	Digest     string    `json:"digest"` // envelope.Digest of the accepted envelope
	Checkpoint string    `json:"checkpoint"`
	Proof      [][]byte  `json:"proof"`
}

// SubmissionStatus is the server's view of one submission of the caller.
type SubmissionStatus struct {
	Digest      string   `json:"digest"`
	PayloadType string   `json:"payload_type"`
	Round       string   `json:"round"`
	Poste       string   `json:"poste,omitempty"`
	Seq         uint64   `json:"seq"`
	Receipt     *Receipt `json:"receipt"`
}

// FileResponse acknowledges an uploaded candidate file.
type FileResponse struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Candidate is an intern who listed a poste, as an RTS sees it. It does
// not say where the intern put the poste in the wish list: an RTS must not
// be able to favour the interns who listed the poste first.
type Candidate struct {
	Intern      domain.Person `json:"intern"`
	Attachments []Attachment  `json:"attachments"`
}

// CandidatesResponse lists the candidates of a poste.
type CandidatesResponse struct {
	Round      string      `json:"round"`
	Poste      string      `json:"poste"`
	Candidates []Candidate `json:"candidates"`
}

// IncludedEntry is a log entry with its inclusion proof in some tree.
type IncludedEntry struct {
	Index      int64     `json:"index"`
	ServerTime time.Time `json:"server_time"`
	Digest     string    `json:"digest"`
	Proof      [][]byte  `json:"proof"`
	// InInput, in a personal result, is the server's signed statement that
	// this envelope is one the round's frozen input names (PersonalResult's
	// InputDigest): an auditor holding the bundle can check it.
	InInput bool `json:"in_input,omitempty"`
}

// PersonalResult is one person's result of a published round, signed by the
// server (payload type PersonalResultType). LastSubmission is the caller's
// last accepted envelope of the round, proved included in Checkpoint: the
// round was computed on it.
type PersonalResult struct {
	Round          string              `json:"round"`
	Procedure      domain.Procedure    `json:"procedure"`
	Person         string              `json:"person"`
	Assignments    []domain.Assignment `json:"assignments"` // an intern's one assignment, or an RTS's matched interns
	Checkpoint     string              `json:"checkpoint"`
	ResultDigest   string              `json:"result_digest"` // hex SHA-256 of the full signed result payload
	LastSubmission *IncludedEntry      `json:"last_submission,omitempty"`
	PublishedAt    time.Time           `json:"published_at"`
	// InputDigest is the hex SHA-256 of the round's frozen input document,
	// as in the full result.
	InputDigest string `json:"input_digest,omitempty"`
	// WhyNot is, for an intern, why each wish ranked above the poste
	// obtained was not granted, as in the full result (shared/whynot
	// renders it); absent for an RTS and in results of older servers.
	WhyNot []domain.WhyNot `json:"why_not,omitempty"`
}

// ProofResponse carries a Merkle proof (inclusion or consistency).
type ProofResponse struct {
	Proof [][]byte `json:"proof"`
}
