package api

import "time"

// MailStatus is where an e-mail of the server's queue stands.
type MailStatus string

// The states of a queued e-mail: queued (waiting for its first try or a
// retry), sent (the mail server answered 250, or the file was written in
// demo mode) and failed (refused for good, or given up after too many
// temporary failures; the reason is in LastError and the audit log).
const (
	MailQueued MailStatus = "queued"
	MailSent   MailStatus = "sent"
	MailFailed MailStatus = "failed"
)

// Mail is one e-mail of the server's durable queue as admins see it
// (GET /v1/admin/mail): never its body, which may hold an activation code.
type Mail struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`             // activation, correction, result, call-list, wishes-closing, rankings-reminder, reminder
	Person    string     `json:"person,omitempty"` // the recipient's identifier
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	MessageID string     `json:"message_id"` // without angle brackets: a duplicate delivery carries the same one
	Status    MailStatus `json:"status"`
	Attempts  int        `json:"attempts"`
	Created   time.Time  `json:"created"`
	NextTry   time.Time  `json:"next_try,omitzero"`
	Sent      time.Time  `json:"sent,omitzero"`
	LastError string     `json:"last_error,omitempty"`
}

// MailList answers GET /v1/admin/mail: the counts by status and the mails
// of the status asked (?status=queued|sent|failed, every status if none),
// newest first, at most limit (?limit=, default 200).
type MailList struct {
	Queued int    `json:"queued"`
	Sent   int    `json:"sent"`
	Failed int    `json:"failed"`
	Mails  []Mail `json:"mails"`
}

// RemindersResponse answers POST /v1/admin/rounds/{round}/reminders: the
// reminders enqueued (one e-mail each, through the mail queue) to the RTS
// of the round's postes who never activated their access
// ("rts_no_key") and to the eligible interns without a signed wish list
// ("intern_no_wishes"), and the people skipped (no e-mail address, or
// one that cannot be written safely).
type RemindersResponse struct {
	Round    string   `json:"round"`
	Enqueued []string `json:"enqueued"`
	Skipped  []string `json:"skipped"`
}

// The notifications a person may turn off (Preferences.Off). The others
// (activation codes, results, correction decisions, the admin's reminders)
// are part of the procedure and always sent.
const (
	NotifyWishesOpening    = "wishes-opening"    // the wishes window opened, for the round's interns
	NotifyWishesClosing    = "wishes-closing"    // 24 h before the wishes close, without a signed list
	NotifyRankingsReminder = "rankings-reminder" // 24 h before the rankings close, postes not ranked
	NotifyCallList         = "call-list"         // the call list changed: old and new rank
)

// OptionalNotifications lists the kinds Preferences.Off may name.
var OptionalNotifications = []string{NotifyWishesOpening, NotifyWishesClosing, NotifyRankingsReminder, NotifyCallList}

// Preferences are a person's notification settings (GET and PUT
// /v1/me/preferences): the optional notifications they turned off.
type Preferences struct {
	Off []string `json:"off"`
}
