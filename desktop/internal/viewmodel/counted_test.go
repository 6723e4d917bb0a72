package viewmodel

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/outbox"
	"appariement/shared/domain"
	"appariement/shared/rules"
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
	for n, want := range []string{"Déposer 0 candidat au rang 3", "Déposer 1 candidat au rang 3", "Déposer 2 candidats à partir du rang 3"} {
		if got := counted("rts.drop_sel", n, n, 3); got != want {
			t.Errorf("rts.drop_sel(%d) = %q, want %q", n, got, want)
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

// TestRunButtonOf: the run button follows rules.RunStatusOf — enabled
// once the windows closed, "Relancer (même entrée gelée, même résultat)"
// before publication, disabled with the reason once published or live.
func TestRunButtonOf(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		r       domain.Round
		label   string
		enabled bool
		note    string
	}{
		{"wishes open", domain.Round{Procedure: domain.Appariement, Number: 1, State: domain.StateWishesOpen}, "Lancer l'appariement", false, "L'appariement se lance une fois la fenêtre des classements close."},
		{"choix au rang, wishes open", domain.Round{Procedure: domain.ChoixAuRang, Number: 1, State: domain.StateWishesOpen}, "Lancer l'appariement", false, "L'appariement se lance une fois la fenêtre des vœux close."},
		{"rankings closed", domain.Round{Procedure: domain.Appariement, Number: 1, State: domain.StateRankingsClosed}, "Lancer l'appariement", true, ""},
		{"matched", domain.Round{Procedure: domain.Appariement, Number: 1, State: domain.StateMatched}, "Relancer (même entrée gelée, même résultat)", true, ""},
		{"third round", domain.Round{Procedure: domain.Appariement, Number: 3, State: domain.StateDraft}, "Lancer l'appariement", true, ""},
		{"live started", domain.Round{Procedure: domain.ChoixAuRang, Number: 1, State: domain.StateMatched, LiveStart: now}, "Lancer l'appariement", false, "Direct commencé : l'appariement est définitif, il ne peut plus être relancé."},
		{"published", domain.Round{Procedure: domain.Appariement, Number: 1, State: domain.StatePublished}, "Lancer l'appariement", false, "Résultat publié : l'appariement est définitif, il ne peut plus être relancé ni publié à nouveau."},
	} {
		label, enabled, note := RunButtonOf(&c.r, now)
		if label != c.label || enabled != c.enabled || note != c.note {
			t.Errorf("%s: %q %v %q, want %q %v %q", c.name, label, enabled, note, c.label, c.enabled, c.note)
		}
		if enabled != (rules.CheckRun(&c.r, now) == nil) {
			t.Errorf("%s: the button (%v) and the server's rule (%v) differ", c.name, enabled, rules.CheckRun(&c.r, now))
		}
	}
}

// TestSyncProgressShown: the status bar's progress bar is shown only while
// a batch of sendings is under way, not for a queue that waits offline
// (a bar at "0 %").
func TestSyncProgressShown(t *testing.T) {
	for _, c := range []struct {
		name string
		st   outbox.Status
		want bool
	}{
		{"offline, one waiting", outbox.Status{Checked: true, Pending: 1}, false},
		{"offline, retry", outbox.Status{Checked: true, Pending: 2, NextAttempt: time.Now().Add(time.Minute)}, false},
		{"online, sending one", outbox.Status{Checked: true, Online: true, Sending: true, Pending: 1}, false},
		{"online, sending 2 of 3", outbox.Status{Checked: true, Online: true, Sending: true, Pending: 2, Done: 1}, true},
		{"nothing pending", outbox.Status{Checked: true, Online: true}, false},
	} {
		if got := (&Intern{}).Status(c.st).ShowProgress; got != c.want {
			t.Errorf("%s: shown %v, want %v", c.name, got, c.want)
		}
	}
}

// TestPlacesThousands: place counts are written with the thousands
// separator like the other counts ("5 132 places", not "5132 places").
func TestPlacesThousands(t *testing.T) {
	if got := i18n.N("count.places", 5132, Thousands(5132)); got != "5\u202f132 places" {
		t.Errorf("count.places = %q", got)
	}
}

// TestFormatWait: a retry's wait reads "9 s", "1 min 30 s", never Go's
// "9s" or a negative wait.
func TestFormatWait(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0\u00a0s"}, {9 * time.Second, "9\u00a0s"}, {9400 * time.Millisecond, "9\u00a0s"},
		{90 * time.Second, "1\u00a0min 30\u00a0s"}, {2 * time.Minute, "2\u00a0min"},
	} {
		if got := FormatWait(c.d); got != c.want {
			t.Errorf("FormatWait(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
