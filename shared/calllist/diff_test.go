package calllist

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func readCandidates(t *testing.T) []Candidate {
	t.Helper()
	data, err := os.ReadFile("testdata/candidates.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cands []Candidate
	if err := dec.Decode(&cands); err != nil {
		t.Fatalf("testdata/candidates.json: %v", err)
	}
	return cands
}

func computeVersion(t *testing.T, cands []Candidate, version int, reason string) *List {
	t.Helper()
	l, _, err := Compute(cands, seed)
	if err != nil {
		t.Fatal(err)
	}
	l.ID, l.Version, l.Subdivision, l.Specialty, l.Reason = "idf-mg-2020-10", version, "IDF", "MG", reason
	return l
}

func list(reason string, items ...string) *List {
	return &List{ID: "l", Version: 1, Seed: seed, Reason: reason, Entries: entries(items...)}
}

func TestDiff(t *testing.T) {
	old := list("v1", "a:1", "b:2", "c:3", "d:4")
	tests := []struct {
		name string
		new  *List
		want []Move
	}{
		{"unchanged", list("v2", "a:1", "b:2", "c:3", "d:4"), []Move{}},
		{"swap: one up, one down, others omitted", list("v2", "a:1", "c:2", "b:3", "d:4"), []Move{
			{Intern: "c", OldRank: 3, NewRank: 2, Delta: 1, Reason: "v2"},
			{Intern: "b", OldRank: 2, NewRank: 3, Delta: -1, Reason: "v2"},
		}},
		{"added ahead pushes everyone down", list("v2", "x:1", "a:2", "b:3", "c:4", "d:5"), []Move{
			{Intern: "x", NewRank: 1, Reason: "v2"},
			{Intern: "a", OldRank: 1, NewRank: 2, Delta: -1, Reason: "v2"},
			{Intern: "b", OldRank: 2, NewRank: 3, Delta: -1, Reason: "v2"},
			{Intern: "c", OldRank: 3, NewRank: 4, Delta: -1, Reason: "v2"},
			{Intern: "d", OldRank: 4, NewRank: 5, Delta: -1, Reason: "v2"},
		}},
		{"removed at the end", list("v2", "a:1", "b:2", "c:3"), []Move{
			{Intern: "d", OldRank: 4, Reason: "v2"},
		}},
		{"removed ahead moves the others up", list("v2", "b:1", "c:2", "d:3"), []Move{
			{Intern: "b", OldRank: 2, NewRank: 1, Delta: 1, Reason: "v2"},
			{Intern: "c", OldRank: 3, NewRank: 2, Delta: 1, Reason: "v2"},
			{Intern: "d", OldRank: 4, NewRank: 3, Delta: 1, Reason: "v2"},
			{Intern: "a", OldRank: 1, Reason: "v2"},
		}},
		{"absence flagged, same rank", list("v2", "a:1", "b:2:absent", "c:3", "d:4"), []Move{
			{Intern: "b", OldRank: 2, NewRank: 2, Absent: true, Reason: "v2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff(old, tt.new); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("moves\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDiffNoteOverridesReason(t *testing.T) {
	old := list("v1", "a:1", "b:2")
	cur := list("reclassement", "b:1", "a:2")
	cur.Entries[1].Note = "perte d'ancienneté"
	got := Diff(old, cur)
	if got[0].Reason != "reclassement" || got[1].Reason != "perte d'ancienneté" {
		t.Errorf("reasons %q, %q", got[0].Reason, got[1].Reason)
	}
}

func TestMoveMessage(t *testing.T) {
	tests := []struct {
		move   Move
		fr, en string
	}{
		{Move{Intern: "a", OldRank: 152, NewRank: 158, Delta: -6, Reason: "rétrogradé en phase socle"},
			"Votre rang passe de 152 à 158 (−6) : rétrogradé en phase socle",
			"Your rank moves from 152 to 158 (−6): rétrogradé en phase socle"},
		{Move{Intern: "a", OldRank: 12, NewRank: 9, Delta: 3},
			"Votre rang passe de 12 à 9 (+3).",
			"Your rank moves from 12 to 9 (+3)."},
		{Move{Intern: "a", NewRank: 4, Reason: "interne promo 2017 non compté"},
			"Vous êtes ajouté(e) à la liste d'appel au rang 4 : interne promo 2017 non compté",
			"You were added to the call list at rank 4: interne promo 2017 non compté"},
		{Move{Intern: "a", NewRank: 4, Absent: true},
			"Vous êtes ajouté(e) à la liste d'appel au rang 4, noté(e) « absence prévue ».",
			`You were added to the call list at rank 4, marked "planned absence".`},
		{Move{Intern: "a", OldRank: 7},
			"Vous êtes retiré(e) de la liste d'appel (vous étiez au rang 7).",
			"You were removed from the call list (you were at rank 7)."},
		{Move{Intern: "a", OldRank: 7, NewRank: 7, Absent: true, Reason: "disponibilité"},
			"Vous êtes désormais noté(e) « absence prévue » (rang 7) : disponibilité",
			`You are now marked "planned absence" (rank 7): disponibilité`},
		{Move{Intern: "a", OldRank: 7, NewRank: 9, Delta: -2, WasAbsent: true},
			"Votre rang passe de 7 à 9 (−2) ; votre « absence prévue » est levée.",
			`Your rank moves from 7 to 9 (−2); your "planned absence" is lifted.`},
	}
	for _, tt := range tests {
		if got := tt.move.Message("fr"); got != tt.fr {
			t.Errorf("fr:\n got %q\nwant %q", got, tt.fr)
		}
		if got := tt.move.Message("en-GB"); got != tt.en {
			t.Errorf("en:\n got %q\nwant %q", got, tt.en)
		}
	}
}

// TestDiffGolden republishes the golden scenario as the ARS did on 16 October 2020: interns
// of the promo 2017 who had not been counted are added ahead, an intern is moved back to the
// phase socle, one leaves the list and one is now flagged absent. Every intern whose rank
// moved gets a notice.
func TestDiffGolden(t *testing.T) {
	cands := readCandidates(t)
	v1 := computeVersion(t, cands, 1, "liste initiale")
	var next []Candidate
	for _, c := range cands {
		switch c.Intern {
		case "jules":
			continue // remords: now on another specialty's list
		case "gaelle":
			c.Seniority, c.Note = 0, "rétrogradée en phase socle (stage d'urgence à valider)"
		case "ines":
			c.Absent, c.Note = true, "mise en disponibilité"
		}
		next = append(next, c)
	}
	next = append(next,
		Candidate{Intern: "karim", Seniority: 3, Classement: 2000, Note: "interne promo 2017 non compté"},
		Candidate{Intern: "lea", Seniority: 3, Classement: 500, Note: "interne promo 2017 non comptée"})
	v2 := computeVersion(t, next, 2, "réactualisation du classement : internes promo 2017 non comptés, pertes d'ancienneté")
	golden(t, "list-v2.golden.json", Encode(v2))
	var out strings.Builder
	for _, m := range Diff(v1, v2) {
		out.WriteString(m.Intern + " fr: " + m.Message("fr") + "\n")
		out.WriteString(m.Intern + " en: " + m.Message("en") + "\n")
	}
	golden(t, "diff-v1-v2.golden.txt", []byte(out.String()))
}
