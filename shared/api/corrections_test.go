package api

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"appariement/shared/domain"
)

func TestCheckCorrectionValue(t *testing.T) {
	for _, tt := range []struct {
		field, v string
		code     Code // "" for valid
		fr       string
	}{
		{FieldCapacity, "3", "", ""},
		{FieldCapacity, "0", CodeBadRequest, "capacité « 0 » invalide"},
		{FieldCapacity, "1001", CodeBadRequest, "capacité « 1001 » invalide"},
		{FieldRTSEmail, "dr.x@chu-amiens.fr", "", ""},
		{FieldRTSEmail, "dr.x@chu-amiens", CodeBadRequest, "adresse e-mail « dr.x@chu-amiens » invalide"},
		{FieldSpecialty, "CARDIO", "", ""},
		{FieldSpecialty, "XYZ", CodeBadRequest, "spécialité « XYZ » inconnue"},
		{FieldSubdivision, "LYON", "", ""},
		{FieldTitle, "Cardiologie", "", ""},
		{FieldTitle, "  ", CodeBadRequest, "indiquez l'intitulé"},
		{FieldTitle, "deux\nlignes", CodeBadRequest, "sur une ligne"},
		{FieldDescription, "deux\nlignes", "", ""},
		{FieldOther, "", "", ""},
		{FieldService, "a\x00b", CodeBadRequest, "valeur invalide pour le service"},
		{FieldDescription, strings.Repeat("x", MaxCorrectionValue+1), CodeTooLarge, "valeur trop longue pour la description (2000 octets au plus)"},
		{"salaire", "1", CodeBadRequest, "champ \"salaire\" inconnu"},
	} {
		err := CheckCorrectionValue(tt.field, tt.v)
		var ae *Error
		switch {
		case tt.code == "" && err != nil:
			t.Errorf("%s %q: %v", tt.field, tt.v, err)
		case tt.code != "" && (!errors.As(err, &ae) || ae.Code != tt.code || !strings.Contains(ae.Message, tt.fr) || ae.MessageEN == "" || strings.Contains(ae.MessageEN+ae.Message, "%!")):
			t.Errorf("%s %q: %#v, want %s with %q", tt.field, tt.v, err, tt.code, tt.fr)
		}
	}
}

func TestFieldValues(t *testing.T) {
	p := domain.Poste{Title: "T", Service: "S", RTSName: "N", RTSEmail: "e@x.fr", Description: "D", Capacity: 4}
	for _, f := range PosteFields {
		v, ok := PosteFieldValue(&p, f)
		if !ok || (f != FieldOther && v == "") {
			t.Errorf("poste field %s: %q %v", f, v, ok)
		}
	}
	if v, _ := PosteFieldValue(&p, FieldCapacity); v != "4" {
		t.Errorf("capacity %q", v)
	}
	if _, ok := PosteFieldValue(&p, FieldEmail); ok {
		t.Error("a poste has no e-mail field (it has rts_email)")
	}
	pe := domain.Person{Email: "a@b.fr", LastName: "L", FirstName: "F", Specialty: "CARDIO", Subdivision: "LYON"}
	for _, f := range PersonFields {
		v, ok := PersonFieldValue(&pe, f)
		if !ok || (f != FieldOther && v == "") {
			t.Errorf("person field %s: %q %v", f, v, ok)
		}
	}
	if _, ok := PersonFieldValue(&pe, FieldCapacity); ok {
		t.Error("a person has no capacity")
	}
	for f := range fieldNames {
		if _, okP := PosteFieldValue(&p, f); !okP {
			if _, okQ := PersonFieldValue(&pe, f); !okQ {
				t.Errorf("field %s named but on nothing", f)
			}
		}
	}
}

func TestSetFieldsRoundTrip(t *testing.T) {
	var p domain.Poste
	for _, f := range PosteFields {
		if f == FieldOther {
			if SetPosteField(&p, f, "x") {
				t.Error("other set on a poste")
			}
			continue
		}
		v := "7"
		if !SetPosteField(&p, f, v) {
			t.Errorf("poste field %s not set", f)
		}
		if got, _ := PosteFieldValue(&p, f); got != v {
			t.Errorf("poste field %s: set %q, read %q", f, v, got)
		}
	}
	if SetPosteField(&p, FieldCapacity, "deux") {
		t.Error("capacity set from a word")
	}
	var pe domain.Person
	for _, f := range PersonFields {
		if f == FieldOther {
			continue
		}
		if !SetPersonField(&pe, f, "v-"+f) {
			t.Errorf("person field %s not set", f)
		}
		if got, _ := PersonFieldValue(&pe, f); got != "v-"+f {
			t.Errorf("person field %s: read %q", f, got)
		}
	}
	for c, want := range map[*Correction]string{
		{CorrectionRequest: CorrectionRequest{Round: "R1", Poste: "P1"}}:             "poste P1 (tour R1)",
		{CorrectionRequest: CorrectionRequest{Person: "I000002"}}:                    "fiche I000002",
		{CorrectionRequest: CorrectionRequest{Specialty: "PED", Subdivision: "IDF"}}: "PED × IDF",
	} {
		if got := c.Target(); got != want {
			t.Errorf("target %q, want %q", got, want)
		}
	}
}

// TestCorrectionStatusMoves: the statuses, which are known, which a
// decision may set, which are final, and every allowed move.
func TestCorrectionStatusMoves(t *testing.T) {
	moves := map[CorrectionStatus][]CorrectionStatus{
		CorrectionRequested: {CorrectionAccepted, CorrectionApplied, CorrectionRefused},
		CorrectionAccepted:  {CorrectionApplied, CorrectionRefused},
	}
	for _, c := range []struct {
		s                      CorrectionStatus
		known, decision, final bool
	}{
		{CorrectionRequested, true, false, false},
		{CorrectionAccepted, true, true, false},
		{CorrectionApplied, true, true, true},
		{CorrectionRefused, true, true, true},
		{"open", false, false, false},
		{"", false, false, false},
		{"APPLIED", false, false, false},
	} {
		if c.s.Known() != c.known || c.s.Decision() != c.decision || c.s.Final() != c.final {
			t.Errorf("%q: known %v decision %v final %v, want %v %v %v", c.s,
				c.s.Known(), c.s.Decision(), c.s.Final(), c.known, c.decision, c.final)
		}
		for _, to := range append(CorrectionStatuses, "open") {
			want := slices.Contains(moves[c.s], to)
			if c.s.CanMove(to) != want {
				t.Errorf("%q → %q: CanMove %v, want %v", c.s, to, !want, want)
			}
		}
	}
}
