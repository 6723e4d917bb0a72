package rules

import (
	"errors"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// TestCheckRanks: absent ranks are a strict order; present, one per
// element, from 1, each equal to the previous or one more; the refusal
// names the list, the position and the element, French then English.
func TestCheckRanks(t *testing.T) {
	ids := []string{"A", "B", "C", "D"}
	for _, tc := range []struct {
		name  string
		ids   []string
		ranks []int
		code  api.Code
		msg   string // in the French message
		ties  bool
	}{
		{"absent", ids, nil, "", "", false},
		{"strict", ids, []int{1, 2, 3, 4}, "", "", false},
		{"a tie group", ids, []int{1, 2, 2, 3}, "", "", true},
		{"all tied", ids, []int{1, 1, 1, 1}, "", "", true},
		{"empty list, empty ranks", []string{}, []int{}, "", "", false},
		{"too few ranks", ids, []int{1, 2}, api.CodeBadRanks, "2 rangs pour 4 éléments", false},
		{"too many ranks", ids[:1], []int{1, 2}, api.CodeBadRanks, "2 rangs pour 1 éléments", false},
		{"starts at 2", ids, []int{2, 3, 4, 5}, api.CodeBadRanks, "position 1 (A) : rang 2, attendu 1", false},
		{"starts at 0", ids, []int{0, 1, 2, 3}, api.CodeBadRanks, "position 1 (A) : rang 0", false},
		{"gap", ids, []int{1, 2, 4, 5}, api.CodeBadRanks, "position 3 (C) : rang 4, attendu 2 (ex aequo) ou 3", true},
		{"competition ranking 1 2 2 4", ids, []int{1, 2, 2, 4}, api.CodeBadRanks, "position 4 (D)", true},
		{"decreasing", ids, []int{1, 2, 1, 2}, api.CodeBadRanks, "position 3 (C) : rang 1", false},
		{"negative", ids, []int{1, -1, 2, 3}, api.CodeBadRanks, "position 2 (B)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckRanks("classement du poste P1", "ranking of poste P1", tc.ids, tc.ranks)
			var e *api.Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code == "":
			case !errors.As(err, &e) || e.Code != tc.code:
				t.Fatalf("err = %v, want code %s", err, tc.code)
			case !strings.Contains(e.Message, tc.msg) || !strings.HasPrefix(e.Message, "classement du poste P1") ||
				!strings.HasPrefix(e.MessageEN, "ranking of poste P1"):
				t.Fatalf("messages %q / %q, want %q", e.Message, e.MessageEN, tc.msg)
			}
			if tc.code == "" && HasTies(tc.ranks) != tc.ties {
				t.Errorf("HasTies(%v) = %v, want %v", tc.ranks, !tc.ties, tc.ties)
			}
		})
	}
}

// TestCheckListTies: interns may put wishes ex aequo only in an
// appariement round with WishTies; an RTS may always rank ex aequo in an
// appariement; a choix au rang keeps strict lists.
func TestCheckListTies(t *testing.T) {
	app := &domain.Round{ID: "R1", Procedure: domain.Appariement}
	appTies := &domain.Round{ID: "R2", Procedure: domain.Appariement, WishTies: true}
	choix := &domain.Round{ID: "R3", Procedure: domain.ChoixAuRang, WishTies: true}
	tied, strict := []int{1, 1, 2}, []int{1, 2, 3}
	for _, tc := range []struct {
		name    string
		round   *domain.Round
		ranks   []int
		wish    api.Code // CheckWishTies
		ranking api.Code // CheckRankingTies
	}{
		{"appariement, no ranks", app, nil, "", ""},
		{"appariement, strict ranks", app, strict, "", ""},
		{"appariement, ties", app, tied, api.CodeTiesNotAllowed, ""},
		{"appariement with wish ties, ties", appTies, tied, "", ""},
		{"appariement with wish ties, bad ranks", appTies, []int{1, 3, 4}, api.CodeBadRanks, api.CodeBadRanks},
		{"choix au rang, ties", choix, tied, api.CodeTiesNotAllowed, api.CodeTiesNotAllowed},
		{"choix au rang, strict", choix, strict, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := []string{"X", "Y", "Z"}
			check := func(what string, err error, want api.Code) {
				var e *api.Error
				if want == "" {
					if err != nil {
						t.Errorf("%s refused: %v", what, err)
					}
					return
				}
				if !errors.As(err, &e) || e.Code != want {
					t.Errorf("%s: err = %v, want %s", what, err, want)
				} else if want == api.CodeTiesNotAllowed && !strings.Contains(e.Message, "le tour "+tc.round.ID) {
					t.Errorf("%s: message %q does not name the round", what, e.Message)
				}
			}
			check("wish list", CheckWishTies(tc.round, &domain.WishList{Intern: "I1", Postes: ids, Ranks: tc.ranks}), tc.wish)
			check("ranking", CheckRankingTies(tc.round, &domain.Ranking{Poste: "P1", Interns: ids, Ranks: tc.ranks}), tc.ranking)
		})
	}
}
