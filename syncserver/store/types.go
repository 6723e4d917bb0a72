package store

import (
	"crypto/ed25519"
	"encoding/json"
	"time"

	"appariement/shared/calllist"
	"appariement/shared/domain"
)

// The records below are what backends store. Their JSON form (the tags)
// is the stored form of the bbolt backend: changing a tag changes the
// file format.

// KeyRecord is a public key registered for a person.
type KeyRecord struct {
	Person     string            `json:"person"`
	PublicKey  ed25519.PublicKey `json:"public_key"`
	Registered time.Time         `json:"registered"`
	Revoked    time.Time         `json:"revoked,omitzero"` // zero while current
}

// CodeRecord is a pending activation code, kept as an Argon2id hash.
type CodeRecord struct {
	Salt     []byte    `json:"salt"`
	Hash     []byte    `json:"hash"`
	Time     uint32    `json:"time"`
	Memory   uint32    `json:"memory"`
	Threads  uint8     `json:"threads"`
	Expires  time.Time `json:"expires"`
	Failures int       `json:"failures"` // tries since it was issued (counted before the check)
	// NotBefore is when the next try may be checked (see CodeDelay).
	NotBefore time.Time `json:"not_before,omitzero"`
}

// RoundRecord is a round as the server keeps it: the public domain.Round
// and the server's bookkeeping.
type RoundRecord struct {
	domain.Round
	// CatalogueVersion is bumped by every change of the round's postes.
	CatalogueVersion uint64 `json:"catalogue_version"`
	// TreeSize is the log size at which the input was frozen (when matched).
	TreeSize    int64     `json:"tree_size,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
}

// Attachment is a file attached to a submission (same fields as the API's).
type Attachment struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Current is the latest accepted submission of an author in a round (and,
// for a ranking, for one poste): what the server considers its current
// wish list or ranking.
type Current struct {
	Round       string       `json:"round"`
	Author      string       `json:"author"`
	Poste       string       `json:"poste,omitempty"`
	PayloadType string       `json:"payload_type"`
	Seq         uint64       `json:"seq"`
	Digest      string       `json:"digest"`
	Index       int64        `json:"index"`
	ServerTime  time.Time    `json:"server_time"`
	List        []string     `json:"list"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Accepted is where and when an envelope was appended to the log.
type Accepted struct {
	Index      int64     `json:"index"`
	ServerTime time.Time `json:"server_time"`
}

// CallListDraft is a call list being prepared by an admin, not published.
type CallListDraft struct {
	List      *calllist.List      `json:"list"`
	Source    string              `json:"source"` // "import" or "compute"
	Absences  []string            `json:"absences"`
	Ties      *calllist.TieReport `json:"ties,omitempty"`
	UpdatedAt time.Time           `json:"updated_at"`
	UpdatedBy string              `json:"updated_by"`
}

// CallListVersion is one published version of a call list: the signed
// envelope (payload calllist.Encode of the list) and who published it,
// when and why.
type CallListVersion struct {
	Version     int       `json:"version"`
	Digest      string    `json:"digest"` // hex SHA-256 of the payload
	PublishedAt time.Time `json:"published_at"`
	PublishedBy string    `json:"published_by"`
	Reason      string    `json:"reason,omitempty"`
	Entries     int       `json:"entries"`
	Envelope    []byte    `json:"envelope"` // encoded signed envelope
}

// CorrectionStatus is the state of a correction request (the API's
// statuses: requested, accepted, applied, refused).
type CorrectionStatus string

// CorrectionEvent is one step of a correction's history.
type CorrectionEvent struct {
	Time   time.Time        `json:"time"`
	Actor  string           `json:"actor"`
	Status CorrectionStatus `json:"status"`
	Reason string           `json:"reason,omitempty"`
	Value  string           `json:"value,omitempty"`
}

// Correction is a correction request as stored, with its history.
type Correction struct {
	ID          string            `json:"id"`
	Round       string            `json:"round,omitempty"`
	Poste       string            `json:"poste,omitempty"`
	Person      string            `json:"person,omitempty"`
	Specialty   string            `json:"specialty,omitempty"`
	Subdivision string            `json:"subdivision,omitempty"`
	Field       string            `json:"field"`
	Proposed    string            `json:"proposed,omitempty"`
	Message     string            `json:"message"`
	Current     string            `json:"current"`
	Author      string            `json:"author"`
	AuthorRole  domain.Role       `json:"author_role"`
	AuthorName  string            `json:"author_name"`
	Created     time.Time         `json:"created"`
	Status      CorrectionStatus  `json:"status"`
	Reason      string            `json:"reason,omitempty"`
	Updated     time.Time         `json:"updated"`
	History     []CorrectionEvent `json:"history"`
}

// AuditEntry records one administrative action: who, when, what, why.
type AuditEntry struct {
	Seq    uint64          `json:"seq"`
	Time   time.Time       `json:"time"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Round  string          `json:"round,omitempty"`
	Target string          `json:"target,omitempty"`
	Reason string          `json:"reason,omitempty"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// MailStatus is the state of a queued e-mail.
type MailStatus string

// The states of a queued e-mail: queued (waiting for its first try or a
// retry), sent, failed (refused for good or given up).
const (
	MailQueued MailStatus = "queued"
	MailSent   MailStatus = "sent"
	MailFailed MailStatus = "failed"
)

// MailInfo is what admins see of a queued e-mail (never its body).
type MailInfo struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Person    string     `json:"person,omitempty"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	MessageID string     `json:"message_id"`
	Status    MailStatus `json:"status"`
	Attempts  int        `json:"attempts"`
	Created   time.Time  `json:"created"`
	NextTry   time.Time  `json:"next_try,omitzero"`
	Sent      time.Time  `json:"sent,omitzero"`
	LastError string     `json:"last_error,omitempty"`
}

// Mail is an e-mail of the durable queue: what admins see, the envelope
// sender and the message exactly as it goes on the wire (rendered once, at
// enqueue time, so that every try sends the same bytes and the same
// Message-ID).
type Mail struct {
	MailInfo
	From string `json:"from"` // envelope sender (MAIL FROM)
	Raw  []byte `json:"raw"`  // RFC 5322 message, CRLF line ends
	// Once, if set, is the notification key that made this mail (such as
	// "result/R1/I0001"): EnqueueMail refuses a second mail with it.
	Once string `json:"once,omitempty"`
}

// MailList counts the mails by status and lists some of them.
type MailList struct {
	Queued int        `json:"queued"`
	Sent   int        `json:"sent"`
	Failed int        `json:"failed"`
	Mails  []MailInfo `json:"mails"`
}

// Preferences are a person's notification settings: the kinds turned off.
type Preferences struct {
	Off []string `json:"off"`
}

// FileInfo describes a candidate file uploaded by one owner. The same bytes
// uploaded by two people are stored once, with two FileInfo.
type FileInfo struct {
	SHA256   string    `json:"sha256"`
	Owner    string    `json:"owner"`
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Uploaded time.Time `json:"uploaded"`
}

// Witness is a witness of the log: its name and note verifier key.
type Witness struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// WitnessRecord is a registered witness and its latest cosignature.
type WitnessRecord struct {
	Witness
	AddedAt time.Time `json:"added_at"`
	// Cosigned is the latest checkpoint it cosigned (the server's note with
	// the witness's signature line), TreeSize its size.
	Cosigned   string    `json:"cosigned,omitempty"`
	TreeSize   int64     `json:"tree_size,omitempty"`
	CosignedAt time.Time `json:"cosigned_at,omitzero"`
}

// KeyRotation records that the server's signing key changed.
type KeyRotation struct {
	Time time.Time         `json:"time"`
	Old  ed25519.PublicKey `json:"old"`
	New  ed25519.PublicKey `json:"new"`
	// Statement is the rotation's statement signed by both keys
	// (translog.RotationStatement), served to clients pinned on the old
	// key; empty for a rotation recorded by an earlier version.
	Statement []byte `json:"statement,omitempty"`
}

// PosteChanges counts what PutPostes changed.
type PosteChanges struct {
	Created, Updated, Closed, Unchanged int
	Version                             uint64
}

// ServerKey is what clients pin: the public key, its note verifier key
// and fingerprint (the API's ServerKey, same fields).
type ServerKey struct {
	Name        string `json:"name"`
	PublicKey   []byte `json:"public_key"`
	NoteKey     string `json:"note_key"`
	Fingerprint string `json:"fingerprint"`
}

// Receipt proves that a submission is in the log (the API's Receipt,
// same fields).
type Receipt struct {
	Index      int64     `json:"index"`
	ServerTime time.Time `json:"server_time"`
	Digest     string    `json:"digest"`
	Checkpoint string    `json:"checkpoint"`
	Proof      [][]byte  `json:"proof"`
}
