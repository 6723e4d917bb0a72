package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// closedAddr is a loopback address where nothing listens: a connection
// there is refused, as to a node that is gone.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ln.Close()
	return addr
}

// TestFailover: a submission through a Failover reaches the real server
// at the next address when the current one is gone or answers 503, and
// stays on the current address for a definitive refusal.
func TestFailover(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 2})
	env.Transition(t, domain.StateWishesOpen)
	u := env.Register(t, env.Interns[0])
	gone := closedAddr(t)
	cases := []struct {
		name     string
		addrs    []string
		fault    func(*servertest.FaultTransport)
		poste    string
		wantAddr int    // Current after the request
		wantCode string // refusal code, "" for a receipt
		switches int
	}{
		{name: "first node gone", addrs: []string{gone, env.URL}, wantAddr: 1, switches: 1},
		{name: "first answers 503", addrs: []string{env.URL, env.URL + "/"},
			fault: func(f *servertest.FaultTransport) { f.Unavailable("POST /v1/submissions", 1, 2) }, wantAddr: 1, switches: 1},
		{name: "definitive refusal does not move", addrs: []string{env.URL, gone}, poste: "NO-SUCH-POSTE",
			wantAddr: 0, wantCode: "any"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := env.Faults()
			if tc.fault != nil {
				tc.fault(ft)
			}
			f, err := client.NewFailover(tc.addrs, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Base = ft
			var switched []string
			f.OnSwitch = func(a string) { switched = append(switched, a) }
			base := env.Client(u.ID, u.Key)
			c, err := client.New(tc.addrs[0], &http.Client{Transport: f})
			if err != nil {
				t.Fatal(err)
			}
			c = c.WithIdentity(u.ID, u.Key)
			c.Now, c.Server = base.Now, base.Server
			poste := env.Postes[0].ID
			if tc.poste != "" {
				poste = tc.poste
			}
			rc, err := c.Submit(context.Background(), u.WishList(env.Round, uint64(i+1), poste))
			var ae *api.Error
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("submit: %v; want a receipt", err)
			case tc.wantCode == "" && rc == nil:
				t.Fatal("no receipt")
			case tc.wantCode != "" && !errors.As(err, &ae):
				t.Fatalf("submit: %v; want a refusal from the server", err)
			}
			if _, at := f.Current(); at != tc.wantAddr {
				t.Errorf("current address #%d, want #%d", at, tc.wantAddr)
			}
			if len(switched) != tc.switches {
				t.Errorf("OnSwitch called %d times (%v), want %d", len(switched), switched, tc.switches)
			}
		})
	}
}

// TestNewFailoverRefusesBadAddress names the address in French then English.
func TestNewFailoverRefusesBadAddress(t *testing.T) {
	for _, addrs := range [][]string{nil, {"http://ok:1", "ftp://x"}, {"pas une adresse"}} {
		if _, err := client.NewFailover(addrs, 0); err == nil {
			t.Errorf("NewFailover(%q): no error", addrs)
		}
	}
}

// hangingAddr is a loopback address that accepts connections and never
// answers, as a node stuck on a dead disk or a lock.
func hangingAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestFailoverAttemptTimeout: a node that accepts the connection and
// never answers costs one attempt timeout, not the request's whole
// deadline; the submission is accepted by the next node, which becomes
// the current one. The old code waited on the hanging node until the
// caller's deadline and returned its error.
func TestFailoverAttemptTimeout(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 2})
	env.Transition(t, domain.StateWishesOpen)
	u := env.Register(t, env.Interns[0])
	addrs := []string{hangingAddr(t), env.URL}
	f, err := client.NewFailover(addrs, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Base = env.Faults()
	f.AttemptTimeout = 300 * time.Millisecond
	base := env.Client(u.ID, u.Key)
	c, err := client.New(addrs[0], &http.Client{Transport: f})
	if err != nil {
		t.Fatal(err)
	}
	c = c.WithIdentity(u.ID, u.Key)
	c.Now, c.Server = base.Now, base.Server
	// The caller's deadline is far longer than the attempt timeout; the
	// old code spent all of it on the first address.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for seq := uint64(1); seq <= 2; seq++ {
		rc, err := c.Submit(ctx, u.WishList(env.Round, seq, env.Postes[0].ID))
		if err != nil || rc == nil {
			t.Fatalf("submission %d: %v; want a receipt from the second node", seq, err)
		}
		if _, at := f.Current(); at != 1 {
			t.Fatalf("current address #%d after submission %d, want #1", at, seq)
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the caller's deadline passed")
	}
}

// TestFailoverLastAddressUnbounded: the last address tried keeps the
// caller's deadline (a slow but working single server is not cut off by
// the attempt timeout).
func TestFailoverLastAddressUnbounded(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 2})
	env.Transition(t, domain.StateWishesOpen)
	u := env.Register(t, env.Interns[0])
	ft := env.Faults()
	ft.Slow(200 * time.Millisecond)
	f, err := client.NewFailover([]string{env.URL}, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Base = ft
	f.AttemptTimeout = 50 * time.Millisecond
	base := env.Client(u.ID, u.Key)
	c, err := client.New(env.URL, &http.Client{Transport: f})
	if err != nil {
		t.Fatal(err)
	}
	c = c.WithIdentity(u.ID, u.Key)
	c.Now, c.Server = base.Now, base.Server
	if rc, err := c.Submit(context.Background(), u.WishList(env.Round, 1, env.Postes[0].ID)); err != nil || rc == nil {
		t.Fatalf("submit through one slow address: %v; want a receipt", err)
	}
}
