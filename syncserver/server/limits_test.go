package server

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestNoncesExpireInOrder: a nonce is refused while remembered, forgotten
// after nonceTTL, and the queue stays ordered when the clock goes back.
func TestNoncesExpireInOrder(t *testing.T) {
	n := newNonces()
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 5000 {
		if !n.use(fmt.Sprint("a", i), t0.Add(time.Duration(i)*time.Millisecond)) {
			t.Fatalf("nonce %d refused the first time", i)
		}
	}
	if n.use("a42", t0.Add(time.Minute)) {
		t.Fatal("a nonce was accepted twice")
	}
	// The clock goes back: a nonce recorded then still expires after the
	// ones recorded before it.
	if !n.use("back", t0.Add(-time.Hour)) {
		t.Fatal("refused")
	}
	if n.use("back", t0.Add(nonceTTL)) {
		t.Fatal("a nonce recorded while the clock was behind expired early")
	}
	// Past everyone's expiry, all are forgotten, and the queue's front is
	// reclaimed.
	later := t0.Add(nonceTTL + time.Hour)
	if !n.use("a42", later) {
		t.Fatal("an expired nonce is still refused")
	}
	if got := n.size(); got != 1 {
		t.Fatalf("%d nonces remembered after expiry, want 1", got)
	}
	if len(n.queue)-n.head != 1 || n.head > 1024 {
		t.Fatalf("queue of %d with head %d after expiry", len(n.queue), n.head)
	}
}

// TestLimitersBounded (issue 11, point 5): made-up keys (anonymous
// "enroll:<anything>") cannot grow the limiter map beyond its bound, and a
// key in use keeps its bucket.
func TestLimitersBounded(t *testing.T) {
	l := newLimiters(rate.Limit(1), 2)
	l.max = 1000
	for i := range 50_000 {
		l.take(fmt.Sprint("enroll:", i))
		if i%100 == 0 {
			l.take("id:busy") // used all along: stays
		}
	}
	if got := l.size(); got > 1000 {
		t.Fatalf("%d buckets kept, bound 1000", got)
	}
	// id:busy has spent its burst: still limited, so it was not dropped
	// and recreated full.
	if l.take("id:busy") == 0 && l.take("id:busy") == 0 {
		t.Fatal("the bucket of a key in use was dropped")
	}
}

// TestClientIP: X-Forwarded-For is read only from a trusted proxy, from the
// right, skipping the trusted hops.
func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name    string
		proxies []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{"no proxy configured", nil, "10.0.0.1:4000", []string{"203.0.113.9"}, "10.0.0.1"},
		{"untrusted peer", trusted, "198.51.100.7:4000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"trusted peer", trusted, "10.0.0.1:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"spoofed left part", trusted, "10.0.0.1:4000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"two proxies", trusted, "10.0.0.1:4000", []string{"203.0.113.9, 10.0.0.2"}, "203.0.113.9"},
		{"two header lines", trusted, "10.0.0.1:4000", []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9"},
		{"garbage", trusted, "10.0.0.1:4000", []string{"not-an-ip"}, "10.0.0.1"},
		{"no header", trusted, "10.0.0.1:4000", nil, "10.0.0.1"},
		{"IPv6 proxy", trusted, "[::1]:4000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"all trusted", trusted, "10.0.0.1:4000", []string{"10.0.0.3"}, "10.0.0.3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Server{cfg: Config{TrustedProxies: c.proxies}}
			r := &http.Request{RemoteAddr: c.remote, Header: http.Header{"X-Forwarded-For": c.xff}}
			if got := s.clientIP(r); got != c.want {
				t.Fatalf("clientIP = %s, want %s", got, c.want)
			}
		})
	}
}

// BenchmarkNonces measures a signed request's nonce check with many live
// nonces remembered (an amphitheatre following the live reveal): it no
// longer grows with their number.
func BenchmarkNonces(b *testing.B) {
	for _, live := range []int{0, 10_000, 80_000} {
		b.Run(fmt.Sprint("live=", live), func(b *testing.B) {
			n := newNonces()
			t0 := time.Unix(1_800_000_000, 0)
			for i := range live {
				n.use(fmt.Sprint("live", i), t0)
			}
			b.ResetTimer()
			for i := range b.N {
				n.use(fmt.Sprint("n", i), t0.Add(time.Second))
			}
		})
	}
}
