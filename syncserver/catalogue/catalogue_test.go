package catalogue_test

import (
	"errors"
	"testing"

	"appariement/shared/domain"
	"appariement/syncserver/catalogue"
	"appariement/syncserver/rounds/roundstest"
	"appariement/syncserver/store"
)

// TestCacheFollowsVersion: the postes are read again when the round's
// catalogue version moves, and not otherwise.
func TestCacheFollowsVersion(t *testing.T) {
	st := roundstest.Open(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R", Postes: 2})
	c := catalogue.New()
	read := func() (map[string]*domain.Poste, uint64) {
		var m map[string]*domain.Poste
		var v uint64
		if err := st.View(func(tx store.Tx) error {
			rec, err := tx.Round("R")
			if err != nil {
				return err
			}
			v = rec.CatalogueVersion
			m, err = c.Postes(tx, rec)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return m, v
	}
	m1, v1 := read()
	m2, _ := read()
	if len(m1) != 2 || m1["P1"] != m2["P1"] {
		t.Fatalf("the second read did not come from the cache: %v %v", m1, m2)
	}
	for _, c := range []struct {
		name   string
		postes []domain.Poste
		closed bool
		open   int
	}{
		{"added", []domain.Poste{{ID: "P3", Capacity: 1, Specialty: "CARDIO", Subdivision: "LYON", RTS: "rts"}}, false, 3},
		{"full list closes the others", []domain.Poste{{ID: "P3", Capacity: 2, Specialty: "CARDIO", Subdivision: "LYON", RTS: "rts"}}, true, 1},
	} {
		if err := st.Update(func(tx store.Tx) error { _, err := store.PutPostes(tx, "R", c.postes, c.closed); return err }); err != nil {
			t.Fatal(err)
		}
		m, v := read()
		open := 0
		for _, p := range m {
			if !p.Closed {
				open++
			}
		}
		if v == v1 || open != c.open {
			t.Errorf("%s: version %d (was %d), %d open postes, want %d", c.name, v, v1, open, c.open)
		}
	}
}

// noPostes is a transaction whose postes cannot be read: what a cached
// read must not need.
type noPostes struct{ store.Tx }

func (noPostes) Postes(string, uint64) ([]domain.Poste, error) {
	return nil, errors.New("postes read again")
}

// TestWarm: Warm loads the postes of the rounds not yet matched, so that
// the first submission needs no load; a matched round is not loaded.
func TestWarm(t *testing.T) {
	st := roundstest.Open(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R", Postes: 3, State: domain.StateWishesOpen})
	roundstest.Write(t, st, roundstest.Round{ID: "M", Number: 2, Postes: 2, State: domain.StateMatched})
	c := catalogue.New()
	if err := c.Warm(st); err != nil {
		t.Fatal(err)
	}
	get := func(id string) (map[string]*domain.Poste, error) {
		var m map[string]*domain.Poste
		err := st.View(func(tx store.Tx) error {
			rec, err := tx.Round(id)
			if err != nil {
				return err
			}
			m, err = c.Postes(noPostes{tx}, rec)
			return err
		})
		return m, err
	}
	if m, err := get("R"); err != nil || len(m) != 3 {
		t.Fatalf("open round after Warm: %d postes, %v", len(m), err)
	}
	if _, err := get("M"); err == nil {
		t.Fatal("matched round loaded by Warm")
	}
}
