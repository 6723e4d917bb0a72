package viewmodel

import (
	"context"
	"errors"
	"sync"
	"time"

	"appariement/shared/domain"
	"appariement/shared/translog"
)

// followSyncTimeout bounds one background sync of a screen that follows
// the server.
const followSyncTimeout = time.Minute

// followTarget is what the current round of a screen is, copied on the
// UI goroutine each time it changes, for the background sync of Follow to
// read without touching the view model.
type followTarget struct {
	mu     sync.Mutex
	round  *domain.Round // a copy
	chosen bool
}

func (t *followTarget) set(r *domain.Round, chosen bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.round, t.chosen = nil, chosen
	if r != nil {
		c := *r
		t.round = &c
	}
}

func (t *followTarget) get() (*domain.Round, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.round, t.chosen
}

// follow registers on s the poller of a screen that follows the server:
// every s.RoundsInterval (RoundsPollInterval if zero) it asks whether the
// rounds changed (an ETag, a 304 without a body when nothing did) and,
// when they did, when the last background sync failed or when pending
// (nil: never) reports something left to fetch, runs sync (in the
// session's goroutine) and hands what it returns to onChange.
func follow[T any](s *Session, sync func(context.Context) (T, error), pending func() bool, onChange func(T)) *Poller {
	w := NewRoundsWatch(s.Svc)
	retry := false
	return s.EveryFromNow(cmpDuration(s.RoundsInterval, RoundsPollInterval), func(ctx context.Context) {
		changed, err := w.Changed(ctx)
		if err != nil || !changed && !retry && (pending == nil || !pending()) {
			return // offline: the outbox's status says so; asked again at the next tick
		}
		sctx, cancel := context.WithTimeout(ctx, followSyncTimeout)
		d, err := sync(sctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		retry = err != nil && !translog.IsFork(err) // a fork is an alarm, not a failure to retry
		onChange(d)
	})
}

// Follow registers on s a poller that keeps the intern's screens up to
// date while online: each time the server's rounds change (a transition,
// new dates, a publication: Session.RoundsInterval, RoundsPollInterval
// if zero, with ETags), it syncs in the background what Sync fetches —
// the rounds with their states and dates, the current round's catalogue
// and, with the key unlocked, the signed results of published rounds —
// then calls onChange with the function that shows it. onChange is called
// from the session's goroutine: the screen runs apply on the UI goroutine
// (fyne.Do), then redraws. With the key locked a published result cannot
// be fetched: Status then says so and asks for the passphrase
// (ResultsToFetch), and the next check once the key is unlocked fetches
// it. The first check is at once.
func (a *Intern) Follow(s *Session, onChange func(apply func() error)) *Poller {
	return follow(s, func(ctx context.Context) (SyncData, error) {
		r, chosen := a.target.get()
		d := a.Sync(ctx, syncRoundOf(r, chosen, a.Svc.Now()))
		return d, d.Err
	}, a.resultsPending, func(d SyncData) {
		onChange(func() error { return a.ApplySync(d) })
	})
}

// Follow registers on s a poller that keeps the RTS's screen up to date
// while online, as Intern.Follow does: each time the server's rounds
// change it syncs the rounds (states and dates: the closing of the
// rankings, a publication) and the catalogues, then calls onChange with
// the function that shows them, to run on the UI goroutine (fyne.Do).
// After it the screen fetches the selected poste's candidates when they
// became visible (NeedsCandidates). The first check is at once.
func (r *RTS) Follow(s *Session, onChange func(apply func() error)) *Poller {
	return follow(s, func(ctx context.Context) (RTSSync, error) {
		d := r.Sync(ctx, "")
		return d, d.Err
	}, nil, func(d RTSSync) {
		onChange(func() error { return r.ApplySync(d) })
	})
}

// resultsPending reports, from the cache (it runs in the session's
// goroutine), whether the key is unlocked and a published round of the
// intern's (as ResultsToFetch counts them) has no result cached yet: Sync
// would fetch it.
func (a *Intern) resultsPending() bool {
	if !a.Svc.Unlocked() {
		return false
	}
	rounds, err := a.Svc.Store.Rounds()
	if err != nil {
		return false
	}
	recs, err := a.Svc.Store.Results()
	if err != nil {
		return false
	}
	have := map[string]bool{}
	for _, rec := range recs {
		have[rec.Round] = true
	}
	for _, r := range a.relevant(rounds) {
		if r.State == domain.StatePublished && !have[r.ID] {
			return true
		}
	}
	return false
}

// errFollowSkip marks a background check of the admin's screen that
// loaded nothing: the first one (the screen has just loaded) or one with
// the key locked (the admin's requests are signed; retried at each tick
// until it is unlocked, so a change seen while locked is not lost).
var errFollowSkip = errors.New("admin follow: nothing loaded")

// Follow registers on s a poller that keeps the admin's screens up to date
// while online, as Intern.Follow does for an intern: each time the
// server's rounds change (another admin's step, a window opened or closed
// by the server's clock, a publication; Session.RoundsInterval with
// ETags), it loads again what Load fetches for the round the screen shows
// (round, called from the session's goroutine: it must be safe there),
// then calls onChange with the function that shows it, to run on the UI
// goroutine (fyne.Do). With the key locked it loads nothing and asks again
// at each tick. The first check only takes the ETag: the screen has just
// loaded.
func (a *Admin) Follow(s *Session, round func() string, onChange func(apply func() error)) *Poller {
	first := true
	return follow(s, func(ctx context.Context) (AdminData, error) {
		if first {
			first = false
			return AdminData{Err: errFollowSkip}, nil
		}
		if !a.Svc.Unlocked() {
			return AdminData{Err: errFollowSkip}, errFollowSkip
		}
		d := a.Load(ctx, round())
		return d, d.Err
	}, nil, func(d AdminData) {
		if errors.Is(d.Err, errFollowSkip) {
			return
		}
		onChange(func() error { return a.Apply(d) })
	})
}
