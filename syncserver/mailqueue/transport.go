package mailqueue

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"appariement/syncserver/store"
)

// A Transport delivers one mail. An error is temporary (the mail is tried
// again later) unless it wraps a *PermanentError.
type Transport interface {
	Send(ctx context.Context, m *store.Mail) error
	// String describes the transport for logs, without secrets.
	String() string
}

// PermanentError is a refusal that no retry can change, such as a 5xx
// answer to MAIL FROM, RCPT TO or DATA: the mail is given up.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a permanent refusal.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// Parse returns the transport named by spec:
//
//	dir:PATH                                   one .eml file per mail in PATH (demo mode)
//	smtp://user:pass@host:587?starttls=1      SMTP with STARTTLS (required unless starttls=0), port 587 by default
//	smtps://user:pass@host:465                 SMTP over implicit TLS, port 465 by default
//
// The user and password are optional (no AUTH without them); they are
// percent-encoded in the URL. tlsConfig, if not nil, is used for TLS
// (tests give their own roots); otherwise the system's roots verify the
// host name.
func Parse(spec string, tlsConfig *tls.Config) (Transport, error) {
	if len(spec) > 4 && spec[:4] == "dir:" {
		return Dir{Path: spec[4:]}, nil
	}
	u, err := url.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("mailqueue: mail %q: %w", redact(spec), err)
	}
	t := &SMTP{Host: u.Hostname(), TLSConfig: tlsConfig}
	switch u.Scheme {
	case "smtp":
		t.Port, t.StartTLS = 587, true
		if v := u.Query().Get("starttls"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("mailqueue: mail %s: starttls=%q: want 1 or 0", redact(spec), v)
			}
			t.StartTLS = b
		}
	case "smtps":
		t.Port, t.ImplicitTLS = 465, true
	default:
		return nil, fmt.Errorf("mailqueue: mail %q: want dir:PATH, smtp://… or smtps://…", redact(spec))
	}
	if t.Host == "" {
		return nil, fmt.Errorf("mailqueue: mail %s: no host", redact(spec))
	}
	if p := u.Port(); p != "" {
		if t.Port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("mailqueue: mail %s: port %q: %w", redact(spec), p, err)
		}
	}
	if u.User != nil {
		t.User = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	return t, nil
}

// redact hides the password of an SMTP URL.
func redact(spec string) string {
	u, err := url.Parse(spec)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unreadable URL)"
		}
		return spec
	}
	return u.Redacted()
}

// Dir is the demo transport: each mail becomes the file
// store.MailFileName(m) in Path (mode 0600), written to a temporary file
// and renamed, so that a retry after a crash rewrites the same file.
type Dir struct{ Path string }

// Send writes m into d.Path.
func (d Dir) Send(_ context.Context, m *store.Mail) error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("mailqueue: dir: %w", err)
	}
	final := filepath.Join(d.Path, store.MailFileName(m))
	tmp, err := os.CreateTemp(d.Path, ".tmp-*")
	if err != nil {
		return fmt.Errorf("mailqueue: dir: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(m.Raw); err != nil {
		tmp.Close()
		return fmt.Errorf("mailqueue: dir: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("mailqueue: dir: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mailqueue: dir: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("mailqueue: dir: %w", err)
	}
	return nil
}

func (d Dir) String() string { return "dir:" + d.Path }

// SMTP delivers through a mail server (a submission server, port 587
// with STARTTLS or 465 with implicit TLS), with the SMTP client of
// github.com/wneessen/go-mail/smtp: one connection per mail, PLAIN
// authentication over TLS when User is set.
type SMTP struct {
	Host        string
	Port        int
	User        string
	Password    string
	StartTLS    bool // STARTTLS required before anything else
	ImplicitTLS bool // TLS from the first byte (smtps)
	// TLSConfig for the TLS session (nil: system roots, ServerName Host).
	TLSConfig *tls.Config
	// HeloName is the name sent in EHLO (default "localhost").
	HeloName string
	// Timeout bounds one delivery (default 1 minute).
	Timeout time.Duration
}

func (t *SMTP) String() string {
	scheme := "smtp"
	if t.ImplicitTLS {
		scheme = "smtps"
	}
	s := fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(t.Host, strconv.Itoa(t.Port)))
	if t.User != "" {
		s = fmt.Sprintf("%s://%s@%s", scheme, t.User, net.JoinHostPort(t.Host, strconv.Itoa(t.Port)))
	}
	if !t.ImplicitTLS && !t.StartTLS {
		s += "?starttls=0"
	}
	return s
}

func (t *SMTP) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLSConfig != nil {
		c = t.TLSConfig.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = t.Host
	}
	return c
}

// Send delivers m: MAIL FROM, one RCPT TO, DATA. It returns nil only once
// the server answered 250 to the end of DATA. A 5xx answer to MAIL, RCPT
// or DATA is permanent; every other failure (4xx, a refused or cut
// connection, a TLS or authentication failure, which are configuration
// problems that an admin can fix) is temporary.
func (t *SMTP) Send(ctx context.Context, m *store.Mail) (err error) {
	timeout := t.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mailqueue: smtp %s: %w", addr, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // cancel or timeout cuts the session
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if t.ImplicitTLS {
		tc := tls.Client(conn, t.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("mailqueue: smtps %s: %w", addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, t.Host)
	if err != nil {
		return fmt.Errorf("mailqueue: smtp %s: greeting: %w", addr, err)
	}
	defer c.Close()
	helo := t.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return fmt.Errorf("mailqueue: smtp %s: EHLO: %w", addr, err)
	}
	if t.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("mailqueue: smtp %s: the server offers no STARTTLS (use ?starttls=0 to send in clear)", addr)
		}
		if err := c.StartTLS(t.tlsConfig()); err != nil {
			return fmt.Errorf("mailqueue: smtp %s: STARTTLS: %w", addr, err)
		}
	}
	if t.User != "" {
		if err := c.Auth(smtp.PlainAuth("", t.User, t.Password, t.Host, false)); err != nil {
			return fmt.Errorf("mailqueue: smtp %s: AUTH: %w", addr, err)
		}
	}
	if err := c.Mail("<" + m.From + ">"); err != nil {
		return classify(fmt.Errorf("mailqueue: smtp %s: MAIL FROM: %w", addr, err))
	}
	if err := c.Rcpt("<" + m.To + ">"); err != nil {
		return classify(fmt.Errorf("mailqueue: smtp %s: RCPT TO %s: %w", addr, m.To, err))
	}
	w, err := c.Data()
	if err != nil {
		return classify(fmt.Errorf("mailqueue: smtp %s: DATA: %w", addr, err))
	}
	if _, err := w.Write(m.Raw); err != nil {
		return fmt.Errorf("mailqueue: smtp %s: DATA: %w", addr, err)
	}
	if err := w.Close(); err != nil { // the server's answer to the end of DATA
		return classify(fmt.Errorf("mailqueue: smtp %s: end of DATA: %w", addr, err))
	}
	_ = c.Quit() // accepted: a failing QUIT changes nothing
	return nil
}

// classify marks a 5xx answer as permanent.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return &PermanentError{Err: err}
	}
	return err
}
