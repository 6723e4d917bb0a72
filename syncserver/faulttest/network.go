package faulttest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"appariement/shared/client"
	"appariement/shared/envelope"
	"appariement/syncserver/server"
	"appariement/syncserver/store"
)

// Server timeouts of the network family: a stalled client is cut after
// readTimeout.
const (
	readHeaderTimeout = time.Second
	readTimeout       = 2 * time.Second
)

// networkFamily cuts, stalls and garbles connections to an in-process
// server and counts its goroutines and file descriptors before and after.
func networkFamily(ctx context.Context, o *Options) ([]*Row, error) {
	dir, err := os.MkdirTemp("", "appariement-faulttest-net-")
	if err != nil {
		return nil, fmt.Errorf("faulttest: %w", err)
	}
	defer os.RemoveAll(dir)
	interns := 500
	h, err := start(o, dir, interns, func(c *server.Config) {
		c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = readHeaderTimeout, readTimeout, 5*time.Second, 3*time.Second
	})
	if err != nil {
		return nil, err
	}
	defer h.close()
	seqs := make([]atomic.Uint64, interns)
	nextList := func(i int) *envelope.Envelope { return h.cat.WishList(i, seqs[i].Add(1), 3, time.Now()) }
	// Warm up, then count what the process holds.
	c, err := client.New(h.url, nil)
	if err != nil {
		return nil, err
	}
	if _, err := c.Submit(ctx, nextList(0)); err != nil {
		return nil, fmt.Errorf("faulttest: warm-up: %w", err)
	}
	baseG, baseFD := settle(0, 0, 0)

	n := o.Requests / 20
	var rows []*Row
	l := newLedger()
	rows = append(rows, cutBody(ctx, h, c, nextList, n, interns, l))
	rows = append(rows, cutResponse(ctx, h, c, nextList, n, interns, l))
	rows = append(rows, stall(ctx, h, max(20, n/4)))
	row, err := randomProxy(ctx, o, h, nextList, interns, l)
	rows = append(rows, row)
	if err != nil {
		return rows, err
	}
	// Every receipt of the family against the final log.
	total := &Row{}
	if err := verify(ctx, h.url, h.verifier, l, h.srv.Store(), total); err != nil {
		return rows, err
	}
	row.Lost, row.Twice = total.Lost, total.Twice
	row.Failures = append(row.Failures, total.Failures...)
	g, fd := settle(baseG, baseFD, 10*time.Second)
	leaks := &Row{Fault: "network: goroutines and file descriptors after the network faults",
		Note: fmt.Sprintf("goroutines %d before, %d after; open fds %d before, %d after", baseG, g, baseFD, fd)}
	for _, r := range rows {
		leaks.Requests += r.Requests
	}
	if g > baseG+2 || fd > baseFD+2 {
		leaks.fail("leak: goroutines %d → %d, fds %d → %d", baseG, g, baseFD, fd)
	}
	rows = append(rows, leaks)
	return rows, nil
}

// settle closes the idle client connections of the process and returns
// its goroutines and open file descriptors, waiting up to wait for them to
// come back to at most baseG+2 and baseFD+2.
func settle(baseG, baseFD int, wait time.Duration) (int, int) {
	deadline := time.Now().Add(wait)
	for {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		time.Sleep(50 * time.Millisecond)
		g, fd := countGoroutines(), countFDs()
		if (g <= baseG+2 && fd <= baseFD+2) || time.Now().After(deadline) {
			return g, fd
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func countGoroutines() int {
	return runtime.NumGoroutine()
}

func countFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// rawRequest is the bytes of POST /v1/submissions carrying env.
func rawRequest(addr string, body []byte) []byte {
	return append([]byte("POST /v1/submissions HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/json\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"), body...)
}

func hostOf(url string) string { return url[len("http://"):] }

// accepted returns where env is in the log, or nil.
func accepted(st *store.Store, env *envelope.Envelope) *store.Accepted {
	var acc *store.Accepted
	st.View(func(tx store.Tx) error {
		var err error
		acc, err = tx.AcceptedDigest(env.Digest())
		return err
	})
	return acc
}

// cutBody sends n requests whose body is cut in the middle: none may be
// acknowledged or logged; each list then goes in whole.
func cutBody(ctx context.Context, h *harness, c *client.Client, next func(int) *envelope.Envelope, n, interns int, l *ledger) *Row {
	row := &Row{Fault: "network: body cut in the middle"}
	addr := hostOf(h.url)
	for k := range n {
		env := next(k % interns)
		req := rawRequest(addr, env.Encode())
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			row.fail("dial: %v", err)
			continue
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write(req[:len(req)-len(env.Encode())/2])
		conn.Close()
		row.Requests++
		time.Sleep(time.Millisecond)
		if accepted(h.srv.Store(), env) != nil {
			row.fail("a list whose body was cut is in the log")
		}
		rc, err := c.Submit(ctx, env)
		row.Requests++
		if err != nil {
			row.fail("list sent whole after the cut: %v", err)
			continue
		}
		l.add(env, rc)
		row.Acknowledged++
	}
	row.Note = "nothing logged from a cut body; each list accepted when sent whole"
	return row
}

var statusLine = regexp.MustCompile(`^HTTP/1\.1 (\d{3})`)

// cutResponse sends n whole requests and hangs up after the first bytes
// of the answer (the receipt is written, not received); the retry must get
// the same receipt.
func cutResponse(ctx context.Context, h *harness, c *client.Client, next func(int) *envelope.Envelope, n, interns int, l *ledger) *Row {
	row := &Row{Fault: "network: receipt cut on its way back"}
	addr := hostOf(h.url)
	for k := range n {
		env := next(k % interns)
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			row.fail("dial: %v", err)
			continue
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write(rawRequest(addr, env.Encode()))
		line, _ := bufio.NewReader(io.LimitReader(conn, 16)).ReadString('\n')
		conn.Close()
		row.Requests++
		if m := statusLine.FindStringSubmatch(line); m == nil || m[1] != "200" {
			row.fail("first answer %q", line)
		}
		acc := accepted(h.srv.Store(), env)
		rc, err := c.Submit(ctx, env)
		row.Requests++
		if err != nil {
			row.fail("retry after a cut receipt: %v", err)
			continue
		}
		if acc == nil || rc.Index != acc.Index || !rc.ServerTime.Equal(acc.ServerTime) {
			row.Twice++
			row.fail("retry after a cut receipt: index %d, first acceptance %+v", rc.Index, acc)
		}
		l.add(env, rc)
		row.Acknowledged++
	}
	row.Note = "every retry answered with the first receipt (same index and time)"
	return row
}

// stall opens n connections that send their headers and a few bytes of
// body, then say nothing: the server must hang up on each within its read
// timeout, acknowledging nothing.
func stall(ctx context.Context, h *harness, n int) *Row {
	row := &Row{Fault: "network: client stalls after the headers"}
	addr := hostOf(h.url)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		slowest time.Duration
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
			if err != nil {
				mu.Lock()
				row.fail("dial: %v", err)
				mu.Unlock()
				return
			}
			defer conn.Close()
			start := time.Now()
			conn.SetDeadline(start.Add(readTimeout + 5*time.Second))
			conn.Write([]byte("POST /v1/submissions HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n{\"pay"))
			_, err = io.Copy(io.Discard, conn) // until the server hangs up
			d := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			row.Requests++
			slowest = max(slowest, d)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				row.fail("server still holding a stalled connection after %s", d.Round(time.Millisecond))
			}
		}()
	}
	wg.Wait()
	row.Note = fmt.Sprintf("every stalled connection closed by the server within %s (read timeout %s)", slowest.Round(time.Millisecond), readTimeout)
	return row
}

// fate is what the proxy does to one connection.
type fate int

const (
	fatePass fate = iota
	fateDelay
	fateDrop
	fateCutBody
	fateCutResponse
	fates
)

var fateNames = [fates]string{"pass", "delay", "drop", "cut request", "cut response"}

// proxy is a loopback TCP proxy that drops, delays and truncates
// connections at random, at most maxFaults times, each connection bounded
// by a deadline.
type proxy struct {
	ln        net.Listener
	target    string
	mu        sync.Mutex
	rnd       *rand.Rand
	counts    [fates]int
	maxFaults int
	wg        sync.WaitGroup
}

func newProxy(target string, seed uint64, maxFaults int) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faulttest: proxy: %w", err)
	}
	p := &proxy{ln: ln, target: target, rnd: rand.New(rand.NewPCG(seed, 19)), maxFaults: maxFaults}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) close() {
	p.ln.Close()
	p.wg.Wait()
}

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.handle(c)
	}
}

// pick draws a fate and, for the cuts, after how many bytes.
func (p *proxy) pick() (fate, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := fatePass
	switch r := p.rnd.IntN(100); {
	case r < 45:
	case r < 65:
		f = fateDelay
	case r < 75:
		f = fateDrop
	case r < 88:
		f = fateCutBody
	default:
		f = fateCutResponse
	}
	faults := p.counts[fateDrop] + p.counts[fateCutBody] + p.counts[fateCutResponse]
	if f >= fateDrop && faults >= p.maxFaults {
		f = fatePass
	}
	p.counts[f]++
	return f, 1 + p.rnd.Int64N(900)
}

func (p *proxy) delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Duration(p.rnd.IntN(20)) * time.Millisecond
}

func (p *proxy) handle(c net.Conn) {
	defer p.wg.Done()
	defer c.Close()
	f, cut := p.pick()
	if f == fateDrop {
		return
	}
	up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	deadline := time.Now().Add(15 * time.Second)
	c.SetDeadline(deadline)
	up.SetDeadline(deadline)
	upLimit, downLimit := int64(-1), int64(-1)
	switch f {
	case fateCutBody:
		upLimit = cut
	case fateCutResponse:
		downLimit = cut
	}
	done := make(chan struct{}, 2)
	go func() { p.pipe(up, c, upLimit, f == fateDelay); done <- struct{}{} }()
	go func() { p.pipe(c, up, downLimit, f == fateDelay); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	<-done
}

// pipe copies src to dst, at most limit bytes if limit ≥ 0, with a random
// delay before each chunk if delay is set.
func (p *proxy) pipe(dst, src net.Conn, limit int64, delay bool) {
	buf := make([]byte, 16<<10)
	var n int64
	for {
		k, err := src.Read(buf)
		if k > 0 {
			if limit >= 0 && n+int64(k) > limit {
				dst.Write(buf[:limit-n])
				return
			}
			if delay {
				time.Sleep(p.delay())
			}
			if _, err := dst.Write(buf[:k]); err != nil {
				return
			}
			n += int64(k)
		}
		if err != nil {
			return
		}
	}
}

// randomProxy sends o.Requests new lists through the proxy, each retried
// (same envelope) until it gets a receipt.
func randomProxy(ctx context.Context, o *Options, h *harness, next func(int) *envelope.Envelope, interns int, l *ledger) (*Row, error) {
	row := &Row{Fault: "network: random proxy (drop, delay, truncate)"}
	p, err := newProxy(hostOf(h.url), o.Seed, o.Requests)
	if err != nil {
		return row, err
	}
	// One connection per request, so that each request meets its own fate.
	tr := &http.Transport{DisableKeepAlives: true, ResponseHeaderTimeout: 5 * time.Second}
	c, err := client.New(p.url(), &http.Client{Transport: tr, Timeout: 10 * time.Second})
	if err != nil {
		p.close()
		return row, err
	}
	_, _, before, _ := httpGet(ctx, h.metrics+"/metrics")
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		nextK    atomic.Int64
		requests atomic.Int64
		gaveUp   int
	)
	start := time.Now()
	for w := range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Worker w owns the interns i ≡ w (mod Concurrency), so each
			// intern's sequence numbers go out in order.
			mine := []int{}
			for i := w; i < interns; i += o.Concurrency {
				mine = append(mine, i)
			}
			for j := 0; ; j++ {
				if nextK.Add(1) > int64(o.Requests) {
					return
				}
				env := next(mine[j%len(mine)])
				ok := false
				for attempt := 0; attempt < 50 && !ok; attempt++ {
					rc, err := c.Submit(ctx, env)
					requests.Add(1)
					out, e, after := classify(err)
					mu.Lock()
					switch out {
					case acked:
						l.add(env, rc)
						ok = true
					case retryable:
						row.Refused++
						time.Sleep(after)
					case server500:
						row.Status500++
						row.fail("answer %d %s: %s", e.Status, e.Code, e.MessageEN)
					case refused:
						row.fail("refusal through the proxy: %v", err)
						attempt = 50
					}
					mu.Unlock()
					if out == network {
						time.Sleep(5 * time.Millisecond)
					}
				}
				if !ok {
					mu.Lock()
					gaveUp++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	tr.CloseIdleConnections()
	p.close()
	_, _, after, _ := httpGet(ctx, h.metrics+"/metrics")
	row.Requests = int(requests.Load())
	row.Acknowledged = o.Requests - gaveUp
	if gaveUp > 0 {
		row.fail("%d lists without a receipt after 50 attempts", gaveUp)
	}
	resent := metricValue(after, "appariement_submissions_resent_total") - metricValue(before, "appariement_submissions_resent_total")
	row.Note = fmt.Sprintf("%d lists in %s; connections: %d pass, %d delayed, %d dropped, %d request cut, %d response cut; %d retries answered with their first receipt",
		o.Requests, elapsed.Round(100*time.Millisecond), p.counts[fatePass], p.counts[fateDelay], p.counts[fateDrop],
		p.counts[fateCutBody], p.counts[fateCutResponse], resent)
	return row, nil
}

func metricValue(text, name string) int {
	m := regexp.MustCompile(`(?m)^` + name + ` (\d+)`).FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	v, _ := strconv.Atoi(m[1])
	return v
}
