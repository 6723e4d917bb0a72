package viewmodel

import (
	"slices"
	"strings"
	"testing"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
)

func TestCorrectionFormCheck(t *testing.T) {
	i18n.SetLanguage("fr")
	ok := Form{Round: "R1", Poste: "P1", Field: api.FieldCapacity, Proposed: "3", Message: "une place de plus"}
	tests := []struct {
		name string
		edit func(*Form)
		want string // part of the message; "" for valid
	}{
		{"valid", func(*Form) {}, ""},
		{"no field", func(f *Form) { f.Field = "" }, "Choisissez le champ"},
		{"no message", func(f *Form) { f.Message = "  " }, "Expliquez ce qui est faux"},
		{"capacity zero", func(f *Form) { f.Proposed = "0" }, "capacité « 0 » invalide"},
		{"capacity words", func(f *Form) { f.Proposed = "trois" }, "capacité « trois » invalide"},
		{"capacity huge", func(f *Form) { f.Proposed = "5000" }, "capacité « 5000 » invalide"},
		{"bad e-mail", func(f *Form) { f.Field, f.Proposed = api.FieldRTSEmail, "dr.x@chu-amiens" }, "adresse e-mail « dr.x@chu-amiens » invalide"},
		{"good e-mail", func(f *Form) { f.Field, f.Proposed = api.FieldRTSEmail, " dr.x@chu-amiens.fr " }, ""},
		{"unknown specialty", func(f *Form) { f.Field, f.Proposed = api.FieldSpecialty, "XYZ" }, "spécialité « XYZ » inconnue"},
		{"empty title", func(f *Form) { f.Field, f.Proposed = api.FieldTitle, "" }, "Indiquez la valeur correcte pour « Intitulé »"},
		{"other without value", func(f *Form) { f.Field, f.Proposed = api.FieldOther, "" }, ""},
		{"message too long", func(f *Form) { f.Message = strings.Repeat("x", api.MaxCorrectionMessage+1) }, "trop long"},
	}
	for _, tt := range tests {
		f := ok
		tt.edit(&f)
		err := f.Check()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(Message(err), tt.want)):
			t.Errorf("%s: %v, want a message with %q", tt.name, err, tt.want)
		}
	}
}

func TestCorrectionsList(t *testing.T) {
	i18n.SetLanguage("fr")
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	items := []api.Correction{
		{ID: "CR000001", CorrectionRequest: api.CorrectionRequest{Round: "R1", Poste: "P1", Field: api.FieldCapacity, Proposed: "3", Message: "m"},
			Current: "2", Status: api.CorrectionApplied, Author: "r1", AuthorName: "Dr R", AuthorRole: "rts",
			History: []api.CorrectionEvent{{Time: at, Actor: "r1", Status: api.CorrectionRequested}, {Time: at, Actor: "A0001", Status: api.CorrectionApplied, Value: "3"}}},
		{ID: "CR000002", CorrectionRequest: api.CorrectionRequest{Specialty: "PED", Subdivision: "LYON", Field: api.FieldOther, Message: "5 internes pour 4 places"},
			Status: api.CorrectionRefused, Reason: "doublon", Author: "c1", AuthorRole: "coordinator"},
		{ID: "CR000003", CorrectionRequest: api.CorrectionRequest{Person: "i01", Field: api.FieldEmail, Proposed: "a@b.fr", Message: "m"},
			Status: api.CorrectionRequested, Author: "c1", AuthorRole: "coordinator"},
	}
	c := &Corrections{Selected: -1}
	if err := c.Apply(items, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CR000003 · demandée · fiche i01 · E-mail : « (vide) » → « a@b.fr »",
		"CR000002 · refusée · PED × LYON · Autre erreur",
		"CR000001 · appliquée · poste P1 (tour R1) · Capacité (places) : « 2 » → « 3 »",
	}
	if got := c.Labels(); !slices.Equal(got, want) {
		t.Errorf("labels (newest first)\n got %q\nwant %q", got, want)
	}
	if got := c.Summary(); got != "1 demandée, 1 appliquée, 1 refusée" {
		t.Errorf("summary %q", got)
	}
	if c.Detail() != nil || c.CanDecide(api.CorrectionApplied) {
		t.Error("detail or decision without a selection")
	}
	c.Selected = 2
	d := c.Detail()
	if len(d) < 4 || d[1][1] != "appliquée" || !strings.Contains(d[len(d)-1][1], "« 3 »") {
		t.Errorf("detail %q", d)
	}
	if c.CanDecide(api.CorrectionRefused) {
		t.Error("an applied request can be refused")
	}
	// A reload keeps the selection on the same request.
	if err := c.Apply(append(items, api.Correction{ID: "CR000004", Status: api.CorrectionRequested}), nil); err != nil {
		t.Fatal(err)
	}
	if cur := c.Current(); cur == nil || cur.ID != "CR000001" {
		t.Errorf("selection after reload: %+v", cur)
	}
	c.Selected = 1
	if !c.CanDecide(api.CorrectionApplied) || !c.CanDecide(api.CorrectionRefused) || c.Current().ID != "CR000003" {
		t.Errorf("requested CR000003 cannot be decided (%+v)", c.Current())
	}
}
