package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

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
