package catalogue_test

import (
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
