package importer_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// arsPostes is a list of postes of the servertest round as an ARS sends
// it: a title above the header, no RTS identifier (the RTS by name and
// e-mail), a capacity Excel wrote as a float, a poste out of the round's
// scope on row 8 (a check of the server, after the file's own).
const arsPostes = "Postes ouverts au choix — Lyon, cardiologie\n" +
	"\n" +
	"N° du poste;Spécialité;Subdivision;Établissement;Nom du RTS;Adresse électronique du RTS;Nombre de postes\n" +
	"Q1;CARDIO;LYON;CHU de Lyon;Dr rts1;RTS1@chu.example.fr;2.0\n" + // row 4: rts1, known by e-mail
	"Q2;CARDIO;LYON;HCL;Dr Claire Martin;\"claire.martin@chu-lyon.fr\";1\n" + // row 5: a new RTS
	"Q3;CARDIO;LYON;HCL;Dr Claire Martin;Claire.Martin@chu-lyon.fr;3\n" + // row 6: the same new RTS
	"Q4;CARDIO;LYON;\"CH de\nVienne\";Dr rts2;rts2@chu.example.fr;1\n" // row 7, over two lines

// TestImportARSPostes: the server imports an ARS file with its header
// under a title and no RTS id, finds the known RTS by e-mail and creates
// the others, says so in the report, and numbers its own problems with the
// spreadsheet's rows.
func TestImportARSPostes(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true})

	rep, err := env.Admin.ImportPostes(ctx, env.Round, api.FormatCSV, []byte(arsPostes), true)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Valid || rep.HeaderRow != 3 || rep.Rows != 4 || rep.RTSMatched != 2 || rep.RTSAdded != 1 {
		t.Fatalf("dry run: %+v", rep)
	}
	var notes []string
	for _, n := range rep.Notes {
		notes = append(notes, n.Message)
	}
	wantNotes := []string{
		"en-tête trouvé ligne 3 ; les lignes 1 à 2 au-dessus (titre, notes) sont ignorées",
		"RTS rts1 trouvé par son adresse RTS1@chu.example.fr",
		"RTS RTS-claire.martin_chu-lyon.fr créé pour Dr Claire Martin (claire.martin@chu-lyon.fr), le fichier ne donnant pas d'identifiant",
		"RTS rts2 trouvé par son adresse rts2@chu.example.fr",
	}
	if !reflect.DeepEqual(notes, wantNotes) || rep.Notes[2].Row != 5 || rep.Notes[3].Row != 7 {
		t.Errorf("notes %q\nwant  %q\n%+v", notes, wantNotes, rep.Notes)
	}

	if _, err := env.Admin.ImportPostes(ctx, env.Round, api.FormatCSV, []byte(arsPostes), false); err != nil {
		t.Fatal(err)
	}
	cat, err := env.Admin.Catalogue(ctx, env.Round, 0)
	if err != nil {
		t.Fatal(err)
	}
	rts := map[string]string{}
	for _, p := range cat.Postes {
		rts[p.ID] = p.RTS
	}
	want := map[string]string{"Q1": "rts1", "Q2": "RTS-claire.martin_chu-lyon.fr", "Q3": "RTS-claire.martin_chu-lyon.fr", "Q4": "rts2"}
	for id, r := range want {
		if rts[id] != r {
			t.Errorf("poste %s has RTS %q, want %q (all: %v)", id, rts[id], r, rts)
		}
	}
	people, err := env.Admin.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var created *domain.Person
	for i := range people {
		if people[i].Person.ID == "RTS-claire.martin_chu-lyon.fr" {
			created = &people[i].Person
		}
	}
	if created == nil || created.Role != domain.RoleRTS || created.Email != "claire.martin@chu-lyon.fr" || created.LastName != "Dr Claire Martin" {
		t.Errorf("created RTS %+v", created)
	}

	// Importing it again finds every RTS by e-mail, creates none.
	rep, err = env.Admin.ImportPostes(ctx, env.Round, api.FormatCSV, []byte(arsPostes), true)
	if err != nil || rep.RTSAdded != 0 || rep.RTSMatched != 3 {
		t.Errorf("second import: %+v, %v", rep, err)
	}
}

// TestImportRowsAsTheSpreadsheetShows: the server's own checks (scope of
// the round, duplicate id, a person who is not an RTS) name the row the
// spreadsheet shows, not the row above or a count of accepted rows.
func TestImportRowsAsTheSpreadsheetShows(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	data := "Postes\n" +
		"Identifiant;Spécialité;Subdivision;RTS;Adresse électronique du RTS;Capacité\n" +
		"Q1;CARDIO;LYON;rts1;rts1@chu.example.fr;1\n" + // row 3
		"Q2;CARDIO;LYON;rts1;x@chu;1\n" + // row 4: a bad e-mail, left out by the file check
		"Q3;PED;LYON;rts1;rts1@chu.example.fr;1\n" + // row 5: out of scope
		"Q4;CARDIO;LYON;;i01@etu.example.fr;1\n" // row 6: an intern's address
	rep, err := env.Admin.ImportPostes(ctx, env.Round, api.FormatCSV, []byte(data), true)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, p := range rep.Problems {
		got = append(got, p.Row)
	}
	if !reflect.DeepEqual(got, []int{4, 6, 5}) || rep.Valid {
		t.Errorf("problems on rows %v, want [4 6 5]: %+v", got, rep.Problems)
	}
	for _, p := range rep.Problems {
		if p.Row == 6 && !strings.Contains(p.Message, "i01 (intern), qui n'est pas RTS") {
			t.Errorf("row 6: %+v", p)
		}
	}
}

// TestImportUnreadableFileSaysWhatIsExpected: an unreadable file is one
// problem saying what is expected, with an example.
func TestImportUnreadableFileSaysWhatIsExpected(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	rep, err := env.Admin.ImportPostes(ctx, env.Round, api.FormatCSV, []byte("id;nom\nP1;\"jamais fermé\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Valid || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Message, "attendu : un classeur Excel (.xlsx) ou un fichier CSV") ||
		!strings.Contains(rep.Problems[0].Message, "par exemple") || !strings.Contains(rep.Problems[0].MessageEN, "for example") {
		t.Errorf("report %+v", rep)
	}
}
