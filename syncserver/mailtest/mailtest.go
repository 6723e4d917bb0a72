// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp)
// on a loopback port for tests: STARTTLS or implicit TLS with a
// self-signed certificate for 127.0.0.1, PLAIN authentication, and hooks
// that refuse, cut or accept each message, so that tests see what a real
// mail server does to the queue.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted (answered 250).
type Message struct {
	From, To  string
	MessageID string // without angle brackets
	Data      []byte
}

// Options configures a Server.
type Options struct {
	// ImplicitTLS serves TLS from the first byte (smtps); otherwise the
	// server offers STARTTLS.
	ImplicitTLS bool
	// User and Password, if set, are required (AUTH PLAIN) before MAIL.
	User, Password string
	// OnData, if set, is called with the number of the DATA (from 1) and
	// the message before it is accepted: a non-nil error refuses it with
	// that error (a *smtp.SMTPError carries its code), and ErrDrop cuts
	// the connection without an answer.
	OnData func(n int, m Message) error
}

// ErrDrop, returned by Options.OnData, cuts the connection in the middle
// of DATA, as a crashing mail server would.
var ErrDrop = errors.New("mailtest: drop the connection")

// Temporary, Permanent: the answers of a refusing mail server.
var (
	Temporary = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	Busy      = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "too busy, closing"}
	Permanent = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
)

// Server is a running SMTP server on 127.0.0.1.
type Server struct {
	Addr string      // host:port
	TLS  *tls.Config // client configuration that trusts the server's certificate
	opt  Options
	srv  *smtp.Server
	ln   net.Listener

	mu       sync.Mutex
	n        int
	accepted []Message
	cond     *sync.Cond
}

// Start starts a server; t's cleanup closes it.
func Start(t testing.TB, opt Options) *Server {
	t.Helper()
	cert, pool := selfSigned(t)
	s := &Server{opt: opt, TLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	s.cond = sync.NewCond(&s.mu)
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = "127.0.0.1"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	var ln net.Listener
	var err error
	if opt.ImplicitTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.srv, s.ln, s.Addr = srv, ln, ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the -mail value that reaches s (with its user and password).
func (s *Server) URL() string {
	scheme, q := "smtp", "?starttls=1"
	if s.opt.ImplicitTLS {
		scheme, q = "smtps", ""
	}
	user := ""
	if s.opt.User != "" {
		user = s.opt.User + ":" + s.opt.Password + "@"
	}
	return scheme + "://" + user + s.Addr + q
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.accepted...)
}

// Wait waits until n messages were accepted or d passed, and returns them.
func (s *Server) Wait(n int, d time.Duration) []Message {
	deadline := time.Now().Add(d)
	t := time.AfterFunc(d, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer t.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.accepted) < n && time.Now().Before(deadline) {
		s.cond.Wait()
	}
	return append([]Message(nil), s.accepted...)
}

type session struct {
	s      *Server
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != se.s.opt.User || pass != se.s.opt.Password {
			return smtp.ErrAuthFailed
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.opt.User != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: se.from, To: strings.Join(se.to, ","), Data: data}
	if msg, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		m.MessageID = strings.Trim(msg.Header.Get("Message-ID"), "<>")
	}
	se.s.mu.Lock()
	se.s.n++
	n := se.s.n
	se.s.mu.Unlock()
	if se.s.opt.OnData != nil {
		if err := se.s.opt.OnData(n, m); err != nil {
			if errors.Is(err, ErrDrop) {
				se.conn.Conn().Close()
			}
			return err
		}
	}
	se.s.mu.Lock()
	se.s.accepted = append(se.s.accepted, m)
	se.s.cond.Broadcast()
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, pool
}
