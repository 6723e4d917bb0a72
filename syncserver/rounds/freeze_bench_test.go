package rounds

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/match"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

// benchKey derives a benchmark author's key from its id.
func benchKey(id string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("appariement rounds bench:" + id))
	return ed25519.NewKeyFromSeed(seed[:])
}

// nationalStore writes a national appariement round into a store in dir: the postes,
// interns and wish lists of match.GenerateInstance (50,000 interns, 20,000 postes, 40
// wishes) and one RTS per poste ranking all its applicants, every list a signed envelope
// appended to the log (70,000 leaves). It returns the store and the size of its log.
func nationalStore(b *testing.B, dir string) (*store.Store, int64) {
	b.Helper()
	inst := match.GenerateInstance(2020, 50_000, 20_000, 40)
	s, err := boltstore.Open(filepath.Join(dir, "store.db"), store.Options{Name: "appariement.bench"})
	if err != nil {
		b.Fatal(err)
	}
	const round = "RN"
	now := time.Now().Add(-time.Hour)
	err = s.Update(func(tx store.Tx) error {
		rec := &store.RoundRecord{Round: domain.Round{ID: round, Name: "Tour national", Procedure: domain.Appariement,
			Number: 1, State: domain.StateRankingsClosed}}
		if err := tx.CreateRound(rec); err != nil {
			return err
		}
		var postes []domain.Poste
		for _, p := range inst.Postes {
			postes = append(postes, domain.Poste{ID: p.ID, Specialty: "CARDIO", Subdivision: "LYON", Capacity: p.Capacity,
				RTS: "R" + p.ID, Title: "Poste"})
		}
		if _, err := store.PutPostes(tx, round, postes, false); err != nil {
			return err
		}
		var ids []string
		for _, in := range inst.Interns {
			ids = append(ids, in.ID)
		}
		people := append([]string{}, ids...)
		for _, p := range inst.Postes {
			people = append(people, "R"+p.ID)
		}
		for k, id := range people {
			role := domain.RoleIntern
			if k >= len(ids) {
				role = domain.RoleRTS
			}
			if err := tx.PutPerson(domain.Person{ID: id, Role: role, LastName: "BANC", FirstName: "Camille",
				Email: id + "@example.fr", Specialty: "CARDIO", Subdivision: "LYON", Rank: k + 1}); err != nil {
				return err
			}
			if err := tx.RegisterKey(id, benchKey(id).Public().(ed25519.PublicKey), now); err != nil {
				return err
			}
		}
		return tx.SetEligible(round, ids)
	})
	if err != nil {
		b.Fatal(err)
	}
	type job struct {
		author, poste, typ string
		list               []string
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 64 {
		wg.Go(func() {
			for j := range jobs {
				payload, _ := json.Marshal(api.Submission{Round: round, Author: j.author, Seq: 1, ClientTime: now,
					Poste: j.poste, List: j.list})
				env := envelope.Sign(benchKey(j.author), j.typ, payload)
				_, err := s.Append(context.Background(), &store.Pending{Env: env, Current: store.Current{
					Round: round, Author: j.author, Poste: j.poste, PayloadType: j.typ, Seq: 1, List: j.list}})
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		})
	}
	for _, in := range inst.Interns {
		jobs <- job{in.ID, "", api.WishListType, in.Wishes}
	}
	for _, rk := range inst.Rankings {
		jobs <- job{"R" + rk.Poste, rk.Poste, api.RankingType, rk.Ranking}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	var size int64
	if err := s.View(func(tx store.Tx) error {
		size = tx.TreeSize()
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if size != int64(len(inst.Interns)+len(inst.Rankings)) {
		b.Fatalf("log of %d leaves", size)
	}
	return s, size
}

// BenchmarkRunNational measures the server's run of a national round, stage by stage:
// freezing the input (reading the 70,000 leaves, decoding every envelope and verifying
// every signature, on GOMAXPROCS cores), then computing the result (the canonical input
// document and its digest, the instance, deferred acceptance, check: shared/frozen).
func BenchmarkRunNational(b *testing.B) {
	if testing.Short() {
		b.Skip("national store: about a minute to build")
	}
	s, size := nationalStore(b, b.TempDir())
	defer s.Close()
	var in *Input
	b.Run("freeze", func(b *testing.B) {
		for b.Loop() {
			if err := s.View(func(tx store.Tx) error {
				var err error
				in, err = Freeze(tx, "RN", size)
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
	})
	b.Run("compute", func(b *testing.B) {
		for b.Loop() {
			res, _, err := Compute(in, "checkpoint", time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Assignments)+len(res.Unmatched) != 50_000 {
				b.Fatal(fmt.Sprint("result of ", len(res.Assignments), " assignments"))
			}
		}
	})
}
