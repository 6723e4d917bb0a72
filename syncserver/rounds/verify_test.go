package rounds

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/audit"
	"appariement/shared/envelope"
)

// TestParallelCoversEachIndexOnce checks the worker pool on sizes around its chunk.
func TestParallelCoversEachIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 255, 256, 257, 5000} {
		hits := make([]atomic.Int32, n)
		parallel(n, func(k int) { hits[k].Add(1) })
		for k := range hits {
			if got := hits[k].Load(); got != 1 {
				t.Fatalf("n=%d: index %d done %d times", n, k, got)
			}
		}
	}
}

// TestVerifyAllReportsFirstBadLeaf spreads bad signatures over a long list: the error is
// always that of the first one in log order, whatever the goroutines' timing.
func TestVerifyAllReportsFirstBadLeaf(t *testing.T) {
	t0 := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	var subs []leafSubmission
	for k := range 800 {
		author := fmt.Sprintf("I%04d", k)
		key := benchKey(author)
		env := envelope.Sign(key, api.WishListType, []byte(`{"author":"`+author+`"}`))
		if k == 534 || k == 600 || k == 799 {
			env.Payload = append(env.Payload, ' ') // no longer what was signed
		}
		subs = append(subs, leafSubmission{index: int64(k), at: t0, env: env, sub: &api.Submission{Author: author},
			keys: []audit.Key{{PublicKey: key.Public().(ed25519.PublicKey), Registered: t0.Add(-time.Hour)}}})
	}
	for range 3 {
		err := verifyAll("R1", subs)
		if err == nil || !strings.Contains(err.Error(), "leaf 534 by I0534") {
			t.Fatalf("got %v, want the error of leaf 534", err)
		}
	}
	if err := verifyAll("R1", subs[:534]); err != nil {
		t.Fatal(err)
	}
}
