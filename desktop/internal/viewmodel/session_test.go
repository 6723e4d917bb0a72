package viewmodel

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"appariement/desktop/internal/outbox"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// guard is how long a test waits for something that must happen before it
// gives up (a hung test, not a timing assertion).
const guard = 30 * time.Second

// leakOptions ignore the goroutines that are not the session's: those
// running before it started, and the HTTP client's idle connections.
func leakOptions() []goleak.Option {
	return []goleak.Option{goleak.IgnoreCurrent(),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve")}
}

// TestSessionLifecycle: Start runs the outbox, the pinger, the countdown
// and the pollers; Start and Stop are idempotent; Stop returns once every
// goroutine of the session has returned; a poller stopped on its own is
// not run again, even after a restart.
func TestSessionLifecycle(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 1})
	svc := userSession(t, env, env.Register(t, env.Interns[0]))
	leaks := leakOptions()

	s := NewSession(svc)
	s.PingInterval = time.Millisecond
	pinged := make(chan struct{}, 1)
	s.OnStatus = func(st outbox.Status) {
		if st.Checked && st.Online {
			select {
			case pinged <- struct{}{}:
			default:
			}
		}
	}
	s.Stop() // stopping a session never started does nothing
	if s.Started() || s.Running() != 0 {
		t.Fatalf("new session: started %v, running %d", s.Started(), s.Running())
	}

	var fast, other atomic.Int64
	ticks := make(chan int64, 100)
	p := s.EveryFromNow(time.Millisecond, func(context.Context) {
		select {
		case ticks <- fast.Add(1):
		default:
		}
	})
	q := s.Every(time.Millisecond, func(context.Context) { other.Add(1) })
	if fast.Load() != 0 {
		t.Fatal("a poller ran before the session started")
	}

	ctx := context.Background()
	s.Start(ctx)
	s.Start(ctx) // idempotent: no second set of goroutines
	if !s.Started() || s.Running() != 5 {
		t.Fatalf("started %v, running %d goroutines, want 5 (outbox, pinger, countdown, 2 pollers)", s.Started(), s.Running())
	}
	waitFor(t, pinged, "the pinger's first ping")
	for range 3 {
		select {
		case <-ticks:
		case <-time.After(guard):
			t.Fatal("the poller does not run")
		}
	}

	// A poller stops on its own and is joined: no call after Stop.
	p.Stop()
	p.Stop()
	n := fast.Load()
	if s.Running() != 4 {
		t.Fatalf("after a poller's stop: running %d, want 4", s.Running())
	}

	s.Stop()
	s.Stop()
	if s.Started() || s.Running() != 0 {
		t.Fatalf("after Stop: started %v, running %d", s.Started(), s.Running())
	}
	goleak.VerifyNone(t, leaks...)
	m := other.Load()

	// Restarted: the poller left registered runs again, the stopped one
	// does not.
	s.Start(ctx)
	if s.Running() != 4 {
		t.Fatalf("restarted: running %d, want 4", s.Running())
	}
	for other.Load() == m {
		select {
		case <-time.After(time.Millisecond):
		case <-ctx.Done():
		}
	}
	q.Stop()
	s.Stop()
	if got := fast.Load(); got != n {
		t.Errorf("a stopped poller ran again: %d calls, then %d", n, got)
	}
	goleak.VerifyNone(t, leaks...)
}

// TestSessionDeliversOutbox: a wish list signed while the session is
// stopped waits in the outbox; once started, the session delivers it
// without anyone stepping the outbox, and the status says so.
func TestSessionDeliversOutbox(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 1})
	env.Transition(t, domain.StateWishesOpen)
	svc := userSession(t, env, env.Register(t, env.Interns[0]))
	a, err := NewIntern(svc)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ApplySync(a.Sync(ctx, "")); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.Wishes.Add(env.Postes[0].ID); !ok || err != nil {
		t.Fatalf("add %s: %v %v (round %+v)", env.Postes[0].ID, ok, err, a.Round)
	}

	s := NewSession(svc)
	accepted := make(chan struct{}, 1)
	s.OnStatus = func(st outbox.Status) {
		if st.Accepted == 1 && st.Pending == 0 {
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	}
	if err := a.Wishes.SignDone(a.Wishes.Sign(ctx, pass)); err != nil {
		t.Fatal(err)
	}
	if p, err := svc.Store.Pending(); err != nil || len(p) != 1 {
		t.Fatalf("before the start: %d pending (%v), want 1", len(p), err)
	}
	s.Start(ctx)
	defer s.Stop()
	waitFor(t, accepted, "the signed wish list's receipt")
	if err := a.Refresh(); err != nil {
		t.Fatal(err)
	}
	if v := a.Wishes.Versions(); len(v) != 1 || v[0].State != "accepted" {
		t.Fatalf("versions after delivery: %+v", v)
	}
}

// TestSessionNotices: with OnNotice set, the session watches the rounds
// and tells a publication once.
func TestSessionNotices(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 1})
	svc := userSession(t, env, env.Register(t, env.Interns[0]))
	s := NewSession(svc)
	s.NoticeInterval = time.Millisecond
	notices := make(chan Notice, 10)
	s.OnNotice = func(n Notice) { notices <- n }
	// The watcher's first look only records the rounds: look before the
	// start, so that the publication comes after it.
	if n, err := s.Watcher.Check(context.Background()); err != nil || len(n) != 0 {
		t.Fatalf("first look: %v %v", n, err)
	}
	s.Start(context.Background())
	defer s.Stop()
	env.Transition(t, domain.StateWishesOpen)
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	select {
	case n := <-notices:
		if n.Kind != "result" || n.Round != env.Round {
			t.Fatalf("notice %+v", n)
		}
	case <-time.After(guard):
		t.Fatal("no notice of the publication")
	}
}

func waitFor(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(guard):
		t.Fatalf("never came: %s", what)
	}
}
