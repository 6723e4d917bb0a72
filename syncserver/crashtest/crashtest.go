// Package crashtest is "lab crashtest": it runs the server as a child
// process on a temporary bbolt file, sends bursts of concurrent signed
// submissions, kills the child with SIGKILL at random moments, restarts it
// on the same file, and finally checks the promise "an acknowledged
// submission is never lost":
//
//   - every receipt ever handed out is in the final log: its leaf (server
//     time + envelope) is proved included in the final checkpoint;
//
//   - every checkpoint ever seen is consistent with the final one;
//
//   - the bbolt file passes bbolt's own consistency check after every kill;
//
//   - an acknowledged envelope sent again gets its first receipt back.
//
//     lab crashtest -kills 5 -interns 2000
//
// The child is this same executable run as "lab crashtest -serve
// -db FILE": it prints "ADDR host:port" and serves on loopback until killed
// (or until -life, a safety bound, runs out).
package crashtest

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/loadtest"
	"appariement/syncserver/server"
)

// Options configure a crash test.
type Options struct {
	Kills       int // SIGKILLs of the server child
	Interns     int // synthetic interns submitting
	Concurrency int // submissions in flight
	// Command builds the child server command for a store file; by default
	// this executable with "crashtest -serve -db FILE".
	Command func(db string) (*exec.Cmd, error)
	// Seed makes the kill moments reproducible (0: random).
	Seed uint64
}

// Report holds what a crash test saw.
type Report struct {
	Kills       int
	Receipts    int // receipts handed out (all lives)
	Refused     int // submissions refused (a replay after a lost answer)
	Unanswered  int // submissions cut by a kill, without an answer
	LogSize     int64
	Checkpoints int // distinct checkpoints proved consistent with the final one
	BoltChecks  int // bbolt checks passed
}

// Run is the "lab crashtest" command.
func Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crashtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.IntVar(&o.Kills, "kills", 5, "nombre de kill -9 / SIGKILLs of the server")
	fs.IntVar(&o.Interns, "interns", 2000, "internes synthétiques / synthetic interns")
	fs.IntVar(&o.Concurrency, "concurrency", 64, "envois simultanés / submissions in flight")
	serve := fs.Bool("serve", false, "(interne) servir -db en processus enfant / (internal) child server")
	db := fs.String("db", "", "(interne) fichier du serveur enfant / child's store file")
	life := fs.Duration("life", 10*time.Minute, "(interne) durée de vie max de l'enfant / child's lifetime bound")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *serve {
		if err := Serve(*db, *life, stdout, stderr); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	if o.Kills < 0 || o.Interns <= 0 || o.Concurrency <= 0 {
		fmt.Fprintln(stderr, "crashtest: -kills, -interns et -concurrency doivent être positifs / must be positive")
		return 2
	}
	rep, err := Do(context.Background(), o, stderr)
	if rep != nil {
		rep.Print(stdout)
	}
	if err != nil {
		fmt.Fprintln(stdout, "ÉCHEC :", err)
		return 1
	}
	fmt.Fprintln(stdout, "OK : aucun reçu perdu")
	return 0
}

// Serve is the child server: it serves db on 127.0.0.1:0 without rate
// limits, prints "ADDR host:port" on stdout, and serves until killed or
// until life has passed.
func Serve(db string, life time.Duration, stdout, stderr io.Writer) error {
	if db == "" {
		return errors.New("crashtest: -serve needs -db")
	}
	srv, err := server.Open(server.Config{DBPath: db, Name: loadtest.KeyName, IPRate: rate.Inf, IdentityRate: rate.Inf,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		return fmt.Errorf("crashtest: open: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return fmt.Errorf("crashtest: listen: %w", err)
	}
	fmt.Fprintf(stdout, "ADDR %s\n", ln.Addr())
	t := time.AfterFunc(life, func() { srv.Close() })
	defer t.Stop()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("crashtest: serve: %w", err)
	}
	return nil
}

type child struct {
	cmd *exec.Cmd
	url string
}

func start(o Options, db string) (*child, error) {
	cmd, err := o.Command(db)
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("crashtest: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("crashtest: start server: %w", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if err != nil || !ok {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("crashtest: server did not start (%q): %v", line, err)
	}
	return &child{cmd: cmd, url: "http://" + addr}, nil
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

type got struct {
	env *envelope.Envelope
	rc  *api.Receipt
}

// Do runs a crash test; progress goes to logw.
func Do(ctx context.Context, o Options, logw io.Writer) (*Report, error) {
	if o.Command == nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("crashtest: %w", err)
		}
		o.Command = func(db string) (*exec.Cmd, error) {
			cmd := exec.Command(exe, "crashtest", "-serve", "-db", db)
			cmd.Stderr = logw
			return cmd, nil
		}
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	seed := o.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	rnd := rand.New(rand.NewPCG(seed, 7))
	dir, err := os.MkdirTemp("", "appariement-crashtest-")
	if err != nil {
		return nil, fmt.Errorf("crashtest: %w", err)
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "crash.db")
	cat := loadtest.NewCatalogue(o.Interns, max(40, o.Interns/10))
	if err := cat.Seed(db); err != nil {
		return nil, err
	}
	rep := &Report{}
	seqs := make([]atomic.Uint64, o.Interns)
	var (
		mu       sync.Mutex
		receipts []got
		v        *translog.Verifier
	)
	for life := 0; life <= o.Kills; life++ {
		ch, err := start(o, db)
		if err != nil {
			return rep, err
		}
		c, err := client.New(ch.url, nil)
		if err != nil {
			ch.kill()
			return rep, fmt.Errorf("crashtest: %w", err)
		}
		if v == nil {
			key, err := c.ServerKey(ctx)
			if err == nil {
				v, err = translog.NewVerifier(*key)
			}
			if err != nil {
				ch.kill()
				return rep, fmt.Errorf("crashtest: server key: %w", err)
			}
		}
		final := life == o.Kills
		var killAt time.Duration
		if !final {
			killAt = time.Duration(100+rnd.IntN(900)) * time.Millisecond
		}
		stats := burst(ctx, c, cat, seqs, o, final, ch, killAt, func(g got) {
			mu.Lock()
			receipts = append(receipts, g)
			mu.Unlock()
		})
		rep.Refused += stats.refused
		rep.Unanswered += stats.unanswered
		if final {
			rep.Receipts = len(receipts)
			err := verify(ctx, c, v, receipts, rep)
			ch.kill()
			if err != nil {
				return rep, err
			}
		} else {
			rep.Kills++
		}
		if err := boltCheck(db); err != nil {
			return rep, err
		}
		rep.BoltChecks++
		fmt.Fprintf(logw, "crashtest: vie %d : %d reçus, %d sans réponse%s\n", life+1, stats.ok, stats.unanswered,
			map[bool]string{true: ", arrêt final", false: ", kill -9 après " + killAt.String()}[final])
	}
	return rep, nil
}

type burstStats struct{ ok, refused, unanswered int }

// burst submits new wish lists (next sequence number of the next intern)
// with o.Concurrency workers. Unless final, it kills the child after
// killAt, and the workers stop at their first network error; when final,
// every intern submits once more and the burst ends.
func burst(ctx context.Context, c *client.Client, cat *loadtest.Catalogue, seqs []atomic.Uint64, o Options,
	final bool, ch *child, killAt time.Duration, keep func(got)) burstStats {
	var (
		next  atomic.Int64
		st    burstStats
		mu    sync.Mutex
		wg    sync.WaitGroup
		stop  = make(chan struct{})
		limit = int64(o.Interns) * 50 // bound: at most 50 lists per intern per life
	)
	if final {
		limit = int64(o.Interns)
	}
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				k := next.Add(1) - 1
				if k >= limit {
					return
				}
				i := int(k % int64(o.Interns))
				seq := seqs[i].Add(1)
				e := cat.WishList(i, seq, 3, time.Now())
				rc, err := c.Submit(ctx, e)
				mu.Lock()
				switch {
				case err == nil:
					st.ok++
				case isAPI(err):
					st.refused++
				default:
					st.unanswered++
				}
				mu.Unlock()
				if err == nil {
					keep(got{e, rc})
				} else if !isAPI(err) {
					return // the server is gone
				}
			}
		}()
	}
	if !final {
		time.Sleep(killAt)
		ch.kill()
		close(stop)
	}
	wg.Wait()
	return st
}

func isAPI(err error) bool {
	_, ok := errors.AsType[*api.Error](err)
	return ok
}

// verify checks every receipt and checkpoint against the final log.
func verify(ctx context.Context, c *client.Client, v *translog.Verifier, receipts []got, rep *Report) error {
	cp, err := c.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("crashtest: checkpoint: %w", err)
	}
	tree, err := v.OpenCheckpoint(cp)
	if err != nil {
		return fmt.Errorf("crashtest: %w", err)
	}
	rep.LogSize = tree.N
	if tree.N < int64(len(receipts)) {
		return fmt.Errorf("crashtest: le journal a %d feuilles, %d reçus ont été donnés", tree.N, len(receipts))
	}
	seen := map[string]bool{}
	for _, g := range receipts {
		if g.rc.Digest != g.env.Digest() {
			return fmt.Errorf("crashtest: reçu %d : empreinte %s, enveloppe %s", g.rc.Index, g.rc.Digest, g.env.Digest())
		}
		proof, err := c.InclusionProof(ctx, g.rc.Index, tree.N)
		if err == nil {
			err = v.VerifyInclusion(cp, g.rc.Index, translog.LeafHash(g.rc.ServerTime, g.env), proof)
		}
		if err != nil {
			return fmt.Errorf("crashtest: reçu %d perdu : %w", g.rc.Index, err)
		}
		if seen[g.rc.Checkpoint] {
			continue
		}
		old, err := v.OpenCheckpoint(g.rc.Checkpoint)
		if err != nil {
			return fmt.Errorf("crashtest: %w", err)
		}
		cproof, err := c.ConsistencyProof(ctx, old.N, tree.N)
		if err == nil {
			err = v.VerifyConsistency(g.rc.Checkpoint, cp, cproof)
		}
		if err != nil {
			return fmt.Errorf("crashtest: point de contrôle %d incohérent avec le final %d : %w", old.N, tree.N, err)
		}
		seen[g.rc.Checkpoint] = true
	}
	rep.Checkpoints = len(seen)
	if len(receipts) > 0 {
		g := receipts[0]
		rc, err := c.Submit(ctx, g.env)
		if err != nil || rc.Index != g.rc.Index || !rc.ServerTime.Equal(g.rc.ServerTime) {
			return fmt.Errorf("crashtest: renvoi du premier reçu : %+v, %v ; attendu %+v", rc, err, g.rc)
		}
	}
	return nil
}

// boltCheck runs bbolt's consistency check on the file (server stopped).
func boltCheck(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("crashtest: bbolt open: %w", err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		if len(errs) > 0 {
			return fmt.Errorf("crashtest: bbolt check of %s: %w", path, errors.Join(errs...))
		}
		return nil
	})
}

// Print writes the report in French.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "kill -9             %d\n", r.Kills)
	fmt.Fprintf(w, "reçus donnés        %d (tous retrouvés dans le journal final de %d feuilles)\n", r.Receipts, r.LogSize)
	fmt.Fprintf(w, "sans réponse        %d (coupés par un kill, jamais acquittés)\n", r.Unanswered)
	fmt.Fprintf(w, "refusés             %d\n", r.Refused)
	fmt.Fprintf(w, "points de contrôle  %d, tous cohérents avec le final\n", r.Checkpoints)
	fmt.Fprintf(w, "vérifications bbolt %d réussies\n", r.BoltChecks)
}
