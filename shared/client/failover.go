package client

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Failover is an http.RoundTripper over several addresses of the same
// server (nodes sharing one database, with one signing key): it sends each
// request to the current address and, when that address cannot be reached
// (connection error, timeout) or answers 502, 503 or 504, sends it again to
// the next one, until every address was tried once. A definitive answer
// (any other status, a refusal included) is returned as is, without moving.
// The address that answered last becomes the current one; OnSwitch, if
// set, is told of each change (to keep it in the local store).
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
		resp, err := base.RoundTrip(r)
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
