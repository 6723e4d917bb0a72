package rules

import (
	"testing"
	"time"

	"appariement/shared/api"
)

// TestLiveCursor: the first turn at once, then one every minute/pace,
// never more than total, and when the next comes.
func TestLiveCursor(t *testing.T) {
	t0 := time.Date(2026, 9, 1, 14, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for _, c := range []struct {
		name        string
		start       time.Time
		pace, total int
		now         time.Time
		revealed    int
		next        time.Time
	}{
		{"not started", time.Time{}, 60, 10, at(time.Hour), 0, time.Time{}},
		{"no pace", t0, 0, 10, at(time.Hour), 0, time.Time{}},
		{"empty round", t0, 60, 0, at(time.Hour), 0, time.Time{}},
		{"at start", t0, 60, 10, t0, 1, at(time.Second)},
		{"clock behind", t0, 60, 10, at(-time.Minute), 1, at(time.Second)},
		{"just before the second", t0, 60, 10, at(999 * time.Millisecond), 1, at(time.Second)},
		{"second", t0, 60, 10, at(time.Second), 2, at(2 * time.Second)},
		{"2 a minute", t0, 2, 10, at(61 * time.Second), 3, at(90 * time.Second)},
		{"7 a minute, rounded up", t0, 7, 100, at(10 * time.Second), 2, at(17142857143)},
		{"last", t0, 60, 10, at(9 * time.Second), 10, time.Time{}},
		{"long after", t0, 1, 10, at(1000 * time.Hour), 10, time.Time{}},
		{"fast and large, no overflow", t0, api.MaxLivePace, 1 << 30, at(24 * time.Hour), 144000001, at(24*time.Hour + 600*time.Microsecond)},
	} {
		r, n := LiveCursor(c.start, c.pace, c.total, c.now)
		if r != c.revealed || !n.Equal(c.next) {
			t.Errorf("%s: got %d next %v, want %d next %v", c.name, r, n, c.revealed, c.next)
		}
	}
}
