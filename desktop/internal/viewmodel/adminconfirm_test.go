package viewmodel

import (
	"errors"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// adminWith is an admin view model holding detail d of an appariement
// (or choix au rang) round R1-T1 named « Tour 1 — Cardiologie ».
func adminWith(proc domain.Procedure, d api.RoundDetail) *Admin {
	d.Round = domain.Round{ID: "R1-T1", Name: "Tour 1 — Cardiologie", Procedure: proc, Number: 1, State: domain.StateRankingsClosed}
	a := &Admin{Rounds: []domain.Round{d.Round}, Detail: &d}
	a.Round = &a.Rounds[0]
	a.People = []api.PersonStatus{{Person: domain.Person{ID: "i000038", FirstName: "Jeanne", LastName: "MARTIN", Role: domain.RoleIntern}}}
	return a
}

// TestConfirmationsStateTheNumbers: the round of issue 17 (2 rankings for
// 3,000 postes, 173 lists for 4,012 interns) says so before each step, and
// publishing it needs a second confirmation.
func TestConfirmationsStateTheNumbers(t *testing.T) {
	wreck := api.RoundDetail{Postes: 3000, Places: 3100, Eligible: 4012, WishLists: 173, Rankings: 2, RankedPostes: 2, Unreachable: 169}
	a := adminWith(domain.Appariement, wreck)
	nb := "\u202f"
	for name, text := range map[string]string{
		"close":   a.ConfirmTransition(domain.StateRankingsClosed).Text,
		"run":     a.ConfirmRun().Text,
		"publish": a.ConfirmPublish().Text,
	} {
		for _, want := range []string{
			"173 listes de vœux reçues sur 4" + nb + "012 internes éligibles",
			"2 postes avec un classement signé sur 3" + nb + "000 postes ouverts",
			"2" + nb + "998 postes sans classement signé (100 %)",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: %q misses %q", name, text, want)
			}
		}
	}
	if run := a.ConfirmRun().Text; !strings.Contains(run, "3"+nb+"839 internes éligibles sans liste de vœux") ||
		!strings.Contains(run, "169 internes qu'aucun classement d'un poste demandé ne nomme") {
		t.Errorf("run: %q", run)
	}
	if a.ConfirmPublish().Second == "" {
		t.Error("publishing with 99.9 % of postes unranked asks no second confirmation")
	}
	// After the run, the preview's numbers.
	a.Detail.Preview = &domain.Result{Assignments: []domain.Assignment{{Intern: "i1", Poste: "P1"}}, Unmatched: []string{"i2", "i3"}}
	if p := a.ConfirmPublish().Text; !strings.Contains(p, "1 interne affecté par le calcul") || !strings.Contains(p, "2 internes resteraient sans poste") {
		t.Errorf("publish after the run: %q", p)
	}
}

// TestPublishSecondConfirmationThreshold: the second confirmation comes
// above UnrankedPublishThreshold per cent of postes without a ranking, and
// never in a choix au rang (no rankings there).
func TestPublishSecondConfirmationThreshold(t *testing.T) {
	for _, c := range []struct {
		proc           domain.Procedure
		postes, ranked int
		second         bool
	}{
		{domain.Appariement, 100, 100, false},
		{domain.Appariement, 100, 90, false}, // exactly 10 %
		{domain.Appariement, 100, 89, true},
		{domain.Appariement, 3000, 2, true},
		{domain.Appariement, 0, 0, false},
		{domain.ChoixAuRang, 100, 0, false},
	} {
		a := adminWith(c.proc, api.RoundDetail{Postes: c.postes, RankedPostes: c.ranked, Preview: &domain.Result{}})
		if got := a.ConfirmPublish().Second != ""; got != c.second {
			t.Errorf("%s %d/%d ranked: second confirmation %v, want %v", c.proc, c.ranked, c.postes, got, c.second)
		}
	}
}

// TestFactsPlurals: the counted facts with 0, 1 and 2 (French: 0 and 1
// singular).
func TestFactsPlurals(t *testing.T) {
	for _, c := range []struct {
		n    int
		want []string
	}{
		{0, []string{"0 liste de vœux reçue sur 0 interne éligible", "0 poste avec un classement signé sur 0 postes ouverts"}},
		{1, []string{"1 liste de vœux reçue sur 1 interne éligible", "1 poste avec un classement signé sur 1 postes ouverts"}},
		{2, []string{"2 listes de vœux reçues sur 2 internes éligibles", "2 postes avec un classement signé sur 2 postes ouverts"}},
	} {
		a := adminWith(domain.Appariement, api.RoundDetail{Postes: c.n, Eligible: c.n, WishLists: c.n, RankedPostes: c.n})
		f := strings.Join(a.Facts(), "\n")
		for _, w := range c.want {
			if !strings.Contains(f, w) {
				t.Errorf("%d: %q misses %q", c.n, f, w)
			}
		}
		if strings.Contains(f, "(s)") {
			t.Errorf("%d: %q", c.n, f)
		}
	}
}

// TestStaffMessage: a refusal names rounds and people by their names,
// shows Paris time and starts with a capital.
func TestStaffMessage(t *testing.T) {
	a := adminWith(domain.Appariement, api.RoundDetail{})
	for _, c := range []struct {
		err  error
		want string
	}{
		{api.Errorf(api.CodeInvalidState, "le tour R1-T1 n'est pas apparié", "round R1-T1 is not matched"),
			"Le tour « Tour 1 — Cardiologie » n'est pas apparié"},
		{api.Errorf(api.CodeBadRequest, "i000038 n'est pas éligible au tour R1-T1", "x"),
			"Jeanne MARTIN (i000038) n'est pas éligible au tour « Tour 1 — Cardiologie »"},
		{api.Errorf(api.CodeBadRequest, "fenêtre close depuis 2026-12-02T13:05:00Z", "x"),
			"Fenêtre close depuis 2\u00a0déc.\u00a02026 à 14\u00a0h\u00a005 (heure de Paris)"},
		{api.Errorf(api.CodeBadRequest, "le tour R1-T10 est inconnu", "x"), "Le tour R1-T10 est inconnu"}, // no partial match
		{nil, ""},
	} {
		if got := a.Message(c.err); got != c.want {
			t.Errorf("Message(%v) = %q, want %q", c.err, got, c.want)
		}
		coord := &Coordinator{Rounds: a.Rounds, People: a.People}
		if got := coord.Message(c.err); got != c.want {
			t.Errorf("coordinator: Message(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// TestScheduleNeedsReason: the windows' form refuses an empty reason
// before sending anything.
func TestScheduleNeedsReason(t *testing.T) {
	a := adminWith(domain.Appariement, api.RoundDetail{})
	for _, r := range []string{"", "  ", "ab"} {
		var ue *UserError
		if err := CheckScheduleReason(r); !errors.As(err, &ue) {
			t.Errorf("reason %q accepted: %v", r, err)
		}
		// Schedule refuses it without a service (nothing is sent).
		if err := a.Schedule(t.Context(), [4]string{"01/12/2026 10:00", "", "", ""}, r); !errors.As(err, &ue) {
			t.Errorf("Schedule with reason %q: %v", r, err)
		}
	}
	if err := CheckScheduleReason("report de la commission"); err != nil {
		t.Error(err)
	}
}

// TestRound3Panel: the round-3 panel applies until the round is published.
func TestRound3Panel(t *testing.T) {
	a := adminWith(domain.Appariement, api.RoundDetail{})
	a.Round.Number = 3
	if !a.Round3Open() {
		t.Error("round 3 not published: panel closed")
	}
	a.Detail.Published = true
	if a.Round3Open() {
		t.Error("round 3 published: panel still open")
	}
}

// TestAuditRowsNameThem: the audit log names people and rounds.
func TestAuditRowsNameThem(t *testing.T) {
	a := adminWith(domain.Appariement, api.RoundDetail{})
	a.Audit = []api.AuditEntry{{Seq: 7, Actor: "i000038", Action: "manual-assignment", Round: "R1-T1", Target: "i000038", Reason: "accord"}}
	rows := a.AuditRows()
	if len(rows) != 1 || !strings.Contains(rows[0], "Jeanne MARTIN (i000038) — manual-assignment — Tour 1 — Cardiologie — Jeanne MARTIN (i000038)") {
		t.Errorf("audit rows %q", rows)
	}
}
