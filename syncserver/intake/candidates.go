package intake

import (
	"slices"
	"sync"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/syncserver/store"
)

// settle is how long after a round's wishes closed their current lists are
// taken as final: longer than any group commit of a wish list validated
// before the close, so that every node counts the same candidates.
const settle = time.Minute

// candidateCounts counts the candidates of each poste of a round (the
// interns whose current wish list names it) for the ranking coverage.
// Once the wishes closed and settled, the counts of a round are computed
// once, in one scan of its wish lists, and kept until its wishes close at
// another time (a reopening); before, each count is a scan of its own.
type candidateCounts struct {
	mu      sync.Mutex
	byRound map[string]roundCounts
}

type roundCounts struct {
	closed time.Time // the round's WishesClose when they were counted
	counts map[string]int
}

// count returns how many interns' current wish lists of r name poste, as
// GET /candidates lists them.
func (c *candidateCounts) count(tx store.Tx, r *domain.Round, poste string, now time.Time) (int, error) {
	if r.WishesClose.IsZero() || !rules.WindowClosed(r, api.WishListType, now) || now.Sub(r.WishesClose) < settle {
		return candidateCount(tx, r.ID, poste)
	}
	c.mu.Lock()
	kept, ok := c.byRound[r.ID]
	c.mu.Unlock()
	if ok && kept.closed.Equal(r.WishesClose) {
		return kept.counts[poste], nil
	}
	wls, err := tx.CurrentOfType(r.ID, api.WishListType)
	if err != nil {
		return 0, err
	}
	counts := map[string]int{}
	for _, wl := range wls {
		for _, p := range wl.List {
			counts[p]++
		}
	}
	c.mu.Lock()
	if c.byRound == nil {
		c.byRound = map[string]roundCounts{}
	}
	c.byRound[r.ID] = roundCounts{closed: r.WishesClose, counts: counts}
	c.mu.Unlock()
	return counts[poste], nil
}

// candidateCount returns how many interns' current wish lists of round name
// poste, in one scan.
func candidateCount(tx store.Tx, round, poste string) (int, error) {
	wls, err := tx.CurrentOfType(round, api.WishListType)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, wl := range wls {
		if slices.Contains(wl.List, poste) {
			n++
		}
	}
	return n, nil
}
