package servertest

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/syncserver/keyfile"
)

// Always, as a count of FaultTransport's faults, keeps the fault on until
// Reset.
const Always = -1

// FaultTransport is an http.RoundTripper in front of the real server that
// injects the faults a test switches on and off while it runs: a cut
// network (connection refused), slow answers, refusals answered without
// reaching the server (503 or 429 with Retry-After, any *api.Error),
// answers lost after the server acted, and answers rewritten on their way
// back (a flipped byte of a receipt, a result signed again with other
// content). Everything else is the real server's. It counts the requests
// it sees, faulty or not.
//
// Faults apply to the requests matching a pattern of http.ServeMux
// ("POST /v1/submissions", "GET /v1/rounds/{round}/result", "/" for every
// request), to the next n of them (Always: until Reset). Give it to a
// client with client.Client.SetTransport, or put it behind a loopback URL
// with Env.Front for code that dials an address itself.
type FaultTransport struct {
	// Env is the server behind the transport (needed by TamperResult,
	// which signs with the server's key).
	Env *Env
	// Base carries the requests that go through (http.DefaultTransport if
	// nil).
	Base http.RoundTripper

	mu     sync.Mutex
	cut    bool
	delay  time.Duration
	faults []*fault
	seen   []*http.Request // method and URL of every request seen
}

// fault is one switched-on fault: what to do to the next n requests that
// match.
type fault struct {
	mux    *http.ServeMux
	n      int
	refuse *api.Error                                // answer this instead of the server
	drop   bool                                      // let the server act, lose its answer
	edit   func(*http.Request, *http.Response) error // rewrite the server's answer
}

// Faults returns a transport without faults in front of e's server.
func (e *Env) Faults() *FaultTransport { return &FaultTransport{Env: e} }

// Cut cuts the network (every request fails as if the connection was
// refused) or, with false, gives it back.
func (f *FaultTransport) Cut(on bool) {
	f.mu.Lock()
	f.cut = on
	f.mu.Unlock()
}

// Slow delays every request by d before it is sent (0: no delay). A
// request whose context ends first fails with the context's error.
func (f *FaultTransport) Slow(d time.Duration) {
	f.mu.Lock()
	f.delay = d
	f.mu.Unlock()
}

// Refuse answers the next n requests matching pattern with e (its HTTP
// status, a Retry-After header if e.RetryAfter > 0, and e as the JSON
// body), without reaching the server.
func (f *FaultTransport) Refuse(pattern string, n int, e *api.Error) {
	f.add(&fault{mux: muxOf(pattern), n: n, refuse: e})
}

// Unavailable answers the next n requests matching pattern with 503
// storage_unavailable and Retry-After: retryAfter seconds, without reaching
// the server.
func (f *FaultTransport) Unavailable(pattern string, n, retryAfter int) {
	e := api.Errorf(api.CodeStorageUnavailable, "le serveur ne peut pas enregistrer pour l'instant",
		"the server cannot store anything right now")
	e.RetryAfter = retryAfter
	f.Refuse(pattern, n, e)
}

// DropAnswer lets the next n requests matching pattern reach the server,
// which acts on them, and loses the answers (the connection is reset): what
// a client sees when the network fails at the worst time.
func (f *FaultTransport) DropAnswer(pattern string, n int) {
	f.add(&fault{mux: muxOf(pattern), n: n, drop: true})
}

// OnResponse calls hook on the server's answers to the next n requests
// matching pattern, before the client sees them; the hook may rewrite the
// response (its body, status, headers). An error from the hook is the
// client's transport error.
func (f *FaultTransport) OnResponse(pattern string, n int, hook func(*http.Request, *http.Response) error) {
	f.add(&fault{mux: muxOf(pattern), n: n, edit: hook})
}

// TamperBody rewrites the bodies of the server's answers to the next n
// requests matching pattern with edit (FlipByte, for instance).
func (f *FaultTransport) TamperBody(pattern string, n int, edit func([]byte) []byte) {
	f.OnResponse(pattern, n, func(_ *http.Request, resp *http.Response) error {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		setBody(resp, edit(b))
		return nil
	})
}

// FlipByte returns an edit for TamperBody that flips the low bit of the
// byte at index i of a body (counted from the end if i < 0), leaving the
// body as it is if it is shorter.
func FlipByte(i int) func([]byte) []byte {
	return func(b []byte) []byte {
		if i < 0 {
			i += len(b)
		}
		if i >= 0 && i < len(b) {
			b = bytes.Clone(b)
			b[i] ^= 1
		}
		return b
	}
}

// TamperJSON rewrites the JSON answers of the server to the next n
// requests of f matching pattern: edit changes the decoded answer, which is
// encoded again (a receipt with a flipped proof byte, for instance).
func TamperJSON[T any](f *FaultTransport, pattern string, n int, edit func(*T)) {
	f.OnResponse(pattern, n, func(_ *http.Request, resp *http.Response) error {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var v T
		if resp.StatusCode/100 == 2 && json.Unmarshal(b, &v) == nil {
			edit(&v)
			if b, err = json.Marshal(v); err != nil {
				return err
			}
		}
		setBody(resp, b)
		return nil
	})
}

// TamperResult changes the personal results (GET /v1/rounds/{round}/result)
// of the next n requests with edit and signs them again with the server's
// own key: a result that verifies as the server's, and lies.
func (f *FaultTransport) TamperResult(n int, edit func(*api.PersonalResult)) {
	f.OnResponse("GET /v1/rounds/{round}/result", n, func(_ *http.Request, resp *http.Response) error {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode/100 != 2 {
			setBody(resp, b)
			return nil
		}
		env, err := envelope.Decode(b)
		if err != nil {
			return fmt.Errorf("servertest: tamper result: %w", err)
		}
		var pr api.PersonalResult
		if err := json.Unmarshal(env.Payload, &pr); err != nil {
			return fmt.Errorf("servertest: tamper result: %w", err)
		}
		edit(&pr)
		payload, err := json.Marshal(pr)
		if err != nil {
			return err
		}
		priv, err := f.Env.signingKey()
		if err != nil {
			return err
		}
		setBody(resp, envelope.Sign(priv, env.PayloadType, payload).Encode())
		return nil
	})
}

// Reset switches every fault off (the network comes back, no delay).
func (f *FaultTransport) Reset() {
	f.mu.Lock()
	f.cut, f.delay, f.faults = false, 0, nil
	f.mu.Unlock()
}

// Count returns how many requests matching pattern the transport saw,
// whatever became of them (refused, cut, sent).
func (f *FaultTransport) Count(pattern string) int {
	m := muxOf(pattern)
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.seen {
		if matches(m, r) {
			n++
		}
	}
	return n
}

func (f *FaultTransport) add(ft *fault) {
	f.mu.Lock()
	f.faults = append(f.faults, ft)
	f.mu.Unlock()
}

// take returns the faults that apply to r and counts them used.
func (f *FaultTransport) take(r *http.Request) (cut bool, delay time.Duration, apply []*fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, &http.Request{Method: r.Method, URL: r.URL, Host: r.Host})
	for _, ft := range f.faults {
		if ft.n != 0 && matches(ft.mux, r) {
			if ft.n > 0 {
				ft.n--
			}
			apply = append(apply, ft)
		}
	}
	return f.cut, f.delay, apply
}

// RoundTrip implements http.RoundTripper.
func (f *FaultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	cut, delay, apply := f.take(r)
	if cut {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, r.Context().Err()
		}
	}
	for _, ft := range apply {
		if ft.refuse != nil {
			if r.Body != nil {
				r.Body.Close()
			}
			return refusal(r, ft.refuse), nil
		}
	}
	base := f.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	for _, ft := range apply {
		switch {
		case ft.drop:
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
		case ft.edit != nil:
			if err := ft.edit(r, resp); err != nil {
				resp.Body.Close()
				return nil, err
			}
		}
	}
	return resp, nil
}

// Front starts a loopback HTTP server that forwards every request through
// f to e's server and returns its URL: for code that builds its own client
// from an address (enrollment, the desktop app's screens). A request the
// transport fails (cut network, lost answer) has its connection closed
// without an answer. The front is closed by t.Cleanup.
func (e *Env) Front(t testing.TB, f *FaultTransport) string {
	t.Helper()
	target, err := url.Parse(e.URL)
	if err != nil {
		t.Fatalf("servertest: front: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host, out.Host = target.Scheme, target.Host, ""
		if r.ContentLength == 0 {
			out.Body = nil
		}
		resp, err := f.RoundTrip(out)
		if err != nil {
			hangUp(w)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// signingKey reads the server's own signing key from its key file
// (Env.KeyFile).
func (e *Env) signingKey() (ed25519.PrivateKey, error) {
	if e == nil {
		return nil, errors.New("servertest: the transport has no Env (use Env.Faults)")
	}
	priv, err := keyfile.Read(e.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("servertest: server key: %w", err)
	}
	return priv, nil
}

func muxOf(pattern string) *http.ServeMux {
	m := http.NewServeMux()
	m.Handle(pattern, http.NotFoundHandler()) // panics on a bad pattern: a test's mistake
	return m
}

func matches(m *http.ServeMux, r *http.Request) bool {
	_, p := m.Handler(r)
	return p != ""
}

// refusal is the answer a server refusing with e would give.
func refusal(r *http.Request, e *api.Error) *http.Response {
	body, _ := json.Marshal(e)
	status := e.Code.HTTPStatus()
	h := http.Header{"Content-Type": {"application/json"}}
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	return &http.Response{StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}
}

func setBody(resp *http.Response, b []byte) {
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	resp.TransferEncoding = nil
}
