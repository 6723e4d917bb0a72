// Package loadtest is "lab loadtest": many synthetic interns sign a
// wish list and submit it over HTTP on loopback within a window, as at a
// national deadline; then every receipt is verified against the log.
//
//	lab loadtest -interns 20000 -window 60s
//	lab loadtest -interns 5000 -burst -catalogue
//
// By default it starts its own server on 127.0.0.1:0 over a temporary bbolt
// file seeded offline (interns' keys written into the store, as
// servertest.Register does: enrolling 20,000 people with Argon2id-hashed
// activation codes would take longer than the test). With -addr it drives a
// running server instead; that server's file must have been seeded first
// with "lab loadtest -seed -db FILE -interns N" (interns' keys are
// derived from their ids) and its per-address rate limit raised, since all
// the load comes from one address.
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/envelope"
	"appariement/shared/plural"
	"appariement/shared/translog"
	"appariement/syncserver/server"
)

// Options configure a load test.
type Options struct {
	Interns     int           // synthetic interns, one submission each
	Postes      int           // postes in the catalogue
	Window      time.Duration // arrivals spread uniformly over it
	Burst       bool          // send as fast as possible instead
	Concurrency int           // submissions in flight at most
	Addr        string        // running server's URL; own server if empty
	Store       string        // own server's store location (postgres://…); a temporary bbolt file if empty
	MetricsURL  string        // running server's metrics (serve -metrics-addr), read if set
	MaxBatch    int           // own server's group commit bound (0: default)
	Catalogue   bool          // also time a fresh client's full catalogue fetch
	WishLen     int           // postes per wish list
	Timeout     time.Duration // bound on the whole submission phase
	// CPUProfile, if set, receives a CPU profile (pprof) of the send
	// phase alone: the server's and the load generator's work while the
	// submissions are in flight, without the seeding, the signing or the
	// verification of the receipts.
	CPUProfile io.Writer
}

// Report holds what a load test measured.
type Report struct {
	Interns, Accepted, Failed int
	Elapsed                   time.Duration
	// CPU is this process's CPU time (user + system) during the send
	// phase: the server's and the load generator's when the server is
	// the command's own (0 where it cannot be read).
	CPU                time.Duration
	PerSecond          float64
	P50, P90, P99, Max time.Duration
	Retries            int64 // submissions sent again (429/503, network)
	VerifyRetries      int64 // proof requests sent again while verifying
	Refusals           map[string]int
	Verified, Lost     int
	Checkpoints        int // distinct receipt checkpoints proved consistent with the final one
	BatchCount         float64
	BatchMean          float64
	CatalogueTime      time.Duration
	CataloguePostes    int
}

// Run is the "lab loadtest" command.
func Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.IntVar(&o.Interns, "interns", 20000, "nombre d'internes synthétiques / synthetic interns")
	fs.IntVar(&o.Postes, "postes", 20000, "postes du catalogue / postes in the catalogue")
	fs.DurationVar(&o.Window, "window", 60*time.Second, "fenêtre des arrivées / arrival window")
	fs.BoolVar(&o.Burst, "burst", false, "tout envoyer au plus vite / send as fast as possible")
	fs.IntVar(&o.Concurrency, "concurrency", 512, "envois simultanés au plus / submissions in flight")
	fs.StringVar(&o.Addr, "addr", "", "URL d'un serveur déjà lancé (fichier préparé par -seed) / running server URL")
	fs.StringVar(&o.MetricsURL, "metrics", "", "URL des métriques du serveur lancé, ex. http://127.0.0.1:9090 / running server's metrics URL")
	fs.IntVar(&o.MaxBatch, "max-batch", 0, "taille max d'un commit groupé du serveur lancé / own server's MaxBatch")
	fs.BoolVar(&o.Catalogue, "catalogue", false, "mesurer aussi le téléchargement du catalogue / also time the catalogue fetch")
	fs.IntVar(&o.WishLen, "wishes", 10, "vœux par liste / postes per wish list")
	fs.DurationVar(&o.Timeout, "timeout", 0, "borne de la phase d'envoi (défaut : fenêtre + 2 min) / bound on the send phase")
	pg := fs.Bool("pg", false, "serveur propre sur un PostgreSQL primaire + secours synchrone lancé sur la boucle locale / own server on a PostgreSQL primary + synchronous standby on loopback")
	fs.StringVar(&o.Store, "store", "", "base du serveur propre, ex. postgres://… (défaut : fichier bbolt temporaire) / own server's store location")
	seed := fs.Bool("seed", false, "préparer seulement le fichier -db pour -addr / only seed the -db file for -addr")
	db := fs.String("db", "", "fichier bbolt à préparer avec -seed / store file to seed")
	cpuprofile := fs.String("cpuprofile", "", "profil CPU du processus (serveur et générateur) pendant les envois / CPU profile of the send phase (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.Interns <= 0 || o.Postes <= 0 || o.Concurrency <= 0 || o.Window < 0 {
		fmt.Fprintln(stderr, "loadtest: -interns, -postes et -concurrency doivent être positifs / must be positive")
		return 2
	}
	if *seed {
		if *db == "" {
			fmt.Fprintln(stderr, "loadtest: -seed demande -db / -seed needs -db")
			return 2
		}
		if err := NewCatalogue(o.Interns, o.Postes).Seed(*db); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s préparé : tour %s, %d internes, %d postes\n", *db, Round, o.Interns, o.Postes)
		return 0
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 1
		}
		defer f.Close()
		o.CPUProfile = f
	}
	if *pg {
		if o.Addr != "" || o.Store != "" {
			fmt.Fprintln(stderr, "loadtest: -pg exclut -addr et -store / -pg excludes -addr and -store")
			return 2
		}
		t0 := time.Now()
		dsn, stop, err := launchPG()
		defer stop()
		if err != nil {
			fmt.Fprintln(stderr, "loadtest: PostgreSQL:", err)
			return 1
		}
		o.Store = dsn
		fmt.Fprintf(stderr, "loadtest: PostgreSQL primaire + secours synchrone prêts en %v\n", time.Since(t0).Round(time.Millisecond))
	}
	r, err := Do(context.Background(), o, stderr)
	if r != nil {
		r.Print(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if r.Lost > 0 || r.Failed > 0 {
		return 1
	}
	return 0
}

// Do runs a load test. Progress and server warnings go to logw. The report
// is returned even with an error when the submissions were sent.
func Do(ctx context.Context, o Options, logw io.Writer) (*Report, error) {
	if o.WishLen <= 0 {
		o.WishLen = 10
	}
	if o.Timeout <= 0 {
		o.Timeout = o.Window + 2*time.Minute
	}
	cat := NewCatalogue(o.Interns, o.Postes)
	url := strings.TrimSuffix(o.Addr, "/")
	metricsURL := strings.TrimSuffix(o.MetricsURL, "/")
	if url == "" {
		dir, err := os.MkdirTemp("", "appariement-loadtest-")
		if err != nil {
			return nil, fmt.Errorf("loadtest: %w", err)
		}
		defer os.RemoveAll(dir)
		dbPath, keyFile := filepath.Join(dir, "load.db"), ""
		if o.Store != "" {
			dbPath, keyFile = o.Store, filepath.Join(dir, "server.key")
		}
		t0 := time.Now()
		if err := cat.Seed(dbPath); err != nil {
			return nil, err
		}
		fmt.Fprintf(logw, "loadtest: base préparée en %v (%d internes, %d postes)\n", time.Since(t0).Round(time.Millisecond), o.Interns, o.Postes)
		srv, err := server.Open(server.Config{DBPath: dbPath, KeyFile: keyFile, Name: KeyName, MaxBatch: o.MaxBatch,
			IPRate: rate.Inf, IdentityRate: rate.Inf,
			Logger: slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			return nil, fmt.Errorf("loadtest: open server: %w", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			srv.Close()
			return nil, fmt.Errorf("loadtest: listen: %w", err)
		}
		mln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			ln.Close()
			srv.Close()
			return nil, fmt.Errorf("loadtest: listen: %w", err)
		}
		done := make(chan error, 2)
		go func() { done <- srv.Serve(ln) }()
		go func() { done <- srv.ServeMetrics(mln) }()
		defer func() {
			srv.Close()
			<-done
			<-done
		}()
		url = "http://" + ln.Addr().String()
		metricsURL = "http://" + mln.Addr().String()
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: o.Concurrency + 16, MaxIdleConnsPerHost: o.Concurrency + 16,
		MaxConnsPerHost: o.Concurrency + 16, IdleConnTimeout: 90 * time.Second}, Timeout: 2 * time.Minute}
	defer hc.CloseIdleConnections()
	c, err := client.New(url, hc)
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	key, err := c.ServerKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("loadtest: server key: %w", err)
	}
	v, err := translog.NewVerifier(*key)
	if err != nil {
		return nil, fmt.Errorf("loadtest: pin server key: %w", err)
	}
	rep := &Report{Interns: o.Interns, Refusals: map[string]int{}}

	// Signed ahead of time: the interns signed offline before the deadline.
	envs := make([]*envelope.Envelope, o.Interns)
	now := time.Now()
	for i := range envs {
		envs[i] = cat.WishList(i, 1, o.WishLen, now)
	}
	raw, lat, err := submitAll(ctx, c, envs, o, rep)
	if err != nil {
		return nil, err
	}
	slices.Sort(lat)
	rep.P50, rep.P90, rep.P99 = pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99)
	if len(lat) > 0 {
		rep.Max = lat[len(lat)-1]
	}
	fmt.Fprintf(logw, "loadtest: %d envois en %v, vérification des reçus…\n", o.Interns, rep.Elapsed.Round(time.Millisecond))
	if metricsURL != "" {
		readMetrics(ctx, hc, metricsURL, rep)
	}
	results, err := decodeAll(raw)
	if err != nil {
		return rep, err
	}
	if err := verifyAll(ctx, c, v, envs, results, rep); err != nil {
		return rep, err
	}
	if o.Catalogue {
		fresh, err := client.New(url, nil)
		if err != nil {
			return rep, fmt.Errorf("loadtest: %w", err)
		}
		t0 := time.Now()
		cr, err := fresh.Catalogue(ctx, cat.Round, 0)
		if err != nil {
			return rep, fmt.Errorf("loadtest: catalogue: %w", err)
		}
		rep.CatalogueTime, rep.CataloguePostes = time.Since(t0), len(cr.Postes)
	}
	return rep, nil
}

// submitAll sends envs[i] at start+i·window/n (or at once with Burst) with
// at most o.Concurrency in flight, retrying on 429/503 and network errors
// as the server asks. Every request body is encoded before the timer
// starts, each sender reads its answers into one reused buffer and keeps
// their raw bytes; the receipts are decoded after the timer (decodeAll),
// to be verified there. raw[i] is nil when intern i got no receipt.
func submitAll(ctx context.Context, c *client.Client, envs []*envelope.Envelope, o Options, rep *Report) ([][]byte, []time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	n := len(envs)
	bodies := make([][]byte, n)
	for i, env := range envs {
		bodies[i] = env.Encode()
	}
	raw := make([][]byte, n)
	lat := make([]time.Duration, n)
	var (
		retries atomic.Int64
		mu      sync.Mutex
		wg      sync.WaitGroup
		jobs    = make(chan int)
	)
	for range min(o.Concurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var (
				buf   bytes.Buffer
				arena []byte
			)
			for i := range jobs {
				d, err := submitOne(ctx, c, bodies[i], &buf, &retries)
				if err != nil {
					code := "network"
					if ae, isAPI := errors.AsType[*api.Error](err); isAPI {
						code = string(ae.Code)
					} else if ctx.Err() != nil {
						code = "timeout"
					}
					mu.Lock()
					rep.Refusals[code]++
					mu.Unlock()
					continue
				}
				// The answers' bytes, kept in chunks rather than one
				// allocation each.
				if cap(arena)-len(arena) < buf.Len() {
					arena = make([]byte, 0, max(64<<10, buf.Len()))
				}
				k := len(arena)
				arena = append(arena, buf.Bytes()...)
				raw[i], lat[i] = arena[k:len(arena):len(arena)], d
			}
		}()
	}
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			close(jobs)
			wg.Wait()
			return nil, nil, fmt.Errorf("loadtest: CPU profile: %w", err)
		}
	}
	start, cpu0 := time.Now(), processCPU()
	for i := range n {
		if !o.Burst && o.Window > 0 {
			at := start.Add(time.Duration(float64(o.Window) * float64(i) / float64(n)))
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	rep.Elapsed = time.Since(start)
	if c := processCPU(); cpu0 > 0 {
		rep.CPU = c - cpu0
	}
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	rep.Retries = retries.Load()
	var got []time.Duration
	for i := range n {
		if raw[i] != nil {
			got = append(got, lat[i])
		}
	}
	rep.Accepted, rep.Failed = len(got), n-len(got)
	rep.PerSecond = float64(len(got)) / rep.Elapsed.Seconds()
	return raw, got, nil
}

// decodeAll decodes the raw answers of submitAll; results[i] is nil when
// intern i got no receipt. An answer that does not decode is an error:
// the server said 200 without a receipt.
func decodeAll(raw [][]byte) ([]*api.Receipt, error) {
	results := make([]*api.Receipt, len(raw))
	for i, b := range raw {
		if b == nil {
			continue
		}
		var rc api.Receipt
		if err := json.Unmarshal(b, &rc); err != nil {
			return nil, fmt.Errorf("loadtest: receipt of intern %d: %w", i, err)
		}
		results[i] = &rc
	}
	return results, nil
}

// maxAttempts bounds the attempts of one request.
const maxAttempts = 30

// retry calls fn until it succeeds, fails with an error not worth retrying
// (client.Retryable), or maxAttempts is reached, waiting as the server asks
// (Retry-After) or with a growing backoff. Retries are counted in retries.
func retry(ctx context.Context, retries *atomic.Int64, fn func() error) error {
	var err error
	for attempt := range maxAttempts {
		if err = fn(); err == nil {
			return nil
		}
		again, after := client.Retryable(err)
		if !again || ctx.Err() != nil {
			return err
		}
		retries.Add(1)
		if after <= 0 {
			after = time.Duration(50*(attempt+1)) * time.Millisecond
		}
		select {
		case <-time.After(min(after, 10*time.Second)):
		case <-ctx.Done():
			return fmt.Errorf("loadtest: %w", ctx.Err())
		}
	}
	return fmt.Errorf("loadtest: %d attempts: %w", maxAttempts, err)
}

// submitOne posts the encoded envelope body until it gets a 2xx answer
// (see retry), read into buf (reset first). The latency is that of the
// successful attempt.
func submitOne(ctx context.Context, c *client.Client, body []byte, buf *bytes.Buffer, retries *atomic.Int64) (time.Duration, error) {
	var d time.Duration
	err := retry(ctx, retries, func() error {
		buf.Reset()
		t0 := time.Now()
		err := c.Do(ctx, http.MethodPost, "/v1/submissions", body, "application/json", false, buf)
		d = time.Since(t0)
		return err
	})
	if err != nil {
		return 0, err
	}
	return d, nil
}

// verifyTimeout bounds the verification phase.
const verifyTimeout = 15 * time.Minute

// verifyAll checks every receipt: its own signed checkpoint and inclusion
// proof (VerifyReceipt), its leaf's inclusion in a fresh checkpoint, and the
// consistency of each distinct receipt checkpoint with that fresh one.
func verifyAll(ctx context.Context, c *client.Client, v *translog.Verifier, envs []*envelope.Envelope, results []*api.Receipt, rep *Report) error {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	var (
		cp      string
		retries atomic.Int64
	)
	defer func() { rep.VerifyRetries = retries.Load() }()
	err := retry(ctx, &retries, func() (err error) {
		cp, err = c.Checkpoint(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("loadtest: checkpoint: %w", err)
	}
	tree, err := v.OpenCheckpoint(cp)
	if err != nil {
		return fmt.Errorf("loadtest: final checkpoint: %w", err)
	}
	var (
		verified, lost atomic.Int64
		wg             sync.WaitGroup
		jobs           = make(chan int)
		mu             sync.Mutex
		cps            = map[string]bool{}
		firstErr       error
	)
	fail := func(err error) {
		lost.Add(1)
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rc := results[i]
				if rc == nil {
					lost.Add(1)
					continue
				}
				if err := v.VerifyReceipt(envs[i], rc); err != nil {
					fail(fmt.Errorf("reçu %d : %w", rc.Index, err))
					continue
				}
				var proof [][]byte
				err := retry(ctx, &retries, func() (err error) {
					proof, err = c.InclusionProof(ctx, rc.Index, tree.N)
					return err
				})
				if err == nil {
					err = v.VerifyInclusion(cp, rc.Index, translog.LeafHash(rc.ServerTime, envs[i]), proof)
				}
				if err != nil {
					fail(fmt.Errorf("reçu %d absent du point de contrôle final : %w", rc.Index, err))
					continue
				}
				verified.Add(1)
				mu.Lock()
				cps[rc.Checkpoint] = true
				mu.Unlock()
			}
		}()
	}
	for i := range envs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	rep.Verified, rep.Lost = int(verified.Load()), int(lost.Load())
	for old := range cps {
		ot, err := v.OpenCheckpoint(old)
		if err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
		var proof [][]byte
		err = retry(ctx, &retries, func() (err error) {
			proof, err = c.ConsistencyProof(ctx, ot.N, tree.N)
			return err
		})
		if err == nil {
			err = v.VerifyConsistency(old, cp, proof)
		}
		if err != nil {
			return fmt.Errorf("loadtest: checkpoint %d inconsistent with %d: %w", ot.N, tree.N, err)
		}
		rep.Checkpoints++
	}
	if firstErr != nil {
		return fmt.Errorf("loadtest: %w", firstErr)
	}
	return nil
}

// readMetrics fills the group commit figures from /metrics (best effort).
func readMetrics(ctx context.Context, hc *http.Client, url string, rep *Report) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil)
	if err != nil {
		return
	}
	resp, err := hc.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		x, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "appariement_commit_batch_size_sum":
			sum = x
		case "appariement_commit_batch_size_count":
			rep.BatchCount = x
		}
	}
	if rep.BatchCount > 0 {
		rep.BatchMean = sum / rep.BatchCount
	}
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Print writes the report, in French with the figures' usual units.
func (r *Report) Print(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(w, "internes            %d\n", r.Interns)
	fmt.Fprintf(w, "acceptés            %d en %v (%.0f dépôts/s)\n", r.Accepted, r.Elapsed.Round(time.Millisecond), r.PerSecond)
	if r.CPU > 0 && r.Accepted > 0 {
		fmt.Fprintf(w, "CPU du processus    %v pendant les envois (%.0f µs par dépôt, serveur et générateur)\n",
			r.CPU.Round(time.Millisecond), float64(r.CPU)/float64(time.Microsecond)/float64(r.Accepted))
	}
	fmt.Fprintf(w, "latence             p50 %s, p90 %s, p99 %s, max %s\n", ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
	fmt.Fprintf(w, "nouvelles tentatives %d (429/503 et réseau, Retry-After respecté)\n", r.Retries)
	codes := make([]string, 0, len(r.Refusals))
	for c := range r.Refusals {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	fmt.Fprintf(w, "refus               %d", r.Failed)
	for _, c := range codes {
		fmt.Fprintf(w, " %s=%d", c, r.Refusals[c])
	}
	fmt.Fprintln(w)
	if r.BatchCount > 0 {
		fmt.Fprintf(w, "commits groupés     %.0f (%.1f dépôts par fsync en moyenne)\n", r.BatchCount, r.BatchMean)
	}
	if r.CatalogueTime > 0 {
		fmt.Fprintf(w, "catalogue           %d postes en %s (client neuf)\n", r.CataloguePostes, ms(r.CatalogueTime))
	}
	fmt.Fprintf(w, "reçus vérifiés      %d / %d, %d points de contrôle cohérents avec le final\n", r.Verified, r.Interns, r.Checkpoints)
	if r.VerifyRetries > 0 {
		fmt.Fprintf(w, "                    (%d nouvelles tentatives pendant la vérification)\n", r.VerifyRetries)
	}
	fmt.Fprintf(w, "%d %s\n", r.Lost, plural.FR(r.Lost, "perdu", "perdus"))
}
