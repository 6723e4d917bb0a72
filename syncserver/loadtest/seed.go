package loadtest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/store"
	_ "appariement/syncserver/store/boltstore" // the "file" backend
	_ "appariement/syncserver/store/pgstore"   // the "postgres" backend
)

// Round is the id of the round seeded for load and crash tests.
const Round = "RL"

// KeyName is the server key name of stores seeded by this package.
const KeyName = "appariement.loadtest"

var (
	specialties  = []string{"CARDIO", "PNEUMO", "PEDIAT", "PSYCHI", "ANESTH"}
	subdivisions = []string{"LYON", "PARIS", "LILLE", "MARSEILLE", "BORDEAUX", "NANTES", "TOULOUSE", "STRASBOURG"}
)

// groups is the number of (specialty, subdivision) pairs.
var groups = len(specialties) * len(subdivisions)

// Catalogue is a synthetic national data set: one round open for wishes,
// its postes spread over specialties and subdivisions, and interns.
// Intern i belongs to group i mod groups, and poste k to group k mod groups.
type Catalogue struct {
	Round   string
	Postes  []domain.Poste
	Interns []string
}

// NewCatalogue describes interns and postes; it writes nothing.
func NewCatalogue(interns, postes int) *Catalogue {
	c := &Catalogue{Round: Round}
	for k := range postes {
		g := k % groups
		c.Postes = append(c.Postes, domain.Poste{ID: fmt.Sprintf("P%05d", k+1),
			Specialty: specialties[g%len(specialties)], Subdivision: subdivisions[g/len(specialties)],
			Etablissement: fmt.Sprintf("CHU %s", subdivisions[g/len(specialties)]), Service: fmt.Sprintf("Service %d", k+1),
			Town: subdivisions[g/len(specialties)], Title: "Poste de charge", RTS: "rts-load",
			RTSName: "Dr Charge", RTSEmail: "rts-load@chu.example.fr", Capacity: 1 + k%3})
	}
	for i := range interns {
		c.Interns = append(c.Interns, InternID(i))
	}
	return c
}

// InternID is the identifier of the i-th synthetic intern.
func InternID(i int) string { return fmt.Sprintf("lt%06d", i) }

// KeyFor derives the private key of a synthetic intern from its id, so that
// a load test can sign for interns seeded by another process (see -seed).
// These keys are public knowledge: never seed them into a real store.
func KeyFor(id string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("appariement loadtest key:" + id))
	return ed25519.NewKeyFromSeed(seed[:])
}

// group returns the (specialty, subdivision) pair index of intern i.
func group(i int) int { return i % groups }

// WishList returns intern i's signed wish list of up to n postes of its
// group, in a deterministic order, with sequence number seq.
func (c *Catalogue) WishList(i int, seq uint64, n int, clientTime time.Time) *envelope.Envelope {
	g := group(i)
	var mine []string
	for k := g; k < len(c.Postes); k += groups {
		mine = append(mine, c.Postes[k].ID)
	}
	r := rand.New(rand.NewPCG(uint64(i), seq))
	r.Shuffle(len(mine), func(a, b int) { mine[a], mine[b] = mine[b], mine[a] })
	if len(mine) > n {
		mine = mine[:n]
	}
	if mine == nil {
		mine = []string{}
	}
	id := c.Interns[i]
	b, err := json.Marshal(api.Submission{Round: c.Round, Author: id, Seq: seq, ClientTime: clientTime.UTC(), List: mine})
	if err != nil {
		panic("loadtest: " + err.Error()) // a plain struct always encodes
	}
	return envelope.Sign(KeyFor(id), api.WishListType, b)
}

// Seed writes the catalogue into the store at path, a bbolt file (created
// if missing) or another backend's location such as postgres://…: the
// round open for wishes, its postes, the interns, their derived public
// keys and their eligibility, in one transaction. No server may be
// running on a bbolt file.
func (c *Catalogue) Seed(path string) error {
	s, err := store.Open(path, store.Options{Name: KeyName})
	if err != nil {
		return fmt.Errorf("loadtest: open %s: %w", path, err)
	}
	now := time.Now().Add(-time.Minute)
	err = s.Update(func(tx store.Tx) error {
		rec := &store.RoundRecord{Round: domain.Round{ID: c.Round, Name: "Tour de charge", Procedure: domain.Appariement,
			Number: 1, State: domain.StateWishesOpen}}
		if err := tx.CreateRound(rec); err != nil {
			return fmt.Errorf("create round: %w", err)
		}
		if _, err := store.PutPostes(tx, c.Round, c.Postes, false); err != nil {
			return fmt.Errorf("postes: %w", err)
		}
		for i, id := range c.Interns {
			g := group(i)
			p := domain.Person{ID: id, Role: domain.RoleIntern, LastName: fmt.Sprintf("CHARGE%d", i), FirstName: "Camille",
				Email: id + "@etu.example.fr", Specialty: specialties[g%len(specialties)],
				Subdivision: subdivisions[g/len(specialties)], Rank: i + 1}
			if err := tx.PutPerson(p); err != nil {
				return fmt.Errorf("person %s: %w", id, err)
			}
			if err := tx.RegisterKey(id, KeyFor(id).Public().(ed25519.PublicKey), now); err != nil {
				return fmt.Errorf("key of %s: %w", id, err)
			}
		}
		if err := tx.SetEligible(c.Round, c.Interns); err != nil {
			return fmt.Errorf("eligible: %w", err)
		}
		return nil
	})
	if cerr := s.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("loadtest: seed %s: %w", path, err)
	}
	return nil
}
