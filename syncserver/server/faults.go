package server

import (
	"cmp"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"appariement/shared/api"
	"appariement/syncserver/store"
)

// This file holds what the server does about faults beyond a crash: a
// disk that refuses writes (full, over quota, read-only) and a clock that
// jumps. The store detects both; the server answers them as 503 refusals
// with a retry delay, reports them at /healthz and /readyz, and exposes
// them as metrics.

// clockSteps notices the server's wall clock (Config.Clock) moving apart
// from the monotonic clock: a step of an NTP correction, a VM restored from
// a snapshot. Durations never use the wall clock (rate limits, timeouts
// and tickers use time.Since and timers, which are monotonic); this only
// leaves a trace of the step.
type clockSteps struct {
	mu     sync.Mutex
	wall0  time.Time // Config.Clock at open
	mono0  time.Time // time.Now at open, with its monotonic reading
	offset time.Duration
	steps  uint64
}

// clockStepMin is the smallest divergence of the wall clock from the
// monotonic clock reported as a step.
const clockStepMin = 2 * time.Second

func (c *clockSteps) init(wall time.Time) {
	c.wall0, c.mono0 = wall, time.Now()
}

// observe compares the wall clock reading now with the monotonic time
// elapsed since open; it returns the step since the last observation (0
// if below clockStepMin).
func (c *clockSteps) observe(now time.Time) time.Duration {
	off := now.Sub(c.wall0) - time.Since(c.mono0)
	c.mu.Lock()
	defer c.mu.Unlock()
	step := off - c.offset
	if step.Abs() < clockStepMin {
		return 0
	}
	c.offset = off
	c.steps++
	return step
}

// checkClock leaves a trace of a clock step and refuses when the clock is
// behind the last log leaf (store.CheckClock).
func (s *Server) checkClock(now time.Time) error {
	s.noteClockStep(now)
	return s.store.CheckClock(now)
}

// noteClockStep logs (warning) a step of the wall clock against the
// monotonic clock since the last observation.
func (s *Server) noteClockStep(now time.Time) {
	if step := s.clock.observe(now); step != 0 {
		s.log.Warn("server: the wall clock stepped relative to the monotonic clock", "step", step.String(),
			"now", now.UTC(), "last_leaf_time", s.store.Health().LastLeafTime)
	}
}

// storageRefusal answers a write the file system refused.
func (s *Server) storageRefusal(q *req, err error) *api.Error {
	s.log.Debug("server: write refused by the storage", "route", q.route, "err", err)
	return storageRefusalError(store.StorageReason(err))
}

// healthReport is the body of /healthz and /readyz.
type healthReport struct {
	Status     string       `json:"status"` // ok, degraded (alive, not ready)
	Ready      bool         `json:"ready"`
	TreeSize   int64        `json:"tree_size"`
	ServerTime time.Time    `json:"server_time"`
	Store      store.Health `json:"store"`
	// Problems lists, in French and English, why the server is not ready.
	Problems   []api.Error `json:"problems,omitempty"`
	ClockSteps uint64      `json:"clock_steps,omitempty"`
}

func (s *Server) health(q *req) (*healthReport, error) {
	size, err := s.transparency.TreeSize()
	if err != nil {
		return nil, err
	}
	_ = s.checkClock(q.now)
	h := s.store.Health()
	rep := &healthReport{Status: "ok", Ready: true, TreeSize: size, ServerTime: q.now.UTC(), Store: h}
	s.clock.mu.Lock()
	rep.ClockSteps = s.clock.steps
	s.clock.mu.Unlock()
	if !h.Writable {
		rep.Problems = append(rep.Problems, *storageRefusalError(h.Reason))
	}
	if h.ClockBehind > 0 {
		rep.Problems = append(rep.Problems, *api.Errorf(api.CodeClockBehind,
			"l'horloge du serveur est en retard de %s sur la dernière entrée du journal (%s)",
			"the server's clock is %s behind the last log entry (%s)",
			h.ClockBehind.Round(time.Millisecond), h.LastLeafTime.UTC().Format(time.RFC3339Nano)))
	}
	if len(rep.Problems) > 0 {
		rep.Status, rep.Ready = "degraded", false
	}
	return rep, nil
}

// healthz is liveness: 200 while the process serves, with the store's
// state (writable, free space, clock) for operators.
func (s *Server) healthz(q *req) error {
	rep, err := s.health(q)
	if err != nil {
		return err
	}
	return q.ok(rep)
}

// readyz is readiness: 200 when the server can accept writes, 503 with a
// retry delay while the store is not writable or the clock is behind the
// last log entry, so that a load balancer sends writes elsewhere.
func (s *Server) readyz(q *req) error {
	rep, err := s.health(q)
	if err != nil {
		return err
	}
	if rep.Ready {
		return q.ok(rep)
	}
	retry := 0
	for _, p := range rep.Problems {
		retry = max(retry, p.RetryAfter)
	}
	if h := rep.Store.ClockBehind; h > 0 {
		retry = max(retry, int(min(math.Ceil(h.Seconds())+1, 300)))
	}
	q.code = rep.Problems[0].Code
	q.w.Header().Set("Retry-After", strconv.Itoa(cmp.Or(retry, 5)))
	writeJSON(q.w, http.StatusServiceUnavailable, rep)
	return nil
}

// faultCollectors are the store and clock series of /metrics, read when
// scraped:
//
//	appariement_store_writable                       gauge, 0 while the file system refuses writes
//	appariement_store_write_failures_total{reason}   counter, writes refused (no_space, quota, read_only)
//	appariement_clock_behind_seconds                 gauge, how far the clock reads before the last leaf
//	appariement_clock_steps_total                    counter, wall clock steps seen against the monotonic clock
func (s *Server) faultCollectors() []prometheus.Collector {
	cs := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "appariement_store_writable",
			Help: "1 if the store's file system accepts writes, 0 while it refuses them (full, quota, read-only).",
		}, func() float64 {
			if s.store.Health().Writable {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "appariement_clock_behind_seconds",
			Help: "How far the server's clock reads before the last log entry (0 normally).",
		}, func() float64 { return s.store.Health().ClockBehind.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "appariement_clock_steps_total",
			Help: "Steps of the wall clock seen against the monotonic clock.",
		}, func() float64 {
			s.clock.mu.Lock()
			defer s.clock.mu.Unlock()
			return float64(s.clock.steps)
		}),
	}
	for _, reason := range []string{"no_space", "quota", "read_only"} {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "appariement_store_write_failures_total",
			Help:        "Writes refused by the file system, by reason.",
			ConstLabels: prometheus.Labels{"reason": reason},
		}, func() float64 { return float64(s.store.Health().Failures[reason]) }))
	}
	return cs
}
