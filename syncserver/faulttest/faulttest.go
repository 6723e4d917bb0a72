// Package faulttest is "lab faulttest": it starts servers on
// loopback and puts them through the faults of a deadline evening beyond
// kill -9 (see crashtest), then checks that nothing acknowledged was lost,
// nothing was acknowledged twice, nobody got a 500, and every refusal came
// with a retry time:
//
//   - disk: the store on a size-limited tmpfs filled up during a burst:
//     503 storage_unavailable + Retry-After, /healthz says not writable,
//     /readyz not ready, a metric and an error line say why; once space is
//     freed the server is ready again by itself and the refused lists go in;
//
//   - clock: the server's clock stepped back an hour (injected clock in
//     the process, then a real child process whose clock is shifted, with
//     Debian's faketime when it reaches Go's clock, or else the child's
//     own offset): 503 clock_behind, no round change, no leaf earlier than
//     the previous one, accepted again when the clock is right;
//
//   - network: bodies cut in the middle, receipts written but cut on their
//     way back (the retry gets the same receipt), clients stalling after
//     the headers, and a proxy dropping, delaying and truncating at random;
//     goroutines and file descriptors are counted before and after.
//
//     lab faulttest [-requests 10000] [-short] [-only disk,clock,network]
//
// It prints a table and exits non-zero on any loss, double acknowledgement,
// 500 or leak. The mount of the tmpfs needs root (CAP_SYS_ADMIN): without it
// the disk family is skipped with a message, or fails when CI is set.
package faulttest

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/loadtest"
	"appariement/syncserver/server"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

// Options configure a fault test. The zero value runs the full test.
type Options struct {
	// Requests is the number of lists sent through the random proxy
	// (default 10,000; the short version sends 600).
	Requests int
	// Concurrency is the number of clients in flight (default 32).
	Concurrency int
	// Short runs a smaller version (for go test).
	Short bool
	// Only, if set, names the families to run (disk, clock, network).
	Only []string
	// Child builds the command of a child server process (clock family):
	// args are those of "faulttest -serve"; by default this executable.
	Child func(args ...string) []string
	// Seed makes the proxy's random choices reproducible (0: fixed seed 1).
	Seed uint64
	// Logs receives the servers' log lines (io.Discard if nil); lines at
	// error level are also kept to check that a fault is said.
	Logs io.Writer
}

func (o *Options) defaults() {
	if o.Requests <= 0 {
		o.Requests = 10_000
		if o.Short {
			o.Requests = 600
		}
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Logs == nil {
		o.Logs = io.Discard
	}
}

func (o *Options) runs(family string) bool {
	return len(o.Only) == 0 || slices.Contains(o.Only, family)
}

// Row is one line of the report: one fault and what came of it.
type Row struct {
	Fault        string
	Requests     int // HTTP requests (or connections) sent under the fault
	Acknowledged int // distinct submissions answered with a verified receipt
	Refused      int // refused with a retry time (503 + Retry-After)
	Lost         int // acknowledged but missing from the final log
	Twice        int // acknowledged twice (two leaves, or two different receipts)
	Status500    int // answers 500 or 5xx other than a 503 with a retry time
	Recovered    time.Duration
	Note         string
	Skipped      string // why the fault was not tried
	Failures     []string
}

func (r *Row) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// Report is every row.
type Report struct{ Rows []*Row }

// Failed lists what went wrong in every row.
func (r *Report) Failed() []string {
	var out []string
	for _, row := range r.Rows {
		for _, f := range row.Failures {
			out = append(out, row.Fault+": "+f)
		}
		if row.Lost > 0 {
			out = append(out, fmt.Sprintf("%s: %d acknowledged lists lost", row.Fault, row.Lost))
		}
		if row.Twice > 0 {
			out = append(out, fmt.Sprintf("%s: %d lists acknowledged twice", row.Fault, row.Twice))
		}
		if row.Status500 > 0 {
			out = append(out, fmt.Sprintf("%s: %d answers 500", row.Fault, row.Status500))
		}
	}
	return out
}

// Print writes the table (Markdown, so that docs/robustness.md can hold it).
func (r *Report) Print(w io.Writer) {
	fmt.Fprintln(w, "| fault | requests | acknowledged | refused with retry time | lost | twice | 500 | recovered in | notes |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---|---|")
	for _, row := range r.Rows {
		if row.Skipped != "" {
			fmt.Fprintf(w, "| %s | – | – | – | – | – | – | – | skipped: %s |\n", row.Fault, row.Skipped)
			continue
		}
		rec := "–"
		if row.Recovered > 0 {
			rec = fmt.Sprintf("%.1f s", row.Recovered.Seconds())
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d | %s | %s |\n", row.Fault, row.Requests, row.Acknowledged,
			row.Refused, row.Lost, row.Twice, row.Status500, rec, row.Note)
	}
}

// Run is the "lab faulttest" command.
func Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faulttest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.IntVar(&o.Requests, "requests", 10_000, "listes envoyées à travers le proxy / lists sent through the faulty proxy")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "clients simultanés / clients in flight")
	fs.BoolVar(&o.Short, "short", false, "version courte (CI) / short version")
	only := fs.String("only", "", "familles : disk,clock,network (toutes par défaut) / families to run")
	verbose := fs.Bool("v", false, "journaux des serveurs sur la sortie d'erreur / server logs on stderr")
	serve := fs.Bool("serve", false, "(interne) serveur enfant / (internal) child server")
	db := fs.String("db", "", "(interne) fichier du serveur enfant / child's store file")
	offset := fs.Duration("clock-offset", 0, "(interne) décalage de l'horloge de l'enfant / child's clock offset")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *serve {
		if err := Serve(*db, *offset, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	if *only != "" {
		o.Only = strings.Split(*only, ",")
	}
	if *verbose {
		o.Logs = stderr
	}
	rep, err := Do(context.Background(), o)
	if rep != nil {
		rep.Print(stdout)
	}
	if err != nil {
		fmt.Fprintln(stdout, "ÉCHEC / FAILED:", err)
		return 1
	}
	if failed := rep.Failed(); len(failed) > 0 {
		fmt.Fprintln(stdout, "ÉCHEC / FAILED:")
		for _, f := range failed {
			fmt.Fprintln(stdout, "  -", f)
		}
		return 1
	}
	fmt.Fprintln(stdout, "OK : rien de perdu, rien d'acquitté deux fois, aucune erreur 500 / nothing lost, nothing acknowledged twice, no 500")
	return 0
}

// Do runs the families of o and returns the report. An error means the
// test itself could not run; the faults' outcomes are in the report.
func Do(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	rep := &Report{}
	if o.runs("disk") {
		rows, err := diskFamily(ctx, &o)
		rep.Rows = append(rep.Rows, rows...)
		if err != nil {
			return rep, err
		}
	}
	if o.runs("clock") {
		rows, err := clockFamily(ctx, &o)
		rep.Rows = append(rep.Rows, rows...)
		if err != nil {
			return rep, err
		}
	}
	if o.runs("network") {
		rows, err := networkFamily(ctx, &o)
		rep.Rows = append(rep.Rows, rows...)
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// offsetClock is the server clock of the in-process families: the real
// clock shifted by a settable offset.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) Now() time.Time           { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *offsetClock) Set(offset time.Duration) { c.off.Store(int64(offset)) }

// errorLines keeps the servers' log lines at error level.
type errorLines struct {
	mu    sync.Mutex
	lines []string
}

func (e *errorLines) Write(p []byte) (int, error) {
	e.mu.Lock()
	e.lines = append(e.lines, string(p))
	e.mu.Unlock()
	return len(p), nil
}

func (e *errorLines) contains(s string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range e.lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// harness is an in-process server on a seeded store, on loopback.
type harness struct {
	srv      *server.Server
	url      string
	metrics  string // base URL of the metrics listener
	cat      *loadtest.Catalogue
	clock    *offsetClock
	admin    *client.Client
	errors   *errorLines
	verifier *translog.Verifier
	done     chan error
}

// start seeds a catalogue of interns (round open for wishes, keys derived
// by loadtest.KeyFor) and an admin in dir, and serves it on 127.0.0.1:0.
func start(o *Options, dir string, interns int, configure func(*server.Config)) (*harness, error) {
	db := dir + "/faults.db"
	h := &harness{cat: loadtest.NewCatalogue(interns, max(40, interns/10)), clock: &offsetClock{}, errors: &errorLines{},
		done: make(chan error, 1)}
	if err := h.cat.Seed(db); err != nil {
		return nil, err
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("faulttest: admin key: %w", err)
	}
	admin := domain.Person{ID: "fault-admin", LastName: "PANNE", FirstName: "Ada", Email: "admin@ars.example.fr"}
	if err := boltstore.Bootstrap(db, loadtest.KeyName, admin, pub); err != nil {
		return nil, fmt.Errorf("faulttest: bootstrap: %w", err)
	}
	logs := slog.New(slog.NewTextHandler(io.MultiWriter(o.Logs, errorFilter{h.errors}), &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := server.Config{DBPath: db, Name: loadtest.KeyName, Clock: h.clock.Now, Logger: logs,
		IPRate: rate.Inf, IdentityRate: rate.Inf}
	if configure != nil {
		configure(&cfg)
	}
	h.srv, err = server.Open(cfg)
	if err != nil {
		return nil, fmt.Errorf("faulttest: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.srv.Close()
		return nil, fmt.Errorf("faulttest: listen: %w", err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		h.srv.Close()
		return nil, fmt.Errorf("faulttest: listen: %w", err)
	}
	go func() { h.done <- h.srv.Serve(ln) }()
	go h.srv.ServeMetrics(mln) // ends with the server's Close
	h.url = "http://" + ln.Addr().String()
	h.metrics = "http://" + mln.Addr().String()
	h.verifier, err = translog.NewVerifier(api.ServerKey(h.srv.Store().ServerKey()))
	if err != nil {
		h.close()
		return nil, fmt.Errorf("faulttest: %w", err)
	}
	c, err := client.New(h.url, nil)
	if err != nil {
		h.close()
		return nil, fmt.Errorf("faulttest: %w", err)
	}
	h.admin = c.WithIdentity(admin.ID, priv)
	h.admin.Now = h.clock.Now
	return h, nil
}

// errorFilter passes the lines at level ERROR to w.
type errorFilter struct{ w io.Writer }

func (f errorFilter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "level=ERROR") {
		f.w.Write(p)
	}
	return len(p), nil
}

func (h *harness) close() error {
	err := h.srv.Close()
	if serr := <-h.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// got is one acknowledged submission: its envelope and every receipt it
// was answered with.
type got struct {
	env      *envelope.Envelope
	receipts []*api.Receipt
}

// ledger records receipts by envelope digest.
type ledger struct {
	mu sync.Mutex
	m  map[string]*got
}

func newLedger() *ledger { return &ledger{m: map[string]*got{}} }

func (l *ledger) add(env *envelope.Envelope, rc *api.Receipt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.m[env.Digest()]
	if g == nil {
		g = &got{env: env}
		l.m[env.Digest()] = g
	}
	g.receipts = append(g.receipts, rc)
}

func (l *ledger) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// verify checks every receipt against the final log of the server at url:
// the receipts of one envelope are all the same, its leaf is proved
// included in the final checkpoint (else it is lost), and, when st is
// given (in-process), no envelope is twice in the log.
func verify(ctx context.Context, url string, v *translog.Verifier, l *ledger, st *store.Store, row *Row) error {
	c, err := client.New(url, nil)
	if err != nil {
		return fmt.Errorf("faulttest: %w", err)
	}
	cp, err := c.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("faulttest: checkpoint: %w", err)
	}
	tree, err := v.OpenCheckpoint(cp)
	if err != nil {
		return fmt.Errorf("faulttest: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	row.Acknowledged = len(l.m)
	for _, g := range l.m {
		first := g.receipts[0]
		for _, rc := range g.receipts[1:] {
			if rc.Index != first.Index || !rc.ServerTime.Equal(first.ServerTime) {
				row.Twice++
				row.fail("envelope %s answered with receipts %d and %d", g.env.Digest(), first.Index, rc.Index)
			}
		}
		if err := v.VerifyReceipt(g.env, first); err != nil {
			row.Lost++
			row.fail("receipt %d does not verify: %v", first.Index, err)
			continue
		}
		proof, err := c.InclusionProof(ctx, first.Index, tree.N)
		if err == nil {
			err = v.VerifyInclusion(cp, first.Index, translog.LeafHash(first.ServerTime, g.env), proof)
		}
		if err != nil {
			row.Lost++
			row.fail("receipt %d not in the final log of %d leaves: %v", first.Index, tree.N, err)
		}
	}
	if st == nil {
		return nil
	}
	return checkLog(st, row)
}

// checkLog scans the log of st: no envelope twice, no leaf time earlier
// than the previous leaf's.
func checkLog(st *store.Store, row *Row) error {
	seen := map[string]int64{}
	var prev time.Time
	return st.View(func(tx store.Tx) error {
		return tx.ForEachLeaf(0, tx.TreeSize(), func(i int64, data []byte) error {
			ts, env, err := store.ParseLeaf(data)
			if err != nil {
				return fmt.Errorf("faulttest: leaf %d: %w", i, err)
			}
			if j, ok := seen[env.Digest()]; ok {
				row.Twice++
				row.fail("envelope %s in the log twice (leaves %d and %d)", env.Digest(), j, i)
			}
			seen[env.Digest()] = i
			if ts.Before(prev) {
				row.fail("leaf %d at %s, earlier than the previous leaf (%s)", i, ts, prev)
			}
			prev = ts
			return nil
		})
	})
}

// outcome classifies the answer to one submission.
type outcome int

const (
	acked     outcome = iota
	retryable         // 503 or 429 with a retry time
	server500         // 5xx without a retry time
	refused           // another refusal (4xx)
	network           // no answer: cut, reset, timeout
)

func classify(err error) (outcome, *api.Error, time.Duration) {
	if err == nil {
		return acked, nil, 0
	}
	e, isAPI := errors.AsType[*api.Error](err)
	ok, after := client.Retryable(err)
	switch {
	case isAPI && ok && after > 0 && (e.Status == http.StatusServiceUnavailable || e.Status == http.StatusTooManyRequests):
		return retryable, e, after
	case isAPI && e.Status >= 500:
		return server500, e, 0
	case isAPI:
		return refused, e, 0
	}
	return network, nil, 0
}

// httpGet returns the status, Retry-After and body of GET url.
func httpGet(ctx context.Context, url string) (int, string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b), err
}

// waitReady polls /readyz until it answers 200 or timeout passes, and
// returns how long it took.
func waitReady(ctx context.Context, url string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		status, _, body, err := httpGet(ctx, url+"/readyz")
		if err == nil && status == http.StatusOK {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return time.Since(start), fmt.Errorf("faulttest: not ready after %s: %d %s %v", timeout, status, body, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
