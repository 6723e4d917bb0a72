package notify

import (
	"errors"
	"time"

	"appariement/syncserver/store"
)

// Start runs the scheduler of the timed notifications until Stop: every
// `every` (a minute if not positive) it calls Schedule at clock(), each
// notification being sent once (recorded by its key in the store). It
// does nothing without a queue.
func (m *Mailer) Start(every time.Duration, clock func() time.Time) {
	if m.q == nil || m.stop != nil {
		return
	}
	if every <= 0 {
		every = time.Minute
	}
	m.stop, m.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(m.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if err := m.Schedule(clock()); err != nil && !errors.Is(err, store.ErrClosed) {
				m.log.Error("server: notifications", "err", err)
			}
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// Stop stops the scheduler and waits for it; it may be called more than
// once, and without Start.
func (m *Mailer) Stop() {
	if m.stop == nil {
		return
	}
	m.stopOnce.Do(func() { close(m.stop) })
	<-m.done
}
