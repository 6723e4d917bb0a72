package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// TestCorrectionFormFollowsItsViewModel: the form shows the rows of the
// kind chosen, the fields of that kind, the poste's current value, and
// refuses an incomplete request with the view model's message before
// anything is sent.
func TestCorrectionFormFollowsItsViewModel(t *testing.T) {
	i18n.SetLanguage("fr")
	a := test.NewTempApp(t)
	app := &App{FyneApp: a, Window: a.NewWindow("t"), Opts: Options{Synchronous: true}}
	postes := []domain.Poste{{ID: "P1", Title: "Cardiologie", Capacity: 2}, {ID: "P2", Title: "Pédiatrie", Capacity: 5}}
	f := app.showCorrectionForm("t", viewmodel.CorrectionScope{Round: "R1", Postes: postes, People: true, Cells: true, Specialty: "PED", Subdivision: "IDF"}, nil, nil)

	if f.kind.Hidden || !slices.Equal(f.kind.Options, []string{"Un poste", "Une personne", "Une spécialité dans une subdivision"}) {
		t.Fatalf("kinds %q (hidden %v)", f.kind.Options, f.kind.Hidden)
	}
	visible := func() (poste, person, cell bool) {
		return f.poste.Visible(), f.person.Visible(), f.spec.Visible() && f.sub.Visible()
	}
	if p, pe, c := visible(); !p || pe || c || f.poste.Text != "P1" || len(f.field.Options) != len(api.PosteFields) {
		t.Fatalf("poste kind: rows %v %v %v, poste %q, fields %q", p, pe, c, f.poste.Text, f.field.Options)
	}
	f.field.SetSelected("Capacité (places)")
	if f.current.Text != "2" || f.vm.Field != api.FieldCapacity {
		t.Errorf("current capacity %q, field %q", f.current.Text, f.vm.Field)
	}
	f.poste.SetText("P2")
	if f.current.Text != "5" {
		t.Errorf("current capacity of P2 %q", f.current.Text)
	}

	f.kind.SetSelected("Une personne")
	if p, pe, c := visible(); p || !pe || c || f.vm.Kind != viewmodel.KindPerson || f.field.Selected != "" || len(f.field.Options) != len(api.PersonFields) {
		t.Fatalf("person kind: rows %v %v %v, kind %v, field %q, fields %q", p, pe, c, f.vm.Kind, f.field.Selected, f.field.Options)
	}
	if f.current.Text != "" {
		t.Errorf("a current value for a person: %q", f.current.Text)
	}
	test.Tap(f.send)
	if !strings.Contains(f.errLabel.Text, "Indiquez l'objet de la demande") {
		t.Errorf("no person: error %q", f.errLabel.Text)
	}

	f.kind.SetSelected("Une spécialité dans une subdivision")
	if p, pe, c := visible(); p || pe || !c || f.field.Selected != "Autre erreur" || !f.proposed.Disabled() || f.spec.Text != "PED" || f.sub.Text != "IDF" {
		t.Fatalf("cell kind: rows %v %v %v, field %q, proposed disabled %v, cell %q × %q", p, pe, c, f.field.Selected, f.proposed.Disabled(), f.spec.Text, f.sub.Text)
	}
	test.Tap(f.send)
	if !strings.Contains(f.errLabel.Text, "Expliquez ce qui est faux") {
		t.Errorf("no message: error %q", f.errLabel.Text)
	}
	test.Type(f.message, "5 internes pour 4 places")
	got, err := f.vm.Form()
	if err != nil {
		t.Fatal(err)
	}
	want := api.CorrectionRequest{Round: "R1", Specialty: "PED", Subdivision: "IDF", Field: api.FieldOther, Message: "5 internes pour 4 places"}
	if got.Request() != want {
		t.Errorf("request\n got %+v\nwant %+v", got.Request(), want)
	}
	f.dialog.Hide()
}
