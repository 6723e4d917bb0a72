package server_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
)

// scrape returns the text exposition of s's metrics.
func scrape(t *testing.T, s *server.Server) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// TestMetricsNotOnAPI: /metrics is not answered on the API's listener, to
// anyone (security review, issue 11: it was public); the metrics are on
// their own listener, which serves nothing else.
func TestMetricsNotOnAPI(t *testing.T) {
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	for _, method := range []string{"GET", "HEAD"} {
		req, err := http.NewRequest(method, env.URL+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s /metrics on the API listener: %d, want 404", method, resp.StatusCode)
		}
		if strings.Contains(string(body), "appariement_") || strings.Contains(string(body), "go_goroutines") {
			t.Errorf("%s /metrics on the API listener leaks series: %.200s", method, body)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- env.Server.ServeMetrics(ln) }()
	base := "http://" + ln.Addr().String()
	// One API request, to be counted.
	if _, err := env.Anonymous().ServerKey(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics listener: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if want := `appariement_http_requests_total{route="GET /v1/server-key",status="200"} 1`; !strings.Contains(string(body), want) {
		t.Errorf("metrics lack %q", want)
	}
	for _, path := range []string{"/", "/v1/server-key", "/healthz"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("metrics listener answers %s with %d, want 404", path, resp.StatusCode)
		}
	}
	env.Server.Close()
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("ServeMetrics after Close: %v, want http.ErrServerClosed", err)
	}
}

// TestMetricsSeries: the series of the hand-written exposition kept their
// names, types and labels under client_golang, beside the Go runtime and
// process collectors.
func TestMetricsSeries(t *testing.T) {
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	c := env.Anonymous()
	if _, err := c.ServerKey(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A refusal: an unknown route.
	resp, err := http.Get(env.URL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	text := string(scrape(t, env.Server))
	for _, want := range []string{
		"# TYPE appariement_http_requests_total counter",
		"# TYPE appariement_http_request_duration_seconds histogram",
		"# TYPE appariement_submissions_accepted_total counter",
		"# TYPE appariement_submissions_resent_total counter",
		"# TYPE appariement_refusals_total counter",
		"# TYPE appariement_commit_batch_size histogram",
		"# TYPE appariement_commit_duration_seconds histogram",
		`appariement_http_requests_total{route="GET /v1/server-key",status="200"} 1`,
		`appariement_http_request_duration_seconds_bucket{route="GET /v1/server-key",le="0.001"}`,
		`appariement_http_request_duration_seconds_bucket{route="GET /v1/server-key",le="+Inf"} 1`,
		`appariement_http_request_duration_seconds_count{route="GET /v1/server-key"} 1`,
		`appariement_refusals_total{code="` + string(api.CodeNotFound) + `",route="not_found"} 1`,
		"appariement_submissions_accepted_total 0",
		`appariement_commit_batch_size_bucket{le="512"}`,
		"go_goroutines ",
		"go_memstats_heap_alloc_bytes ",
		"process_resident_memory_bytes ",
		"process_open_fds ",
		"# TYPE appariement_mail_queue gauge",
		`appariement_mail_queue{status="queued"}`,
		`appariement_mail_queue{status="failed"} 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
