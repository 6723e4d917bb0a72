package candidates

import (
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// open returns a real store with round R, in its rankings window, whose
// wishes closed at closed, and the current wish lists of lists (author →
// postes).
func open(t testing.TB, closed time.Time, lists map[string][]string) (*store.Store, *domain.Round) {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Key: key, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &domain.Round{ID: "R", Name: "R", Procedure: domain.Appariement, Number: 1, State: domain.StateRankingsOpen, WishesClose: closed}
	err = st.Update(func(tx store.Tx) error {
		if err := tx.CreateRound(&store.RoundRecord{Round: *r}); err != nil {
			return err
		}
		return put(tx, lists)
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, r
}

func put(tx store.Tx, lists map[string][]string) error {
	for author, list := range lists {
		if err := tx.PutCurrent(store.Current{Round: "R", Author: author, PayloadType: api.WishListType, Seq: 1, List: list}); err != nil {
			return err
		}
	}
	return nil
}

func of(t *testing.T, st *store.Store, x *Index, r *domain.Round, poste string) []string {
	t.Helper()
	var got []string
	if err := st.View(func(tx store.Tx) (err error) { got, err = x.Of(tx, r, poste, now); return err }); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestOf: the candidates of a poste in the store's order; before the
// wishes settle, a list written later is found at once; once settled, the
// answer is kept; wishes closed at another time (a reopening) are read
// again; a round whose wishes never closed at a recorded time is always
// read.
func TestOf(t *testing.T) {
	lists := map[string][]string{"i3": {"P1", "P2"}, "i1": {"P2", "P1"}, "i2": {"P2"}}
	for _, tc := range []struct {
		name   string
		closed time.Time
		kept   bool
	}{
		{"just closed", now.Add(-10 * time.Second), false},
		{"never recorded", time.Time{}, false},
		{"settled", now.Add(-Settle), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, r := open(t, tc.closed, lists)
			if tc.closed.IsZero() {
				r.State = domain.StateRankingsOpen
			}
			var x Index
			if got := of(t, st, &x, r, "P1"); !slices.Equal(got, []string{"i1", "i3"}) {
				t.Fatalf("P1: %v", got)
			}
			if got := of(t, st, &x, r, "P9"); len(got) != 0 {
				t.Fatalf("P9: %v", got)
			}
			if err := st.Update(func(tx store.Tx) error { return put(tx, map[string][]string{"i4": {"P1"}}) }); err != nil {
				t.Fatal(err)
			}
			want := []string{"i1", "i3", "i4"}
			if tc.kept {
				want = []string{"i1", "i3"}
			}
			if got := of(t, st, &x, r, "P1"); !slices.Equal(got, want) {
				t.Fatalf("P1 after a list more: %v, want %v", got, want)
			}
			if !tc.kept {
				return
			}
			reopened := *r
			reopened.WishesClose = now.Add(-2 * Settle)
			if got := of(t, st, &x, &reopened, "P1"); !slices.Equal(got, []string{"i1", "i3", "i4"}) {
				t.Fatalf("P1 after a reopening: %v", got)
			}
		})
	}
}

// BenchmarkOf: the candidates of a poste among 20,000 wish lists of 40
// postes, once the wishes settled (found once, then kept: the kept
// answer is timed) and just after they closed (a scan of every wish list
// each time).
func BenchmarkOf(b *testing.B) {
	lists := map[string][]string{}
	for k := range 20_000 {
		list := []string{"P1"}
		for w := range 39 {
			list = append(list, fmt.Sprintf("Q%05d", (k+w)%20_000))
		}
		lists[fmt.Sprintf("i%05d", k)] = list
	}
	for _, tc := range []struct {
		name   string
		closed time.Duration
	}{{"settled", -time.Hour}, {"just-closed", -time.Second}} {
		b.Run(tc.name, func(b *testing.B) {
			st, r := open(b, now.Add(tc.closed), lists)
			var x Index
			// The first answer, which scans in both cases, is outside the timer.
			if err := st.View(func(tx store.Tx) error { _, err := x.Of(tx, r, "P1", now); return err }); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				err := st.View(func(tx store.Tx) error {
					n, err := x.Count(tx, r, "P1", now)
					if err == nil && n != len(lists) {
						err = fmt.Errorf("%d candidates, want %d", n, len(lists))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
