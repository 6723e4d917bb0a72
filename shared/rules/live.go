package rules

import "time"

// LiveCursor returns how many of total turns a live reveal started at
// start, at pace ranks a minute, has revealed at now: the first at once,
// then one every minute/pace, never more than total. next is when the
// next turn comes (zero once all are revealed, or when start is zero or
// pace not positive, which reveal nothing).
func LiveCursor(start time.Time, pace, total int, now time.Time) (revealed int, next time.Time) {
	if start.IsZero() || pace <= 0 || total <= 0 {
		return 0, time.Time{}
	}
	elapsed := max(now.Sub(start), 0)
	// elapsed×pace/minute without overflow: whole minutes, then the rest.
	n := int64(elapsed/time.Minute)*int64(pace) + int64(elapsed%time.Minute)*int64(pace)/int64(time.Minute)
	if n >= int64(total-1) {
		return total, time.Time{}
	}
	revealed = int(n) + 1
	// The turn after is revealed once elapsed×pace ≥ revealed minutes.
	k := int64(revealed)
	wait := time.Duration((k*int64(time.Minute) + int64(pace) - 1) / int64(pace))
	return revealed, start.Add(wait)
}
