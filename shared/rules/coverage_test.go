package rules

import (
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// TestCoverage: the share is rounded up, 0 turns the rule off, and the
// refusal names the poste, the numbers and what is missing, in French then
// English.
func TestCoverage(t *testing.T) {
	for _, tc := range []struct {
		ranked, candidates, pct int
		required, missing       int
	}{
		{0, 10, 0, 0, 0},
		{0, 0, 80, 0, 0},
		{8, 10, 80, 8, 0},
		{7, 10, 80, 8, 1},
		{5, 7, 80, 6, 1}, // 5.6 rounds up to 6
		{6, 7, 80, 6, 0},
		{0, 1, 80, 1, 1},
		{0, 3, 1, 1, 1},
		{4, 5, 100, 5, 1},
		{4, 5, 150, 5, 1},
		{9, 5, 80, 4, 0},
		{0, 5, -3, 0, 0},
	} {
		if got := RequiredForCoverage(tc.candidates, tc.pct); got != tc.required {
			t.Errorf("RequiredForCoverage(%d, %d) = %d, want %d", tc.candidates, tc.pct, got, tc.required)
		}
		if got := MissingForCoverage(tc.ranked, tc.candidates, tc.pct); got != tc.missing {
			t.Errorf("MissingForCoverage(%d, %d, %d) = %d, want %d", tc.ranked, tc.candidates, tc.pct, got, tc.missing)
		}
		r := &domain.Round{ID: "R1", MinRankingCoverage: tc.pct}
		err := CheckRankingCoverage(r, "P7", tc.ranked, tc.candidates)
		if (err != nil) != (tc.missing > 0) {
			t.Errorf("CheckRankingCoverage(%d of %d at %d %%) = %v", tc.ranked, tc.candidates, tc.pct, err)
		}
	}
	err := CheckRankingCoverage(&domain.Round{ID: "R1", MinRankingCoverage: 80}, "P7", 5, 10)
	e, ok := err.(*api.Error)
	if !ok || e.Code != api.CodeRankingCoverage {
		t.Fatalf("refusal %v", err)
	}
	wantFR := "le classement du poste P7 compte 5 candidats sur 10 : le tour R1 demande d'en classer au moins 80 %, soit 8 ; il en manque 3"
	wantEN := "the ranking of poste P7 lists 5 candidates out of 10: round R1 requires at least 80 %, that is 8; 3 missing"
	if e.Message != wantFR || e.MessageEN != wantEN {
		t.Fatalf("messages:\n%s\n%s", e.Message, e.MessageEN)
	}
	// Plural forms for 0, 1 and 2 ranked candidates.
	for ranked, want := range map[int][2]string{
		0: {"compte 0 candidat sur", "lists 0 candidates out of"},
		1: {"compte 1 candidat sur", "lists 1 candidate out of"},
		2: {"compte 2 candidats sur", "lists 2 candidates out of"},
	} {
		e := CheckRankingCoverage(&domain.Round{ID: "R1", MinRankingCoverage: 100}, "P7", ranked, 10).(*api.Error)
		if !strings.Contains(e.Message, want[0]) || !strings.Contains(e.MessageEN, want[1]) {
			t.Errorf("%d ranked: %q / %q", ranked, e.Message, e.MessageEN)
		}
	}
}
