//go:build unix

package clustertest

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/translog"
	"appariement/syncserver/loadtest"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/servecmd"
)

// Options configure the "lab clustertest" command.
type Options struct {
	Interns int           // synthetic interns
	Each    int           // submissions per intern (sequence 1…Each)
	Timeout time.Duration // bound on the whole burst
}

// Report is what the command measured.
type Report struct {
	Receipts, Lost int
	Retries        int64
	RTO            time.Duration
	Before, After  float64 // submissions per second before and after the primary's death
	Verdict        *Verdict
}

// node is one API node: a child process running "serve".
type node struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// Run is "lab clustertest": a PostgreSQL primary and synchronous standby
// on loopback, two API node processes ("serve -store …", this executable
// run as "clustertest -serve -store …"), a burst of signed submissions
// through both; kill -9 of one API node, then of the primary, promotion of
// the standby; the clients retry; then the invariants are checked and the
// figures printed. With -serve it is one API node (the rest of the
// arguments are the serve command's).
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "-serve" {
		return servecmd.Run(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("clustertest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.IntVar(&o.Interns, "interns", 200, "internes synthétiques / synthetic interns")
	fs.IntVar(&o.Each, "each", 10, "dépôts par interne / submissions per intern")
	fs.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "borne de l'essai / bound on the burst")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.Interns <= 0 || o.Each <= 0 {
		fmt.Fprintln(stderr, "clustertest: -interns et -each doivent être positifs / must be positive")
		return 2
	}
	r, err := Do(context.Background(), o, stderr)
	if r != nil {
		r.Print(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if r.Lost > 0 || len(r.Verdict.Problems) > 0 {
		return 1
	}
	return 0
}

// Print writes the report, French first.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "reçus / receipts        %d\n", r.Receipts)
	fmt.Fprintf(w, "perdus / lost           %d\n", r.Lost)
	fmt.Fprintf(w, "nouvelles tentatives    %d (retries)\n", r.Retries)
	fmt.Fprintf(w, "RTO                     %s (mort du primaire → premier dépôt accepté / primary killed → first accepted submission)\n", r.RTO.Round(time.Millisecond))
	fmt.Fprintf(w, "dépôts/s avant, après   %.0f, %.0f (submissions/s before, after)\n", r.Before, r.After)
	if r.Verdict != nil {
		for _, p := range r.Verdict.Problems {
			fmt.Fprintln(w, "ÉCHEC / FAILED:", p)
		}
	}
}

// Do runs the scenario; progress goes to logw.
func Do(ctx context.Context, o Options, logw io.Writer) (*Report, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	root, err := os.MkdirTemp("", "appariement-clustertest-")
	if err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	defer os.RemoveAll(root)
	pgRoot := filepath.Join(root, "pg")
	if err := os.Mkdir(pgRoot, 0o700); err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	cluster, err := pgtest.Launch(pgRoot, pgtest.Options{Standby: true})
	if cluster != nil {
		defer cluster.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("clustertest: PostgreSQL: %w", err)
	}
	dsn, err := cluster.CreateDB(ctx, "cluster")
	if err != nil {
		return nil, err
	}
	cat := loadtest.NewCatalogue(o.Interns, 40)
	if err := cat.Seed(dsn); err != nil {
		return nil, err
	}
	fmt.Fprintf(logw, "clustertest: PostgreSQL primaire + secours synchrone, %d internes\n", o.Interns)
	keyFile := filepath.Join(root, "server.key")
	var nodes [2]*node
	defer func() {
		for _, n := range nodes {
			if n != nil {
				n.kill()
			}
		}
	}()
	// The first node creates the shared signing key; the second reads it.
	for i := range nodes {
		n, err := startNode(exe, dsn, keyFile, logw)
		if err != nil {
			return nil, err
		}
		nodes[i] = n
		fmt.Fprintf(logw, "clustertest: nœud API %d sur %s (pid %d)\n", i+1, n.url, n.cmd.Process.Pid)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	var clients [2]*client.Client
	for i, n := range nodes {
		if clients[i], err = client.New(n.url, hc); err != nil {
			return nil, fmt.Errorf("clustertest: %w", err)
		}
	}
	key, err := clients[1].ServerKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("clustertest: server key: %w", err)
	}
	v, err := translog.NewVerifier(*key)
	if err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}

	var (
		mu        sync.Mutex
		acks      []Ack
		acked     atomic.Int64
		retries   atomic.Int64
		node1Down atomic.Bool
		wg        sync.WaitGroup
		failures  []error
	)
	bctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	total := int64(o.Interns * o.Each)
	start := time.Now()
	for i := range o.Interns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := uint64(1); seq <= uint64(o.Each); seq++ {
				e := cat.WishList(i, seq, 5, time.Now())
				for try := 0; ; try++ {
					if bctx.Err() != nil {
						mu.Lock()
						failures = append(failures, fmt.Errorf("%s seq %d: not accepted before the deadline", cat.Interns[i], seq))
						mu.Unlock()
						return
					}
					n := (i + try) % 2
					if n == 0 && node1Down.Load() {
						n = 1
					}
					sent := time.Now()
					rc, err := clients[n].Submit(bctx, e)
					if err == nil {
						mu.Lock()
						acks = append(acks, Ack{Env: e, Receipt: rc, At: time.Now(), Sent: sent})
						mu.Unlock()
						acked.Add(1)
						break
					}
					// A dead node does not answer; a node whose database
					// fails over answers 503 storage_unavailable with
					// Retry-After. Any other refusal is a failure.
					var ae *api.Error
					if errors.As(err, &ae) && (ae.Code != api.CodeStorageUnavailable || ae.RetryAfter <= 0) {
						mu.Lock()
						failures = append(failures, fmt.Errorf("%s seq %d: refused %w (retry after %d s)", cat.Interns[i], seq, err, ae.RetryAfter))
						mu.Unlock()
						return
					}
					retries.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	waitFor := func(n int64) {
		for acked.Load() < n && bctx.Err() == nil {
			time.Sleep(2 * time.Millisecond)
		}
	}
	waitFor(total / 4)
	fmt.Fprintln(logw, "clustertest: kill -9 du nœud API 1")
	node1Down.Store(true)
	nodes[0].kill()
	waitFor(total / 2)
	beforeN, beforeD := acked.Load(), time.Since(start)
	fmt.Fprintln(logw, "clustertest: kill -9 du primaire PostgreSQL, promotion du secours")
	if err := cluster.Primary.Kill(); err != nil {
		return nil, err
	}
	killed := time.Now() // the postmaster and its children are gone
	if err := cluster.Standby.Promote(ctx); err != nil {
		return nil, err
	}
	wg.Wait()
	afterD := time.Since(killed)
	if err := errors.Join(failures...); err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	verdict, err := Check(ctx, clients[1], v, acks, killed, total)
	if err != nil {
		return nil, err
	}
	return &Report{Receipts: len(acks), Lost: verdict.Lost, Retries: retries.Load(), RTO: verdict.RTO,
		Before: float64(beforeN) / beforeD.Seconds(), After: float64(total-beforeN) / afterD.Seconds(),
		Verdict: verdict}, nil
}

// startNode starts one API node process on a free loopback port and waits
// for its address.
func startNode(exe, dsn, keyFile string, logw io.Writer) (*node, error) {
	cmd := exec.Command(exe, "clustertest", "-serve", "-store", dsn, "-signing-key", keyFile,
		"-addr", "127.0.0.1:0", "-metrics-addr", "", "-name", loadtest.KeyName, "-log-level", "warn",
		"-ip-rate", "1e9", "-ip-burst", "1000000", "-identity-rate", "1e9", "-identity-burst", "1000000")
	cmd.Stderr = logw
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("clustertest: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("clustertest: start node: %w", err)
	}
	n := &node{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "à l'écoute sur "); ok {
				u, _, _ := strings.Cut(rest, " ")
				select {
				case urls <- u:
				default:
				}
			}
		}
		cmd.Wait()
		close(n.done)
	}()
	select {
	case n.url = <-urls:
		return n, nil
	case <-n.done:
		return nil, errors.New("clustertest: the API node ended before listening (see its messages above)")
	case <-time.After(2 * time.Minute):
		n.kill()
		return nil, errors.New("clustertest: the API node did not listen within 2 min")
	}
}

// kill ends the node with SIGKILL, as a machine's crash would, and waits.
func (n *node) kill() {
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
}
