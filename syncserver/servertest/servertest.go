// Package servertest starts a real sync server for end-to-end tests: a
// bbolt file in t.TempDir(), a loopback listener on 127.0.0.1:0, a
// bootstrapped admin, a seeded round with postes, interns and RTS, their
// activation codes, and a settable server clock.
//
//	env := servertest.Start(t, servertest.Options{})
//	alice := env.Enroll(t, env.Interns[0])           // enrolled client, key and id
//	env.Transition(t, domain.StateWishesOpen)         // admin moves the round
//	rc, err := alice.Client.Submit(ctx, alice.WishList(env.Round, 1, env.Postes[0].ID))
//	env.Verifier(t).VerifyReceipt(env, rc)
//	env.Clock.Advance(48 * time.Hour)                 // the server's clock, not yours
//
// Faults on the way (a cut network, slow answers, 503 with Retry-After,
// lost answers, tampered receipts or results) come from a FaultTransport:
//
//	ft := env.Faults()
//	alice.Client.SetTransport(ft)                    // or env.Front(t, ft) for an address
//	ft.Cut(true)                                     // connection refused until Cut(false)
//	ft.Unavailable("POST /v1/submissions", 1, 30)    // one 503, Retry-After: 30
//
// Clients made by Env sign requests with the fake clock, so moving it does
// not make their signed requests stale. A client you build yourself must set
// client.Client.Now = env.Clock.Now for the same reason.
//
// The server is closed by t.Cleanup.
package servertest

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/demodata"
	"appariement/syncserver/server"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

// FakeClock is a settable clock for the server. Its zero value reads the
// zero time; use NewFakeClock.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock returns a clock reading t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{t: t} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Options shapes the seeded data. The zero value gives an appariement round
// "R1" in draft with 6 interns (CARDIO, LYON), 4 postes of 2 places each
// and 2 RTS.
type Options struct {
	Procedure domain.Procedure // default domain.Appariement
	Interns   int              // default 6
	Postes    int              // default 4; poste k belongs to RTS k%2
	Capacity  int              // places per poste, default 2
	// Capacities, if set, gives the places of each poste (poste k has
	// Capacities[k]); Postes and Capacity are then ignored.
	Capacities []int
	// CallList, if set, is the call list of a choix au rang, computed with
	// this request (no seed: the server's drawn seed breaks the ties) and
	// published before Start returns (version 1).
	CallList *api.ComputeCallListRequest
	// Binomes lets the interns of the choix au rang choose in binômes
	// (domain.Round.Binomes).
	Binomes bool
	// WishTies lets the interns of the appariement put wishes ex aequo
	// (domain.Round.WishTies).
	WishTies bool
	// Empty starts the server with the admin only: no round, no people.
	Empty bool
	// Demo, if set, seeds the data set of syncserver/demodata instead (for
	// example demodata.Small(1)): its people (admins left out) and its
	// postes in one national round "R1". Interns, Postes and Capacity are
	// then ignored.
	Demo *demodata.Options
	// NoCodes skips issuing activation codes (Argon2id is slow on purpose:
	// load tests use Register instead of Enroll).
	NoCodes bool
	// Dir, if set, is the directory of the store file (t.TempDir() if
	// empty): a small tmpfs for the full-disk tests.
	Dir string
	// Location, if set, is the store's location for another backend than
	// bbolt (postgres://…, the backend's package linked in by the test):
	// the server's key file is then in t.TempDir(), and AddNode opens more
	// server nodes on the same database.
	Location string
	// Configure, if set, adjusts the server configuration before Open
	// (rate limits, outbox, TLS...). DBPath and Clock are already set.
	Configure func(*server.Config)
	// AdminKey, if set, is the admin's private key instead of a new one:
	// on a store that already holds the admin with this key (a migrated
	// or restored store at Location), the bootstrap finds it and changes
	// nothing.
	AdminKey ed25519.PrivateKey
}

// Env is a running server and what the test needs to drive it.
type Env struct {
	URL       string
	Admin     *client.Client // signs as AdminID
	AdminID   string
	AdminKey  ed25519.PrivateKey
	Codes     map[string]string // person id → activation code
	Round     string            // the seeded round ("R1")
	Interns   []string          // intern ids, rank order (i01 has rank 1)
	RTS       []string          // RTS ids
	Postes    []domain.Poste    // the seeded postes
	Clock     *FakeClock
	Server    *server.Server
	DBPath    string // the bbolt file, or Options.Location
	KeyFile   string // the server's signing key file
	ServerKey api.ServerKey

	cfg server.Config
}

// User is an enrolled person: its id, key and a client signing as it.
type User struct {
	ID     string
	Key    ed25519.PrivateKey
	Client *client.Client
	env    *Env
}

// Specialty and Subdivision of the seeded people and postes.
const (
	keyName     = "appariement.test"
	Specialty   = "CARDIO"
	Subdivision = "LYON"
)

// Start starts a server and seeds it (see Options).
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	if opts.Procedure == "" {
		opts.Procedure = domain.Appariement
	}
	if opts.Interns == 0 {
		opts.Interns = 6
	}
	if len(opts.Capacities) > 0 {
		opts.Postes = len(opts.Capacities)
	}
	if opts.Postes == 0 {
		opts.Postes = 4
	}
	if opts.Capacity == 0 {
		opts.Capacity = 2
	}
	env := &Env{
		AdminID: "admin",
		Codes:   map[string]string{},
		Clock:   NewFakeClock(time.Now().UTC().Truncate(time.Second)),
		DBPath:  filepath.Join(cmp.Or(opts.Dir, t.TempDir()), "server.db"),
	}
	env.KeyFile = env.DBPath + ".key"
	outbox := filepath.Join(filepath.Dir(env.DBPath), "outbox")
	if opts.Location != "" {
		dir := t.TempDir()
		env.DBPath, env.KeyFile, outbox = opts.Location, filepath.Join(dir, "server.key"), filepath.Join(dir, "outbox")
	}
	priv := opts.AdminKey
	if priv == nil {
		var err error
		if _, priv, err = ed25519.GenerateKey(nil); err != nil {
			t.Fatal(err)
		}
	}
	pub := priv.Public().(ed25519.PublicKey)
	env.AdminKey = priv
	admin := domain.Person{ID: env.AdminID, LastName: "ADMIN", FirstName: "Ada", Email: "admin@ars.example.fr"}
	if err := bootstrap(env.DBPath, admin, pub); err != nil {
		t.Fatalf("servertest: bootstrap: %v", err)
	}
	cfg := server.Config{DBPath: env.DBPath, KeyFile: env.KeyFile, Name: keyName, Clock: env.Clock.Now,
		OutboxDir: outbox, PublicURL: "http://127.0.0.1",
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		// Tests enroll many people from one address; the tests of the
		// per-address enrollment limit set their own.
		EnrollRate: rate.Inf}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	env.cfg = cfg
	env.Server, env.URL = env.AddNode(t)
	env.ServerKey = api.ServerKey(env.Server.Store().ServerKey())
	env.Admin = env.Client(env.AdminID, priv)
	if !opts.Empty {
		env.seed(t, opts)
	}
	return env
}

// bootstrap creates the store at location (a bbolt file or another
// backend's location) with its first admin.
func bootstrap(location string, admin domain.Person, pub ed25519.PublicKey) error {
	if !server.IsLocation(location) {
		return boltstore.Bootstrap(location, keyName, admin, pub)
	}
	s, err := store.Open(location, store.Options{Name: keyName})
	if err != nil {
		return err
	}
	defer s.Close()
	return store.BootstrapAdmin(s, admin, pub)
}

// AddNode starts one more server node with the configuration of the
// first, on the same store, and returns it with its URL. On a bbolt file,
// which one process holds alone, only the first node opens: AddNode is for
// stores of other backends (Options.Location).
func (e *Env) AddNode(t testing.TB) (*server.Server, string) {
	t.Helper()
	srv, err := server.Open(e.cfg)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatalf("servertest: listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("servertest: close: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("servertest: serve: %v", err)
		}
	})
	scheme := "http"
	if e.cfg.TLSCert != "" {
		scheme = "https"
	}
	return srv, scheme + "://" + ln.Addr().String()
}

// Client returns a client of the server signing as id with key, on the
// fake clock.
func (e *Env) Client(id string, key ed25519.PrivateKey) *client.Client {
	return e.ClientAt(e.URL, id, key)
}

// ClientAt is Client on the node at url (see AddNode).
func (e *Env) ClientAt(url, id string, key ed25519.PrivateKey) *client.Client {
	c, err := client.New(url, nil)
	if err != nil {
		panic("servertest: " + err.Error())
	}
	if key != nil {
		c = c.WithIdentity(id, key)
	}
	c.Now = e.Clock.Now
	c.Server = envelope.KeyID(e.ServerKey.PublicKey)
	return c
}

// Sign sets the headers of a request signed by id with key to this server
// at time at, for tests that build raw requests.
func (e *Env) Sign(h http.Header, key ed25519.PrivateKey, id, method, pathAndQuery string, body []byte, at time.Time) {
	api.SignRequest(h, key, envelope.KeyID(e.ServerKey.PublicKey), id, method, pathAndQuery, body, at)
}

// Anonymous returns a client without identity.
func (e *Env) Anonymous() *client.Client { return e.Client("", nil) }

func (e *Env) seed(t testing.TB, opts Options) {
	t.Helper()
	ctx := context.Background()
	if opts.Demo != nil {
		e.seedDemo(t, opts)
	} else {
		e.seedSmall(t, opts)
	}
	if opts.CallList != nil {
		if d, err := e.Admin.ComputeCallList(ctx, e.Round, *opts.CallList); err != nil || !d.Report.OK {
			t.Fatalf("servertest: call list: %v %+v", err, d)
		}
		if _, err := e.Admin.PublishCallList(ctx, e.Round, ""); err != nil {
			t.Fatalf("servertest: publish call list: %v", err)
		}
	}
	if opts.NoCodes {
		return
	}
	// Every code is hashed with Argon2id: for a demo-sized population on a
	// busy machine (the race detector, other tests beside) the request can
	// take longer than a client's usual 30 s, so this one is bounded by its
	// own context instead of the client's timeout.
	slow, err := client.New(e.URL, &http.Client{})
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	slow = slow.WithIdentity(e.AdminID, e.AdminKey)
	slow.Now, slow.Server = e.Clock.Now, e.Admin.Server
	ictx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	codes, err := slow.IssueCodes(ictx, api.IssueCodesRequest{AllWithoutKey: true})
	if err != nil {
		t.Fatalf("servertest: issue codes: %v", err)
	}
	for _, c := range codes.Codes {
		e.Codes[c.Person] = c.Code
	}
}

func (e *Env) seedDemo(t testing.TB, opts Options) {
	t.Helper()
	ctx := context.Background()
	data := demodata.Generate(*opts.Demo)
	var people []domain.Person
	for _, p := range data.People {
		switch p.Role {
		case domain.RoleAdmin:
			continue
		case domain.RoleIntern:
			e.Interns = append(e.Interns, p.ID)
		case domain.RoleRTS:
			e.RTS = append(e.RTS, p.ID)
		}
		people = append(people, p)
	}
	b, _ := json.Marshal(people)
	if _, err := e.Admin.ImportPeople(ctx, api.FormatJSON, b, false); err != nil {
		t.Fatalf("servertest: import demo people: %v", err)
	}
	e.Round = "R1"
	if _, err := e.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: e.Round, Name: "Tour 1 (démo)", Procedure: opts.Procedure,
		Binomes: opts.Binomes, WishTies: opts.WishTies}); err != nil {
		t.Fatalf("servertest: create round: %v", err)
	}
	e.Postes = data.Postes
	b, _ = json.Marshal(data.Postes)
	if _, err := e.Admin.ImportPostes(ctx, e.Round, api.FormatJSON, b, false); err != nil {
		t.Fatalf("servertest: import demo postes: %v", err)
	}
}

func (e *Env) seedSmall(t testing.TB, opts Options) {
	t.Helper()
	ctx := context.Background()
	var people []domain.Person
	for i := range opts.Interns {
		id := fmt.Sprintf("i%02d", i+1)
		e.Interns = append(e.Interns, id)
		people = append(people, domain.Person{ID: id, Role: domain.RoleIntern, LastName: fmt.Sprintf("INTERNE%d", i+1),
			FirstName: "Camille", Email: id + "@etu.example.fr", Specialty: Specialty, Subdivision: Subdivision, Rank: i + 1})
	}
	data, _ := json.Marshal(people)
	if _, err := e.Admin.ImportPeople(ctx, api.FormatJSON, data, false); err != nil {
		t.Fatalf("servertest: import people: %v", err)
	}
	e.Round = "R1"
	if _, err := e.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: e.Round, Name: "Tour 1",
		Procedure: opts.Procedure, Specialty: Specialty, Subdivision: Subdivision, Binomes: opts.Binomes, WishTies: opts.WishTies}); err != nil {
		t.Fatalf("servertest: create round: %v", err)
	}
	e.RTS = []string{"rts1", "rts2"}
	for k := range opts.Postes {
		rts := e.RTS[k%2]
		capacity := opts.Capacity
		if len(opts.Capacities) > 0 {
			capacity = opts.Capacities[k]
		}
		e.Postes = append(e.Postes, domain.Poste{ID: fmt.Sprintf("P%d", k+1), Specialty: Specialty, Subdivision: Subdivision,
			Etablissement: "CHU de Lyon", Service: fmt.Sprintf("Cardiologie %d", k+1), Town: "Lyon",
			Title: "Poste de cardiologie", RTS: rts, RTSName: "Dr " + rts, RTSEmail: rts + "@chu.example.fr",
			Capacity: capacity})
	}
	data, _ = json.Marshal(e.Postes)
	if _, err := e.Admin.ImportPostes(ctx, e.Round, api.FormatJSON, data, false); err != nil {
		t.Fatalf("servertest: import postes: %v", err)
	}
}

// Enroll enrolls person id with its activation code and a new key.
func (e *Env) Enroll(t testing.TB, id string) *User {
	t.Helper()
	code, ok := e.Codes[id]
	if !ok {
		t.Fatalf("servertest: no activation code for %s", id)
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Anonymous().Enroll(context.Background(), id, code, pub); err != nil {
		t.Fatalf("servertest: enroll %s: %v", id, err)
	}
	delete(e.Codes, id)
	return e.User(id, priv)
}

// EnrollAll enrolls every seeded intern (see Enroll) and returns them by id.
func (e *Env) EnrollAll(t testing.TB) map[string]*User {
	t.Helper()
	users := make(map[string]*User, len(e.Interns))
	for _, id := range e.Interns {
		users[id] = e.Enroll(t, id)
	}
	return users
}

// SubmitWishes opens the wishes window of the seeded round (if it is not
// open yet) and submits, for each intern of wishes, its list (sequence
// number 1) signed by users[intern]: the usual set-up of a choix au rang.
func (e *Env) SubmitWishes(t testing.TB, users map[string]*User, wishes map[string][]string) {
	t.Helper()
	e.Transition(t, domain.StateWishesOpen)
	ctx := context.Background()
	for id, list := range wishes {
		u := users[id]
		if u == nil {
			t.Fatalf("servertest: wishes of %s, who is not enrolled", id)
		}
		if _, err := u.Client.Submit(ctx, u.WishList(e.Round, 1, list...)); err != nil {
			t.Fatalf("servertest: wishes of %s: %v", id, err)
		}
	}
}

// ChoixRound prepares a choix au rang with wish lists: every intern
// enrolled, the wishes window open and the lists of wishes submitted. It
// returns the enrolled interns by id.
//
//	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 6,
//		Capacities: []int{1, 2, 3}, CallList: &api.ComputeCallListRequest{}})
//	users := env.ChoixRound(t, map[string][]string{"i01": {"P1"}, "i06": {"P2", "P3"}})
func (e *Env) ChoixRound(t testing.TB, wishes map[string][]string) map[string]*User {
	t.Helper()
	users := e.EnrollAll(t)
	e.SubmitWishes(t, users, wishes)
	return users
}

// Register registers a new key for person id directly in the store,
// without an activation code: for load tests with many users.
func (e *Env) Register(t testing.TB, id string) *User {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	err = e.Server.Store().Update(func(tx store.Tx) error { return tx.RegisterKey(id, pub, e.Clock.Now()) })
	if err != nil {
		t.Fatalf("servertest: register %s: %v", id, err)
	}
	return e.User(id, priv)
}

// User returns a user signing as id with key, enrolled or not (to forge
// requests and envelopes in tests).
func (e *Env) User(id string, key ed25519.PrivateKey) *User {
	return &User{ID: id, Key: key, Client: e.Client(id, key), env: e}
}

// Transition moves the seeded round, step by step, up to state.
func (e *Env) Transition(t testing.TB, state domain.RoundState) {
	t.Helper()
	e.TransitionRound(t, e.Round, state)
}

// TransitionRound moves a round, step by step, up to state (a state before
// matched).
func (e *Env) TransitionRound(t testing.TB, round string, state domain.RoundState) {
	t.Helper()
	ctx := context.Background()
	d, err := e.Admin.RoundDetail(ctx, round)
	if err != nil {
		t.Fatalf("servertest: round %s: %v", round, err)
	}
	r := d.Round
	for r.State.Index() < state.Index() {
		next := domain.RoundStates[r.State.Index()+1]
		if r.Procedure == domain.ChoixAuRang && (next == domain.StateRankingsOpen || next == domain.StateRankingsClosed) {
			if state.Index() <= domain.StateRankingsClosed.Index() {
				return
			}
			next = domain.StateMatched
		}
		if next == domain.StateMatched || next == domain.StatePublished {
			t.Fatalf("servertest: %s is reached with Run and Publish", next)
		}
		nr, err := e.Admin.Transition(ctx, round, next, "test")
		if err != nil {
			t.Fatalf("servertest: transition %s to %s: %v", round, next, err)
		}
		r = *nr
	}
}

// Run runs the matching of a round.
func (e *Env) Run(t testing.TB, round string) *domain.Result {
	t.Helper()
	res, err := e.Admin.Run(context.Background(), round)
	if err != nil {
		t.Fatalf("servertest: run %s: %v", round, err)
	}
	return res
}

// Publish publishes a round's result and returns the signed envelope.
func (e *Env) Publish(t testing.TB, round string) *envelope.Envelope {
	t.Helper()
	env, err := e.Admin.Publish(context.Background(), round)
	if err != nil {
		t.Fatalf("servertest: publish %s: %v", round, err)
	}
	return env
}

// Verifier returns a verifier of the server's key, as a client that
// pinned it would build.
func (e *Env) Verifier(t testing.TB) *translog.Verifier {
	t.Helper()
	v, err := translog.NewVerifier(e.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// WishList returns a wish list envelope of u for round, signed by u.
func (u *User) WishList(round string, seq uint64, postes ...string) *envelope.Envelope {
	return u.Sign(api.WishListType, api.Submission{Round: round, Author: u.ID, Seq: seq,
		ClientTime: u.env.Clock.Now(), List: nonNil(postes)})
}

// Ranking returns a ranking envelope of u for one poste of round, signed by u.
func (u *User) Ranking(round, poste string, seq uint64, interns ...string) *envelope.Envelope {
	return u.Sign(api.RankingType, api.Submission{Round: round, Author: u.ID, Seq: seq, Poste: poste,
		ClientTime: u.env.Clock.Now(), List: nonNil(interns)})
}

// Sign returns an envelope of sub signed by u.
func (u *User) Sign(payloadType string, sub api.Submission) *envelope.Envelope {
	b, err := json.Marshal(sub)
	if err != nil {
		panic("servertest: " + err.Error())
	}
	return envelope.Sign(u.Key, payloadType, b)
}

// BinomeLink returns u's signed binôme link with partner in round, with
// its joint list (pairs of u's poste then the partner's).
func (u *User) BinomeLink(round string, seq uint64, partner string, pairs ...[2]string) *envelope.Envelope {
	if pairs == nil {
		pairs = [][2]string{}
	}
	b, err := json.Marshal(api.BinomeLink{Round: round, Author: u.ID, Seq: seq, ClientTime: u.env.Clock.Now().UTC(), Partner: partner, Pairs: pairs})
	if err != nil {
		panic("servertest: " + err.Error())
	}
	return envelope.Sign(u.Key, api.BinomeType, b)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
