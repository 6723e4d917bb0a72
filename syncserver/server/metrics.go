package server

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"appariement/shared/api"
)

// metrics are the counters and histograms served at /metrics in the
// Prometheus text exposition format (version 0.0.4), written by hand: a few
// series do not need a client library.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // route, status → count
	latency  map[string]*histogram
	accepted uint64
	again    uint64
	refusals map[[2]string]uint64 // route, code → count
	batches  *histogram
	commitS  *histogram
	extra    func(io.Writer) // the store and clock series (faults.go)
}

var (
	latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	batchBuckets   = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}
)

type histogram struct {
	bounds []float64
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	n      uint64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v)
	h.counts[i]++
	h.sum += v
	h.n++
}

func (h *histogram) write(w io.Writer, name, labels string) {
	sep := ""
	if labels != "" {
		sep = ","
	}
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i]
		fmt.Fprintf(w, "%s_bucket{%s%sle=%q} %d\n", name, labels, sep, strconv.FormatFloat(b, 'g', -1, 64), cum)
	}
	cum += h.counts[len(h.bounds)]
	fmt.Fprintf(w, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, cum)
	if labels != "" {
		labels = "{" + labels + "}"
	}
	fmt.Fprintf(w, "%s_sum%s %g\n%s_count%s %d\n", name, labels, h.sum, name, labels, h.n)
}

func newMetrics() *metrics {
	return &metrics{
		requests: map[[2]string]uint64{},
		latency:  map[string]*histogram{},
		refusals: map[[2]string]uint64{},
		batches:  newHistogram(batchBuckets),
		commitS:  newHistogram(latencyBuckets),
	}
}

func (m *metrics) observeRequest(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, strconv.Itoa(status)}]++
	h, ok := m.latency[route]
	if !ok {
		h = newHistogram(latencyBuckets)
		m.latency[route] = h
	}
	h.observe(d.Seconds())
}

func (m *metrics) observeBatch(n int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.batches.observe(float64(n))
	m.commitS.observe(d.Seconds())
}

func (m *metrics) acceptedSubmission(again bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if again {
		m.again++
	} else {
		m.accepted++
	}
}

func (m *metrics) refused(route string, code api.Code) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refusals[[2]string{route, string(code)}]++
}

func sortedKeys[K [2]string | string, V any](m map[K]V, less func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, less)
	return keys
}

func cmpPair(a, b [2]string) int {
	return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP appariement_http_requests_total HTTP requests by route and status.")
	fmt.Fprintln(w, "# TYPE appariement_http_requests_total counter")
	for _, k := range sortedKeys(m.requests, cmpPair) {
		fmt.Fprintf(w, "appariement_http_requests_total{route=%q,status=%q} %d\n", k[0], k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP appariement_http_request_duration_seconds Time to serve a request, by route.")
	fmt.Fprintln(w, "# TYPE appariement_http_request_duration_seconds histogram")
	for _, route := range sortedKeys(m.latency, cmp.Compare[string]) {
		m.latency[route].write(w, "appariement_http_request_duration_seconds", fmt.Sprintf("route=%q", route))
	}
	fmt.Fprintln(w, "# HELP appariement_submissions_accepted_total Submissions appended to the log.")
	fmt.Fprintln(w, "# TYPE appariement_submissions_accepted_total counter")
	fmt.Fprintf(w, "appariement_submissions_accepted_total %d\n", m.accepted)
	fmt.Fprintln(w, "# HELP appariement_submissions_resent_total Submissions sent again and answered with their first receipt.")
	fmt.Fprintln(w, "# TYPE appariement_submissions_resent_total counter")
	fmt.Fprintf(w, "appariement_submissions_resent_total %d\n", m.again)
	fmt.Fprintln(w, "# HELP appariement_refusals_total Refused requests by route and refusal code.")
	fmt.Fprintln(w, "# TYPE appariement_refusals_total counter")
	for _, k := range sortedKeys(m.refusals, cmpPair) {
		fmt.Fprintf(w, "appariement_refusals_total{route=%q,code=%q} %d\n", k[0], k[1], m.refusals[k])
	}
	fmt.Fprintln(w, "# HELP appariement_commit_batch_size Submissions per group commit (one fsync).")
	fmt.Fprintln(w, "# TYPE appariement_commit_batch_size histogram")
	m.batches.write(w, "appariement_commit_batch_size", "")
	fmt.Fprintln(w, "# HELP appariement_commit_duration_seconds Duration of a group commit.")
	fmt.Fprintln(w, "# TYPE appariement_commit_duration_seconds histogram")
	m.commitS.write(w, "appariement_commit_duration_seconds", "")
	if m.extra != nil {
		m.extra(w)
	}
}
