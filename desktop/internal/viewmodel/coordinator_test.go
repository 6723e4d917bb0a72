package viewmodel

import (
	"slices"
	"testing"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
	"appariement/shared/domain"
)

func TestCoordinatorRows(t *testing.T) {
	i18n.SetLanguage("fr")
	intern := func(id string, rank int, enrolled bool) api.PersonStatus {
		return api.PersonStatus{Enrolled: enrolled, Person: domain.Person{ID: id, Role: domain.RoleIntern, FirstName: "A", LastName: id, Rank: rank, Specialty: "PED", Subdivision: "IDF"}}
	}
	c := &Coordinator{
		Scope:        domain.Scope{Specialty: "PED", Subdivision: "IDF"},
		InternsKnown: true,
		People: []api.PersonStatus{
			intern("I3", 0, true), intern("I2", 7, false), intern("I1", 2, true),
			{Enrolled: true, Person: domain.Person{ID: "R1", Role: domain.RoleRTS}},
		},
		Postes: []domain.Poste{
			{ID: "P1", Specialty: "PED", Subdivision: "IDF", Title: "Néonatologie", Capacity: 2, RTS: "R1", RTSName: "Dr Un", RTSEmail: "un@ch.example.fr"},
			{ID: "P2", Specialty: "PED", Subdivision: "IDF", Title: "Urgences", Capacity: 1, RTS: "R2", RTSName: "Dr Deux", RTSEmail: "deux@ch-melun"},
			{ID: "P3", Specialty: "PED", Subdivision: "IDF", Title: "Fermé", Capacity: 1, Closed: true},
			{ID: "P4", Specialty: "CARDIO", Subdivision: "IDF", Title: "Hors périmètre", Capacity: 1},
		},
	}
	want := []CoordRow{
		{Text: "P1 — Néonatologie — 2 places — Dr Un"},
		{Text: "P2 — Urgences — 1 place — Dr Deux — e-mail du RTS mal formé « deux@ch-melun », RTS jamais connecté", Alert: true},
	}
	if got := c.PosteRows(); !slices.Equal(got, want) {
		t.Errorf("postes\n got %+v\nwant %+v", got, want)
	}
	var ids []string
	for _, r := range c.InternRows() {
		ids = append(ids, r.Text[:2])
	}
	if !slices.Equal(ids, []string{"I1", "I2", "I3"}) {
		t.Errorf("interns by rank (unknown rank last): %v", ids)
	}
	if r := c.InternRows()[1]; !r.Alert {
		t.Errorf("intern without a key not flagged: %+v", r)
	}
}

// TestCoordinatorRowsWithoutContacts: postes from the public catalogue
// (key locked) carry no RTS e-mail: their addresses are not reported
// missing, only left unchecked.
func TestCoordinatorRowsWithoutContacts(t *testing.T) {
	i18n.SetLanguage("fr")
	c := &Coordinator{
		Scope:         domain.Scope{Specialty: "PED", Subdivision: "IDF"},
		EmailsUnknown: true,
		Postes:        []domain.Poste{{ID: "P1", Specialty: "PED", Subdivision: "IDF", Title: "Néonatologie", Capacity: 2, RTS: "R1", RTSName: "Dr Un"}},
	}
	want := []CoordRow{{Text: "P1 — Néonatologie — 2 places — Dr Un"}}
	if got := c.PosteRows(); !slices.Equal(got, want) {
		t.Errorf("postes\n got %+v\nwant %+v", got, want)
	}
}

// TestBalanceName: the dashboard's chart names cells, not codes.
func TestBalanceName(t *testing.T) {
	for _, c := range []struct {
		b    Balance
		want string
	}{
		{Balance{Specialty: "PED", Subdivision: "IDF"}, "Pédiatrie — Île-de-France"},
		{Balance{Specialty: "ZZZ", Subdivision: "NOWHERE"}, "ZZZ — NOWHERE"},
	} {
		if got := c.b.Name(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.b, got, c.want)
		}
	}
}
