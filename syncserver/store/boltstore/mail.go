package boltstore

import (
	"encoding/json"
	"fmt"
	"time"

	"appariement/syncserver/store"
)

// EnqueueMail adds m to the queue in the caller's transaction, so that the
// mail commits with the action that causes it: an acknowledged action's
// mail is never lost. It sets m.ID (M and the sequence), m.Status (queued)
// and m.NextTry (m.Created: due at once).
func (tx *Tx) EnqueueMail(m *store.Mail) error {
	b := tx.bucket(bMail)
	if m.Once != "" && tx.bucket(bMailOnce).Get([]byte(m.Once)) != nil {
		return fmt.Errorf("store: mail %s: %w", m.Once, store.ErrMailOnce)
	}
	k, err := nextSeq(b)
	if err != nil {
		return fmt.Errorf("store: enqueue mail: %w", err)
	}
	m.ID = fmt.Sprintf("M%08d", b.Sequence())
	m.Created = m.Created.UTC()
	m.Status, m.NextTry, m.Attempts = store.MailQueued, m.Created, 0
	if err := putJSON(b, k, m); err != nil {
		return fmt.Errorf("store: enqueue mail: %w", err)
	}
	if err := tx.bucket(bMailDue).Put(k, nil); err != nil {
		return fmt.Errorf("store: enqueue mail: %w", err)
	}
	if m.Once != "" {
		if err := tx.bucket(bMailOnce).Put([]byte(m.Once), []byte(m.ID)); err != nil {
			return fmt.Errorf("store: enqueue mail: %w", err)
		}
	}
	return nil
}

// MailOnce reports whether a notification was already enqueued under key.
func (tx *Tx) MailOnce(key string) bool {
	return tx.bucket(bMailOnce).Get([]byte(key)) != nil
}

func mailKey(id string) ([]byte, error) {
	var n uint64
	if _, err := fmt.Sscanf(id, "M%d", &n); err != nil || n == 0 {
		return nil, fmt.Errorf("store: mail %q: %w", id, store.ErrNotFound)
	}
	return u64(n), nil
}

// Mail returns the queued, sent or failed mail id.
func (tx *Tx) Mail(id string) (*store.Mail, error) {
	k, err := mailKey(id)
	if err != nil {
		return nil, err
	}
	var m store.Mail
	ok, err := getJSON(tx.bucket(bMail), k, &m)
	if err != nil {
		return nil, fmt.Errorf("store: mail %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: mail %s: %w", id, store.ErrNotFound)
	}
	return &m, nil
}

// PutMail records a new state of a mail of the queue (after a try); a
// mail that is no longer queued leaves the due index.
func (tx *Tx) PutMail(m *store.Mail) error {
	k, err := mailKey(m.ID)
	if err != nil {
		return err
	}
	if tx.bucket(bMail).Get(k) == nil {
		return fmt.Errorf("store: mail %s: %w", m.ID, store.ErrNotFound)
	}
	if err := putJSON(tx.bucket(bMail), k, m); err != nil {
		return fmt.Errorf("store: mail %s: %w", m.ID, err)
	}
	due := tx.bucket(bMailDue)
	if m.Status == store.MailQueued {
		err = due.Put(k, nil)
	} else {
		err = due.Delete(k)
	}
	if err != nil {
		return fmt.Errorf("store: mail %s: %w", m.ID, err)
	}
	return nil
}

// DueMails returns up to limit queued mails whose next try is at or
// before now, oldest first.
func (tx *Tx) DueMails(now time.Time, limit int) ([]*store.Mail, error) {
	var out []*store.Mail
	b := tx.bucket(bMail)
	c := tx.bucket(bMailDue).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		var m store.Mail
		if ok, err := getJSON(b, k, &m); err != nil || !ok {
			return nil, fmt.Errorf("store: due mail %x: %v", k, err)
		}
		if !m.NextTry.After(now) {
			out = append(out, &m)
		}
	}
	return out, nil
}

// NextMailTry returns the earliest next try of the queued mails (zero if
// none is queued).
func (tx *Tx) NextMailTry() (time.Time, error) {
	var next time.Time
	b := tx.bucket(bMail)
	c := tx.bucket(bMailDue).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		var m store.Mail
		if ok, err := getJSON(b, k, &m); err != nil || !ok {
			return time.Time{}, fmt.Errorf("store: due mail %x: %v", k, err)
		}
		if next.IsZero() || m.NextTry.Before(next) {
			next = m.NextTry
		}
	}
	return next, nil
}

// Mails returns the counts of mails by status and up to limit mails of
// status (every status if empty), newest first.
func (tx *Tx) Mails(status store.MailStatus, limit int) (store.MailList, error) {
	out := store.MailList{Mails: []store.MailInfo{}}
	c := tx.bucket(bMail).Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var m store.Mail
		if err := json.Unmarshal(v, &m); err != nil {
			return out, fmt.Errorf("store: mail %x: %w", k, err)
		}
		switch m.Status {
		case store.MailQueued:
			out.Queued++
		case store.MailSent:
			out.Sent++
		case store.MailFailed:
			out.Failed++
		}
		if (status == "" || m.Status == status) && len(out.Mails) < limit {
			out.Mails = append(out.Mails, m.MailInfo)
		}
	}
	return out, nil
}

// Preferences returns the notification settings of person (none turned
// off if never set).
func (tx *Tx) Preferences(person string) (store.Preferences, error) {
	p := store.Preferences{Off: []string{}}
	if _, err := getJSON(tx.bucket(bPrefs), []byte(person), &p); err != nil {
		return p, fmt.Errorf("store: preferences of %s: %w", person, err)
	}
	return p, nil
}

// PutPreferences records the notification settings of person.
func (tx *Tx) PutPreferences(person string, p store.Preferences) error {
	if err := putJSON(tx.bucket(bPrefs), []byte(person), p); err != nil {
		return fmt.Errorf("store: preferences of %s: %w", person, err)
	}
	return nil
}
