package viewmodel

import (
	"slices"
	"strings"
	"testing"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// TestCorrectionFormKinds: the kinds offered follow the scope, each kind
// has its own fields, and changing kind resets the field (a cell has only
// "other", preselected).
func TestCorrectionFormKinds(t *testing.T) {
	i18n.SetLanguage("fr")
	postes := []domain.Poste{{ID: "P1", Title: "Cardiologie", Capacity: 2}, {ID: "P2", Title: "Pédiatrie", Capacity: 3}}
	rts := NewCorrectionForm(CorrectionScope{Round: "R1", Postes: postes[:1], Fixed: true})
	if k := rts.Kinds(); !slices.Equal(k, []CorrectionKind{KindPoste}) || rts.Kind != KindPoste || rts.Poste != "P1" {
		t.Fatalf("RTS form: kinds %v, kind %v, poste %q", k, rts.Kind, rts.Poste)
	}
	f := NewCorrectionForm(CorrectionScope{Round: "R1", Postes: postes, People: true, Cells: true, Specialty: "CARDIO", Subdivision: "LYON"})
	if got := f.KindLabels(); !slices.Equal(got, []string{"Un poste", "Une personne", "Une spécialité dans une subdivision"}) {
		t.Errorf("kind labels %q", got)
	}
	i18n.SetLanguage("en")
	if got := f.KindLabels(); !slices.Equal(got, []string{"A poste", "A person", "A specialty in a subdivision"}) {
		t.Errorf("kind labels in English %q", got)
	}
	i18n.SetLanguage("fr")
	tests := []struct {
		kind     CorrectionKind
		fields   []string
		field    string // preselected
		proposed bool   // a value to propose, with the preselected field
	}{
		{KindPoste, api.PosteFields, "", true},
		{KindPerson, api.PersonFields, "", true},
		{KindCell, []string{api.FieldOther}, api.FieldOther, false},
	}
	for _, tt := range tests {
		f.SetFieldIndex(0)
		f.SetKind(tt.kind)
		if !slices.Equal(f.Fields(), tt.fields) || f.Field != tt.field || f.ProposedEnabled() != tt.proposed {
			t.Errorf("%v: fields %v field %q proposed %v", tt.kind, f.Fields(), f.Field, f.ProposedEnabled())
		}
		if len(f.FieldLabels()) != len(tt.fields) {
			t.Errorf("%v: labels %q", tt.kind, f.FieldLabels())
		}
	}
	// The current value is the poste's, for a poste only.
	f.SetKind(KindPoste)
	f.SetFieldIndex(slices.Index(api.PosteFields, api.FieldCapacity))
	if f.Field != api.FieldCapacity || f.FieldIndex() != slices.Index(api.PosteFields, api.FieldCapacity) || f.Current() != "2" {
		t.Errorf("capacity of P1: field %q current %q", f.Field, f.Current())
	}
	f.Poste = "P2"
	if f.Current() != "3" {
		t.Errorf("capacity of P2: %q", f.Current())
	}
	f.Poste = "P9"
	if f.Current() != "" {
		t.Errorf("unknown poste: current %q", f.Current())
	}
	f.SetFieldIndex(99)
	if f.Field != "" || f.FieldIndex() != -1 {
		t.Errorf("out of range field: %q", f.Field)
	}
}

// TestCorrectionFormValidation: for each kind, what is required, the
// message in French and in English, and the request built (only the
// chosen kind's target is sent, trimmed).
func TestCorrectionFormValidation(t *testing.T) {
	postes := []domain.Poste{{ID: "P1", Title: "Cardiologie", Capacity: 2}}
	scope := CorrectionScope{Round: "R1", Postes: postes, People: true, Cells: true, Specialty: "CARDIO", Subdivision: "LYON"}
	// fill writes a valid request of kind k; each test then breaks it.
	fill := func(k CorrectionKind) *CorrectionForm {
		f := NewCorrectionForm(scope)
		f.Person = " I000002 "
		f.SetKind(k)
		switch k {
		case KindPoste:
			f.Field, f.Proposed = api.FieldCapacity, "3"
		case KindPerson:
			f.Field, f.Proposed = api.FieldEmail, "lea.durand@chu.example.fr"
		}
		f.Message = " une erreur dans la fiche "
		return f
	}
	tests := []struct {
		name   string
		kind   CorrectionKind
		edit   func(*CorrectionForm)
		fr, en string                // parts of the message; "" for valid
		want   api.CorrectionRequest // for valid
	}{
		{"poste", KindPoste, func(*CorrectionForm) {}, "", "",
			api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldCapacity, Proposed: "3", Message: "une erreur dans la fiche"}},
		{"poste without poste", KindPoste, func(f *CorrectionForm) { f.Poste = "  " }, "Indiquez l'objet de la demande", "Say what the request is about", api.CorrectionRequest{}},
		{"poste without field", KindPoste, func(f *CorrectionForm) { f.Field = "" }, "Choisissez le champ", "Choose the field", api.CorrectionRequest{}},
		{"poste without value", KindPoste, func(f *CorrectionForm) { f.Proposed = " " }, "Indiquez la valeur correcte pour « Capacité (places) »", "Give the right value for", api.CorrectionRequest{}},
		{"poste bad capacity", KindPoste, func(f *CorrectionForm) { f.Proposed = "0" }, "capacité « 0 » invalide", "capacity", api.CorrectionRequest{}},
		{"poste without message", KindPoste, func(f *CorrectionForm) { f.Message = "ok" }, "Expliquez ce qui est faux", "Say what is wrong", api.CorrectionRequest{}},
		{"poste other, no value", KindPoste, func(f *CorrectionForm) { f.Field, f.Proposed = api.FieldOther, "" }, "", "",
			api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldOther, Message: "une erreur dans la fiche"}},
		{"person", KindPerson, func(*CorrectionForm) {}, "", "",
			api.CorrectionRequest{Round: "R1", Person: "I000002", Field: api.FieldEmail, Proposed: "lea.durand@chu.example.fr", Message: "une erreur dans la fiche"}},
		{"person without id", KindPerson, func(f *CorrectionForm) { f.Person = "" }, "Indiquez l'objet de la demande", "Say what the request is about", api.CorrectionRequest{}},
		{"person bad e-mail", KindPerson, func(f *CorrectionForm) { f.Proposed = "lea@chu" }, "adresse e-mail « lea@chu » invalide", "e-mail", api.CorrectionRequest{}},
		{"cell", KindCell, func(*CorrectionForm) {}, "", "",
			api.CorrectionRequest{Round: "R1", Specialty: "CARDIO", Subdivision: "LYON", Field: api.FieldOther, Message: "une erreur dans la fiche"}},
		{"cell without subdivision", KindCell, func(f *CorrectionForm) { f.Subdivision = " " }, "Indiquez l'objet de la demande", "Say what the request is about", api.CorrectionRequest{}},
		{"kind outside the scope", KindCell, func(f *CorrectionForm) { f.Scope.Cells = false }, "Indiquez l'objet de la demande", "Say what the request is about", api.CorrectionRequest{}},
	}
	for _, tt := range tests {
		for _, lang := range []string{"fr", "en"} {
			i18n.SetLanguage(lang)
			f := fill(tt.kind)
			tt.edit(f)
			got, err := f.Form()
			want := map[string]string{"fr": tt.fr, "en": tt.en}[lang]
			switch {
			case want == "" && err != nil:
				t.Errorf("%s (%s): refused: %v", tt.name, lang, Message(err))
			case want == "" && got.Request() != tt.want:
				t.Errorf("%s (%s): request\n got %+v\nwant %+v", tt.name, lang, got.Request(), tt.want)
			case want != "" && (err == nil || !strings.Contains(Message(err), want)):
				t.Errorf("%s (%s): %v, want a message with %q", tt.name, lang, err, want)
			}
		}
	}
	i18n.SetLanguage("fr")
}
