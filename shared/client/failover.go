package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultAttemptTimeout is how long a Failover waits for an address's
// answer (its status line and headers) before it tries the next one.
const DefaultAttemptTimeout = 5 * time.Second

// Failover is an http.RoundTripper over several addresses of the same
// server (nodes sharing one database, with one signing key): it sends each
// request to the current address and, when that address cannot be reached
// (connection error, timeout) or answers 502, 503 or 504, sends it again to
// the next one, until every address was tried once. A definitive answer
// (any other status, a refusal included) is returned as is, without moving.
// The address that answered last becomes the current one; OnSwitch, if
// set, is told of each change (to keep it in the local store).
//
// A hanging address costs at most AttemptTimeout: when it has not
// answered by then, the request goes to the next address (a submission may
// be sent twice: the server recognises it by its digest and returns the
// same receipt). The last address tried keeps the caller's whole deadline.
//
// Build a Client on the first address and give it a Failover with
// SetTransport: the client's requests are rewritten to the current
// address (its scheme and host: the addresses must serve the API at the
// same path). Only requests whose body can be read again (GetBody, which
// http.NewRequest sets for byte bodies) move to another address.
type Failover struct {
	// Base carries the requests (http.DefaultTransport if nil).
	Base http.RoundTripper
	// OnSwitch is called with the new current address when it changes.
	OnSwitch func(addr string)
	// AttemptTimeout bounds the wait for one address's answer when another
	// address remains to be tried: DefaultAttemptTimeout if zero, no bound
	// if negative.
	AttemptTimeout time.Duration

	mu    sync.Mutex
	addrs []*url.URL
	cur   int
}

// NewFailover returns a failover transport over addrs (http://host:port or
// https://host, at least one), starting at addrs[start] (0 if out of range,
// e.g. the last good address read back from the local store).
func NewFailover(addrs []string, start int) (*Failover, error) {
	f := &Failover{}
	if err := f.SetAddrs(addrs, start); err != nil {
		return nil, err
	}
	return f, nil
}

// SetAddrs replaces the addresses (the settings changed), starting at
// addrs[start]; requests in flight finish on the old ones.
func (f *Failover) SetAddrs(addrs []string, start int) error {
	if len(addrs) == 0 {
		return errors.New("aucune adresse de serveur / no server address")
	}
	var us []*url.URL
	for i, a := range addrs {
		u, err := url.Parse(strings.TrimRight(a, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("adresse de serveur n° %d %q : attendu http://hôte:port ou https://hôte / server address #%d %q: want http://host:port or https://host",
				i+1, a, i+1, a)
		}
		us = append(us, u)
	}
	if start < 0 || start >= len(addrs) {
		start = 0
	}
	f.mu.Lock()
	f.addrs, f.cur = us, start
	f.mu.Unlock()
	return nil
}

// Current returns the address that answered last (the first one tried
// next), and its position in the list.
func (f *Failover) Current() (string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addrs[f.cur].String(), f.cur
}

// Len returns the number of addresses.
func (f *Failover) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.addrs)
}

// RoundTrip implements http.RoundTripper.
func (f *Failover) RoundTrip(req *http.Request) (*http.Response, error) {
	base := f.Base
	if base == nil {
		base = http.DefaultTransport
	}
	f.mu.Lock()
	addrs, first := f.addrs, f.cur
	f.mu.Unlock()
	n := len(addrs)
	var lastErr error
	for k := range n {
		i := (first + k) % n
		r := req.Clone(req.Context())
		if k > 0 {
			if req.Body != nil && req.GetBody == nil {
				return nil, lastErr
			}
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		u := addrs[i]
		r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, u.Host
		resp, err := f.attempt(base, r, k < n-1)
		if err == nil && !unavailable(resp.StatusCode) {
			f.settle(addrs, i)
			return resp, nil
		}
		if req.Context().Err() != nil {
			if err == nil {
				return resp, nil
			}
			return nil, err
		}
		if err == nil {
			if k == n-1 {
				return resp, nil // every address is unavailable: its answer, with its Retry-After
			}
			resp.Body.Close()
			lastErr = fmt.Errorf("%s: %s", u, resp.Status)
			continue
		}
		// A transport error that is not the caller's end (dial refused,
		// reset, timeout, TLS): this address cannot be reached now.
		lastErr = fmt.Errorf("%s: %w", u, err)
	}
	return nil, lastErr
}

// attempt sends r through base; with bounded, an answer that has not
// come within the attempt timeout cancels the attempt (a transport error,
// so the next address is tried). Once the headers are in, the body is read
// without a bound, on the caller's context.
func (f *Failover) attempt(base http.RoundTripper, r *http.Request, bounded bool) (*http.Response, error) {
	d := f.AttemptTimeout
	if d == 0 {
		d = DefaultAttemptTimeout
	}
	if !bounded || d < 0 {
		return base.RoundTrip(r)
	}
	ctx, cancel := context.WithCancel(r.Context())
	timer := time.AfterFunc(d, cancel)
	resp, err := base.RoundTrip(r.WithContext(ctx))
	if !timer.Stop() {
		// The bound passed: the attempt's context is cancelled, so even
		// an answer that came just then could not be read.
		cancel()
		if err == nil {
			resp.Body.Close()
		}
		return nil, fmt.Errorf("pas de réponse en %s / no answer within %s: %w", d, d, context.DeadlineExceeded)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases an attempt's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close closes the body and releases the attempt's context.
func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// settle makes address i of addrs the current one, unless the addresses
// were replaced meanwhile.
func (f *Failover) settle(addrs []*url.URL, i int) {
	f.mu.Lock()
	if len(f.addrs) == 0 || &f.addrs[0] != &addrs[0] {
		f.mu.Unlock()
		return
	}
	changed := f.cur != i
	f.cur = i
	addr := f.addrs[i].String()
	f.mu.Unlock()
	if changed && f.OnSwitch != nil {
		f.OnSwitch(addr)
	}
}

func unavailable(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}
