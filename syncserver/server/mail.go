package server

import (
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"appariement/shared/api"
	"appariement/syncserver/mailqueue"
	"appariement/syncserver/notify"
)

// openMail builds the mail queue of Config.Mail (or the -outbox alias),
// none when both are empty, and the mailer over it (which then sends and
// queues nothing); with a queue it starts the sender and the scheduler of
// timed notifications.
func (s *Server) openMail() error {
	spec := s.cfg.Mail
	if spec == "" && s.cfg.OutboxDir != "" {
		spec = "dir:" + s.cfg.OutboxDir
	}
	var (
		q   *mailqueue.Queue
		dir bool
		tr  mailqueue.Transport
	)
	if spec != "" {
		var err error
		if tr, err = mailqueue.Parse(spec, s.cfg.MailTLS); err != nil {
			return fmt.Errorf("server: %w", err)
		}
		q = mailqueue.New(s.store, tr, mailqueue.Options{Clock: s.cfg.Clock, Logger: s.log,
			Backoff: s.cfg.MailBackoff, Poll: s.cfg.MailPoll})
		_, dir = tr.(mailqueue.Dir)
	}
	m, err := notify.New(s.store, q, dir, s.cfg.MailFrom, s.log)
	if err != nil {
		return fmt.Errorf("server: mail: %w", err)
	}
	s.mailq, s.mail = q, m
	if q != nil {
		q.Start()
		m.Start(s.cfg.MailPoll, s.cfg.Clock)
		s.log.Info("server: mail", "transport", tr.String())
	}
	return nil
}

// adminMail lists the mail queue (GET /v1/admin/mail?status=&limit=):
// counts by status and the mails, newest first, without their bodies.
func (s *Server) adminMail(q *req) error {
	status := api.MailStatus(q.r.URL.Query().Get("status"))
	limit := 200
	if v := q.r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return badRequest("limit %q : un entier de 1 à 10000", "limit %q: an integer from 1 to 10000", v)
		}
		limit = n
	}
	out, err := s.mail.Mails(status, limit)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// preferences returns (GET) or replaces (PUT) the caller's notification
// settings (/v1/me/preferences): the optional notifications turned off.
func (s *Server) preferences(q *req) error {
	if q.r.Method == "GET" {
		p, err := s.mail.Preferences(q.who.ID)
		if err != nil {
			return err
		}
		return q.ok(p)
	}
	var in api.Preferences
	if err := q.decode(&in); err != nil {
		return err
	}
	out, err := s.mail.SetPreferences(q.who.ID, q.now, in)
	if err != nil {
		return err
	}
	return q.ok(out)
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
	if c.s.mail == nil {
		return
	}
	l, err := c.s.mail.Mails("", 0)
	if err != nil {
		return
	}
	for status, n := range map[string]int{"queued": l.Queued, "sent": l.Sent, "failed": l.Failed} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), status)
	}
}
