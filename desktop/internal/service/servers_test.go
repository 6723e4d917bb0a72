package service

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"

	"appariement/desktop/internal/localstore"
	"appariement/syncserver/servertest"
)

func TestSplitServerURLs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"https://a.example.fr", []string{"https://a.example.fr"}},
		{" https://a.example.fr/ ,https://b.example.fr\nhttps://a.example.fr\r\n\thttps://c.example.fr;", []string{"https://a.example.fr", "https://b.example.fr", "https://c.example.fr"}},
	} {
		if got := SplitServerURLs(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitServerURLs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestServersFailover: with two addresses of the same real server, the
// outbox delivers through the second when the first is cut, the session
// says which address answered and the profile keeps it for the next start.
func TestServersFailover(t *testing.T) {
	srv := newServer(t)
	s := enroll(t, srv)
	ctx := context.Background()
	if err := s.SetServers(ctx, []string{srv.url, srv.URL}); err != nil {
		t.Fatal(err)
	}
	if got := s.Servers(); !reflect.DeepEqual(got, []string{srv.url, srv.URL}) {
		t.Fatalf("servers %q", got)
	}
	if _, err := s.SyncRounds(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.CurrentServer(); got != srv.url {
		t.Fatalf("current %s, want the first address %s", got, srv.url)
	}
	srv.faults.Cut(true) // the first address is gone
	if err := s.Store.SaveDraft(&localstore.Draft{Round: "R1", List: []string{"P1"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign("R1"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		s.Outbox.Step(ctx)
	}
	last, err := s.LastAccepted("R1")
	if err != nil || last == nil || last.Receipt == nil {
		t.Fatalf("last accepted: %+v, %v (status %+v)", last, err, s.Outbox.Status())
	}
	if got := s.CurrentServer(); got != srv.URL {
		t.Fatalf("current %s, want the second address %s", got, srv.URL)
	}
	p, err := s.Store.Profile()
	if err != nil || p.LastServer != 1 || !reflect.DeepEqual(p.OtherServers, []string{srv.URL}) {
		t.Fatalf("profile: last %d, others %q, %v", p.LastServer, p.OtherServers, err)
	}
	// The next start begins with the address that answered last.
	again, err := Open(s.Store, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := again.CurrentServer(); got != srv.URL {
		t.Fatalf("after restart current %s, want %s", got, srv.URL)
	}
}

// TestSetServersRefusesAnotherKey: an address of another server (another
// key), or one that does not answer, is refused by name and changes nothing.
func TestSetServersRefusesAnotherKey(t *testing.T) {
	srv := newServer(t)
	s := enroll(t, srv)
	other := servertest.Start(t, servertest.Options{Empty: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		name string
		urls []string
		is   error
	}{
		{"another key", []string{srv.url, other.URL}, ErrServerKeyMismatch},
		{"not answering", []string{gone, srv.url}, nil},
		{"plain http elsewhere", []string{srv.url, "http://appariement.example.fr"}, ErrInsecureServer},
		{"empty", nil, ErrMissingField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Servers()
			err := s.SetServers(context.Background(), tc.urls)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v, want %v", err, tc.is)
			}
			if len(tc.urls) > 0 {
				bad := tc.urls[len(tc.urls)-1]
				if tc.name == "not answering" {
					bad = gone
				}
				if !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "adresse") {
					t.Errorf("error %q does not name %s in French first", err, bad)
				}
			}
			if got := s.Servers(); !reflect.DeepEqual(got, before) {
				t.Errorf("servers changed to %q", got)
			}
		})
	}
}
