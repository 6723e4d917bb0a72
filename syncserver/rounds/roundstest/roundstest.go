// Package roundstest opens a real store in a test's temporary directory
// and writes a small round into it, for the tests of the use-case
// packages (roundadmin, calllists, simulation, live, imports).
package roundstest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"appariement/shared/domain"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

// Now is the fixtures' clock: a fixed instant.
var Now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Open opens a new store (bbolt file in t.TempDir(), with a signing key)
// closed at the end of the test.
func Open(t testing.TB) *store.Store {
	t.Helper()
	seed := sha256.Sum256([]byte("roundstest"))
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "store.db"), store.Options{Name: "appariement.test",
		Key: ed25519.NewKeyFromSeed(seed[:]), Clock: func() time.Time { return Now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Round describes a round to write: Interns interns i1… of CARDIO/LYON
// ranked 1…, one intern "ped" of PED/LYON, the RTS "rts", and Postes
// postes P1… of CARDIO/LYON with Capacity places each (1 if 0).
type Round struct {
	ID        string
	Procedure domain.Procedure // domain.ChoixAuRang if empty
	Number    int              // 1 if 0
	State     domain.RoundState
	Interns   int
	Postes    int
	Capacity  int
	// Eligible fixes the interns of the round (as the opening of its
	// wishes does).
	Eligible bool
}

// Write writes r (and its people) into st.
func Write(t testing.TB, st *store.Store, r Round) {
	t.Helper()
	if r.Procedure == "" {
		r.Procedure = domain.ChoixAuRang
	}
	if r.Number == 0 {
		r.Number = 1
	}
	if r.State == "" {
		r.State = domain.StateDraft
	}
	if r.Capacity == 0 {
		r.Capacity = 1
	}
	err := st.Update(func(tx store.Tx) error {
		var ids []string
		for i := 1; i <= r.Interns; i++ {
			id := fmt.Sprintf("i%d", i)
			ids = append(ids, id)
			if err := tx.PutPerson(domain.Person{ID: id, Role: domain.RoleIntern, LastName: "Interne", FirstName: id,
				Email: id + "@example.fr", Specialty: "CARDIO", Subdivision: "LYON", Rank: i}); err != nil {
				return err
			}
		}
		for _, p := range []domain.Person{
			{ID: "ped", Role: domain.RoleIntern, LastName: "Pédiatre", Email: "ped@example.fr", Specialty: "PED", Subdivision: "LYON", Rank: 1},
			{ID: "rts", Role: domain.RoleRTS, LastName: "Responsable", Email: "rts@example.fr"},
		} {
			if err := tx.PutPerson(p); err != nil {
				return err
			}
		}
		rec := &store.RoundRecord{Round: domain.Round{ID: r.ID, Name: "Tour " + r.ID, Procedure: r.Procedure, Number: r.Number,
			Specialty: "CARDIO", Subdivision: "LYON", State: r.State}}
		if r.Procedure == domain.ChoixAuRang {
			// As roundadmin does at creation: the call list's seed is
			// drawn and committed before any call list is computed.
			c, err := rounds.CommitCallListDraw(st, tx, r.ID)
			if err != nil {
				return err
			}
			rec.CallListCommitment = c
		}
		if err := tx.CreateRound(rec); err != nil {
			return err
		}
		var postes []domain.Poste
		for i := 1; i <= r.Postes; i++ {
			postes = append(postes, domain.Poste{ID: fmt.Sprintf("P%d", i), Capacity: r.Capacity, Specialty: "CARDIO", Subdivision: "LYON",
				Etablissement: "CHU", Service: "Cardiologie", Town: "Lyon", Title: "Poste", RTS: "rts", RTSName: "Dr R", RTSEmail: "rts@example.fr"})
		}
		if len(postes) > 0 {
			if _, err := store.PutPostes(tx, r.ID, postes, false); err != nil {
				return err
			}
		}
		if r.Eligible {
			return tx.SetEligible(r.ID, ids)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
