package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrStorageUnavailable marks a write that failed because the file system
// is full, over quota or read-only: nothing was committed, and the same
// write will succeed once space returns. Test it with errors.Is.
var ErrStorageUnavailable = errors.New("storage unavailable")

// StorageError is a write refused by the file system for lack of space,
// quota or write access. It unwraps to ErrStorageUnavailable and to the
// error of the file system.
type StorageError struct {
	Reason string // "no_space", "quota" or "read_only"
	Err    error
}

func (e *StorageError) Error() string {
	return fmt.Sprintf("store: cannot write (%s): %v", e.Reason, e.Err)
}

// Unwrap returns ErrStorageUnavailable and the file system's error.
func (e *StorageError) Unwrap() []error { return []error{ErrStorageUnavailable, e.Err} }

// StorageReason classifies err: the Reason of a *StorageError in its
// chain (a backend's own, such as PostgreSQL's "database_unavailable"),
// else "no_space" (ENOSPC), "quota" (EDQUOT) or "read_only" (EROFS), or ""
// for any other error. bbolt wraps some of these with %s (file resize,
// mmap allocate), so the system's sentence is recognised as well as the
// errno.
func StorageReason(err error) string {
	if err == nil {
		return ""
	}
	if se, ok := errors.AsType[*StorageError](err); ok && se.Reason != "" {
		return se.Reason
	}
	for _, c := range []struct {
		errno  syscall.Errno
		reason string
	}{{syscall.ENOSPC, "no_space"}, {syscall.EDQUOT, "quota"}, {syscall.EROFS, "read_only"}} {
		if errors.Is(err, c.errno) || strings.Contains(err.Error(), c.errno.Error()) {
			return c.reason
		}
	}
	return ""
}

// IsStorageUnavailable reports whether err is a write refused for lack of
// space, quota or write access, wrapped by the store or not.
func IsStorageUnavailable(err error) bool {
	return errors.Is(err, ErrStorageUnavailable) || StorageReason(err) != ""
}

// Health is what the store knows of its own state, for /healthz and
// /readyz: whether the file can be written, and whether the clock is
// behind the last log entry.
type Health struct {
	Writable bool `json:"writable"`
	// Reason and Error say why the last write failed (while not writable).
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
	// Since is when writes started failing (while not writable).
	Since time.Time `json:"since,omitzero"`
	// Failures counts writes refused by the file system since open, by reason.
	Failures map[string]uint64 `json:"failures,omitempty"`
	// FreeBytes is the space left to an unprivileged writer on the file
	// system of the store (-1 if unknown, see Backend.FreeBytes).
	FreeBytes int64 `json:"free_bytes"`
	// LastLeafTime is the server time of the last log leaf.
	LastLeafTime time.Time `json:"last_leaf_time,omitzero"`
	// ClockBehind is how far the clock reads before LastLeafTime (0 when
	// it does not, or by less than a second): while positive, submissions
	// and round changes are refused.
	ClockBehind time.Duration `json:"clock_behind_ns,omitempty"`
}

// health tracks write failures.
type health struct {
	mu       sync.Mutex
	failing  bool
	reason   string
	lastErr  string
	since    time.Time
	lastLog  time.Time // monotonic, to bound the error lines while failing
	lastUp   time.Time // monotonic, to bound the "writes succeed again" lines
	refused  uint64    // writes refused since the last log line
	failures map[string]uint64
	probing  bool
	lastLeaf time.Time
	clockLog time.Time // monotonic, to bound the clock error lines
}

// probeEvery is how often, while writes fail, a small write checks
// whether space is back (so that readiness comes back without traffic).
var probeEvery = 2 * time.Second

// probeMinFree is the free space below which the probe does not even try.
const probeMinFree = 1 << 20

// noteWrite records the outcome of a write transaction and returns err,
// wrapped as a *StorageError when the file system refused the write.
func (s *Store) noteWrite(err error) error {
	h := &s.health
	if err == nil {
		h.mu.Lock()
		was, since, refused := h.failing, h.since, h.refused
		logNow := was && time.Since(h.lastUp) > 5*time.Second
		if logNow {
			h.lastUp = time.Now()
		}
		h.failing, h.reason, h.lastErr = false, "", ""
		if logNow {
			h.refused = 0
		}
		h.mu.Unlock()
		if logNow {
			s.opts.Logger.Warn("store: writes succeed again", "store", s.b.String(),
				"unavailable_for", time.Since(since).Round(time.Millisecond).String(), "refused_since_last_line", refused)
		}
		return nil
	}
	reason := StorageReason(err)
	if reason == "" {
		return err
	}
	var se *StorageError
	if !errors.As(err, &se) {
		err = &StorageError{Reason: reason, Err: err}
	}
	h.mu.Lock()
	if h.failures == nil {
		h.failures = map[string]uint64{}
	}
	h.failures[reason]++
	h.refused++
	first := !h.failing
	// One line when writes start failing, then at most one every 30 s: a
	// disk on the edge makes writes fail and succeed in turn.
	logNow := (first && time.Since(h.lastLog) > 5*time.Second) || time.Since(h.lastLog) > 30*time.Second
	if first {
		h.failing, h.since = true, time.Now()
	}
	h.reason, h.lastErr = reason, err.Error()
	refused := h.refused
	if logNow {
		h.lastLog, h.refused = time.Now(), 0
	}
	startProbe := !h.probing
	h.probing = true
	h.mu.Unlock()
	if logNow {
		s.opts.Logger.Error("store: cannot write, refusing writes with storage_unavailable until the storage accepts writes again",
			"store", s.b.String(), "reason", reason, "free_bytes", s.b.FreeBytes(), "refused", refused, "err", err)
	}
	if startProbe {
		go s.probe()
	}
	return err
}

// probe writes a small key every probeEvery while writes fail, so that the
// store becomes writable again (and the server ready) without waiting for
// a client's write.
func (s *Store) probe() {
	t := time.NewTicker(probeEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			s.health.mu.Lock()
			s.health.probing = false
			s.health.mu.Unlock()
			return
		case <-t.C:
		}
		s.health.mu.Lock()
		failing := s.health.failing
		if !failing {
			s.health.probing = false
		}
		s.health.mu.Unlock()
		if !failing {
			return
		}
		if free := s.b.FreeBytes(); free >= 0 && free < probeMinFree {
			continue // still full: a small write into bbolt's free pages would say ready too soon
		}
		v := make([]byte, 512)
		rand.Read(v)
		_ = s.Update(func(tx Tx) error { return tx.PutMeta(MetaProbe, v) })
	}
}

// Health returns the store's state now.
func (s *Store) Health() Health {
	h := &s.health
	h.mu.Lock()
	out := Health{Writable: !h.failing, Reason: h.reason, Error: h.lastErr, LastLeafTime: h.lastLeaf}
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
	out.FreeBytes = s.b.FreeBytes()
	if now := s.opts.Clock(); now.Add(clockSlack).Before(out.LastLeafTime) {
		out.ClockBehind = out.LastLeafTime.Sub(now)
	}
	return out
}

// CheckClockTx refuses with a *ClockError (ErrClockBehind; the server
// answers clock_behind, 503 with a retry delay) when now is before the
// server time of the last log leaf as recorded in tx: the clock went
// backwards, and a window judged by it, or a leaf stamped with it, could
// not be trusted.
func (s *Store) CheckClockTx(tx Tx, now time.Time) error {
	last, err := lastLeafTime(tx)
	if err != nil {
		return err
	}
	if now.Before(last) {
		s.clockRefused(now, last)
		return &ClockError{Now: now, Last: last}
	}
	return nil
}

// clockSlack is how far behind the last leaf the clock may read in checks
// made outside the write transaction (a batch committed between the
// caller's clock reading and the check is not a clock going backwards);
// the check inside the transaction that appends leaves is exact.
const clockSlack = time.Second

// CheckClock is CheckClockTx against the last leaf time known in memory,
// without a transaction and with a slack of one second: the early check of
// a request, and what /healthz reports.
func (s *Store) CheckClock(now time.Time) error {
	s.health.mu.Lock()
	last := s.health.lastLeaf
	s.health.mu.Unlock()
	if now.Add(clockSlack).Before(last) {
		s.clockRefused(now, last)
		return &ClockError{Now: now, Last: last}
	}
	return nil
}

func (s *Store) clockRefused(now, last time.Time) {
	s.health.mu.Lock()
	logNow := s.health.clockLog.IsZero() || time.Since(s.health.clockLog) > 10*time.Second
	if logNow {
		s.health.clockLog = time.Now()
	}
	s.health.mu.Unlock()
	if !logNow {
		return
	}
	s.opts.Logger.Error("store: the clock is behind the last log entry; refusing submissions and round changes",
		"now", now.UTC(), "last_leaf_time", last.UTC(), "behind", last.Sub(now).String())
}

func lastLeafTime(tx Tx) (time.Time, error) {
	var last time.Time
	v, err := tx.GetMeta(MetaLastLeafTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last leaf time: %w", err)
	}
	if v != nil {
		if err := last.UnmarshalText(v); err != nil {
			return time.Time{}, fmt.Errorf("store: last leaf time: %w", err)
		}
	}
	return last, nil
}

func (s *Store) setLastLeaf(t time.Time) {
	s.health.mu.Lock()
	if t.After(s.health.lastLeaf) {
		s.health.lastLeaf = t
	}
	s.health.mu.Unlock()
}
