package viewmodel

import (
	"context"
	"sync"
	"time"

	"appariement/desktop/internal/service"
)

// RoundsPollInterval is how often, while online, the screens ask the
// server whether the rounds changed (a transition, a new schedule, a
// publication), unless Session.RoundsInterval says otherwise. Polling with
// an ETag costs a 304 with no body when nothing changed; see
// docs/robustness.md for why polling rather than a server-sent event
// stream.
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
