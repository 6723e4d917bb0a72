package pgstore

import (
	"fmt"
	"time"

	"appariement/syncserver/store"
)

// EnqueueMail adds m to the mail queue (ErrMailOnce for a notification
// already enqueued).
func (tx *Tx) EnqueueMail(m *store.Mail) error {
	if err := tx.writable("enqueue mail"); err != nil {
		return err
	}
	if m.Once != "" && tx.MailOnce(m.Once) {
		return fmt.Errorf("pgstore: mail %s: %w", m.Once, store.ErrMailOnce)
	}
	if tx.err != nil {
		return tx.err
	}
	seq, err := tx.next("mails")
	if err != nil {
		return err
	}
	m.ID = fmt.Sprintf("M%08d", seq)
	m.Created = m.Created.UTC()
	m.Status, m.NextTry, m.Attempts = store.MailQueued, m.Created, 0
	doc, err := encode(m)
	if err != nil {
		return fmt.Errorf("pgstore: enqueue mail: %w", err)
	}
	var once any
	if m.Once != "" {
		once = m.Once
	}
	_, err = tx.exec("enqueue mail", `INSERT INTO mails (seq, id, status, due, next_try_ns, once_key, doc)
		VALUES ($1, $2, $3, true, $4, $5, $6)`, seq, m.ID, string(m.Status), nanos(m.NextTry), once, doc)
	return err
}

// MailOnce reports whether a mail was enqueued with notification key.
func (tx *Tx) MailOnce(key string) bool {
	ok, err := tx.exists("SELECT 1 FROM mails WHERE once_key = $1", key)
	tx.keep(err)
	return ok
}

// mailSeq parses a mail id: M and its sequence number.
func mailSeq(id string) (int64, error) {
	var n int64
	if _, err := fmt.Sscanf(id, "M%d", &n); err != nil || n <= 0 {
		return 0, fmt.Errorf("pgstore: mail %q: %w", id, store.ErrNotFound)
	}
	return n, nil
}

// Mail returns a mail of the queue, or ErrNotFound.
func (tx *Tx) Mail(id string) (*store.Mail, error) {
	seq, err := mailSeq(id)
	if err != nil {
		return nil, err
	}
	var m store.Mail
	ok, err := tx.getDoc(&m, "SELECT doc FROM mails WHERE seq = $1", seq)
	if err != nil {
		return nil, fmt.Errorf("pgstore: mail %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: mail %s: %w", id, store.ErrNotFound)
	}
	return &m, nil
}

// PutMail replaces the stored state of mail m.ID; a mail no longer queued
// is no longer due.
func (tx *Tx) PutMail(m *store.Mail) error {
	seq, err := mailSeq(m.ID)
	if err != nil {
		return err
	}
	doc, err := encode(m)
	if err != nil {
		return fmt.Errorf("pgstore: mail %s: %w", m.ID, err)
	}
	n, err := tx.exec("mail "+m.ID, "UPDATE mails SET status = $2, due = $3, next_try_ns = $4, doc = $5 WHERE seq = $1",
		seq, string(m.Status), m.Status == store.MailQueued, nanos(m.NextTry), doc)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: mail %s: %w", m.ID, store.ErrNotFound)
	}
	return nil
}

// DueMails returns up to limit queued mails whose next try is at or
// before now, by id.
func (tx *Tx) DueMails(now time.Time, limit int) ([]*store.Mail, error) {
	if limit <= 0 {
		return nil, nil
	}
	ms, err := queryDocs[store.Mail](tx, "SELECT doc FROM mails WHERE due AND next_try_ns <= $1 ORDER BY seq LIMIT $2",
		nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: due mails: %w", err)
	}
	out := make([]*store.Mail, len(ms))
	for i := range ms {
		out[i] = &ms[i]
	}
	return out, nil
}

// NextMailTry returns the earliest next try of the queued mails (zero
// when none is queued).
func (tx *Tx) NextMailTry() (time.Time, error) {
	var m store.Mail
	ok, err := tx.getDoc(&m, "SELECT doc FROM mails WHERE due ORDER BY next_try_ns, seq LIMIT 1")
	if err != nil || !ok {
		return time.Time{}, err
	}
	return m.NextTry, nil
}

// Mails counts the mails by status and lists up to limit of status
// (every status if ""), newest first.
func (tx *Tx) Mails(status store.MailStatus, limit int) (store.MailList, error) {
	out := store.MailList{Mails: []store.MailInfo{}}
	if err := tx.lock(); err != nil {
		return out, err
	}
	rows, err := tx.tx.Query(tx.ctx, "SELECT status, count(*) FROM mails GROUP BY status")
	if err != nil {
		return out, classify(fmt.Errorf("pgstore: mails: %w", err))
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return out, classify(fmt.Errorf("pgstore: mails: %w", err))
		}
		switch store.MailStatus(st) {
		case store.MailQueued:
			out.Queued = n
		case store.MailSent:
			out.Sent = n
		case store.MailFailed:
			out.Failed = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, classify(fmt.Errorf("pgstore: mails: %w", err))
	}
	if limit <= 0 {
		return out, nil
	}
	var ms []store.Mail
	if status == "" {
		ms, err = queryDocs[store.Mail](tx, "SELECT doc FROM mails ORDER BY seq DESC LIMIT $1", limit)
	} else {
		ms, err = queryDocs[store.Mail](tx, "SELECT doc FROM mails WHERE status = $1 ORDER BY seq DESC LIMIT $2", string(status), limit)
	}
	if err != nil {
		return out, fmt.Errorf("pgstore: mails: %w", err)
	}
	for _, m := range ms {
		out.Mails = append(out.Mails, m.MailInfo)
	}
	return out, nil
}

// Preferences returns the notification settings of person.
func (tx *Tx) Preferences(person string) (store.Preferences, error) {
	p := store.Preferences{Off: []string{}}
	if _, err := tx.getDoc(&p, "SELECT doc FROM preferences WHERE person = $1", person); err != nil {
		return p, fmt.Errorf("pgstore: preferences of %s: %w", person, err)
	}
	return p, nil
}

// PutPreferences records the notification settings of person.
func (tx *Tx) PutPreferences(person string, p store.Preferences) error {
	doc, err := encode(p)
	if err != nil {
		return fmt.Errorf("pgstore: preferences of %s: %w", person, err)
	}
	_, err = tx.exec("preferences of "+person, `INSERT INTO preferences (person, doc) VALUES ($1, $2)
		ON CONFLICT (person) DO UPDATE SET doc = EXCLUDED.doc`, person, doc)
	return err
}
