// Package notify is the server's e-mail use cases over the durable mail
// queue: writing a mail into the queue in the transaction of the action
// that causes it (Mailer.Enqueue), the "result published" and call-list
// mails, the scheduler of timed notifications (the opening of a round's
// wishes, the reminders before a window closes), the admin's reminders,
// the mail queue's listing and each person's notification settings.
//
// A Mailer without a queue (the server started without -mail) sends and
// queues nothing.
package notify

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"sync"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/syncserver/auditing"
	"appariement/syncserver/mailqueue"
	"appariement/syncserver/store"
)

// Mailer writes the server's e-mails into its durable queue.
type Mailer struct {
	st   *store.Store
	q    *mailqueue.Queue // nil: no mail
	dir  bool             // q writes .eml files (demo mode)
	from mail.Address
	log  *slog.Logger

	stopOnce sync.Once
	stop     chan struct{} // of the scheduler, nil when not started
	done     chan struct{}
}

// New returns the mailer of st over queue q (nil: the server sends no
// mail); dir says that q writes files (demo mode: mails are written before
// the answer, and named by their file); from is the From address.
func New(st *store.Store, q *mailqueue.Queue, dir bool, from string, log *slog.Logger) (*Mailer, error) {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("notify: From address %q: %w", from, err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Mailer{st: st, q: q, dir: dir, from: *a, log: log}, nil
}

// Enabled reports whether the server sends mail.
func (m *Mailer) Enabled() bool { return m.q != nil }

// Enqueue renders an e-mail to p (RFC 5322, UTF-8, with the automatic
// message signature) and adds it to the durable queue in tx, so that it
// commits with the action that causes it. once, if not empty, is the key
// of a notification sent once (a second enqueue returns
// store.ErrMailOnce). An optional notification (api.OptionalNotifications)
// the person turned off is not queued. It returns nil, nil when the server
// sends no mail or p has no address, and an error wrapping email.ErrHeader
// when no e-mail can be written safely for p. The caller calls Enqueued
// once the transaction committed.
func (m *Mailer) Enqueue(tx store.Tx, p *domain.Person, kind, once, subject, body string, now time.Time) (*store.Mail, error) {
	if m.q == nil || p.Email == "" {
		return nil, nil
	}
	if slices.Contains(api.OptionalNotifications, kind) {
		prefs, err := tx.Preferences(p.ID)
		if err != nil {
			return nil, err
		}
		if slices.Contains(prefs.Off, kind) {
			return nil, nil // turned off by the person
		}
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	id := fmt.Sprintf("%x.%s@appariement", rnd, now.UTC().Format("20060102150405"))
	body += "\n-- \nAppariement — message automatique, merci de ne pas y répondre.\n"
	raw, err := email.Message{From: m.from, To: mail.Address{Name: p.FullName(), Address: p.Email},
		Subject: subject, Date: now, MessageID: id, Body: body}.Bytes()
	if err != nil {
		return nil, fmt.Errorf("server: mail to %s: %w", p.ID, err)
	}
	ml := &store.Mail{MailInfo: store.MailInfo{Kind: kind, Person: p.ID, To: p.Email, Subject: subject, MessageID: id, Created: now},
		From: m.from.Address, Raw: raw, Once: once}
	if err := tx.EnqueueMail(ml); err != nil {
		return nil, err
	}
	return ml, nil
}

// enqueueOnce enqueues a notification, logging (not failing on) a person
// for whom no safe e-mail can be written.
func (m *Mailer) enqueueOnce(tx store.Tx, p *domain.Person, kind, once, subject, body string, now time.Time) error {
	_, err := m.Enqueue(tx, p, kind, once, subject, body, now)
	if errors.Is(err, email.ErrHeader) {
		m.log.Warn("server: no "+kind+" e-mail", "person", p.ID, "err", err)
		return nil
	}
	return err
}

// Name is what api.IssuedCode.Outbox and the audit log say of ml: its
// file name in demo mode, its queue id otherwise.
func (m *Mailer) Name(ml *store.Mail) string {
	if m.dir {
		return store.MailFileName(ml)
	}
	return ml.ID
}

// Enqueued is called after a transaction that enqueued mails committed:
// in demo mode the files are written before the answer (a few
// milliseconds each); otherwise the sender goroutine is woken.
func (m *Mailer) Enqueued() {
	if m.q == nil {
		return
	}
	if m.dir {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := m.q.Flush(ctx); err != nil {
			m.log.Warn("server: mail folder", "err", err)
		}
		return
	}
	m.q.Kick()
}

// Mails lists the mail queue: counts by status and at most limit mails of
// status (all if empty), newest first, without their bodies; limit 0 counts
// only.
func (m *Mailer) Mails(status api.MailStatus, limit int) (api.MailList, error) {
	switch status {
	case "", api.MailQueued, api.MailSent, api.MailFailed:
	default:
		return api.MailList{}, api.Errorf(api.CodeBadRequest, "état %q inconnu (queued, sent ou failed)", "unknown status %q (queued, sent or failed)", status)
	}
	var out api.MailList
	err := m.st.View(func(tx store.Tx) error {
		l, err := tx.Mails(store.MailStatus(status), limit)
		out = apiMailList(l)
		return err
	})
	return out, err
}

// Preferences returns the notification settings of person.
func (m *Mailer) Preferences(person string) (api.Preferences, error) {
	var p api.Preferences
	err := m.st.View(func(tx store.Tx) error {
		sp, err := tx.Preferences(person)
		p = api.Preferences(sp)
		return err
	})
	return p, err
}

// SetPreferences replaces the notification settings of person (only
// optional notifications can be turned off), audited; it returns them
// sorted, without duplicates.
func (m *Mailer) SetPreferences(person string, now time.Time, in api.Preferences) (api.Preferences, error) {
	if in.Off == nil {
		in.Off = []string{}
	}
	for _, k := range in.Off {
		if !slices.Contains(api.OptionalNotifications, k) {
			return in, api.Errorf(api.CodeBadRequest, "notification %q : seules %v peuvent être désactivées", "notification %q: only %v can be turned off", k, api.OptionalNotifications)
		}
	}
	slices.Sort(in.Off)
	in.Off = slices.Compact(in.Off)
	err := m.st.Update(func(tx store.Tx) error {
		if err := tx.PutPreferences(person, store.Preferences(in)); err != nil {
			return err
		}
		return tx.Audit(auditing.Entry(now, person, "preferences", "", person, "", map[string]any{"off": in.Off}))
	})
	return in, err
}

// apiMailList converts a page of the mail queue to what admins see.
func apiMailList(l store.MailList) api.MailList {
	out := api.MailList{Queued: l.Queued, Sent: l.Sent, Failed: l.Failed, Mails: make([]api.Mail, len(l.Mails))}
	for i, m := range l.Mails {
		out.Mails[i] = api.Mail{ID: m.ID, Kind: m.Kind, Person: m.Person, To: m.To, Subject: m.Subject, MessageID: m.MessageID,
			Status: api.MailStatus(m.Status), Attempts: m.Attempts, Created: m.Created, NextTry: m.NextTry, Sent: m.Sent,
			LastError: m.LastError}
	}
	return out
}
