package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// TestCheckBinomeLink: refusals name the author, the pair and the poste.
func TestCheckBinomeLink(t *testing.T) {
	r := &domain.Round{ID: "R1", Procedure: domain.ChoixAuRang, Binomes: true}
	i1 := &domain.Person{ID: "i1", Role: domain.RoleIntern, Specialty: "CARDIO", Subdivision: "LYON"}
	i2 := &domain.Person{ID: "i2", Role: domain.RoleIntern, Specialty: "PEDIA", Subdivision: "LYON"}
	rts := &domain.Person{ID: "rts", Role: domain.RoleRTS}
	postes := map[string]*domain.Poste{
		"C1": {ID: "C1", Specialty: "CARDIO", Subdivision: "LYON", Capacity: 1},
		"P1": {ID: "P1", Specialty: "PEDIA", Subdivision: "LYON", Capacity: 1},
		"PX": {ID: "PX", Specialty: "PEDIA", Subdivision: "LYON", Capacity: 1, Closed: true},
	}
	eligible := func(id string) bool { return id != "i9" }
	link := func(partner string, pairs ...[2]string) *api.BinomeLink {
		return &api.BinomeLink{Round: "R1", Author: "i1", Seq: 1, Partner: partner, Pairs: pairs}
	}
	tests := []struct {
		name            string
		author, partner *domain.Person
		link            *api.BinomeLink
		code            api.Code
		fr              string
	}{
		{"valid", i1, i2, link("i2", [2]string{"C1", "P1"}), "", ""},
		{"withdrawal", i1, nil, link(""), "", ""},
		{"partner not an intern", i1, rts, link("rts"), api.CodeForbidden, "binôme de i1 : rts n'est pas un interne"},
		{"partner not in the round", i1, &domain.Person{ID: "i9", Role: domain.RoleIntern}, link("i9"), api.CodeForbidden, "binôme de i1 : i9 ne participe pas au tour R1"},
		{"unknown partner", i1, nil, link("i7"), api.CodeUnknownIntern, "binôme de i1 : l'interne i7 n'existe pas"},
		{"unknown poste", i1, i2, link("i2", [2]string{"C1", "P1"}, [2]string{"C1", "ZZ"}), api.CodeUnknownPoste, "binôme de i1, paire 2 : le poste ZZ n'existe pas"},
		{"poste of another specialty", i1, i2, link("i2", [2]string{"P1", "P1"}), api.CodeForbidden, "le poste P1 (PEDIA, LYON) n'est pas ouvert"},
		{"closed poste", i1, i2, link("i2", [2]string{"C1", "PX"}), api.CodePosteClosed, "le poste PX a été retiré"},
	}
	for _, tt := range tests {
		err := CheckBinomeLink(r, tt.author, tt.partner, postes, eligible, tt.link)
		var ae *api.Error
		switch {
		case tt.code == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.code != "" && (!errors.As(err, &ae) || ae.Code != tt.code || !strings.HasPrefix(ae.Message, tt.fr)):
			t.Errorf("%s: got %v, want %s %q", tt.name, err, tt.code, tt.fr)
		}
	}
}

// TestCheckWindowBinome: a link is refused in a round without binômes,
// and follows the wishes' window otherwise.
func TestCheckWindowBinome(t *testing.T) {
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	open := domain.Round{ID: "R1", Procedure: domain.ChoixAuRang, Binomes: true, State: domain.StateWishesOpen,
		WishesOpen: now.Add(-time.Hour), WishesClose: now.Add(time.Hour)}
	tests := []struct {
		name string
		r    domain.Round
		at   time.Time
		code api.Code
	}{
		{"open", open, now, ""},
		{"closed", open, now.Add(2 * time.Hour), api.CodeWindowClosed},
		{"not allowed", func() domain.Round { r := open; r.Binomes = false; return r }(), now, api.CodeInvalidState},
		{"appariement", func() domain.Round { r := open; r.Procedure = domain.Appariement; return r }(), now, api.CodeInvalidState},
	}
	for _, tt := range tests {
		err := CheckWindow(&tt.r, api.BinomeType, tt.at)
		var ae *api.Error
		switch {
		case tt.code == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.code != "" && (!errors.As(err, &ae) || ae.Code != tt.code):
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}
}
