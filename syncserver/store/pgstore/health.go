package pgstore

import (
	"strings"
	"sync"
	"time"

	"appariement/syncserver/store"
)

// health tracks whether the database answers writes, for /readyz.
type health struct {
	mu       sync.Mutex
	failing  bool
	reason   string
	lastErr  string
	since    time.Time
	failures map[string]uint64
	lastLeaf time.Time
}

func (h *health) ok() {
	h.mu.Lock()
	h.failing, h.reason, h.lastErr = false, "", ""
	h.mu.Unlock()
}

func (h *health) fail(se *store.StorageError) {
	h.mu.Lock()
	if !h.failing {
		h.failing, h.since = true, time.Now()
	}
	h.reason, h.lastErr = se.Reason, se.Err.Error()
	if h.failures == nil {
		h.failures = map[string]uint64{}
	}
	h.failures[se.Reason]++
	h.mu.Unlock()
}

func (h *health) setLastLeaf(t time.Time) {
	h.mu.Lock()
	if t.After(h.lastLeaf) {
		h.lastLeaf = t
	}
	h.mu.Unlock()
}

// Health returns what the node knows of the database: whether its last
// use succeeded, and the last leaf time it saw.
func (s *Store) Health() store.Health {
	h := &s.health
	h.mu.Lock()
	out := store.Health{Writable: !h.failing, Reason: h.reason, Error: h.lastErr, LastLeafTime: h.lastLeaf, FreeBytes: -1}
	if h.failing {
		out.Since = h.since.UTC()
	}
	if len(h.failures) > 0 {
		out.Failures = make(map[string]uint64, len(h.failures))
		for k, v := range h.failures {
			out.Failures[k] = v
		}
	}
	h.mu.Unlock()
	if now := s.opts.Clock(); now.Add(time.Second).Before(out.LastLeafTime) {
		out.ClockBehind = out.LastLeafTime.Sub(now)
	}
	return out
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
