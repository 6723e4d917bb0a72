package faulttest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

// clockFamily steps the server's clock: injected in the process, then in
// a real child process.
func clockFamily(ctx context.Context, o *Options) ([]*Row, error) {
	inproc, err := clockInProcess(ctx, o)
	if err != nil {
		return []*Row{inproc}, err
	}
	child, err := clockChild(ctx, o)
	return []*Row{inproc, child}, err
}

// submitAll sends each list once and sorts the answers: receipts into l,
// retryable refusals with code want into the returned slice.
func submitAll(ctx context.Context, c *client.Client, envs []*envelope.Envelope, l *ledger, row *Row, want api.Code) []*envelope.Envelope {
	var again []*envelope.Envelope
	for _, env := range envs {
		rc, err := c.Submit(ctx, env)
		row.Requests++
		switch out, e, _ := classify(err); out {
		case acked:
			l.add(env, rc)
		case retryable:
			row.Refused++
			if e.Code != want {
				row.fail("refusal %s, want %s", e.Code, want)
			}
			again = append(again, env)
		case server500:
			row.Status500++
			row.fail("answer %d %s: %s", e.Status, e.Code, e.MessageEN)
		default:
			row.fail("unexpected answer: %v", err)
		}
	}
	return again
}

func lists(cat *loadtest.Catalogue, from, to int, seq uint64) []*envelope.Envelope {
	var out []*envelope.Envelope
	for i := from; i < to; i++ {
		out = append(out, cat.WishList(i, seq, 3, time.Now()))
	}
	return out
}

// clockInProcess: an injected clock stepped back an hour, then forward a
// few seconds and back.
func clockInProcess(ctx context.Context, o *Options) (*Row, error) {
	row := &Row{Fault: "clock stepped back 1 h, then forward 3 s and back (injected)"}
	dir, err := os.MkdirTemp("", "appariement-faulttest-clock-")
	if err != nil {
		return row, fmt.Errorf("faulttest: %w", err)
	}
	defer os.RemoveAll(dir)
	h, err := start(o, dir, 200, nil)
	if err != nil {
		return row, err
	}
	defer h.close()
	c, err := client.New(h.url, nil)
	if err != nil {
		return row, err
	}
	l := newLedger()
	if again := submitAll(ctx, c, lists(h.cat, 0, 50, 1), l, row, ""); len(again) > 0 {
		row.fail("%d lists refused with the clock right", len(again))
	}
	h.clock.Set(-time.Hour)
	refused := submitAll(ctx, c, lists(h.cat, 50, 100, 1), l, row, api.CodeClockBehind)
	if len(refused) != 50 {
		row.fail("%d of 50 lists refused with the clock an hour behind", len(refused))
	}
	if _, err := h.admin.Transition(ctx, loadtest.Round, domain.StateWishesClosed, "faulttest"); err == nil {
		row.fail("the round moved with the clock an hour behind")
	} else if out, e, _ := classify(err); out != retryable || e.Code != api.CodeClockBehind {
		row.fail("round change with the clock behind: %v", err)
	}
	status, retry, body, err := httpGet(ctx, h.url+"/readyz")
	if err != nil || status != http.StatusServiceUnavailable || retry == "" || !strings.Contains(body, "clock_behind") {
		row.fail("/readyz with the clock behind: %d Retry-After %q %s %v", status, retry, body, err)
	}
	if !h.errors.contains("clock is behind the last log entry") {
		row.fail("no error line says the clock is behind")
	}
	fixed := time.Now()
	h.clock.Set(0)
	if _, err := waitReady(ctx, h.url, 5*time.Second); err != nil {
		row.fail("%v", err)
	}
	row.Recovered = time.Since(fixed)
	if again := submitAll(ctx, c, refused, l, row, ""); len(again) > 0 {
		row.fail("%d lists still refused once the clock is right", len(again))
	}
	// Forward 3 s (leaves stamped in the future), then back: refused until
	// real time is within a second of the last leaf, never a leaf earlier
	// than the last.
	h.clock.Set(3 * time.Second)
	submitAll(ctx, c, lists(h.cat, 100, 110, 1), l, row, "")
	h.clock.Set(0)
	late := submitAll(ctx, c, lists(h.cat, 110, 120, 1), l, row, api.CodeClockBehind)
	if len(late) == 0 {
		row.fail("lists accepted with the clock behind the last leaf (stamped 3 s ahead)")
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(late) > 0 && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		late = submitAll(ctx, c, late, l, row, api.CodeClockBehind)
	}
	if len(late) > 0 {
		row.fail("%d lists still refused 10 s after the clock caught up", len(late))
	}
	// Lists are accepted again once real time is within a second of the
	// last leaf (stamped with its time, store.Store's batch clock rule);
	// a round change keeps the exact check, so that no window bound falls
	// before a leaf: it may answer clock_behind with Retry-After for up to
	// that second more, and is retried as a client does.
	deadline = time.Now().Add(5 * time.Second)
	for {
		_, err := h.admin.Transition(ctx, loadtest.Round, domain.StateWishesClosed, "faulttest")
		if err == nil {
			break
		}
		if out, e, _ := classify(err); out != retryable || e.Code != api.CodeClockBehind || time.Now().After(deadline) {
			row.fail("round change with the clock right: %v", err)
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err := verify(ctx, h.url, h.verifier, l, h.srv.Store(), row); err != nil {
		return row, err
	}
	row.Note = "503 clock_behind + Retry-After for lists and the round change, /readyz 503, error line; leaf times never go backwards"
	return row, nil
}

// Serve is the child server of the clock family: it serves db on
// 127.0.0.1:0 without rate limits, its clock shifted by offset, prints
// "ADDR host:port" and serves until killed (at most ten minutes).
func Serve(db string, offset time.Duration, stdout, stderr io.Writer) error {
	if db == "" {
		return errors.New("faulttest: -serve needs -db")
	}
	clock := time.Now
	if offset != 0 {
		clock = func() time.Time { return time.Now().Add(offset) }
	}
	srv, err := server.Open(server.Config{DBPath: db, Name: loadtest.KeyName, IPRate: rate.Inf, IdentityRate: rate.Inf,
		Clock: clock, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		return fmt.Errorf("faulttest: open: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return fmt.Errorf("faulttest: listen: %w", err)
	}
	fmt.Fprintf(stdout, "ADDR %s\n", ln.Addr())
	t := time.AfterFunc(10*time.Minute, func() { srv.Close() })
	defer t.Stop()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("faulttest: serve: %w", err)
	}
	return nil
}

type childProc struct {
	cmd *exec.Cmd
	url string
}

// stop kills the child's process group (faketime forks the server).
func (c *childProc) stop() {
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	c.cmd.Wait()
}

// startChild starts the child server; prefix, if set, wraps it (faketime).
func startChild(o *Options, db string, offset time.Duration, prefix ...string) (*childProc, error) {
	argv := o.Child("faulttest", "-serve", "-db", db, "-clock-offset", offset.String())
	if len(prefix) > 0 {
		argv = append(prefix, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	cmd.Stderr = o.Logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("faulttest: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("faulttest: start %s: %w", argv[0], err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if err != nil || !ok {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		return nil, fmt.Errorf("faulttest: child server did not start (%q): %v", line, err)
	}
	return &childProc{cmd: cmd, url: "http://" + addr}, nil
}

// serverTime reads the child's clock from /healthz.
func serverTime(ctx context.Context, url string) (time.Time, error) {
	_, _, body, err := httpGet(ctx, url+"/healthz")
	if err != nil {
		return time.Time{}, err
	}
	var h struct {
		ServerTime time.Time `json:"server_time"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		return time.Time{}, fmt.Errorf("faulttest: /healthz: %w", err)
	}
	return h.ServerTime, nil
}

// clockChild: a real server process restarted with its clock an hour
// behind the last leaf it wrote, then restarted with the clock right.
func clockChild(ctx context.Context, o *Options) (*Row, error) {
	row := &Row{Fault: "clock 1 h behind, real process restarted"}
	if o.Child == nil {
		exe, err := os.Executable()
		if err != nil {
			return row, fmt.Errorf("faulttest: %w", err)
		}
		o.Child = func(args ...string) []string { return append([]string{exe}, args...) }
	}
	dir, err := os.MkdirTemp("", "appariement-faulttest-clockchild-")
	if err != nil {
		return row, fmt.Errorf("faulttest: %w", err)
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "clock.db")
	cat := loadtest.NewCatalogue(100, 40)
	if err := cat.Seed(db); err != nil {
		return row, err
	}
	ch, err := startChild(o, db, 0)
	if err != nil {
		return row, err
	}
	c, _ := client.New(ch.url, nil)
	key, err := c.ServerKey(ctx)
	if err != nil {
		ch.stop()
		return row, fmt.Errorf("faulttest: server key: %w", err)
	}
	v, err := translog.NewVerifier(*key)
	if err != nil {
		ch.stop()
		return row, fmt.Errorf("faulttest: %w", err)
	}
	l := newLedger()
	submitAll(ctx, c, lists(cat, 0, 20, 1), l, row, "")
	ch.stop()

	// The clock an hour back: faketime if it reaches Go's clock, else the
	// child's own offset.
	how := "faketime -f -1h"
	if path, err := exec.LookPath("faketime"); err == nil {
		ch, err = startChild(o, db, 0, path, "-f", "-1h")
		if err != nil {
			return row, err
		}
		if t, err := serverTime(ctx, ch.url); err != nil || time.Since(t) < 30*time.Minute {
			how = "-clock-offset -1h (faketime does not shift a Go binary's clock: Go reads it through the vDSO, not libc)"
			ch.stop()
			ch = nil
		}
	} else {
		how = "-clock-offset -1h (faketime not installed)"
		ch = nil
	}
	if ch == nil {
		if ch, err = startChild(o, db, -time.Hour); err != nil {
			return row, err
		}
	}
	c, _ = client.New(ch.url, nil)
	refused := submitAll(ctx, c, lists(cat, 20, 40, 1), l, row, api.CodeClockBehind)
	if len(refused) != 20 {
		row.fail("%d of 20 lists refused by a process whose clock is an hour behind", len(refused))
	}
	status, retry, _, err := httpGet(ctx, ch.url+"/readyz")
	if err != nil || status != http.StatusServiceUnavailable || retry == "" {
		row.fail("/readyz of the process an hour behind: %d Retry-After %q %v", status, retry, err)
	}
	ch.stop()

	fixed := time.Now()
	if ch, err = startChild(o, db, 0); err != nil {
		return row, err
	}
	defer ch.stop()
	c, _ = client.New(ch.url, nil)
	if _, err := waitReady(ctx, ch.url, 10*time.Second); err != nil {
		row.fail("%v", err)
	}
	if again := submitAll(ctx, c, refused, l, row, ""); len(again) > 0 {
		row.fail("%d lists still refused with the clock right", len(again))
	}
	row.Recovered = time.Since(fixed)
	if err := verify(ctx, ch.url, v, l, nil, row); err != nil {
		return row, err
	}
	ch.stop()
	st, err := boltstore.Open(db, store.Options{})
	if err != nil {
		return row, err
	}
	defer st.Close()
	if err := checkLog(st, row); err != nil {
		return row, err
	}
	row.Note = "clock shifted with " + how + "; 503 clock_behind + Retry-After, /readyz 503"
	return row, nil
}
