package intake

import (
	"context"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// coverageRound creates round id in its rankings window, its wishes closed
// at closed, requiring every candidate ranked, with poste P1 of rts and the
// current wish lists of interns naming P1 (written as the log left them).
func coverageRound(t testing.TB, in *Service, id string, closed time.Time, interns ...string) {
	t.Helper()
	err := in.st.Update(func(tx store.Tx) error {
		if err := tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: id, Name: id, Procedure: domain.Appariement, Number: 1,
			State: domain.StateRankingsOpen, WishesClose: closed, RankingsClose: now.Add(time.Hour), MinRankingCoverage: 100}}); err != nil {
			return err
		}
		if _, err := store.PutPostes(tx, id, []domain.Poste{{ID: "P1", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, Capacity: 1,
			Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"}}, false); err != nil {
			return err
		}
		return addWishLists(tx, id, interns...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func addWishLists(tx store.Tx, round string, interns ...string) error {
	for _, id := range interns {
		if err := tx.PutCurrent(store.Current{Round: round, Author: id, PayloadType: api.WishListType, Seq: 1, List: []string{"P1", "P9"}}); err != nil {
			return err
		}
	}
	return nil
}

// TestCoverageCounts: the coverage counts the current candidates; while the
// wishes have not settled every ranking counts again (a wish list that
// arrives is counted at once); once settled, the counts are kept, and a
// round whose wishes close at another time (reopened) is counted again.
func TestCoverageCounts(t *testing.T) {
	in := open(t)
	try := func(round string, ranked ...string) api.Code {
		t.Helper()
		_, err := in.Submit(context.Background(), ranking(t, rts, round, "P1", uint64(time.Now().UnixNano()), ranked...), now, func(string) error { return nil })
		return code(err)
	}
	for _, p := range []person{intern, outsider} {
		if err := in.st.Update(func(tx store.Tx) error { return tx.PutPerson(p.Person) }); err != nil {
			t.Fatal(err)
		}
	}

	// Not settled: closed 10 s ago.
	coverageRound(t, in, "RA", now.Add(-10*time.Second), intern.ID)
	if got := try("RA", intern.ID); got != "" {
		t.Fatalf("every candidate ranked: %q", got)
	}
	if err := in.st.Update(func(tx store.Tx) error { return addWishLists(tx, "RA", outsider.ID) }); err != nil {
		t.Fatal(err)
	}
	if got := try("RA", intern.ID); got != api.CodeRankingCoverage {
		t.Fatalf("a candidate more, not yet settled: %q, want %q", got, api.CodeRankingCoverage)
	}

	// Settled: closed 2 min ago; the counts are those of the first count.
	coverageRound(t, in, "RB", now.Add(-2*time.Minute), intern.ID, outsider.ID)
	if got := try("RB", intern.ID); got != api.CodeRankingCoverage {
		t.Fatalf("one of two: %q", got)
	}
	if got := try("RB", intern.ID, outsider.ID); got != "" {
		t.Fatalf("two of two: %q", got)
	}
	// Kept: a list written now (which the window forbids) is not counted.
	if err := in.st.Update(func(tx store.Tx) error { return addWishLists(tx, "RB", "i9") }); err != nil {
		t.Fatal(err)
	}
	if got := try("RB", intern.ID, outsider.ID); got != "" {
		t.Fatalf("two of two, counts kept: %q", got)
	}

	// Reopened and closed again at another time, with a third candidate:
	// counted again.
	third := newPerson("i3", domain.RoleIntern)
	err := in.st.Update(func(tx store.Tx) error {
		if err := tx.PutPerson(third.Person); err != nil {
			return err
		}
		rec, err := tx.Round("RB")
		if err != nil {
			return err
		}
		rec.WishesClose = now.Add(-90 * time.Second)
		if err := tx.PutRound(rec); err != nil {
			return err
		}
		return addWishLists(tx, "RB", third.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := try("RB", intern.ID, outsider.ID); got != api.CodeRankingCoverage {
		t.Fatalf("two of three after the reopening: %q, want %q", got, api.CodeRankingCoverage)
	}
}
