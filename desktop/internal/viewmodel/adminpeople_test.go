package viewmodel

import (
	"strings"
	"testing"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
	"appariement/shared/domain"
)

func TestParseWindows(t *testing.T) {
	i18n.SetLanguage("fr")
	tests := []struct {
		in   [4]string
		want string // part of the error; "" for valid
	}{
		{[4]string{"01/12/2026 09:00", "15/12/2026 18:00", "16/12/2026 09:00", "20/12/2026 18:00"}, ""},
		{[4]string{"", "15/12/2026 18:00", "", ""}, ""},
		{[4]string{}, ""},
		{[4]string{"2026-12-01 09:00", "", "", ""}, "Ouverture des vœux : « 2026-12-01 09:00 » n'est pas une date"},
		{[4]string{"31/02/2026 09:00", "", "", ""}, "n'est pas une date"},
		{[4]string{"01/12/2026 09:00", "01/12/2026 09:00", "", ""}, "Clôture des vœux doit venir après Ouverture des vœux"},
		{[4]string{"01/12/2026 09:00", "", "30/11/2026 09:00", ""}, "Ouverture des classements doit venir après Ouverture des vœux"},
	}
	for _, tt := range tests {
		req, err := ParseWindows(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(Message(err), tt.want)):
			t.Errorf("%q: %v, want %q", tt.in, err, tt.want)
		case tt.want == "" && tt.in[0] != "":
			paris, _ := time.LoadLocation("Europe/Paris")
			if !req.WishesOpen.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, paris)) {
				t.Errorf("%q: wishes open %v (Paris time expected)", tt.in, req.WishesOpen)
			}
		}
	}
	// What Windows shows parses back to the same times.
	r := domain.Round{WishesOpen: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), RankingsClose: time.Date(2027, 1, 5, 17, 0, 0, 0, time.UTC)}
	a := &Admin{Round: &r}
	w := a.Windows()
	if w[0] != "01/12/2026 09:00" || w[1] != "" || w[3] != "05/01/2027 18:00" {
		t.Fatalf("windows %q", w)
	}
	req, err := ParseWindows(w)
	if err != nil || !req.WishesOpen.Equal(r.WishesOpen) || !req.RankingsClose.Equal(r.RankingsClose) {
		t.Errorf("round trip: %+v, %v", req, err)
	}
}

func TestPeopleRows(t *testing.T) {
	i18n.SetLanguage("fr")
	a := &Admin{People: []api.PersonStatus{
		{Person: domain.Person{ID: "I000001", Role: domain.RoleIntern, FirstName: "Léa", LastName: "MARTIN", Email: "lea@etu.example.fr", Specialty: "CARDIO", Subdivision: "LYON"}, Enrolled: true},
		{Person: domain.Person{ID: "R00001", Role: domain.RoleRTS, FirstName: "Paul", LastName: "DURAND", Email: "p.durand@chu.example.fr"}, PendingCode: true},
		{Person: domain.Person{ID: "R00002", Role: domain.RoleRTS, FirstName: "Anne", LastName: "PETIT", Email: "a.petit@chu.example.fr"}},
	}}
	for _, tt := range []struct {
		filter string
		limit  int
		ids    []string
		n      int
	}{
		{"", 10, []string{"I000001", "R00001", "R00002"}, 3},
		{"responsable", 10, []string{"R00001", "R00002"}, 2},
		{"durand", 10, []string{"R00001"}, 1},
		{"cardio", 10, []string{"I000001"}, 1},
		{"", 1, []string{"I000001"}, 3},
		{"personne", 10, nil, 0},
	} {
		rows, n := a.PeopleRows(tt.filter, tt.limit)
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.Status.Person.ID)
		}
		if n != tt.n || strings.Join(ids, ",") != strings.Join(tt.ids, ",") {
			t.Errorf("filter %q limit %d: %v (%d), want %v (%d)", tt.filter, tt.limit, ids, n, tt.ids, tt.n)
		}
	}
	rows, _ := a.PeopleRows("R0000", 10)
	if !strings.HasSuffix(rows[0].Label, "code en attente") || !strings.HasSuffix(rows[1].Label, "sans clé") {
		t.Errorf("status in labels: %q / %q", rows[0].Label, rows[1].Label)
	}
	if a.WithoutKey() != 2 {
		t.Errorf("without key: %d", a.WithoutKey())
	}
}

func TestRunWarning(t *testing.T) {
	i18n.SetLanguage("fr")
	for _, tt := range []struct {
		proc             domain.Procedure
		wishes, rankings int
		want             string
	}{
		{domain.Appariement, 0, 0, "aucune liste de vœux"},
		{domain.Appariement, 183, 0, "183 internes ont déposé des vœux, aucun ne sera affecté"},
		{domain.Appariement, 183, 12, ""},
		{domain.ChoixAuRang, 40, 0, ""},
	} {
		r := domain.Round{Procedure: tt.proc}
		a := &Admin{Round: &r, Detail: &api.RoundDetail{WishLists: tt.wishes, Rankings: tt.rankings}}
		got := a.RunWarning()
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s %d/%d: %q, want %q", tt.proc, tt.wishes, tt.rankings, got, tt.want)
		}
	}
}
