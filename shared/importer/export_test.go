package importer

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"appariement/shared/domain"
)

var exportRows = []ExportRow{
	{InternID: "I000001", LastName: "Lefèvre", FirstName: "Élodie", Specialty: "PED", Subdivision: "IDF",
		PosteID: "P-IDF-PED-0001", Etablissement: "CH de Meaux", Service: "Néonatologie", Town: "Meaux"},
	{InternID: "I000002", LastName: "N'Diaye", FirstName: "Awa", Specialty: "MG", Subdivision: "IDF"},
	{InternID: "I000003", LastName: "=HYPERLINK(\"x\")", FirstName: "Zoé", Specialty: "MG", Subdivision: "IDF",
		PosteID: "P-IDF-MG-0001", Etablissement: "CH de Provins", Service: "Urgences", Town: "Provins",
		Manual: true, Reason: "Tour 3 ; projet professionnel"},
}

func TestWriteAssignmentsCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAssignmentsCSV(&buf, exportRows); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFIdentifiant interne;Nom;Prénom;Spécialité;Subdivision;Poste;Établissement;Service;Ville;Affectation manuelle;Motif\r\n" +
		"I000001;Lefèvre;Élodie;PED;IDF;P-IDF-PED-0001;CH de Meaux;Néonatologie;Meaux;non;\r\n" +
		"I000002;N'Diaye;Awa;MG;IDF;non affecté;;;;non;\r\n" +
		"I000003;\"'=HYPERLINK(\"\"x\"\")\";Zoé;MG;IDF;P-IDF-MG-0001;CH de Provins;Urgences;Provins;oui;\"Tour 3 ; projet professionnel\"\r\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestWriteAssignmentsXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAssignmentsXLSX(&buf, exportRows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const sheet = "Affectations"
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{sheet}) {
		t.Errorf("sheets %v", got)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "Identifiant interne" || rows[2][5] != "non affecté" || rows[3][1] != "=HYPERLINK(\"x\")" || rows[3][9] != "oui" {
		t.Errorf("rows %q", rows)
	}
	if formula, _ := f.GetCellFormula(sheet, "B4"); formula != "" {
		t.Errorf("B4 is a formula: %q", formula)
	}
	style, _ := f.GetCellStyle(sheet, "C1")
	if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header not bold")
	}
	if panes, err := f.GetPanes(sheet); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v, %v", panes, err)
	}
	if names := f.GetDefinedName(); len(names) != 1 || names[0].Name != "_xlnm._FilterDatabase" || names[0].RefersTo != "'Affectations'!$A$1:$K$4" {
		t.Errorf("autofilter %+v", names)
	}
}

func TestPostesRoundTrip(t *testing.T) {
	postes := []domain.Poste{
		{ID: "P-IDF-PED-0001", Specialty: "PED", Subdivision: "IDF", Etablissement: "CHU de Paris – Hôpital Necker-Enfants malades",
			Service: "Service de pédiatrie générale", Town: "Paris", Title: "Pédiatrie; générale", RTS: "R00001",
			RTSName: "Dr Hélène Lefèvre", RTSEmail: "helene.lefevre@chu-paris.fr", Capacity: 5,
			Description: "Deux lignes :\n« gardes » et \"astreintes\"."},
		{ID: "P-STETIENNE-ORL-0001", Specialty: "ORL", Subdivision: "STETIENNE", Capacity: 1, RTSEmail: "a@b.fr"},
	}
	var buf bytes.Buffer
	if err := WritePostesCSV(&buf, postes); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadTable(&buf, "postes.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, rep := ParsePostes(tab)
	if !rep.OK() || len(rep.Warnings) != 0 || !reflect.DeepEqual(got, postes) {
		t.Errorf("got %+v\nwant %+v\nreport:\n%s", got, postes, rep)
	}
}

func TestPeopleRoundTrip(t *testing.T) {
	people := []domain.Person{
		{ID: "A0001", Role: domain.RoleAdmin, LastName: "Roussel", FirstName: "Anne-Sophie", Email: "as.roussel@ars.sante.fr"},
		{ID: "C0001", Role: domain.RoleCoordinator, LastName: "Da Silva", FirstName: "Noël", Email: "noel.dasilva@chu-lille.fr",
			Specialty: "GENMED", Subdivision: "LILLE"},
		{ID: "R00001", Role: domain.RoleRTS, LastName: "Lefèvre", FirstName: "Hélène", Email: "helene.lefevre@chu-paris.fr"},
		{ID: "I000001", Role: domain.RoleIntern, LastName: "N'Diaye", FirstName: "Maëlle", Email: "maelle.ndiaye@etu.univ-paris.fr",
			Specialty: "MG", Subdivision: "IDF", Rank: 42},
	}
	var buf bytes.Buffer
	if err := WritePeopleCSV(&buf, people); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadTable(&buf, "people.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, rep := ParsePeople(tab)
	if !rep.OK() || len(rep.Warnings) != 0 || !reflect.DeepEqual(got, people) {
		t.Errorf("got %+v\nwant %+v\nreport:\n%s", got, people, rep)
	}
}
