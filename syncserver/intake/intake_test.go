package intake

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type person struct {
	domain.Person
	priv ed25519.PrivateKey
}

func newPerson(id string, role domain.Role) person {
	_, priv, _ := ed25519.GenerateKey(nil)
	return person{Person: domain.Person{ID: id, Role: role, LastName: id, FirstName: id, Specialty: "MG", Subdivision: "PARIS"}, priv: priv}
}

var (
	intern   = newPerson("i1", domain.RoleIntern)
	outsider = newPerson("i2", domain.RoleIntern) // not eligible
	rts      = newPerson("r1", domain.RoleRTS)
	stranger = newPerson("x1", domain.RoleIntern) // not enrolled
)

// open returns the intake of a real store in t.TempDir(): round R1 with
// its wishes window open, round R2 whose wishes are closed, the poste P1
// of R1 (MG × PARIS, RTS r1), intern i1 eligible to R1 and R2, and the
// keys of i1, i2 and r1.
func open(t testing.TB) *Service {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	clock := func() time.Time { return now }
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Key: key, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Update(func(tx store.Tx) error {
		for _, p := range []person{intern, outsider, rts, stranger} {
			if err := tx.PutPerson(p.Person); err != nil {
				return err
			}
			if p.ID != stranger.ID {
				if err := tx.RegisterKey(p.ID, p.priv.Public().(ed25519.PublicKey), now.Add(-time.Hour)); err != nil {
					return err
				}
			}
		}
		for _, r := range []domain.Round{
			{ID: "R1", Name: "R1", Procedure: domain.Appariement, Number: 1, State: domain.StateWishesOpen, WishesClose: now.Add(time.Hour)},
			{ID: "R2", Name: "R2", Procedure: domain.Appariement, Number: 1, State: domain.StateWishesClosed},
		} {
			if err := tx.CreateRound(&store.RoundRecord{Round: r}); err != nil {
				return err
			}
			if err := tx.SetEligible(r.ID, []string{intern.ID}); err != nil {
				return err
			}
			if _, err := store.PutPostes(tx, r.ID, []domain.Poste{{ID: "P1", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, Capacity: 1,
				Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"}}, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	postes := func(tx store.Tx, rec *store.RoundRecord) (map[string]*domain.Poste, error) {
		list, err := tx.Postes(rec.ID, 0)
		m := map[string]*domain.Poste{}
		for i := range list {
			m[list[i].ID] = &list[i]
		}
		return m, err
	}
	return New(st, Config{Postes: postes, Clock: clock, CheckClock: st.CheckClock})
}

func wishes(t *testing.T, p person, round string, seq uint64, list ...string) []byte {
	t.Helper()
	if list == nil {
		list = []string{}
	}
	b, err := json.Marshal(api.Submission{Round: round, Author: p.ID, Seq: seq, ClientTime: now, List: list})
	if err != nil {
		t.Fatal(err)
	}
	return envelope.Sign(p.priv, api.WishListType, b).Encode()
}

// storeConflict stands for the store's refusal of a sequence number
// already used by other bytes (the server answers it as conflict).
const storeConflict api.Code = "store: conflict"

func code(err error) api.Code {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, store.ErrConflict) {
		return storeConflict
	}
	if err != nil {
		return "not an api.Error"
	}
	return ""
}

func TestSubmit(t *testing.T) {
	in := open(t)
	first := wishes(t, intern, "R1", 1, "P1")
	forged := envelope.Sign(rts.priv, api.WishListType, []byte(`{"round":"R1","author":"i1","seq":2,"client_time":"2026-03-02T09:00:00Z","list":[]}`)).Encode()
	unsigned, _ := json.Marshal(map[string]any{"payloadType": api.WishListType, "payload": []byte("{}"), "signatures": []any{}})
	for _, tc := range []struct {
		name  string
		body  []byte
		want  api.Code
		again bool
	}{
		{"garbage", []byte("{"), api.CodeMalformed, false},
		{"unsigned", unsigned, api.CodeUnsigned, false},
		{"unknown type", envelope.Sign(intern.priv, "text/plain", []byte("x")).Encode(), api.CodeMalformed, false},
		{"unknown author", wishes(t, stranger, "R1", 1), api.CodeUnknownAuthor, false},
		{"forged", forged, api.CodeBadSignature, false},
		{"unknown round", wishes(t, intern, "R9", 1), api.CodeUnknownRound, false},
		{"closed window", wishes(t, intern, "R2", 1), api.CodeWindowClosed, false},
		{"not eligible", wishes(t, outsider, "R1", 1), api.CodeForbidden, false},
		{"not an intern", wishes(t, rts, "R1", 1), api.CodeForbidden, false},
		{"unknown poste", wishes(t, intern, "R1", 1, "P9"), api.CodeUnknownPoste, false},
		{"twice in the list", wishes(t, intern, "R1", 1, "P1", "P1"), api.CodeDuplicate, false},
		{"seq 0", wishes(t, intern, "R1", 0), api.CodeMalformed, false},
		{"accepted", first, "", false},
		{"the same again", first, "", true},
		{"replayed seq", wishes(t, intern, "R1", 1), storeConflict, false},
		{"next", wishes(t, intern, "R1", 2), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			admitted := ""
			acc, err := in.Submit(context.Background(), tc.body, now, func(a string) error { admitted = a; return nil })
			if got := code(err); got != tc.want {
				t.Fatalf("Submit: %v, want %q", err, tc.want)
			}
			if tc.want != "" {
				return
			}
			if acc.Receipt == nil || acc.Again != tc.again {
				t.Errorf("accepted %+v, want again=%v", acc, tc.again)
			}
			if !tc.again && admitted != intern.ID {
				t.Errorf("admit called with %q, want %q", admitted, intern.ID)
			}
		})
	}
	limited := api.Errorf(api.CodeRateLimited, "trop", "too many")
	if _, err := in.Submit(context.Background(), wishes(t, intern, "R1", 3), now, func(string) error { return limited }); code(err) != api.CodeRateLimited {
		t.Errorf("admit's refusal: %v, want rate_limited", err)
	}
}

// FuzzSubmit: whatever the body, Submit answers a refusal (an api.Error,
// or the store's sequence refusal) or a receipt, and a refusal adds
// nothing to the log.
func FuzzSubmit(f *testing.F) {
	f.Add(wishesF(f, intern, "R1", 1, "P1"))
	f.Add(wishesF(f, intern, "R1", 1, "P1", "P1"))
	f.Add(wishesF(f, rts, "R1", 1))
	f.Add([]byte(`{"payloadType":"x","payload":"eyJ9","signatures":[{"keyid":"a","sig":""}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in := open(t)
		size := func() int64 {
			var n int64
			if err := in.st.View(func(tx store.Tx) error { n = tx.TreeSize(); return nil }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := size()
		acc, err := in.Submit(context.Background(), body, now, func(string) error { return nil })
		switch c := code(err); {
		case err == nil:
			if acc.Receipt == nil {
				t.Fatal("accepted without a receipt")
			}
		case c == "not an api.Error":
			t.Fatalf("refusal %v is not an api.Error", err)
		default:
			if after := size(); after != before {
				t.Fatalf("refused (%v) but the log grew from %d to %d", err, before, after)
			}
		}
	})
}

func wishesF(f *testing.F, p person, round string, seq uint64, list ...string) []byte {
	b, err := json.Marshal(api.Submission{Round: round, Author: p.ID, Seq: seq, ClientTime: now, List: append([]string{}, list...)})
	if err != nil {
		f.Fatal(err)
	}
	return envelope.Sign(p.priv, api.WishListType, b).Encode()
}

func ranking(t *testing.T, p person, round, poste string, seq uint64, list ...string) []byte {
	t.Helper()
	b, err := json.Marshal(api.Submission{Round: round, Author: p.ID, Seq: seq, ClientTime: now, Poste: poste, List: append([]string{}, list...)})
	if err != nil {
		t.Fatal(err)
	}
	return envelope.Sign(p.priv, api.RankingType, b).Encode()
}

// TestSubmitRanking: an RTS ranks the candidates of their poste in round
// R3 (rankings open, every candidate to be ranked); i1 and i2 listed P1.
func TestSubmitRanking(t *testing.T) {
	in := open(t)
	err := in.st.Update(func(tx store.Tx) error {
		if err := tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R3", Name: "R3", Procedure: domain.Appariement, Number: 1,
			State: domain.StateRankingsOpen, RankingsClose: now.Add(time.Hour), MinRankingCoverage: 100}}); err != nil {
			return err
		}
		_, err := store.PutPostes(tx, "R3", []domain.Poste{
			{ID: "P1", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, Capacity: 1, Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"},
			{ID: "P2", Specialty: "MG", Subdivision: "PARIS", RTS: "r9", Capacity: 1, Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"},
			{ID: "P3", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, Capacity: 1, Closed: true, Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"},
		}, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []person{intern, outsider} { // their wish lists, from the wishes window
		b, _ := json.Marshal(api.Submission{Round: "R3", Author: p.ID, Seq: 1, ClientTime: now, List: []string{"P1"}})
		if _, err := in.st.Append(context.Background(), &store.Pending{Env: envelope.Sign(p.priv, api.WishListType, b),
			Current: store.Current{Round: "R3", Author: p.ID, PayloadType: api.WishListType, Seq: 1, List: []string{"P1"}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		body []byte
		want api.Code
	}{
		{"by an intern", ranking(t, intern, "R3", "P1", 1, intern.ID), api.CodeForbidden},
		{"no poste", ranking(t, rts, "R3", "", 1), api.CodeMalformed},
		{"unknown poste", ranking(t, rts, "R3", "P9", 1), api.CodeUnknownPoste},
		{"not my poste", ranking(t, rts, "R3", "P2", 1), api.CodeForbidden},
		{"withdrawn", ranking(t, rts, "R3", "P3", 1), api.CodePosteClosed},
		{"unknown intern", ranking(t, rts, "R3", "P1", 1, "x9"), api.CodeUnknownIntern},
		{"not a candidate", ranking(t, rts, "R3", "P1", 1, stranger.ID), api.CodeNotCandidate},
		{"below the coverage", ranking(t, rts, "R3", "P1", 1, intern.ID), api.CodeRankingCoverage},
		{"wishes window", ranking(t, rts, "R1", "P1", 1, intern.ID), api.CodeWindowNotOpen},
		{"every candidate", ranking(t, rts, "R3", "P1", 1, outsider.ID, intern.ID), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := in.Submit(context.Background(), tc.body, now, func(string) error { return nil })
			if got := code(err); got != tc.want {
				t.Fatalf("Submit: %v, want %q", err, tc.want)
			}
		})
	}
}

func signed(t *testing.T, p person, typ string, sub api.Submission) []byte {
	t.Helper()
	sub.Author, sub.ClientTime = p.ID, now
	b, err := json.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	return envelope.Sign(p.priv, typ, b).Encode()
}

// TestSubmitTies: ranks are checked by the one rule (rules.CheckRanks);
// wishes ex aequo only in a round with WishTies; an RTS may rank ex aequo
// in an appariement, and tied candidates count as ranked for the coverage.
func TestSubmitTies(t *testing.T) {
	in := open(t)
	postes := []domain.Poste{
		{ID: "P1", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, Capacity: 1, Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"},
		{ID: "P2", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, Capacity: 1, Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"},
	}
	err := in.st.Update(func(tx store.Tx) error {
		for _, r := range []domain.Round{
			{ID: "T1", Name: "T1", Procedure: domain.Appariement, Number: 1, State: domain.StateWishesOpen, WishesClose: now.Add(time.Hour), WishTies: true},
			{ID: "T2", Name: "T2", Procedure: domain.Appariement, Number: 1, State: domain.StateWishesOpen, WishesClose: now.Add(time.Hour)},
			{ID: "T3", Name: "T3", Procedure: domain.Appariement, Number: 1, State: domain.StateRankingsOpen, RankingsClose: now.Add(time.Hour), MinRankingCoverage: 100},
		} {
			if err := tx.CreateRound(&store.RoundRecord{Round: r}); err != nil {
				return err
			}
			if err := tx.SetEligible(r.ID, []string{intern.ID}); err != nil {
				return err
			}
			if _, err := store.PutPostes(tx, r.ID, postes, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []person{intern, outsider} { // candidates of P1 in T3
		b, _ := json.Marshal(api.Submission{Round: "T3", Author: p.ID, Seq: 1, ClientTime: now, List: []string{"P1"}})
		if _, err := in.st.Append(context.Background(), &store.Pending{Env: envelope.Sign(p.priv, api.WishListType, b),
			Current: store.Current{Round: "T3", Author: p.ID, PayloadType: api.WishListType, Seq: 1, List: []string{"P1"}}}); err != nil {
			t.Fatal(err)
		}
	}
	wl := func(round string, seq uint64, ranks ...int) []byte {
		return signed(t, intern, api.WishListType, api.Submission{Round: round, Seq: seq, List: []string{"P1", "P2"}, Ranks: ranks})
	}
	rk := func(seq uint64, list []string, ranks ...int) []byte {
		return signed(t, rts, api.RankingType, api.Submission{Round: "T3", Poste: "P1", Seq: seq, List: list, Ranks: ranks})
	}
	both := []string{intern.ID, outsider.ID}
	for _, tc := range []struct {
		name string
		body []byte
		want api.Code
	}{
		{"wishes tied, round allows", wl("T1", 1, 1, 1), ""},
		{"wishes strict ranks, round allows", wl("T1", 2, 1, 2), ""},
		{"wishes bad ranks", wl("T1", 3, 1, 3), api.CodeBadRanks},
		{"wishes ranks too short", wl("T1", 3, 1), api.CodeBadRanks},
		{"wishes tied, round does not allow", wl("T2", 1, 1, 1), api.CodeTiesNotAllowed},
		{"wishes strict ranks, round does not allow ties", wl("T2", 1, 1, 2), ""},
		{"ranking, bad ranks", rk(1, both, 2, 2), api.CodeBadRanks},
		{"ranking, tie below the coverage", rk(1, both[:1], 1), api.CodeRankingCoverage},
		{"ranking, a tie group covering every candidate", rk(1, both, 1, 1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := in.Submit(context.Background(), tc.body, now, func(string) error { return nil })
			if got := code(err); got != tc.want {
				t.Fatalf("Submit: %v, want %q", err, tc.want)
			}
		})
	}
}
