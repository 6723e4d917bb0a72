package admincmd

import (
	"bytes"
	"testing"

	"appariement/shared/api"
)

// TestPrintReportSaysWhatTheImportDid: the header row taken and the notes
// (header under a title, RTS found by e-mail or created) are printed.
func TestPrintReportSaysWhatTheImportDid(t *testing.T) {
	rep := &api.ImportReport{Kind: "postes", Rows: 3, HeaderRow: 4,
		Notes: []api.ImportProblem{
			{Row: 4, Message: "en-tête trouvé ligne 4 ; les lignes 1 à 3 au-dessus (titre, notes) sont ignorées"},
			{Row: 5, Message: "RTS R00012 trouvé par son adresse a@chu.fr"},
		}}
	var b bytes.Buffer
	PrintReport(&b, "postes.xlsx", rep)
	want := "note ligne 4 : en-tête trouvé ligne 4 ; les lignes 1 à 3 au-dessus (titre, notes) sont ignorées\n" +
		"note ligne 5 : RTS R00012 trouvé par son adresse a@chu.fr\n" +
		"postes.xlsx : 3 ligne(s) de postes lue(s) sous l'en-tête de la ligne 4, 0 erreur(s), 0 avertissement(s).\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
