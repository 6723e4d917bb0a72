// Package candidates answers who applied to a poste of a round: the interns
// whose current wish list names it, for the ranking coverage (intake) and
// for the list an RTS ranks (files, GET /candidates).
//
// While a round's wish lists may still change, each answer is a scan of
// the round's current wish lists. Once its wishes have closed and settled
// (Settle after their close), the candidates of every poste of the round
// are found in one scan and kept until its wishes close at another time (a
// reopening): with 20,000 lists of 40 wishes, a scan is about a second, a
// kept answer a map lookup.
package candidates

import (
	"slices"
	"sync"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/syncserver/store"
)

// Settle is how long after a round's wishes closed their current lists are
// taken as final: longer than any group commit of a wish list validated
// before the close, so that every node finds the same candidates.
const Settle = time.Minute

// Index finds and keeps the candidates of the rounds whose wishes settled.
// The zero value is ready; an Index is safe for concurrent use.
type Index struct {
	mu      sync.Mutex
	byRound map[string]kept
}

type kept struct {
	closed time.Time           // the round's WishesClose when they were found
	of     map[string][]string // poste → interns, in the store's order
}

// Of returns the interns whose current wish list of r names poste at now,
// in the order of the store's current submissions (by author), read in tx.
// The slice is shared: callers must not change it.
func (x *Index) Of(tx store.Tx, r *domain.Round, poste string, now time.Time) ([]string, error) {
	if !settled(r, now) {
		return scan(tx, r.ID, poste)
	}
	x.mu.Lock()
	k, ok := x.byRound[r.ID]
	x.mu.Unlock()
	if ok && k.closed.Equal(r.WishesClose) {
		return k.of[poste], nil
	}
	wls, err := tx.CurrentOfType(r.ID, api.WishListType)
	if err != nil {
		return nil, err
	}
	of := map[string][]string{}
	for _, wl := range wls {
		for _, p := range wl.List {
			of[p] = append(of[p], wl.Author)
		}
	}
	x.mu.Lock()
	if x.byRound == nil {
		x.byRound = map[string]kept{}
	}
	x.byRound[r.ID] = kept{closed: r.WishesClose, of: of}
	x.mu.Unlock()
	return of[poste], nil
}

// Count returns len(Of(tx, r, poste, now)).
func (x *Index) Count(tx store.Tx, r *domain.Round, poste string, now time.Time) (int, error) {
	of, err := x.Of(tx, r, poste, now)
	return len(of), err
}

// settled reports whether r's wish lists are final at now: its wishes
// closed, at a recorded time at least Settle ago.
func settled(r *domain.Round, now time.Time) bool {
	return !r.WishesClose.IsZero() && rules.WindowClosed(r, api.WishListType, now) && now.Sub(r.WishesClose) >= Settle
}

// scan returns the interns whose current wish list of round names poste,
// in one scan.
func scan(tx store.Tx, round, poste string) ([]string, error) {
	wls, err := tx.CurrentOfType(round, api.WishListType)
	if err != nil {
		return nil, err
	}
	var of []string
	for _, wl := range wls {
		if slices.Contains(wl.List, poste) {
			of = append(of, wl.Author)
		}
	}
	return of, nil
}
