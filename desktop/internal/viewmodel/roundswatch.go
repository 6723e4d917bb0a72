package viewmodel

import (
	"context"
	"sync"
	"time"

	"appariement/desktop/internal/service"
)

// RoundsPollInterval is how often, while online, the screens ask the
// server whether the rounds changed (a transition, a new schedule, a
// publication). Polling with an ETag costs a 304 with no body when nothing
// changed; see docs/robustness.md for why polling rather than a server-sent
// event stream.
const RoundsPollInterval = 30 * time.Second

// RoundsWatch tells whether the server's rounds changed since it last
// asked, by polling the rounds list with If-None-Match.
type RoundsWatch struct {
	svc  *service.Service
	mu   sync.Mutex
	etag string
}

// NewRoundsWatch returns a watch of svc's server; its first Changed
// reports a change.
func NewRoundsWatch(svc *service.Service) *RoundsWatch { return &RoundsWatch{svc: svc} }

// Changed asks the server whether the rounds changed since the last call
// (the first call reports true). It blocks: call it from a poller.
func (w *RoundsWatch) Changed(ctx context.Context) (bool, error) {
	w.mu.Lock()
	etag := w.etag
	w.mu.Unlock()
	r, next, err := w.svc.Client.RoundsIfChanged(ctx, etag)
	if err != nil {
		return false, err
	}
	w.mu.Lock()
	w.etag = next
	w.mu.Unlock()
	return r != nil, nil
}

// FollowRounds registers a poller of the session that calls onChange
// (from the session's goroutine: hand it to the UI with fyne.Do) each time
// the server's rounds changed, checked every interval
// (RoundsPollInterval if zero). The first change is the first answer.
func (s *Session) FollowRounds(interval time.Duration, onChange func()) *Poller {
	w := NewRoundsWatch(s.Svc)
	return s.Every(cmpDuration(interval, RoundsPollInterval), func(ctx context.Context) {
		if changed, err := w.Changed(ctx); err == nil && changed {
			onChange()
		}
	})
}
