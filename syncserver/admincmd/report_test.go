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
		"postes.xlsx : 3 lignes de postes lues sous l'en-tête de la ligne 4, 0 erreur, 0 avertissement.\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestPrintReportCounts: every counted word of the report takes the
// French plural rule for 0, 1 and 2 (no "(s)").
func TestPrintReportCounts(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "f.csv : 0 ligne de personnes lue, 0 erreur, 0 avertissement.\n"},
		{1, "f.csv : 1 ligne de personnes lue, 1 erreur, 1 avertissement.\n"},
		{2, "f.csv : 2 lignes de personnes lues, 2 erreurs, 2 avertissements.\n"},
	} {
		rep := &api.ImportReport{Kind: "personnes", Rows: tc.n}
		for range tc.n {
			rep.Problems = append(rep.Problems, api.ImportProblem{Row: 2})
			rep.Warnings = append(rep.Warnings, api.ImportProblem{Row: 2})
		}
		var b bytes.Buffer
		PrintReport(&b, "f.csv", rep)
		got := b.String()
		if i := bytes.LastIndexByte(b.Bytes()[:len(got)-1], '\n'); i >= 0 {
			got = got[i+1:] // the last line: the summary after the problems
		}
		if got != tc.want {
			t.Errorf("%d: got %q, want %q", tc.n, got, tc.want)
		}
		if bytes.Contains(b.Bytes(), []byte("(s)")) {
			t.Errorf("%d: a plural in parentheses: %q", tc.n, b.String())
		}
	}
}
