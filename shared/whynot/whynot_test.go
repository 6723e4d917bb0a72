package whynot

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"appariement/shared/domain"
	"appariement/shared/match"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func mustSolve(t *testing.T, inst *match.Instance) match.Result {
	t.Helper()
	res, err := match.Solve(inst)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestExplain: each kind of reason, with its numbers, on small instances.
func TestExplain(t *testing.T) {
	da := &match.Instance{
		Postes: []match.Poste{{ID: "A", Capacity: 2}, {ID: "B", Capacity: 1}, {ID: "C", Capacity: 1}, {ID: "D", Capacity: 1}},
		Interns: []match.Intern{
			{ID: "i1", Wishes: []string{"A"}},
			{ID: "i2", Wishes: []string{"A", "B"}},
			{ID: "i3", Wishes: []string{"D", "A", "B", "C"}},
			{ID: "i4", Wishes: []string{}},
		},
		Rankings: []match.Ranking{
			{Poste: "A", Ranking: []string{"i2", "i1", "i3"}},
			{Poste: "B", Ranking: []string{"i2"}},
			{Poste: "C", Ranking: []string{"i3"}},
		},
	}
	car := &match.Instance{
		Procedure: match.ProcedureChoixAuRang,
		Postes:    []match.Poste{{ID: "A", Capacity: 1}, {ID: "B", Capacity: 1}},
		Interns: []match.Intern{
			{ID: "i1", Wishes: []string{"A"}},
			{ID: "i2", Wishes: []string{"B", "A"}},
			{ID: "i3", Wishes: []string{"A", "B"}},
		},
		CallList: []string{"i2", "i1", "i3"},
	}
	for _, tc := range []struct {
		name string
		inst *match.Instance
		want []domain.WhyNot
	}{
		{"appariement", da, []domain.WhyNot{
			{Intern: "i3", Poste: "D", Wish: 1, Kind: domain.WhyNoRanking},
			{Intern: "i3", Poste: "A", Wish: 2, Kind: domain.WhyFilled, Filled: 2, LastRank: 2, YourRank: 3},
			{Intern: "i3", Poste: "B", Wish: 3, Kind: domain.WhyNotRanked},
		}},
		{"choix au rang", car, []domain.WhyNot{
			{Intern: "i3", Poste: "A", Wish: 1, Kind: domain.WhyTaken, Filled: 1, LastRank: 2, YourRank: 3},
			{Intern: "i3", Poste: "B", Wish: 2, Kind: domain.WhyTaken, Filled: 1, LastRank: 1, YourRank: 3},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Explain(tc.inst, mustSolve(t, tc.inst))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

// TestExplainRefuses: a result that is not one of the instance, or that
// leaves a wish above the one obtained without a reason (a blocking pair,
// a free place at the intern's turn), is refused, naming intern and poste.
func TestExplainRefuses(t *testing.T) {
	da := &match.Instance{
		Postes:   []match.Poste{{ID: "A", Capacity: 1}, {ID: "B", Capacity: 1}},
		Interns:  []match.Intern{{ID: "i1", Wishes: []string{"A", "B"}}, {ID: "i2", Wishes: []string{"A"}}},
		Rankings: []match.Ranking{{Poste: "A", Ranking: []string{"i1", "i2"}}, {Poste: "B", Ranking: []string{"i1"}}},
	}
	car := &match.Instance{
		Procedure: match.ProcedureChoixAuRang,
		Postes:    []match.Poste{{ID: "A", Capacity: 1}, {ID: "B", Capacity: 1}},
		Interns:   []match.Intern{{ID: "i1", Wishes: []string{"A", "B"}}, {ID: "i2", Wishes: []string{"A"}}},
		CallList:  []string{"i1", "i2"},
	}
	as := func(pairs ...string) match.Result {
		r := match.Result{}
		for k := 0; k < len(pairs); k += 2 {
			r.Assignments = append(r.Assignments, match.Assignment{Intern: pairs[k], Poste: pairs[k+1]})
		}
		return r
	}
	for _, tc := range []struct {
		name string
		inst *match.Instance
		res  match.Result
		want string
	}{
		{"ranked better, held worse", da, as("i1", "B", "i2", "A"), "blocking pair: intern i1 prefers poste A, which ranked it (rank 1) above an admitted intern (rank 2)"},
		{"free place", da, as("i1", "B"), "blocking pair: intern i1 prefers poste A, which ranked it (rank 1) and has a free place"},
		{"unknown intern", da, as("i9", "A"), "intern i9 of the result is not in the instance"},
		{"unknown poste", da, as("i1", "Z"), "intern i1 has poste Z, which is not in the instance"},
		{"not wished", da, as("i2", "B"), "intern i2 has poste B, which is not on its wish list"},
		{"not ranked by the poste", &match.Instance{
			Postes:   []match.Poste{{ID: "A", Capacity: 1}},
			Interns:  []match.Intern{{ID: "i1", Wishes: []string{"A"}}},
			Rankings: []match.Ranking{{Poste: "A", Ranking: []string{}}},
		}, as("i1", "A"), "intern i1 has poste A, which did not rank it"},
		{"twice", da, as("i1", "A", "i1", "B"), "intern i1 has two postes"},
		{"over capacity", da, as("i1", "A", "i2", "A"), "poste A has 2 interns for 1 places"},
		{"free at its turn", car, as("i1", "B", "i2", "A"), "intern i1 (rank 1) preferred poste A, which still had a free place at its turn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Explain(tc.inst, tc.res)
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.English, tc.want) || !strings.HasPrefix(e.Error(), "pourquoi pas : ") {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestRender: the French and English sentences of every kind, with the
// plural forms for 0, 1 and 2 interns.
func TestRender(t *testing.T) {
	for _, tc := range []struct {
		w      domain.WhyNot
		fr, en string
	}{
		{domain.WhyNot{Kind: domain.WhyFilled, Filled: 0, LastRank: 0, YourRank: 1},
			"ce poste a été pourvu par 0 interne que le RTS a classé avant vous (dernier retenu : rang 0 ; vous : rang 1)",
			"this poste was filled by 0 interns the RTS ranked before you (last admitted: rank 0; you: rank 1)"},
		{domain.WhyNot{Kind: domain.WhyFilled, Filled: 1, LastRank: 1, YourRank: 3},
			"ce poste a été pourvu par 1 interne que le RTS a classé avant vous (dernier retenu : rang 1 ; vous : rang 3)",
			"this poste was filled by 1 intern the RTS ranked before you (last admitted: rank 1; you: rank 3)"},
		{domain.WhyNot{Kind: domain.WhyFilled, Filled: 2, LastRank: 7, YourRank: 9},
			"ce poste a été pourvu par 2 internes que le RTS a classés avant vous (dernier retenu : rang 7 ; vous : rang 9)",
			"this poste was filled by 2 interns the RTS ranked before you (last admitted: rank 7; you: rank 9)"},
		{domain.WhyNot{Kind: domain.WhyNotRanked}, "le RTS ne vous a pas classé", "the RTS did not rank you"},
		{domain.WhyNot{Kind: domain.WhyNoRanking},
			"le RTS n'a signé aucun classement pour ce poste, qui ne retient donc personne",
			"the RTS signed no ranking for this poste, which therefore accepts nobody"},
		{domain.WhyNot{Kind: domain.WhyTaken, Filled: 1, LastRank: 12, YourRank: 30},
			"le dernier poste a été pris au rang 12, avant votre tour (rang 30)",
			"the last place was taken at rank 12, before your turn (rank 30)"},
		{domain.WhyNot{Kind: domain.WhyClosed},
			"ce poste n'était plus ouvert dans ce tour (retiré, ou plus de place après un tour précédent)",
			"this poste was no longer open in this round (withdrawn, or no place left after an earlier round)"},
		{domain.WhyNot{Kind: domain.WhyAbsent},
			"vous étiez absent à l'appel : vous n'avez choisi aucun poste",
			"you were absent at the call: you chose no poste"},
		{domain.WhyNot{Kind: "odd"}, `raison inconnue ("odd")`, `unknown reason ("odd")`},
	} {
		if got := Text(tc.w, "fr"); got != tc.fr {
			t.Errorf("%s/%d fr:\n got %s\nwant %s", tc.w.Kind, tc.w.Filled, got, tc.fr)
		}
		if got := Text(tc.w, "en"); got != tc.en {
			t.Errorf("%s/%d en:\n got %s\nwant %s", tc.w.Kind, tc.w.Filled, got, tc.en)
		}
	}
}

// TestGolden: the reasons of the example instances of the documentation
// and of the matching engine's instance files, as JSON and in both
// languages, are the golden ones.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	more, _ := filepath.Glob("../match/testdata/*.json")
	for _, f := range more {
		if !strings.HasSuffix(f, ".golden.json") {
			files = append(files, f)
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := match.DecodeInstance(data)
			if err != nil {
				t.Fatal(err)
			}
			res := mustSolve(t, inst)
			ws, err := Explain(inst, res)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			for _, w := range ws {
				line, _ := json.Marshal(w)
				fmt.Fprintf(&b, "%s\n  fr: %s\n  en: %s\n", line, French(w), English(w))
			}
			golden := filepath.Join("testdata", name+".whynot.golden")
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Fatalf("reasons changed:\n got:\n%s\nwant:\n%s", b.Bytes(), want)
			}
		})
	}
}
