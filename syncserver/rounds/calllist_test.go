package rounds

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
)

// TestInstanceFollowsCallList: a published call list sets the order, an
// absent intern gets no wish, and a list that no longer matches the
// round's interns is refused naming them.
func TestInstanceFollowsCallList(t *testing.T) {
	in := &Input{
		Round:   domain.Round{ID: "R", Procedure: domain.ChoixAuRang},
		Postes:  []domain.Poste{{ID: "P1", Capacity: 1}},
		Interns: []domain.Person{{ID: "a", Rank: 1}, {ID: "b", Rank: 2}, {ID: "c", Rank: 3}},
		Wishes:  map[string][]string{"a": {"P1"}, "b": {"P1"}, "c": {"P1"}},
		CallList: &calllist.List{ID: "R", Version: 2, Seed: "s", Entries: []calllist.Entry{
			{Rank: 1, Intern: "c", Absent: true}, {Rank: 2, Intern: "b"}, {Rank: 3, Intern: "a"}}},
	}
	inst, err := in.Instance()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inst.CallList, []string{"c", "b", "a"}) {
		t.Fatalf("call list %v", inst.CallList)
	}
	for _, it := range inst.Interns {
		if (len(it.Wishes) == 0) != (it.ID == "c") {
			t.Fatalf("wishes of %s: %v", it.ID, it.Wishes)
		}
	}
	in.Interns = append(in.Interns, domain.Person{ID: "d", Rank: 4})
	_, err = in.Instance()
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeInvalidState || !strings.Contains(e.Message, `Interne "d"`) || !strings.Contains(e.MessageEN, "version 2") {
		t.Fatalf("want invalid_state naming d, got %v", err)
	}
}
