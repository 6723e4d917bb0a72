package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/syncserver/mailqueue"
	"appariement/syncserver/store"
)

// openMail builds the mail queue of Config.Mail (or the -outbox alias);
// none when both are empty.
func (s *Server) openMail() error {
	spec := s.cfg.Mail
	if spec == "" && s.cfg.OutboxDir != "" {
		spec = "dir:" + s.cfg.OutboxDir
	}
	if spec == "" {
		return nil
	}
	tr, err := mailqueue.Parse(spec, s.cfg.MailTLS)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	s.mailq = mailqueue.New(s.store, tr, mailqueue.Options{Clock: s.cfg.Clock, Logger: s.log,
		Backoff: s.cfg.MailBackoff, Poll: s.cfg.MailPoll})
	_, s.mailDir = tr.(mailqueue.Dir)
	s.mailq.Start()
	s.startNotifier()
	s.log.Info("server: mail", "transport", tr.String())
	return nil
}

// enqueueMail renders an e-mail to p (RFC 5322, UTF-8, with the automatic
// message signature) and adds it to the durable queue in tx, so that it
// commits with the action that causes it. once, if not empty, is the key
// of a notification sent once (a second enqueue returns
// store.ErrMailOnce). It returns nil, nil when the server sends no mail
// (no -mail) or p has no address, and an error wrapping email.ErrHeader
// when no e-mail can be written safely for p. The caller calls
// s.mailEnqueued once the transaction committed.
func (s *Server) enqueueMail(tx store.Tx, p *domain.Person, kind, once, subject, body string, now time.Time) (*store.Mail, error) {
	if s.mailq == nil || p.Email == "" {
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
	from, err := mail.ParseAddress(s.cfg.MailFrom)
	if err != nil {
		return nil, fmt.Errorf("server: mail: From address %q: %w", s.cfg.MailFrom, err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	id := fmt.Sprintf("%x.%s@appariement", rnd, now.UTC().Format("20060102150405"))
	body += "\n-- \nAppariement — message automatique, merci de ne pas y répondre.\n"
	raw, err := email.Message{From: *from, To: mail.Address{Name: p.FullName(), Address: p.Email},
		Subject: subject, Date: now, MessageID: id, Body: body}.Bytes()
	if err != nil {
		return nil, fmt.Errorf("server: mail to %s: %w", p.ID, err)
	}
	m := &store.Mail{MailInfo: store.MailInfo{Kind: kind, Person: p.ID, To: p.Email, Subject: subject, MessageID: id, Created: now},
		From: from.Address, Raw: raw, Once: once}
	if err := tx.EnqueueMail(m); err != nil {
		return nil, err
	}
	return m, nil
}

// mailName is what IssuedCode.Outbox and the audit log say of m: its file
// name in demo mode, its queue id otherwise.
func (s *Server) mailName(m *store.Mail) string {
	if s.mailDir {
		return store.MailFileName(m)
	}
	return m.ID
}

// mailEnqueued is called after a transaction that enqueued mails
// committed: in demo mode the files are written before the answer (a few
// milliseconds each); otherwise the sender goroutine is woken.
func (s *Server) mailEnqueued() {
	if s.mailq == nil {
		return
	}
	if s.mailDir {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.mailq.Flush(ctx); err != nil {
			s.log.Warn("server: mail folder", "err", err)
		}
		return
	}
	s.mailq.Kick()
}

// adminMail lists the mail queue (GET /v1/admin/mail?status=&limit=):
// counts by status and the mails, newest first, without their bodies.
func (s *Server) adminMail(q *req) error {
	status := api.MailStatus(q.r.URL.Query().Get("status"))
	switch status {
	case "", api.MailQueued, api.MailSent, api.MailFailed:
	default:
		return badRequest("état %q inconnu (queued, sent ou failed)", "unknown status %q (queued, sent or failed)", status)
	}
	limit := 200
	if v := q.r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return badRequest("limit %q : un entier de 1 à 10000", "limit %q: an integer from 1 to 10000", v)
		}
		limit = n
	}
	var out api.MailList
	if err := s.store.View(func(tx store.Tx) error {
		l, err := tx.Mails(store.MailStatus(status), limit)
		out = apiMailList(l)
		return err
	}); err != nil {
		return err
	}
	return q.ok(out)
}

// preferences returns (GET) or replaces (PUT) the caller's notification
// settings (/v1/me/preferences): the optional notifications turned off.
func (s *Server) preferences(q *req) error {
	if q.r.Method == "GET" {
		var p api.Preferences
		err := s.store.View(func(tx store.Tx) error {
			sp, err := tx.Preferences(q.who.ID)
			p = api.Preferences(sp)
			return err
		})
		if err != nil {
			return err
		}
		return q.ok(p)
	}
	var in api.Preferences
	if err := q.decode(&in); err != nil {
		return err
	}
	if in.Off == nil {
		in.Off = []string{}
	}
	for _, k := range in.Off {
		if !slices.Contains(api.OptionalNotifications, k) {
			return badRequest("notification %q : seules %v peuvent être désactivées", "notification %q: only %v can be turned off", k, api.OptionalNotifications)
		}
	}
	slices.Sort(in.Off)
	in.Off = slices.Compact(in.Off)
	err := s.store.Update(func(tx store.Tx) error {
		if err := tx.PutPreferences(q.who.ID, store.Preferences(in)); err != nil {
			return err
		}
		return tx.Audit(q.audit("preferences", "", q.who.ID, "", map[string]any{"off": in.Off}))
	})
	if err != nil {
		return err
	}
	return q.ok(in)
}

// mailCollector is the mail queue's series of /metrics, counted from the
// store when scraped:
//
//	appariement_mail_queue{status}   gauge, mails queued, sent and given up (failed)
type mailCollector struct {
	s    *Server
	desc *prometheus.Desc
}

func newMailCollector(s *Server) *mailCollector {
	return &mailCollector{s: s, desc: prometheus.NewDesc("appariement_mail_queue",
		"E-mails in the server's durable queue, by status (queued, sent, failed: given up).", []string{"status"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *mailCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *mailCollector) Collect(ch chan<- prometheus.Metric) {
	var l store.MailList
	if err := c.s.store.View(func(tx store.Tx) error {
		var err error
		l, err = tx.Mails("", 0)
		return err
	}); err != nil {
		return
	}
	for status, n := range map[string]int{"queued": l.Queued, "sent": l.Sent, "failed": l.Failed} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), status)
	}
}
