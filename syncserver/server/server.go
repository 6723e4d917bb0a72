// Package server is the sync server's HTTP API (/v1): enrollment, the
// catalogue of postes, signed submissions answered with transparency-log
// receipts, candidate files, results, the log's proofs, the admin routes
// and /healthz; the Prometheus /metrics on a listener of their own
// (ServeMetrics), never on the API's.
//
// Use:
//
//	srv, err := server.Open(server.Config{DBPath: "appariement.db", Mail: "smtps://app:secret@mail.example.fr"})
//	defer srv.Close()
//	err = srv.ListenAndServe(":8443")
//
// Every refusal is an api.Error in JSON with the status of its code. Request
// bodies are bounded, clients are rate limited by address and by identity,
// and every request is logged with slog without keys, codes or signatures.
package server

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/time/rate"

	"appariement/shared/envelope"
	"appariement/syncserver/accounts"
	"appariement/syncserver/auditing"
	"appariement/syncserver/calllists"
	"appariement/syncserver/catalogue"
	"appariement/syncserver/corrections"
	"appariement/syncserver/files"
	"appariement/syncserver/imports"
	"appariement/syncserver/intake"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/live"
	"appariement/syncserver/mailqueue"
	"appariement/syncserver/notify"
	"appariement/syncserver/roundadmin"
	"appariement/syncserver/rounds"
	"appariement/syncserver/simulation"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
	"appariement/syncserver/transparency"
	"appariement/syncserver/witnessing"
)

// Config configures a server. Only DBPath is required.
type Config struct {
	// DBPath is the bbolt store file, created (mode 0600) if missing, or
	// the location of another backend registered with store.Register,
	// such as postgres://host1,host2/db?target_session_attrs=read-write
	// (the PostgreSQL backend, syncserver/store/pgstore, which the
	// serve command links in): KeyFile is then required, and every node
	// sharing that database is given the same key file.
	DBPath string
	// KeyFile holds the server's signing key (PEM PKCS #8, mode 0600),
	// outside the store so that a backup of the store cannot sign
	// checkpoints or results; default DBPath + ".key". It is created with
	// the store; a store whose key file is missing refuses to open, and the
	// key of a store of an earlier version is moved out into it.
	KeyFile string
	// Name is the server key's name in signed checkpoints (recorded on
	// first open; default store.DefaultName).
	Name string
	// PublicURL is the address clients use, quoted in activation e-mails.
	PublicURL string
	// Mail is where the server's e-mails go, from its durable queue:
	// "dir:PATH" (demo mode: one RFC 5322 file per mail in PATH),
	// "smtp://user:pass@host:587?starttls=1" or "smtps://user:pass@host:465"
	// (see mailqueue.Parse). Empty: no mail is sent (nor queued).
	Mail string
	// OutboxDir is the older form of Mail "dir:OutboxDir" (used when Mail
	// is empty).
	OutboxDir string
	// MailTLS, if set, is the TLS configuration for the mail server (tests
	// give their own roots; nil: the system's).
	MailTLS *tls.Config
	// MailBackoff is the wait after a first temporary mail failure,
	// doubled at each further one (default 30 s); MailPoll the longest
	// the sender sleeps between two looks at the queue (default 1 min).
	MailBackoff, MailPoll time.Duration
	// MailFrom is the From address of activation e-mails.
	MailFrom string
	// TLSCert and TLSKey are PEM files; with both set the server speaks
	// HTTPS, otherwise plain HTTP (behind a TLS-terminating proxy).
	TLSCert, TLSKey string
	// Clock is the server's clock (time.Now if nil): windows, leaf times,
	// request timestamps and code expiry all follow it.
	Clock func() time.Time
	// Logger receives request and event logs (slog.Default if nil).
	Logger *slog.Logger
	// ActivationTTL is how long an activation code stays valid (default 30 days).
	ActivationTTL time.Duration
	// IPRate and IPBurst limit requests per client address (default 50/s, burst 200).
	IPRate  rate.Limit
	IPBurst int
	// IdentityRate and IdentityBurst limit requests per signed identity or
	// submission author (default 5/s, burst 30).
	IdentityRate  rate.Limit
	IdentityBurst int
	// EnrollRate and EnrollBurst limit enrollment tries (POST /v1/enroll)
	// per client address (default one every 2 s, burst 30), on top of the
	// per-identifier wait between wrong codes (store.CodeDelay).
	EnrollRate  rate.Limit
	EnrollBurst int
	// TrustedProxies are the addresses of the reverse proxies in front of
	// the server: for a request from one of them, the client's address (for
	// rate limits and logs) is taken from X-Forwarded-For. Empty: the header
	// is ignored and the peer's address is the client's.
	TrustedProxies []netip.Prefix
	// MaxBatch bounds the submissions committed in one transaction (default 512).
	MaxBatch int
	// SimulationEvery is how often the simulation des choix of every
	// choix-au-rang round with its wishes window open is refreshed
	// (default 1 minute); SimulationMaxAge is the age (by Clock) past which
	// a read refreshes it first (default 1 minute).
	SimulationEvery, SimulationMaxAge time.Duration
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout of the
	// http.Server built by Serve (defaults 10s, 2m, 2m, 2m).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

func (c *Config) defaults() {
	if c.KeyFile == "" && !IsLocation(c.DBPath) {
		c.KeyFile = c.DBPath + ".key"
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ActivationTTL == 0 {
		c.ActivationTTL = 30 * 24 * time.Hour
	}
	if c.MailFrom == "" {
		c.MailFrom = "appariement@localhost"
	}
	if c.IPRate == 0 {
		c.IPRate, c.IPBurst = 50, 200
	}
	if c.IdentityRate == 0 {
		c.IdentityRate, c.IdentityBurst = 5, 30
	}
	if c.EnrollRate == 0 {
		c.EnrollRate, c.EnrollBurst = 0.5, 30
	}
	for _, d := range []struct {
		p *time.Duration
		v time.Duration
	}{{&c.ReadHeaderTimeout, 10 * time.Second}, {&c.ReadTimeout, 2 * time.Minute},
		{&c.WriteTimeout, 2 * time.Minute}, {&c.IdleTimeout, 2 * time.Minute},
		{&c.SimulationEvery, time.Minute}, {&c.SimulationMaxAge, time.Minute}} {
		if *d.p == 0 {
			*d.p = d.v
		}
	}
}

// Server is an open sync server: its store, routes and limits.
type Server struct {
	cfg     Config
	store   *store.Store
	log     *slog.Logger
	router  *mux.Router
	metrics *metrics
	ipLim   *limiters
	idLim   *limiters
	// enrollLim limits enrollment tries by client address.
	enrollLim *limiters
	nonces    *nonces
	keyID     string // envelope.KeyID of the server key: signed requests are bound to it
	clock     clockSteps
	postes    *catalogue.Cache // the postes of each round, by catalogue version
	mailq     *mailqueue.Queue // nil without Config.Mail
	mail      *notify.Mailer   // the mail use cases (sends nothing without mailq)

	// The use cases the handlers call (built by roundUseCases).
	roundAdmin *roundadmin.Service
	sims       *simulation.Cache
	reveal     *live.Service
	callLists  *calllists.Service
	imports    *imports.Service
	// (built by useCases)
	accounts    *accounts.Service
	intake      *intake.Service
	corrections *corrections.Service
	files       *files.Service
	auditing    *auditing.Service
	witnesses   *witnessing.Service
	// transparency answers the public log's checkpoint and proofs and
	// one's own submissions with their receipts.
	transparency *transparency.Log

	closeOnce sync.Once // Close may be called more than once (a test and its cleanup)
	closeErr  error

	mu      sync.Mutex
	servers []*http.Server
	closed  bool
}

// Open opens the store and builds the routes.
func Open(cfg Config) (*Server, error) {
	if cfg.DBPath == "" {
		return nil, errors.New("server: no DBPath")
	}
	cfg.defaults()
	if cfg.KeyFile == "" {
		return nil, errors.New("server: a database location needs its signing key file (KeyFile, serve -signing-key), the same on every node / " +
			"une base désignée par une adresse demande le fichier de la clé de signature, le même sur chaque nœud")
	}
	if _, err := mail.ParseAddress(cfg.MailFrom); err != nil {
		return nil, fmt.Errorf("server: MailFrom %q: %w", cfg.MailFrom, err)
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		metrics:   newMetrics(),
		ipLim:     newLimiters(cfg.IPRate, cfg.IPBurst),
		idLim:     newLimiters(cfg.IdentityRate, cfg.IdentityBurst),
		enrollLim: newLimiters(cfg.EnrollRate, cfg.EnrollBurst),
		nonces:    newNonces(),
		postes:    catalogue.New(),
	}
	st, err := openStore(cfg, store.Options{
		Name: cfg.Name, Clock: cfg.Clock, MaxBatch: cfg.MaxBatch, Logger: cfg.Logger,
		OnBatch: s.metrics.observeBatch,
	})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.store = st
	s.keyID = envelope.KeyID(st.ServerKey().PublicKey)
	s.clock.init(cfg.Clock())
	s.metrics.reg.MustRegister(s.faultCollectors()...)
	s.metrics.reg.MustRegister(newMailCollector(s))
	s.routes()
	if err := s.openMail(); err != nil {
		st.Close()
		return nil, err
	}
	s.useCases()
	s.roundUseCases()
	// Without it, a node (re)started at the deadline would make its first
	// few hundred submissions wait for one load of the catalogue (the
	// burst's p99); a failure only leaves the load to the first of them.
	if err := s.postes.Warm(st); err != nil {
		s.log.Warn("server: catalogue cache not warmed", "err", err)
	}
	s.sims.Start(cfg.SimulationEvery)
	return s, nil
}

// useCases builds the use cases of accounts, submissions, corrections,
// files, audit, witnesses on the open store and mailer (before
// roundUseCases, whose hooks call them).
func (s *Server) useCases() {
	s.accounts = accounts.New(s.store, s.mail, accounts.Config{ActivationTTL: s.cfg.ActivationTTL,
		PublicURL: s.cfg.PublicURL, Logger: s.log})
	s.intake = intake.New(s.store, intake.Config{Postes: s.postes.Postes, Clock: s.cfg.Clock, CheckClock: s.checkClock})
	s.corrections = corrections.New(s.store, s.mail, s.log)
	s.files = files.New(s.store)
	s.auditing = auditing.New(s.store, rounds.Published)
	s.witnesses = witnessing.New(s.store, &rounds.Updater{Store: s.store, Clock: s.now, OnClock: s.noteClockStep})
	s.transparency = transparency.New(s.store)
}

// roundUseCases builds the use cases of rounds, imports, call lists, the
// simulation and the live reveal on the open store.
func (s *Server) roundUseCases() {
	s.roundAdmin = roundadmin.New(roundadmin.Config{Store: s.store, Clock: s.now, OnClock: s.noteClockStep,
		CheckCosignatures: s.witnesses.CheckCosignatures, NotifyResult: s.mail.Result, MailEnqueued: s.mail.Enqueued})
	s.sims = simulation.New(simulation.Config{Store: s.store, Clock: s.now, MaxAge: s.cfg.SimulationMaxAge, Logger: s.log})
	s.reveal = live.New(s.store, s.roundAdmin.Updater())
	s.callLists = calllists.New(calllists.Config{Store: s.store, Notify: s.mail.CallList, Published: func(round string) {
		s.sims.Invalidate(round)
		s.mail.Enqueued()
	}})
	s.imports = imports.New(s.store)
}

// openStore opens the store with its signing key from cfg.KeyFile: read
// when the file exists; moved out of a store of an earlier version that
// kept it inside; created with a new store. A store that recorded a key
// whose file is missing does not open: a new key would fork its history.
func openStore(cfg Config, opts store.Options) (*store.Store, error) {
	if IsLocation(cfg.DBPath) {
		return openLocation(cfg, opts)
	}
	moved, err := boltstore.MoveLegacyKey(cfg.DBPath, func(k ed25519.PrivateKey) error {
		existing, err := keyfile.Read(cfg.KeyFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return keyfile.Write(cfg.KeyFile, k)
		case err != nil:
			return err
		case !existing.Equal(k):
			return fmt.Errorf("the key file %s holds another key than the store's own", cfg.KeyFile)
		}
		return nil // moved before, interrupted before the store was rewritten
	})
	if err != nil {
		return nil, err
	}
	if moved {
		cfg.Logger.Warn("server: signing key moved out of the store into its own file", "file", cfg.KeyFile)
	}
	key, err := keyfile.Read(cfg.KeyFile)
	missing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !missing {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	opts.Key = key
	st, err := boltstore.Open(cfg.DBPath, opts)
	if err != nil {
		return nil, err
	}
	return keepKey(cfg, st, missing)
}

// IsLocation reports whether db names a store by a URL of a backend
// (postgres://…) rather than a bbolt file (a path, or file://).
func IsLocation(db string) bool {
	scheme, _, ok := strings.Cut(db, "://")
	return ok && scheme != "file"
}

// openLocation opens a store of another backend than bbolt by its
// location, with the signing key of cfg.KeyFile (created with an empty
// database; a database that recorded a key refuses another).
func openLocation(cfg Config, opts store.Options) (*store.Store, error) {
	key, err := keyfile.Read(cfg.KeyFile)
	missing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !missing {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	opts.Key = key
	st, err := store.Open(cfg.DBPath, opts)
	if err != nil {
		return nil, err
	}
	return keepKey(cfg, st, missing)
}

// keepKey refuses a store that recorded a key whose file is missing, and
// gives a new store a new key, written to cfg.KeyFile.
func keepKey(cfg Config, st *store.Store, missing bool) (*store.Store, error) {
	if !missing {
		return st, nil
	}
	if st.HasKey() {
		st.Close()
		return nil, fmt.Errorf("the signing key file %s is missing: restore it with the store (fingerprint %s); "+
			"a new key would sign another history / le fichier de la clé de signature est absent : restaurez-le",
			cfg.KeyFile, st.ServerKey().Fingerprint)
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err == nil {
		err = keyfile.Write(cfg.KeyFile, priv)
	}
	if err == nil {
		err = st.SetKey(priv)
	}
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("create the signing key: %w", err)
	}
	return st, nil
}

// Store returns the server's store (for tools and tests).
func (s *Server) Store() *store.Store { return s.store }

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.router }

// ListenAndServe listens on addr and serves until Close.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listen %s: %w", addr, err)
	}
	return s.Serve(ln)
}

// Serve serves on ln (HTTPS when Config.TLSCert and TLSKey are set) until
// Close; it then returns http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.router,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	s.mu.Lock()
	if s.closed { // Close ran before Serve got here
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	s.mu.Unlock()
	s.log.Info("server: serving", "addr", ln.Addr().String(), "tls", s.cfg.TLSCert != "")
	if s.cfg.TLSCert != "" && s.cfg.TLSKey != "" {
		return hs.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
	}
	return hs.Serve(ln)
}

// Close stops serving (letting requests in flight finish for up to ten
// seconds), stops the simulation refresh loop and closes the store. Serve called after Close returns at once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.mu.Lock()
	servers := s.servers
	s.servers, s.closed = nil, true
	s.mu.Unlock()
	for _, hs := range servers {
		if err := hs.Shutdown(ctx); err != nil {
			s.log.Warn("server: shutdown", "err", err)
		}
	}
	s.sims.Stop()
	s.mail.Stop()
	if s.mailq != nil {
		s.mailq.Close() // a delivery in flight is cut; its mail stays queued
	}
	return s.store.Close()
}

func (s *Server) now() time.Time { return s.cfg.Clock() }
