// Package mailqueue sends the sync server's e-mails from its durable queue
// (store.Mail in the bbolt store): a mail is enqueued in the transaction
// of the action that causes it (store.Tx.EnqueueMail), and the Queue's
// goroutine delivers it through a Transport (SMTP, or a folder of .eml
// files in demo mode), retrying temporary failures with exponential
// backoff and giving up, with an audit entry, on a permanent refusal or
// after GiveUpAfter.
//
// Delivery is at least once: a mail is marked sent in the store right
// after the server's 250 to the end of DATA; a crash between the two
// (a few milliseconds: one bbolt commit) sends it again after restart,
// with the same bytes and so the same Message-ID, which lets a reader or
// a mail server recognise the duplicate.
package mailqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"appariement/syncserver/store"
)

// Options tunes a Queue. The zero value is usable.
type Options struct {
	// Clock gives the time recorded in the store (time.Now if nil).
	Clock func() time.Time
	// Logger receives one line per failure (slog.Default if nil).
	Logger *slog.Logger
	// Backoff is the wait after the first temporary failure, doubled at
	// each further one up to MaxBackoff (defaults 30 s and 1 h).
	Backoff, MaxBackoff time.Duration
	// GiveUpAfter is how long after its creation a mail that keeps failing
	// temporarily is given up (default 72 h).
	GiveUpAfter time.Duration
	// Poll is the longest the goroutine sleeps between two looks at the
	// queue (default 1 minute); Kick wakes it at once.
	Poll time.Duration
	// OnResult, if set, is called after each try with its outcome: sent,
	// retry or failed (for metrics).
	OnResult func(outcome string)
}

// Queue delivers the store's queued mails.
type Queue struct {
	st   *store.Store
	tr   Transport
	opt  Options
	log  *slog.Logger
	kick chan struct{}

	pass   sync.Mutex // one delivery pass at a time: no mail is sent twice concurrently
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// New returns a queue delivering st's mails through tr; Start starts it.
func New(st *store.Store, tr Transport, opt Options) *Queue {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	for _, d := range []struct {
		p *time.Duration
		v time.Duration
	}{{&opt.Backoff, 30 * time.Second}, {&opt.MaxBackoff, time.Hour}, {&opt.GiveUpAfter, 72 * time.Hour}, {&opt.Poll, time.Minute}} {
		if *d.p <= 0 {
			*d.p = d.v
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Queue{st: st, tr: tr, opt: opt, log: opt.Logger, kick: make(chan struct{}, 1),
		ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// Transport returns the queue's transport.
func (q *Queue) Transport() Transport { return q.tr }

// Start starts the delivery goroutine; it first delivers whatever a
// previous run left queued.
func (q *Queue) Start() { go q.run() }

// Kick wakes the goroutine: a mail was just enqueued.
func (q *Queue) Kick() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// Close stops the goroutine, cutting a delivery in flight (that mail stays
// queued and is tried again at the next start), and waits for it.
func (q *Queue) Close() {
	q.once.Do(func() {
		q.cancel()
		<-q.done
	})
}

func (q *Queue) run() {
	defer close(q.done)
	for {
		if _, err := q.Flush(q.ctx); err != nil && q.ctx.Err() == nil {
			q.log.Error("mailqueue: delivery pass", "err", err)
		}
		wait := q.opt.Poll
		var next time.Time
		if err := q.st.View(func(tx store.Tx) error {
			var err error
			next, err = tx.NextMailTry()
			return err
		}); err == nil && !next.IsZero() {
			if d := next.Sub(q.opt.Clock()); d < wait {
				wait = max(d, 10*time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-q.ctx.Done():
			t.Stop()
			return
		case <-q.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// Flush delivers every mail due now, one after the other, and returns how
// many were tried. It is what the goroutine runs; the server also calls it
// in demo mode so that the .eml file exists when the request is answered.
func (q *Queue) Flush(ctx context.Context) (int, error) {
	q.pass.Lock()
	defer q.pass.Unlock()
	tried := 0
	for ctx.Err() == nil {
		var due []*store.Mail
		if err := q.st.View(func(tx store.Tx) error {
			var err error
			due, err = tx.DueMails(q.opt.Clock(), 32)
			return err
		}); err != nil {
			return tried, err
		}
		if len(due) == 0 {
			return tried, nil
		}
		for _, m := range due {
			if ctx.Err() != nil {
				return tried, nil
			}
			err := q.tr.Send(ctx, m)
			if err != nil && ctx.Err() != nil {
				return tried, nil // cut by Close: the mail stays queued as it was
			}
			tried++
			if err := q.record(m, err); err != nil {
				return tried, err
			}
		}
	}
	return tried, nil
}

// record writes the outcome of a try of m.
func (q *Queue) record(m *store.Mail, sendErr error) error {
	now := q.opt.Clock().UTC()
	m.Attempts++
	outcome := "sent"
	switch {
	case sendErr == nil:
		m.Status, m.Sent, m.NextTry, m.LastError = store.MailSent, now, time.Time{}, ""
	case IsPermanent(sendErr):
		m.Status, m.NextTry, m.LastError = store.MailFailed, time.Time{}, sendErr.Error()
		outcome = "failed"
	case now.Sub(m.Created) >= q.opt.GiveUpAfter:
		m.Status, m.NextTry = store.MailFailed, time.Time{}
		m.LastError = fmt.Sprintf("given up after %d tries in %s: %v", m.Attempts, now.Sub(m.Created).Round(time.Second), sendErr)
		outcome = "failed"
	default:
		m.NextTry, m.LastError = now.Add(q.backoff(m.Attempts)), sendErr.Error()
		outcome = "retry"
	}
	err := q.st.Update(func(tx store.Tx) error {
		if err := tx.PutMail(m); err != nil {
			return err
		}
		if m.Status != store.MailFailed {
			return nil
		}
		detail, _ := json.Marshal(map[string]any{"mail": m.ID, "kind": m.Kind, "to": m.To,
			"message_id": m.MessageID, "attempts": m.Attempts})
		return tx.Audit(store.AuditEntry{Time: now, Actor: "server", Action: "mail-failed",
			Target: m.Person, Reason: m.LastError, Detail: detail})
	})
	if err != nil {
		if errors.Is(err, store.ErrClosed) {
			return err
		}
		return fmt.Errorf("mailqueue: record %s: %w", m.ID, err)
	}
	switch outcome {
	case "failed":
		q.log.Warn("mailqueue: mail given up", "mail", m.ID, "kind", m.Kind, "person", m.Person, "err", m.LastError)
	case "retry":
		q.log.Info("mailqueue: mail will be retried", "mail", m.ID, "attempts", m.Attempts, "next", m.NextTry, "err", m.LastError)
	}
	if q.opt.OnResult != nil {
		q.opt.OnResult(outcome)
	}
	return nil
}

// backoff is the wait after the n-th failed try (n ≥ 1).
func (q *Queue) backoff(n int) time.Duration {
	d := q.opt.Backoff
	for i := 1; i < n && d < q.opt.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, q.opt.MaxBackoff)
}
