package viewmodel

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/outbox"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// Default intervals of a Session's background work.
const (
	// DefaultPingInterval is how often the server is pinged.
	DefaultPingInterval = 20 * time.Second
	// DefaultNoticeInterval is how often the server is asked for a
	// published result or a decided correction.
	DefaultNoticeInterval = 2 * time.Minute
	// countdownInterval is how often OnStatus is told the outbox's status
	// while items are pending (the "retry in …" countdown).
	countdownInterval = time.Second
)

// Session is a signed-in user's background work: the outbox's sender, the
// pinger, the notices' watcher, the "retry in …" countdown, and the
// pollers the screens ask for (Every). Start runs them, Stop cancels them
// and waits until every goroutine has returned. The screens never start
// goroutines of their own for this; they set the callbacks, which are
// called from the session's goroutines (a Fyne screen hands them to the UI
// goroutine with fyne.Do).
type Session struct {
	Svc *service.Service
	// PingInterval is how often the server is pinged
	// (DefaultPingInterval if zero).
	PingInterval time.Duration
	// NoticeInterval is how often notices are looked for
	// (DefaultNoticeInterval if zero).
	NoticeInterval time.Duration
	// RoundsInterval is how often the screens that follow the server
	// (Intern.Follow, RTS.Follow) ask whether the rounds changed
	// (RoundsPollInterval if zero). Set it before they register.
	RoundsInterval time.Duration
	// OnStatus, if set, is told the outbox's status when it changes, and
	// every second while items are pending. Set it before Start.
	OnStatus func(outbox.Status)
	// OnNotice, if set, is told each notice (a published result, a
	// decision on the user's request); notices are only looked for when
	// it is set. Set it before Start.
	OnNotice func(Notice)
	// Watcher finds the notices (NewSession makes it). It is the session's
	// once started.
	Watcher *Watcher

	life sync.Mutex // held by Start and Stop: one at a time

	mu      sync.Mutex
	ctx     context.Context // the running session's context, nil when stopped
	cancel  context.CancelFunc
	pollers map[*Poller]bool

	wg      sync.WaitGroup
	running atomic.Int64
}

// NewSession returns a stopped session of svc, its outbox's status
// changes routed to OnStatus.
func NewSession(svc *service.Service) *Session {
	s := &Session{Svc: svc, Watcher: NewWatcher(svc), pollers: map[*Poller]bool{}}
	svc.Outbox.OnChange = func(st outbox.Status) {
		if f := s.OnStatus; f != nil {
			f(st)
		}
	}
	return s
}

// OpenSession opens the session of the profile enrolled in store (see
// service.Open; serverURL, if not empty, overrides the profile's). The
// session is stopped: Start it once its screens are built.
func OpenSession(store *localstore.Store, serverURL string) (*Session, error) {
	svc, err := service.Open(store, serverURL)
	if err != nil {
		return nil, err
	}
	return NewSession(svc), nil
}

// Start runs the background work until Stop (or ctx is done). Starting a
// started session does nothing.
func (s *Session) Start(ctx context.Context) {
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	ob := s.Svc.Outbox
	s.spawn(s.ctx, ob.Run)
	s.spawn(s.ctx, func(ctx context.Context) { ob.RunPinger(ctx, cmpDuration(s.PingInterval, DefaultPingInterval)) })
	s.spawn(s.ctx, s.countdown)
	if s.OnNotice != nil {
		s.spawn(s.ctx, s.watchNotices)
	}
	for p := range s.pollers {
		s.startPoller(p)
	}
}

// Stop cancels the background work and returns once every goroutine of
// the session has returned. Pending items stay in the outbox for the next
// start. Stopping a stopped session does nothing; a stopped session may be
// started again (its pollers with it).
func (s *Session) Stop() {
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	cancel := s.cancel
	s.ctx, s.cancel = nil, nil
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	s.wg.Wait()
}

// Started reports whether the session runs.
func (s *Session) Started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancel != nil
}

// Running is how many of the session's goroutines have not returned yet
// (0 once Stop has returned).
func (s *Session) Running() int { return int(s.running.Load()) }

// spawn runs f in a goroutine that Stop waits for. s.mu is held.
func (s *Session) spawn(ctx context.Context, f func(context.Context)) {
	s.wg.Add(1)
	s.running.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.running.Add(-1)
		f(ctx)
	}()
}

// countdown tells OnStatus the status every second while items wait, so
// that "retry in …" counts down.
func (s *Session) countdown(ctx context.Context) {
	t := time.NewTicker(countdownInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if st := s.Svc.Outbox.Status(); st.Pending > 0 && s.OnStatus != nil {
				s.OnStatus(st)
			}
		}
	}
}

// watchNotices looks for notices at once, then every NoticeInterval; the
// first look only records what is already so (see Watcher).
func (s *Session) watchNotices(ctx context.Context) {
	w := s.Watcher
	t := time.NewTicker(cmpDuration(s.NoticeInterval, DefaultNoticeInterval))
	defer t.Stop()
	for {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		notices, _ := w.Check(cctx) // offline: try again at the next tick
		cancel()
		for _, n := range notices {
			if ctx.Err() != nil {
				return
			}
			s.OnNotice(n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poller is a task of the session run again and again (see Every).
type Poller struct {
	s      *Session
	every  time.Duration
	now    bool
	run    func(context.Context)
	cancel context.CancelFunc // nil when not running
	done   chan struct{}
}

// Every registers run to be called every interval while the session runs,
// the first time one interval after the start, until the poller is
// stopped. run is called from a goroutine of the session, never twice at
// once; its context is done when the poller or the session stops.
func (s *Session) Every(every time.Duration, run func(context.Context)) *Poller {
	return s.addPoller(&Poller{s: s, every: every, run: run})
}

// EveryFromNow is Every with a first call at once.
func (s *Session) EveryFromNow(every time.Duration, run func(context.Context)) *Poller {
	return s.addPoller(&Poller{s: s, every: every, now: true, run: run})
}

func (s *Session) addPoller(p *Poller) *Poller {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pollers[p] = true
	if s.ctx != nil {
		s.startPoller(p)
	}
	return p
}

// startPoller runs p until its context is done. s.mu is held.
func (s *Session) startPoller(p *Poller) {
	ctx, cancel := context.WithCancel(s.ctx)
	p.cancel, p.done = cancel, make(chan struct{})
	done := p.done
	s.spawn(ctx, func(ctx context.Context) {
		defer close(done)
		defer cancel()
		t := time.NewTicker(p.every)
		defer t.Stop()
		if p.now {
			p.run(ctx)
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.run(ctx)
			}
		}
	})
}

// Stop stops the poller and waits until its last call has returned; it is
// not run again, even if the session is restarted. Stopping a stopped
// poller does nothing.
func (p *Poller) Stop() {
	s := p.s
	s.mu.Lock()
	delete(s.pollers, p)
	cancel, done := p.cancel, p.done
	p.cancel, p.done = nil, nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// ServerURL is the address of the server the user enrolled with.
func (s *Session) ServerURL() string { return s.Svc.Profile.ServerURL }

// Me is the signed-in person.
func (s *Session) Me() domain.Person { return s.Svc.Me() }

// Unlocked reports whether the private key is open for this session.
func (s *Session) Unlocked() bool { return s.Svc.Unlocked() }

// Unlock opens the private key with the passphrase. It blocks (key
// derivation).
func (s *Session) Unlock(passphrase string) error { return s.Svc.Unlock(passphrase) }

// Now is the session's clock.
func (s *Session) Now() time.Time { return s.Svc.Now() }

// Status is the outbox's current status.
func (s *Session) Status() outbox.Status { return s.Svc.Outbox.Status() }

// Ping asks the server whether it answers (and still has the pinned key);
// the status follows. It blocks.
func (s *Session) Ping(ctx context.Context) { s.Svc.Outbox.Ping(ctx) }

// Preferences returns the user's notification settings from the server.
// It blocks.
func (s *Session) Preferences(ctx context.Context) (*api.Preferences, error) {
	return Preferences(ctx, s.Svc)
}

// SetPreferences records the optional notifications the user turned off.
// It blocks.
func (s *Session) SetPreferences(ctx context.Context, off []string) (*api.Preferences, error) {
	return SetPreferences(ctx, s.Svc, off)
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Corrections returns an empty correction queue of the session's user.
func (s *Session) Corrections() *Corrections { return NewCorrections(s.Svc) }

// Simulation returns the simulation of the choices of the session's
// intern; name names a poste (nil: its id).
func (s *Session) Simulation(name func(string) string) *Simulation { return NewSimulation(s.Svc, name) }

// CallList returns the call list view of the session's intern; name names
// a poste (nil: its id).
func (s *Session) CallList(name func(string) string) *CallList { return NewCallList(s.Svc, name) }

// LiveFollow returns the live follow-along of the session's intern.
func (s *Session) LiveFollow() *LiveFollow { return NewLiveFollow(s.Svc) }

// Intern returns the intern's view model, on what the cache holds.
func (s *Session) Intern() (*Intern, error) { return NewIntern(s.Svc) }

// RTS returns the RTS's view model, on what the cache holds.
func (s *Session) RTS() (*RTS, error) { return NewRTS(s.Svc) }

// Admin returns the admin's view model.
func (s *Session) Admin() *Admin { return NewAdmin(s.Svc) }

// Coordinator returns the coordinator's view model.
func (s *Session) Coordinator() *Coordinator { return NewCoordinator(s.Svc) }
