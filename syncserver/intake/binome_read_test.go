package intake

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

// openBinomes returns the intake of a real store with the choix au rang
// C1 that allows binômes (wishes open), its postes Q1 and Q2, its interns
// a1, a2, a3 (all enrolled), the admin ad1, and the store.
func openBinomes(t *testing.T) (*Service, map[string]person) {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	clock := func() time.Time { return now }
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Key: key, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	people := map[string]person{}
	for _, id := range []string{"a1", "a2", "a3"} {
		people[id] = newPerson(id, domain.RoleIntern)
	}
	people["ad1"] = newPerson("ad1", domain.RoleAdmin)
	err = st.Update(func(tx store.Tx) error {
		for _, p := range people {
			if err := tx.PutPerson(p.Person); err != nil {
				return err
			}
			if err := tx.RegisterKey(p.ID, p.priv.Public().(ed25519.PublicKey), now.Add(-time.Hour)); err != nil {
				return err
			}
		}
		if err := tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "C1", Name: "C1", Procedure: domain.ChoixAuRang, Binomes: true,
			Number: 1, State: domain.StateWishesOpen, WishesClose: now.Add(time.Hour)}}); err != nil {
			return err
		}
		if err := tx.SetEligible("C1", []string{"a1", "a2", "a3"}); err != nil {
			return err
		}
		var postes []domain.Poste
		for _, id := range []string{"Q1", "Q2"} {
			postes = append(postes, domain.Poste{ID: id, Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, Capacity: 2,
				Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"})
		}
		_, err := store.PutPostes(tx, "C1", postes, false)
		return err
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
	return New(st, Config{Postes: postes, Clock: clock, CheckClock: st.CheckClock}), people
}

// linkBody is author's binôme link signed with key.
func linkBody(t *testing.T, key ed25519.PrivateKey, author string, seq uint64, partner string, pairs ...[2]string) []byte {
	t.Helper()
	if pairs == nil {
		pairs = [][2]string{}
	}
	b, err := json.Marshal(api.BinomeLink{Round: "C1", Author: author, Seq: seq, ClientTime: now, Partner: partner, Pairs: pairs})
	if err != nil {
		t.Fatal(err)
	}
	return envelope.Sign(key, api.BinomeType, b).Encode()
}

// seen is what a reader gets, reduced to comparable values: each link as
// "author→partner/seq" with its names, and the binômes.
func seen(t *testing.T, r *api.BinomeLinksResponse) ([]string, []api.LinkedBinome) {
	t.Helper()
	out := []string{}
	for _, l := range r.Links {
		link, err := l.Link()
		if err != nil {
			t.Fatal(err)
		}
		if l.Receipt == nil || l.Receipt.Digest != l.Envelope.Digest() {
			t.Errorf("link of %s: receipt %+v does not name its envelope", link.Author, l.Receipt)
		}
		out = append(out, link.Author+"→"+link.Partner+"/"+string(rune('0'+link.Seq))+" "+l.AuthorName+"|"+l.PartnerName)
	}
	return out, r.Binomes
}

// TestBinomeLinks: a reader sees only the current links naming them (as
// author or partner), an admin sees all, the binômes appear once both
// matching links are in, a withdrawal hides the proposal from the former
// partner, and forged, unsigned or foreign links are refused at intake
// and change nothing of what anyone reads.
func TestBinomeLinks(t *testing.T) {
	in, p := openBinomes(t)
	ctx := context.Background()
	submit := func(body []byte) error {
		_, err := in.Submit(ctx, body, now, func(string) error { return nil })
		return err
	}
	pair := [][2]string{{"Q1", "Q2"}, {"Q2", "Q2"}}
	mirror := [][2]string{{"Q2", "Q1"}, {"Q2", "Q2"}}
	unsigned, _ := json.Marshal(map[string]any{"payloadType": api.BinomeType, "payload": []byte(`{"round":"C1","author":"a3","seq":1,"partner":"a2","pairs":[]}`), "signatures": []any{}})
	a1, a2, a3 := p["a1"], p["a2"], p["a3"]
	binome := []api.LinkedBinome{{Interns: [2]string{"a1", "a2"}, Pairs: pair}}
	none := []api.LinkedBinome{}
	for _, step := range []struct {
		name   string
		body   []byte
		refuse api.Code
		reads  map[string][]string // reader → links seen
		pairs  map[string][]api.LinkedBinome
	}{
		{name: "nothing signed", reads: map[string][]string{"a1": {}, "a2": {}, "ad1": {}},
			pairs: map[string][]api.LinkedBinome{"a1": none, "ad1": none}},
		{name: "a1 proposes to a2", body: linkBody(t, a1.priv, "a1", 1, "a2", pair[0], pair[1]),
			reads: map[string][]string{"a1": {"a1→a2/1 a1 a1|a2 a2"}, "a2": {"a1→a2/1 a1 a1|a2 a2"}, "a3": {}, "ad1": {"a1→a2/1 a1 a1|a2 a2"}},
			pairs: map[string][]api.LinkedBinome{"a2": none}},
		{name: "forged by a3 in a2's name", body: linkBody(t, a3.priv, "a2", 1, "a1", mirror[0], mirror[1]), refuse: api.CodeBadSignature,
			reads: map[string][]string{"a2": {"a1→a2/1 a1 a1|a2 a2"}, "a3": {}}, pairs: map[string][]api.LinkedBinome{"a1": none}},
		{name: "unsigned", body: unsigned, refuse: api.CodeUnsigned, reads: map[string][]string{"a2": {"a1→a2/1 a1 a1|a2 a2"}, "a3": {}}},
		{name: "a2 accepts (the same list, seen from a2)", body: linkBody(t, a2.priv, "a2", 1, "a1", mirror[0], mirror[1]),
			reads: map[string][]string{"a1": {"a1→a2/1 a1 a1|a2 a2", "a2→a1/1 a2 a2|a1 a1"}, "a3": {},
				"ad1": {"a1→a2/1 a1 a1|a2 a2", "a2→a1/1 a2 a2|a1 a1"}},
			pairs: map[string][]api.LinkedBinome{"a1": binome, "a2": binome, "a3": none, "ad1": binome}},
		{name: "a3 proposes to a1 too", body: linkBody(t, a3.priv, "a3", 1, "a1"),
			reads: map[string][]string{"a1": {"a1→a2/1 a1 a1|a2 a2", "a2→a1/1 a2 a2|a1 a1", "a3→a1/1 a3 a3|a1 a1"}, "a2": {"a1→a2/1 a1 a1|a2 a2", "a2→a1/1 a2 a2|a1 a1"}},
			pairs: map[string][]api.LinkedBinome{"a1": binome}},
		{name: "a1 withdraws", body: linkBody(t, a1.priv, "a1", 2, ""),
			reads: map[string][]string{"a1": {"a1→/2 a1 a1|", "a2→a1/1 a2 a2|a1 a1", "a3→a1/1 a3 a3|a1 a1"}, "a2": {"a2→a1/1 a2 a2|a1 a1"}},
			pairs: map[string][]api.LinkedBinome{"a1": none, "a2": none, "ad1": none}},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.body != nil {
				if got := code(submit(step.body)); got != step.refuse {
					t.Fatalf("Submit: %q, want %q", got, step.refuse)
				}
			}
			for reader, want := range step.reads {
				who := p[reader].Person
				r, err := in.BinomeLinks("C1", &who)
				if err != nil {
					t.Fatalf("%s: %v", reader, err)
				}
				if got, _ := seen(t, r); !reflect.DeepEqual(got, want) {
					t.Errorf("%s sees %q, want %q", reader, got, want)
				}
			}
			for reader, want := range step.pairs {
				who := p[reader].Person
				r, err := in.BinomeLinks("C1", &who)
				if err != nil {
					t.Fatalf("%s: %v", reader, err)
				}
				if _, got := seen(t, r); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: binômes %+v, want %+v", reader, got, want)
				}
			}
		})
	}
	for _, c := range []struct {
		name, round string
		want        api.Code
	}{
		{"unknown round", "C9", api.CodeUnknownRound},
		{"missing id", "", api.CodeMalformed},
	} {
		if _, err := in.BinomeLinks(c.round, &a1.Person); code(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
}
