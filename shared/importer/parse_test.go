package importer

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"appariement/shared/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const posteHeader = "id;specialite;subdivision;etablissement;email rts;capacite\n"

func TestParsePostesErrors(t *testing.T) {
	long := strings.Repeat("P", MaxIDLength+1)
	tests := []struct {
		name    string
		data    string
		warning bool
		line    int
		column  string
		id      string
		msg     string
	}{
		{"missing column", "id;specialite;subdivision\nP1;MG;IDF\n",
			false, 1, "capacite", "", "colonne obligatoire absente"},
		{"duplicate column", "id;specialite;spécialité;subdivision;capacite\n",
			false, 1, "spécialité", "", "colonne en double (déjà « specialite »)"},
		{"unknown column", "id;specialite;subdivision;capacite;remarques\n",
			true, 1, "remarques", "", "colonne inconnue"},
		{"empty id", posteHeader + "P1;MG;IDF;CH;a@b.fr;1\n;MG;IDF;CH;a@b.fr;1\n",
			false, 3, "id", "", "identifiant vide"},
		{"id too long", posteHeader + long + ";MG;IDF;CH;a@b.fr;1\n",
			false, 2, "id", long, "identifiant trop long (65 octets, 64 au plus)"},
		{"id with a space", posteHeader + "P 1;MG;IDF;CH;a@b.fr;1\n",
			false, 2, "id", "P 1", "identifiant « P 1 » invalide"},
		{"id with an accent", posteHeader + "Pé1;MG;IDF;CH;a@b.fr;1\n",
			false, 2, "id", "Pé1", "invalide"},
		{"duplicate id", posteHeader + "P1;MG;IDF;CH;a@b.fr;1\nP2;MG;IDF;CH;a@b.fr;1\nP1;PED;IDF;CH;a@b.fr;1\n",
			false, 4, "id", "P1", "identifiant « P1 » en double (déjà ligne 2)"},
		{"unknown DES", posteHeader + "P1;Chirurgie;IDF;CH;a@b.fr;1\n",
			false, 2, "specialite", "P1", "spécialité « Chirurgie » inconnue"},
		{"missing DES", posteHeader + "P1;;IDF;CH;a@b.fr;1\n",
			false, 2, "specialite", "P1", "spécialité manquante"},
		{"unknown subdivision", posteHeader + "P1;MG;Corse;CH;a@b.fr;1\n",
			false, 2, "subdivision", "P1", "subdivision « Corse » inconnue"},
		{"capacity 0", posteHeader + "P1;MG;IDF;CH;a@b.fr;0\n",
			false, 2, "capacite", "P1", "capacité « 0 » invalide (doit être un entier ≥ 1)"},
		{"capacity too large", posteHeader + "P1;MG;IDF;CH;a@b.fr;1001\n",
			false, 2, "capacite", "P1", "capacité 1001 invalide : un entier de 1 à 1000"},
		{"one-letter top-level domain", posteHeader + "P1;MG;IDF;CH;rts@chu.f;1\n",
			false, 2, "email rts", "P1", "adresse e-mail « rts@chu.f » invalide"},
		{"capacity negative", posteHeader + "P1;MG;IDF;CH;a@b.fr;-2\n",
			false, 2, "capacite", "P1", "capacité « -2 » invalide"},
		{"capacity decimal", posteHeader + "P1;MG;IDF;CH;a@b.fr;1,5\n",
			false, 2, "capacite", "P1", "capacité « 1,5 » invalide"},
		{"capacity word", posteHeader + "P1;MG;IDF;CH;a@b.fr;deux\n",
			false, 2, "capacite", "P1", "capacité « deux » invalide"},
		{"capacity empty", posteHeader + "P1;MG;IDF;CH;a@b.fr;\n",
			false, 2, "capacite", "P1", "capacité : valeur manquante"},
		{"e-mail without TLD", posteHeader + "P1;MG;IDF;CH;dr.martin@chu-lille;1\n",
			false, 2, "email rts", "P1", "adresse e-mail « dr.martin@chu-lille » invalide"},
		{"e-mail without @", posteHeader + "P1;MG;IDF;CH;dr.martin.chu-lille.fr;1\n",
			false, 2, "email rts", "P1", "invalide"},
		{"e-mail with a name", posteHeader + "P1;MG;IDF;CH;Dr Martin <m@chu.fr>;1\n",
			false, 2, "email rts", "P1", "invalide"},
		{"e-mail ending with a dot", posteHeader + "P1;MG;IDF;CH;m@chu.;1\n",
			false, 2, "email rts", "P1", "invalide"},
		{"missing RTS e-mail", posteHeader + "P1;MG;IDF;CH;;1\n",
			true, 2, "email rts", "P1", "poste sans e-mail de RTS"},
		{"bad RTS id", "id;specialite;subdivision;rts;email rts;capacite\nP1;MG;IDF;R 1;a@b.fr;1\n",
			false, 2, "rts", "P1", "identifiant « R 1 » invalide"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rep := ParsePostes(mustRead(t, tt.data))
			checkReport(t, rep, tt.warning, tt.line, tt.column, tt.id, tt.msg)
		})
	}
}

func TestParsePeopleErrors(t *testing.T) {
	const h = "id;role;nom;prenom;email;specialite;subdivision;rang\n"
	const ok = "I1;interne;Martin;Léa;lea.martin@univ.fr;MG;IDF;1\n"
	tests := []struct {
		name    string
		data    string
		warning bool
		line    int
		column  string
		id      string
		msg     string
	}{
		{"missing columns", "id;nom;email\n", false, 1, "prenom", "", "colonne obligatoire absente"},
		{"unknown role", h + ok + "I2;étudiant;Petit;Paul;p@univ.fr;MG;IDF;2\n",
			false, 3, "role", "I2", "rôle « étudiant » inconnu"},
		{"empty role", h + "I2;;Petit;Paul;p@univ.fr;MG;IDF;2\n",
			false, 2, "role", "I2", "rôle manquant"},
		{"rank 0", h + "I2;interne;Petit;Paul;p@univ.fr;MG;IDF;0\n",
			false, 2, "rang", "I2", "rang « 0 » invalide (doit être un entier ≥ 1)"},
		{"rank not a number", h + "I2;interne;Petit;Paul;p@univ.fr;MG;IDF;1er\n",
			false, 2, "rang", "I2", "rang « 1er » invalide"},
		{"duplicate rank", h + ok + "I2;interne;Petit;Paul;p@univ.fr;Médecine générale;Île-de-France;1\n",
			true, 3, "rang", "I2", "rang 1 en double en MG dans la subdivision IDF (déjà ligne 2)"},
		{"missing last name", h + "I2;interne;;Paul;p@univ.fr;MG;IDF;2\n",
			false, 2, "nom", "I2", "nom manquant"},
		{"missing first name", h + "I2;interne;Petit;;p@univ.fr;MG;IDF;2\n",
			false, 2, "prenom", "I2", "prénom manquant"},
		{"missing e-mail", h + "I2;interne;Petit;Paul;;MG;IDF;2\n",
			false, 2, "email", "I2", "adresse e-mail manquante"},
		{"bad e-mail", h + "I2;interne;Petit;Paul;paul.petit@gmail;MG;IDF;2\n",
			false, 2, "email", "I2", "adresse e-mail « paul.petit@gmail » invalide"},
		{"duplicate e-mail", h + ok + "I9;interne;Martin;Léa;Lea.Martin@univ.fr;MG;IDF;7\n",
			true, 3, "email", "I9", "adresse e-mail « Lea.Martin@univ.fr » déjà utilisée ligne 2"},
		{"intern without specialty", h + "I2;interne;Petit;Paul;p@univ.fr;;IDF;2\n",
			false, 2, "specialite", "I2", "spécialité manquante"},
		{"coordinator without subdivision", h + "C1;coordonnateur;Petit;Paul;p@univ.fr;PED;;\n",
			false, 2, "subdivision", "C1", "subdivision manquante"},
		{"duplicate id", h + ok + "I1;rts;Petit;Paul;p@chu.fr;;;\n",
			false, 3, "id", "I1", "identifiant « I1 » en double (déjà ligne 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rep := ParsePeople(mustRead(t, tt.data))
			checkReport(t, rep, tt.warning, tt.line, tt.column, tt.id, tt.msg)
		})
	}
}

// checkReport checks that rep holds exactly one error (or, if warning, no
// error and one warning) and that it and its formatted line name the line,
// the column and the id.
func checkReport(t *testing.T, rep *Report, warning bool, line int, column, id, msg string) {
	t.Helper()
	list, other := rep.Errors, rep.Warnings
	if warning {
		list, other = other, list
	}
	if len(list) != 1 || len(other) != 0 || rep.OK() == !warning {
		t.Fatalf("want one %s, got report:\n%s", map[bool]string{false: "error", true: "warning"}[warning], rep)
	}
	e := list[0]
	if e.Line != line || e.Column != column || e.ID != id || !strings.Contains(e.Message, msg) || e.MessageEN == "" {
		t.Errorf("got %+v\nwant line %d, column %q, id %q, message containing %q", e, line, column, id, msg)
	}
	want := []string{"ligne " + strconv.Itoa(line), "colonne « " + column + " »", msg}
	if id != "" {
		want = append(want, "« "+id+" »")
	}
	got := rep.String()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("report %q does not contain %q", got, w)
		}
	}
	if en := rep.Format("en"); !strings.Contains(en, "line "+strconv.Itoa(line)) || !strings.Contains(en, e.MessageEN) {
		t.Errorf("English report %q", en)
	}
}

func TestParsePostesValues(t *testing.T) {
	data := "Identifiant;Code_Gestion?;SPÉCIALITÉ;Subdivision;Etablissement;Service;Commune;Intitulé;RTS_ID;Nom RTS;Courriel RTS;Nb places;Description\n" +
		"P-1; x ;anesthésie-réanimation;ile de france; CH de Meaux ;Réanimation;Meaux;Réa polyvalente;R1;Dr Claire Martin;claire.martin@ch-meaux.fr; 2 ;Stage de réanimation\n" +
		"P-2;;oto rhino laryngologie - chirurgie cervico faciale;SAINT ETIENNE;CHU;ORL;Saint-Étienne;ORL;;;x@chu.fr;1;\n" +
		"P-3;;Médecine d’urgence;Océan Indien;CHU;Urgences;Saint-Denis;;;;x@chu.fr;5;\n"
	postes, rep := ParsePostes(mustRead(t, data))
	if !rep.OK() || len(rep.Warnings) != 1 || rep.Rows != 3 {
		t.Fatalf("report:\n%s", rep)
	}
	want := []domain.Poste{
		{ID: "P-1", Specialty: "MAR", Subdivision: "IDF", Etablissement: "CH de Meaux", Service: "Réanimation",
			Town: "Meaux", Title: "Réa polyvalente", RTS: "R1", RTSName: "Dr Claire Martin",
			RTSEmail: "claire.martin@ch-meaux.fr", Capacity: 2, Description: "Stage de réanimation"},
		{ID: "P-2", Specialty: "ORL", Subdivision: "STETIENNE", Etablissement: "CHU", Service: "ORL",
			Town: "Saint-Étienne", Title: "ORL", RTSEmail: "x@chu.fr", Capacity: 1},
		{ID: "P-3", Specialty: "MU", Subdivision: "OCEANINDIEN", Etablissement: "CHU", Service: "Urgences",
			Town: "Saint-Denis", RTSEmail: "x@chu.fr", Capacity: 5},
	}
	if !reflect.DeepEqual(postes, want) {
		t.Errorf("got  %+v\nwant %+v", postes, want)
	}
}

func TestParseEveryRowReported(t *testing.T) {
	data := posteHeader +
		"P1;MG;IDF;CH;a@b.fr;1\n" +
		"P2;XX;IDF;CH;a@b.fr;0\n" + // two errors
		"P3;MG;IDF;CH;a@b.fr;1\n" +
		"P4;MG;YY;CH;;1\n" // one error, one warning
	postes, rep := ParsePostes(mustRead(t, data))
	if len(rep.Errors) != 3 || len(rep.Warnings) != 1 {
		t.Fatalf("report:\n%s", rep)
	}
	if got := []int{rep.Errors[0].Line, rep.Errors[1].Line, rep.Errors[2].Line}; !reflect.DeepEqual(got, []int{3, 3, 5}) {
		t.Errorf("error lines %v", got)
	}
	if len(postes) != 2 || postes[0].ID != "P1" || postes[1].ID != "P3" {
		t.Errorf("postes without errors: %+v", postes)
	}
}

func TestPeopleWithoutRoleColumnAreInterns(t *testing.T) {
	people, rep := ParsePeople(mustRead(t, "Identifiant,Nom,Prénom,Courriel,DES,Subdivision,Classement\nI1,Diallo,Awa,awa.diallo@etu.fr,Pédiatrie,Lille,12\n"))
	want := []domain.Person{{ID: "I1", Role: domain.RoleIntern, LastName: "Diallo", FirstName: "Awa",
		Email: "awa.diallo@etu.fr", Specialty: "PED", Subdivision: "LILLE", Rank: 12}}
	if !rep.OK() || !reflect.DeepEqual(people, want) {
		t.Errorf("got %+v, report:\n%s", people, rep)
	}
}

// TestGolden parses the sample files in testdata as an ARS would send them
// and compares the reports with the .golden files (go test -update rewrites
// them).
func TestGolden(t *testing.T) {
	tests := []struct {
		file  string
		parse func(*Table) (accepted []any, _ *Report)
	}{
		{"postes_ars.csv", func(t *Table) ([]any, *Report) {
			postes, r := ParsePostes(t)
			var a []any
			for _, p := range postes {
				a = append(a, p)
			}
			return a, r
		}},
		{"internes_ars_titre.csv", func(t *Table) ([]any, *Report) {
			people, r := ParsePeople(t)
			a := []any{fmt.Sprintf("header row %d, %d rows, accepted rows %v", r.HeaderLine, r.Rows, r.Lines)}
			for _, p := range people {
				a = append(a, p)
			}
			return a, r
		}},
		{"internes_ars.csv", func(t *Table) ([]any, *Report) {
			people, r := ParsePeople(t)
			var a []any
			for _, p := range people {
				a = append(a, p)
			}
			return a, r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tab, err := ReadTable(bytes.NewReader(data), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			accepted, rep := tt.parse(tab)
			got := rep.Format("fr") + "\n" + rep.Format("en") + "\n"
			for _, v := range accepted {
				got += fmt.Sprintf("%+v\n", v)
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(tt.file, ".csv")+".golden")
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
		})
	}
}
