package localstore

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReopenKeepsDraftsAndOutbox(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.db")
	s := open(t, path)
	d := &Draft{Round: "r1", List: []string{"P2", "P1"}, UpdatedAt: time.Unix(100, 0).UTC()}
	if err := s.SaveDraft(d); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(Item{Kind: KindFile, Round: "r1", FileSHA: "ab"}); err != nil {
		t.Fatal(err)
	}
	it, err := s.EnqueueSigned("r1", nil, func(seq uint64) (Item, error) {
		return Item{Kind: KindEnvelope, Round: "r1", Seq: seq, Envelope: []byte("{}")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if it.Seq != 1 || it.ID != 2 {
		t.Fatalf("first signed item: seq %d id %d", it.Seq, it.ID)
	}
	if err := s.SetFavourite("r1", "P9", true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	defer s.Close()
	got, err := s.Draft("r1")
	if err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("draft after reopen = %+v, %v; want %+v", got, err, d)
	}
	pend, err := s.Pending()
	if err != nil || len(pend) != 2 || pend[0].Kind != KindFile || pend[1].Seq != 1 {
		t.Fatalf("pending after reopen = %+v, %v", pend, err)
	}
	it2, err := s.EnqueueSigned("r1", nil, func(seq uint64) (Item, error) {
		return Item{Kind: KindEnvelope, Round: "r1", Seq: seq}, nil
	})
	if err != nil || it2.Seq != 2 {
		t.Fatalf("second seq = %d, %v; want 2", it2.Seq, err)
	}
	if err := s.RaiseSeq("r1", 10); err != nil {
		t.Fatal(err)
	}
	it3, _ := s.EnqueueSigned("r1", nil, func(seq uint64) (Item, error) { return Item{Seq: seq}, nil })
	if it3.Seq != 11 {
		t.Fatalf("seq after raise = %d, want 11", it3.Seq)
	}
	pend[0].State = StateAccepted
	if err := s.UpdateItem(&pend[0]); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Pending(); len(p) != 3 {
		t.Fatalf("pending = %d, want 3", len(p))
	}
	fav, _ := s.Favourites("r1")
	if !fav["P9"] || len(fav) != 1 {
		t.Fatalf("favourites = %v", fav)
	}
	if fav2, _ := s.Favourites("r10"); len(fav2) != 0 {
		t.Fatalf("favourites of another round = %v", fav2)
	}
}

func TestCatalogueDelta(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "c.db"))
	defer s.Close()
	p := func(id string, v uint64, closed bool) domain.Poste {
		return domain.Poste{ID: id, Specialty: "CARDIO", Subdivision: "LYON", Capacity: 1, Version: v, Closed: closed}
	}
	if err := s.ApplyCatalogue(&api.CatalogueResponse{Round: "r", Version: 2, Postes: []domain.Poste{p("A", 1, false), p("B", 2, false)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyCatalogue(&api.CatalogueResponse{Round: "r", Since: 2, Version: 3, Postes: []domain.Poste{p("B", 3, true), p("C", 3, false)}}); err != nil {
		t.Fatal(err)
	}
	// A stale delta changes nothing.
	if err := s.ApplyCatalogue(&api.CatalogueResponse{Round: "r", Since: 0, Version: 1, Postes: []domain.Poste{p("A", 1, true)}}); err != nil {
		t.Fatal(err)
	}
	v, _ := s.CatalogueVersion("r")
	ps, err := s.Postes("r")
	if err != nil || v != 3 || len(ps) != 3 {
		t.Fatalf("version %d, postes %+v, %v", v, ps, err)
	}
	if ps[0].Closed || !ps[1].Closed || ps[2].ID != "C" {
		t.Fatalf("postes = %+v", ps)
	}
}
