package importer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"appariement/shared/domain"
)

// TestHeaderKey: the header words ARS write are the column names.
func TestHeaderKey(t *testing.T) {
	tests := []struct{ header, column string }{
		{"Nom du RTS", "nom rts"},
		{"Prénom du RTS", "prenom rts"},
		{"Adresse électronique du RTS", "email rts"},
		{"ADRESSE ÉLECTRONIQUE DU RTS", "email rts"},
		{"  Adresse  e-mail du  R.T.S. ", ""}, // "r t s": not a name
		{"Courriel du RTS", "email rts"},
		{"Nombre de postes", "capacite"},
		{"Nombre de places", "capacite"},
		{"Nb. places", "capacite"},
		{"Capacité (nombre de postes)", "capacite"},
		{"N° du poste", "id"},
		{"Numéro de poste", "id"},
		{"Identifiant du poste", "id"},
		{"Spécialité (DES)", "specialite"},
		{"Établissement d'accueil", "etablissement"},
		{"Libellé du poste", "intitule"},
		{"Subdivision", "subdivision"},
		{"Remarques", ""},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			tab := &Table{Header: []string{tt.header}, HeaderLine: 1}
			l, _ := newList(tab, posteColumns, "poste")
			got := ""
			for key := range l.index {
				got = key
			}
			if got != tt.column {
				t.Errorf("%q read as column %q, want %q", tt.header, got, tt.column)
			}
		})
	}
}

// TestHeaderVariantsPeople: the usual words of lists of interns.
func TestHeaderVariantsPeople(t *testing.T) {
	data := "Liste des internes classés\n\nN° interne;Nom de famille;Prénom;Adresse électronique;Spécialité (DES);Subdivision d'affectation;Rang de classement\n" +
		"I000038;Diallo;Awa;awa.diallo@etu.fr;Pédiatrie;Lille;12.0\n"
	people, rep := ParsePeople(mustRead(t, data))
	want := []domain.Person{{ID: "I000038", Role: domain.RoleIntern, LastName: "Diallo", FirstName: "Awa",
		Email: "awa.diallo@etu.fr", Specialty: "PED", Subdivision: "LILLE", Rank: 12}}
	if !rep.OK() || len(rep.Warnings) != 0 || !reflect.DeepEqual(people, want) || rep.HeaderLine != 3 ||
		!reflect.DeepEqual(rep.Lines, []int{4}) {
		t.Errorf("got %+v, lines %v, header %d, report:\n%s", people, rep.Lines, rep.HeaderLine, rep)
	}
}

// TestFindHeader: the header is found under titles, blank rows and notes,
// said in a note, and the rows are numbered as the spreadsheet shows them.
func TestFindHeader(t *testing.T) {
	const h = "Identifiant;Spécialité;Subdivision;Nom du RTS;Adresse électronique du RTS;Nombre de postes\n"
	const row = "P1;MG;IDF;Dr Martin;m@chu.fr;2\n"
	tests := []struct {
		name   string
		data   string
		header int   // HeaderLine
		lines  []int // Lines
		note   string
		errs   []int // lines of the errors
	}{
		{"header first", h + row, 1, []int{2}, "", nil},
		{"blank rows above", "\n;;\n\n" + h + row, 4, []int{5}, "", nil},
		{"title and date", "ARS Île-de-France — postes ouverts au choix\nMis à jour le 12/03/2027;;;\n\n" + h + row,
			4, []int{5}, "en-tête trouvé ligne 4 ; les lignes 1 à 3 au-dessus (titre, notes) sont ignorées", nil},
		{"title in the first cell of a wide row", "Postes ouverts;;;;;\n" + h + row + "P2;MG;IDF;Dr Martin;m@chu.fr;0\n",
			2, []int{3}, "en-tête trouvé ligne 2", []int{4}},
		{"title cell over two lines", "\"Postes ouverts\nsemestre de mai\"\n" + h + row, 2, []int{3}, "en-tête trouvé ligne 2", nil},
		{"no header: the first row", "Liste\nP1;MG;IDF\n", 1, nil, "", []int{1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rep := ParsePostes(mustRead(t, tt.data))
			if rep.HeaderLine != tt.header || !reflect.DeepEqual(rep.Lines, tt.lines) {
				t.Errorf("header %d, lines %v; want %d, %v\n%s", rep.HeaderLine, rep.Lines, tt.header, tt.lines, rep)
			}
			var errs []int
			for _, e := range rep.Errors {
				errs = append(errs, e.Line)
			}
			if !reflect.DeepEqual(errs, tt.errs) {
				t.Errorf("errors on %v, want %v\n%s", errs, tt.errs, rep)
			}
			notes := rep.Format("fr")
			if tt.note == "" && len(rep.Notes) > 0 || !strings.Contains(notes, tt.note) {
				t.Errorf("notes %+v, want %q", rep.Notes, tt.note)
			}
		})
	}
}

// TestMissingColumnSaysWhatIsExpected: a list without a required column
// gives an example header.
func TestMissingColumnSaysWhatIsExpected(t *testing.T) {
	_, rep := ParsePostes(mustRead(t, "Identifiant;Spécialité;Subdivision\nP1;MG;IDF\n"))
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message,
		"en-tête attendu par exemple : « Identifiant;Spécialité;Subdivision;Capacité;Établissement;") ||
		!strings.Contains(rep.Errors[0].MessageEN, "expected header for example") {
		t.Errorf("report:\n%s", rep)
	}
}

func TestCellInt(t *testing.T) {
	tests := []struct {
		cell string
		want int
		ok   bool
	}{
		{"2", 2, true}, {" 2 ", 2, true}, {"+2", 2, true}, {"2.0", 2, true}, {"2,00", 2, true},
		{"2.", 2, true}, {"1.9999999999999998", 2, true}, {"3.0000000000000004", 3, true},
		{"1 200", 1200, true}, {"1\u00a0200", 1200, true}, {"1\u202f200", 1200, true}, {"2E0", 2, true},
		{"1,5", 0, false}, {"2.5", 0, false}, {"deux", 0, false}, {"", 0, false}, {"NaN", 0, false},
		{"Inf", 0, false}, {"1e300", 0, false}, {"2,0,0", 0, false}, {"0x10", 0, false}, {"-2", -2, true},
	}
	for _, tt := range tests {
		got, err := cellInt(tt.cell)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("cellInt(%q) = %d, %v; want %d, ok %v", tt.cell, got, err, tt.want, tt.ok)
		}
	}
}

func TestIntegralText(t *testing.T) {
	tests := map[string]string{"38": "38", "38.0": "38", "100038,00": "100038", "P-1.0": "P-1.0",
		"1.5": "1.5", ".0": ".0", "38.": "38", "I000038": "I000038", "1.0.0": "1.0.0", "": ""}
	for in, want := range tests {
		if got := integralText(in); got != want {
			t.Errorf("integralText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestResolveRTS: postes named only by their RTS's name and e-mail get the
// RTS known by that address, or one new RTS per address.
func TestResolveRTS(t *testing.T) {
	known := []domain.Person{
		{ID: "R00012", Role: domain.RoleRTS, LastName: "Lefèvre", Email: "Helene.Lefevre@chu-paris.fr"},
		{ID: "I000001", Role: domain.RoleIntern, Email: "awa@etu.fr"},
		{ID: "R1", Role: domain.RoleRTS, Email: "double@chu.fr"},
		{ID: "R2", Role: domain.RoleRTS, Email: "double@chu.fr"},
		{ID: "RTS-new_chu.fr", Role: domain.RoleRTS, Email: "other@chu.fr"},
	}
	postes := []domain.Poste{
		{ID: "P1", RTSName: "Dr Hélène Lefèvre", RTSEmail: "helene.lefevre@chu-paris.fr"},
		{ID: "P2", RTS: "R9", RTSEmail: "x@chu.fr"}, // an id: left alone
		{ID: "P3", RTSName: "Dr Nouveau", RTSEmail: "new@chu.fr"},
		{ID: "P4", RTSName: "Dr Nouveau", RTSEmail: "NEW@chu.fr"},
		{ID: "P5", RTSEmail: "awa@etu.fr"},
		{ID: "P6", RTSEmail: "double@chu.fr"},
		{ID: "P7"},                          // no e-mail: left alone (the server says "poste sans RTS")
		{ID: "P8", RTSEmail: "@example.fr"}, // not an address: left alone
	}
	found, errs := ResolveRTS(postes, []int{5, 6, 7, 9, 10, 11, 12, 13}, known)
	wantFound := []RTSFound{
		{Line: 5, ID: "R00012", Email: "helene.lefevre@chu-paris.fr", Name: "Dr Hélène Lefèvre"},
		{Line: 7, ID: "RTS-new_chu.fr-2", Email: "new@chu.fr", Name: "Dr Nouveau", Created: true},
	}
	if !reflect.DeepEqual(found, wantFound) {
		t.Errorf("found %+v\nwant  %+v", found, wantFound)
	}
	var got []string
	for _, p := range postes {
		got = append(got, p.RTS)
	}
	if want := []string{"R00012", "R9", "RTS-new_chu.fr-2", "RTS-new_chu.fr-2", "", "", "", ""}; !reflect.DeepEqual(got, want) {
		t.Errorf("RTS %q, want %q", got, want)
	}
	if len(errs) != 2 || errs[0].Line != 10 || errs[0].ID != "P5" || !strings.Contains(errs[0].Message, "I000001 (intern), qui n'est pas RTS") ||
		errs[1].Line != 11 || !strings.Contains(errs[1].Message, "plusieurs RTS (R1, R2)") {
		t.Errorf("errors %+v", errs)
	}
}

func TestRTSID(t *testing.T) {
	tests := []struct {
		email string
		taken map[string]bool
		want  string
	}{
		{"helene.lefevre@chu-paris.fr", nil, "RTS-helene.lefevre_chu-paris.fr"},
		{"Élodie+stage@CH-Meaux.fr", nil, "RTS-elodie-stage_ch-meaux.fr"},
		{"a@b.fr", map[string]bool{"RTS-a_b.fr": true, "RTS-a_b.fr-2": true}, "RTS-a_b.fr-3"},
		{strings.Repeat("x", 80) + "@chu.fr", nil, "RTS-" + strings.Repeat("x", MaxIDLength-8)},
	}
	for _, tt := range tests {
		got := RTSID(tt.email, tt.taken)
		if got != tt.want || len(got) > MaxIDLength || strings.Trim(got, idChars) != "" {
			t.Errorf("RTSID(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
}

// arsWorkbook is an XLSX file as an ARS sends it: a title, a date and
// blank rows above the header, French header words, number cells as Excel
// writes them (floats, text), no RTS identifier, a few mistakes.
func arsWorkbook(tb testing.TB) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Postes ouverts"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		tb.Fatal(err)
	}
	rows := map[int][]any{
		1: {"Agence régionale de santé Île-de-France"},
		2: {"Postes ouverts au choix des internes — semestre de mai 2027"},
		4: {"Mis à jour le", "12/03/2027"},
		6: {"N° du poste", "Spécialité (DES)", "Subdivision", "Établissement d'accueil", "Service", "Ville",
			"Nom du RTS", "Adresse électronique du RTS", "Nombre de postes", "Observations"},
		7:  {"P-IDF-PED-0001", "Pédiatrie", "Île-de-France", "CHU de Paris – Hôpital Necker", "Pédiatrie générale", "Paris", "Dr Hélène Lefèvre", "helene.lefevre@chu-paris.fr", 2.0, ""},
		8:  {"P-IDF-PED-0002", "PED", "IDF", "CH de Meaux", "Néonatologie", "Meaux", "Dr François Garçon", "francois.garcon@ch-meaux.fr", "1", "poste à confirmer"},
		9:  {"P-IDF-PED-0003", "pédiatrie", "ile de france", "CH de Meaux", "Urgences pédiatriques", "Meaux", "Dr François Garçon", "Francois.Garcon@ch-meaux.fr", 1.9999999999999998, ""},
		11: {"P-IDF-MG-0001", "Médecine générale", "Île-de-France", "CH de Provins", "Médecine polyvalente", "Provins", "Dr Jérôme Noël", "jerome.noel@ch-provins", 2, ""},
		12: {"P-IDF-MG-0002", "MG", "IDF", "CH de Provins", "Gériatrie", "Provins", "Dr Jérôme Noël", "jerome.noel@ch-provins.fr", 1.5, ""},
		13: {38.0, "MG", "IDF", "CH de Provins", "Urgences", "Provins", "", "", 3, ""},
		14: {"P-IDF-MG-0001", "MG", "IDF", "CH de Melun", "Urgences", "Melun", "Dr Anaïs Perrin", "anais.perrin@ch-melun.fr", 0, ""},
	}
	for n, cells := range rows {
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", n), &cells); err != nil {
			tb.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestGoldenARSWorkbook reads arsWorkbook and compares its report, rows and
// postes with testdata/postes_ars_titre.golden (go test -update rewrites it).
func TestGoldenARSWorkbook(t *testing.T) {
	tab, err := ReadTable(bytes.NewReader(arsWorkbook(t)), "postes.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	postes, rep := ParsePostes(tab)
	got := fmt.Sprintf("header row %d, %d rows, accepted rows %v\n\n", rep.HeaderLine, rep.Rows, rep.Lines) +
		rep.Format("fr") + "\n" + rep.Format("en") + "\n"
	for _, p := range postes {
		got += fmt.Sprintf("%+v\n", p)
	}
	golden := filepath.Join("testdata", "postes_ars_titre.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("report differs from %s (go test -update to accept):\n%s", golden, got)
	}
}
