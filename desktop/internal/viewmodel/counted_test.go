package viewmodel

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestCountedMessages: each counted message of the RTS screens with 0, 1
// and 2, in French (0 and 1 singular) and with no "(s)".
func TestCountedMessages(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want [3]string
	}{
		{"rts.places", [3]string{"0 place", "1 place", "2 places"}},
		{"rts.count_ranked", [3]string{"0 classé", "1 classé", "2 classés"}},
		{"rts.count_unranked", [3]string{"0 non classé", "1 non classé", "2 non classés"}},
		{"rts.count_candidates", [3]string{"0 candidat", "1 candidat", "2 candidats"}},
		{"rts.import_problems", [3]string{"0 problème", "1 problème", "2 problèmes"}},
	} {
		for n := range 3 {
			if got := counted(tc.key, n, n); got != tc.want[n] {
				t.Errorf("%s(%d) = %q, want %q", tc.key, n, got, tc.want[n])
			}
			if got := countedIn("en", tc.key, n); strings.Contains(got, "%!") || !strings.Contains(got, fmt.Sprint(n)) {
				t.Errorf("%s(%d) in English = %q", tc.key, n, got)
			}
		}
	}
	for n, want := range []string{"0 candidat classé depuis f.csv", "1 candidat classé depuis f.csv", "2 candidats classés depuis f.csv"} {
		if got := ImportDoneLabel(n, "f.csv"); !strings.HasPrefix(got, want) {
			t.Errorf("ImportDoneLabel(%d) = %q", n, got)
		}
	}
}

// TestVersionLabels: a signed version's line counts its postes or ranked
// candidates with plural forms, 0 and 1 singular in French.
func TestVersionLabels(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC)
	for n, want := range []string{"0 poste", "1 poste", "2 postes"} {
		got := WishVersionLabel(1, n, at)
		if !strings.HasPrefix(got, "Version n°\u00a01 — "+want+" — signée le ") || strings.Contains(got, "(s)") {
			t.Errorf("WishVersionLabel(%d) = %q", n, got)
		}
	}
	for n, want := range []string{"0 candidat classé", "1 candidat classé", "2 candidats classés"} {
		got := RankingVersionLabel(1, n, at)
		if !strings.HasPrefix(got, "Version n°\u00a01 — "+want+" — signée le ") || strings.Contains(got, "(s)") {
			t.Errorf("RankingVersionLabel(%d) = %q", n, got)
		}
	}
}
