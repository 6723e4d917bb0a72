package server

import (
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"appariement/shared/api"
)

// metrics are the server's Prometheus series, in a registry of their own
// (not the global one: tests open many servers in one process) with the Go
// runtime and process collectors beside them.
//
// They are not on the API's router: /metrics tells who is active and how
// much, so it is served by ServeMetrics on a listener of its own, on
// loopback by default (serve -metrics-addr), never on the public address.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // route, status
	latency  *prometheus.HistogramVec // route
	accepted prometheus.Counter
	again    prometheus.Counter
	refusals *prometheus.CounterVec // route, code
	batches  prometheus.Histogram
	commitS  prometheus.Histogram
}

var (
	latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	batchBuckets   = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}
)

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "appariement_http_requests_total",
			Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "appariement_http_request_duration_seconds",
			Help:    "Time to serve a request, by route.",
			Buckets: latencyBuckets,
		}, []string{"route"}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "appariement_submissions_accepted_total",
			Help: "Submissions appended to the log.",
		}),
		again: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "appariement_submissions_resent_total",
			Help: "Submissions sent again and answered with their first receipt.",
		}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "appariement_refusals_total",
			Help: "Refused requests by route and refusal code.",
		}, []string{"route", "code"}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "appariement_commit_batch_size",
			Help:    "Submissions per group commit (one fsync).",
			Buckets: batchBuckets,
		}),
		commitS: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "appariement_commit_duration_seconds",
			Help:    "Duration of a group commit.",
			Buckets: latencyBuckets,
		}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.accepted, m.again, m.refusals, m.batches, m.commitS,
	)
	return m
}

func (m *metrics) observeRequest(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) observeBatch(n int, d time.Duration) {
	m.batches.Observe(float64(n))
	m.commitS.Observe(d.Seconds())
}

func (m *metrics) acceptedSubmission(again bool) {
	if again {
		m.again.Inc()
	} else {
		m.accepted.Inc()
	}
}

func (m *metrics) refused(route string, code api.Code) {
	m.refusals.WithLabelValues(route, string(code)).Inc()
}

// handler serves the registry in the Prometheus exposition formats.
func (m *metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg, // promhttp_metric_handler_errors_total
	})
}

// MetricsHandler returns the handler of the server's Prometheus metrics
// (the series at /metrics). It is not part of Handler: serve it with
// ServeMetrics on a private address, or mount it behind your own access
// control.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler(s.log) }

// ServeMetrics serves GET /metrics (and nothing else) on ln, in plain HTTP,
// until Close; it then returns http.ErrServerClosed. The listener should be
// on loopback or a private monitoring network: the metrics carry no
// authentication of their own.
func (s *Server) ServeMetrics(ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.MetricsHandler())
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	s.mu.Unlock()
	s.log.Info("server: serving metrics", "addr", ln.Addr().String())
	return hs.Serve(ln)
}

// IsLoopback reports whether addr ("host:port") names a loopback address
// ("localhost", 127.0.0.0/8 or ::1), the default home of ServeMetrics.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
