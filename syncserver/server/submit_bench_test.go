//go:build unix

package server_test

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"appariement/syncserver/loadtest"
	"appariement/syncserver/server"
)

// benchPostes is the catalogue size of BenchmarkSubmit: the burst's
// (lab loadtest -postes 20000).
const benchPostes = 20000

// BenchmarkSubmit measures the submission path as the burst drives it: a
// real server on a real bbolt file, HTTP on loopback, one pre-signed wish
// list (10 postes of 20,000) per intern and operation, b.RunParallel
// senders (-cpu sets their number ×GOMAXPROCS; 256 in flight with
// -cpu 2 and SetParallelism(128)). Every answer must be a 200 receipt.
// Besides ns/op (wall, sensitive to the other work on the machine) it
// reports cpu-µs/op: the process's user + system CPU time (getrusage)
// divided by the submissions, senders included. Each call seeds a fresh
// store with b.N interns and warms the catalogue cache before the timer.
//
//	go test -p 1 -run '^$' -bench BenchmarkSubmit -benchtime 10000x ./syncserver/server/
func BenchmarkSubmit(b *testing.B) {
	cat := loadtest.NewCatalogue(b.N+1, benchPostes)
	path := filepath.Join(b.TempDir(), "bench.db")
	if err := cat.Seed(path); err != nil {
		b.Fatal(err)
	}
	srv, err := server.Open(server.Config{DBPath: path, Name: loadtest.KeyName, IPRate: rate.Inf, IdentityRate: rate.Inf,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	b.Cleanup(func() {
		srv.Close()
		<-done
	})
	url := "http://" + ln.Addr().String() + "/v1/submissions"
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512}}
	defer hc.CloseIdleConnections()

	// Signed before the timer, as interns sign offline.
	now := time.Now()
	bodies := make([][]byte, b.N+1)
	for i := range bodies {
		bodies[i] = cat.WishList(i, 1, 10, now).Encode()
	}
	post := func(body []byte, buf *bytes.Buffer) error {
		resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		buf.Reset()
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return &statusError{resp.StatusCode, buf.String()}
		}
		return nil
	}
	// The catalogue cache's one load of the round's postes, before the timer.
	if err := post(bodies[b.N], new(bytes.Buffer)); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.SetParallelism(128)
	b.ReportAllocs()
	cpu0 := processCPU(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var buf bytes.Buffer
		for pb.Next() {
			i := next.Add(1) - 1
			if err := post(bodies[i], &buf); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	cpu := processCPU(b) - cpu0
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return http.StatusText(e.status) + ": " + e.body }

// processCPU is this process's user + system CPU time so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
