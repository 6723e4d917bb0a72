package servecmd

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"appariement/syncserver/server"
)

func TestServeHealthzAndShutdown(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	cfg := server.Config{DBPath: filepath.Join(dir, "store.db")}
	go func() {
		done <- Serve(ctx, cfg, "127.0.0.1:0", func(srv *server.Server, a net.Addr) {
			if srv.Store().ServerKey().Fingerprint == "" {
				t.Error("no fingerprint")
			}
			addrc <- URL(cfg, a)
		})
	}()
	var url string
	select {
	case url = <-addrc:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run([]string{"-log-format", "xml"}, &out, &errb); code != 2 {
		t.Fatalf("bad log format: exit %d, want 2 (%s)", code, errb.String())
	}
	if code := Run([]string{"-tls-cert", "x"}, &out, &errb); code != 2 {
		t.Fatalf("cert without key: exit %d, want 2", code)
	}
	if code := Run([]string{"-nope"}, &out, &errb); code != 2 {
		t.Fatalf("unknown flag: exit %d, want 2", code)
	}
}

func TestRunListenFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out, errb bytes.Buffer
	code := Run([]string{"-db", filepath.Join(t.TempDir(), "s.db"), "-addr", ln.Addr().String()}, &out, &errb)
	if code != 1 {
		t.Fatalf("busy address: exit %d, want 1 (%s)", code, errb.String())
	}
}

func TestURL(t *testing.T) {
	a := &net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}
	if got := URL(server.Config{}, a); got != "http://127.0.0.1:8080" {
		t.Errorf("URL(%v) = %s", a, got)
	}
	a = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8443}
	if got := URL(server.Config{TLSCert: "c", TLSKey: "k"}, a); got != "https://127.0.0.1:8443" {
		t.Errorf("URL(%v) = %s", a, got)
	}
}

// TestServeMetricsListener: with a metrics address the series are served
// there, and not on the API's address.
func TestServeMetricsListener(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := server.Config{DBPath: filepath.Join(t.TempDir(), "store.db")}
	metricsc := make(chan string, 1)
	apic := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveWithMetrics(ctx, cfg, "127.0.0.1:0", "127.0.0.1:0",
			func(a net.Addr) { metricsc <- "http://" + a.String() },
			func(_ *server.Server, a net.Addr) { apic <- URL(cfg, a) })
	}()
	var api, metrics string
	for api == "" || metrics == "" {
		select {
		case api = <-apic:
		case metrics = <-metricsc:
		case err := <-done:
			t.Fatalf("serve: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("server did not start")
		}
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(api + "/metrics"); code != http.StatusNotFound {
		t.Errorf("API /metrics: %d, want 404", code)
	}
	if code, body := get(metrics + "/metrics"); code != http.StatusOK || !bytes.Contains([]byte(body), []byte("process_start_time_seconds")) {
		t.Errorf("metrics listener: %d %.100s", code, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop")
	}
	if _, err := http.Get(metrics + "/metrics"); err == nil {
		t.Error("metrics still answered after shutdown")
	}
}
