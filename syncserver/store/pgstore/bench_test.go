//go:build unix

package pgstore

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"appariement/syncserver/pgtest"
	"appariement/syncserver/store"
)

// BenchmarkAppendSyncStandby appends a burst of submissions from many
// clients through one node, each durable on the primary and its
// synchronous standby, and reports submissions/s and the p99 latency of
// Append (the store alone: no HTTP, no nonce, no receipt).
//
//	go test -run - -bench AppendSyncStandby -benchtime 5000x ./syncserver/store/pgstore
func BenchmarkAppendSyncStandby(b *testing.B) {
	c := pgtest.Start(b, pgtest.Options{Standby: true})
	dsn, err := c.CreateDB(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(context.Background(), dsn, store.Options{Key: testServerKey})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	_, priv, _ := ed25519.GenerateKey(nil)
	ps := make([]*store.Pending, b.N)
	for i := range ps {
		ps[i] = newPending(priv, fmt.Sprintf("i%06d", i), 1)
	}
	const clients = 200
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	next := make(chan int)
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				if _, err := s.Append(context.Background(), ps[i]); err != nil {
					b.Error(err)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	for i := range ps {
		next <- i
	}
	close(next)
	wg.Wait()
	d := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/d.Seconds(), "submissions/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
}
