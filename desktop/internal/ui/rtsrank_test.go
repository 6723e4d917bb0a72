package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestRTSRanksManyCandidates: 32 candidates on one poste; the ranking
// shows many rows at once, counts them, moves ticked candidates to rank N
// and "Mes postes" says the poste's state.
func TestRTSRanksManyCandidates(t *testing.T) {
	app, s := rtsApp(t, listedP1(t, 32))
	app.Window.Resize(fyne.NewSize(1400, 900))
	if !strings.Contains(s.VM.PosteLabels()[0], "à faire") {
		t.Errorf("poste label %q", s.VM.PosteLabels()[0])
	}
	test.Tap(s.fetch)
	if !s.VM.Svc.Unlocked() {
		typePassphrase(t, app)
	}
	if n := len(s.VM.RankedIDs()); n != 32 {
		t.Fatalf("%d ranked (%q)", n, s.VM.Error)
	}
	if s.counts.Text != "32 classés, 0 non classé — 32 candidats" {
		t.Errorf("counts %q", s.counts.Text)
	}
	// The ranking has the room of the window: many rows visible at once.
	if h := s.ranked.Size().Height; h < 20*s.ranked.MinSize().Height && h < 400 {
		t.Errorf("ranking only %.0f px high", h)
	}
	// Tick the last two and move them to rank 3 (what the dialog does).
	ids := s.VM.RankedIDs()
	s.marked[ids[30]], s.marked[ids[31]] = true, true
	s.refreshButtons()
	if s.moveTo.Disabled() {
		t.Fatal("Placer au rang… disabled with two ticked")
	}
	sel := s.selection()
	s.action(func() error { return s.VM.MoveSelection(sel, 3) })
	got := s.VM.RankedIDs()
	if got[2] != ids[30] || got[3] != ids[31] {
		t.Fatalf("after the move: %v", got[:5])
	}
	if !strings.Contains(s.VM.PosteLabels()[0], "brouillon") {
		t.Errorf("poste label after a move %q", s.VM.PosteLabels()[0])
	}
	for _, row := range s.VM.Ranked() {
		if strings.Contains(row, "vœu") {
			t.Errorf("row shows the wish rank: %q", row)
		}
	}
	shoot(t, app, "rts-4-classement-32")
}

// TestRTSTieGroup: the RTS ticks "Ex aequo avec le précédent" on the
// selected candidate: the two share the rank ("2 (ex aequo)"), the next is
// 4, and the status names the round's published draw.
func TestRTSTieGroup(t *testing.T) {
	app, s := rtsApp(t, listedP1(t, 6))
	app.Window.Resize(fyne.NewSize(1400, 900))
	test.Tap(s.fetch)
	if !s.VM.Svc.Unlocked() {
		typePassphrase(t, app)
	}
	if n := len(s.VM.RankedIDs()); n != 6 {
		t.Fatalf("%d ranked (%q)", n, s.VM.Error)
	}
	s.ranked.Select(0)
	if !s.tie.Disabled() {
		t.Error("the first candidate can be tied")
	}
	s.ranked.Select(2)
	if s.tie.Disabled() || s.tie.Checked {
		t.Fatalf("tie check: disabled %v, checked %v", s.tie.Disabled(), s.tie.Checked)
	}
	test.Tap(s.tie)
	if !s.tie.Checked || !s.VM.TiedWithPrevious(2) {
		t.Fatalf("after the tap: checked %v, ranks %q", s.tie.Checked, s.VM.RankLabels())
	}
	rows := s.VM.Ranked()
	if !strings.HasPrefix(rows[1], "2 (ex aequo). ") || !strings.HasPrefix(rows[2], "2 (ex aequo). ") || !strings.HasPrefix(rows[3], "4. ") {
		t.Errorf("rows %q", rows[:4])
	}
	if !strings.Contains(s.status.Text, "Tirage au sort engagé avant la clôture des vœux : engagement ") || !strings.Contains(s.status.Text, "départagés par ce tirage") {
		t.Errorf("status %q", s.status.Text)
	}
	shoot(t, app, "rts-5-ex-aequo")
}

// TestRTSScreenFetchesOnSelection: on the real screen, selecting a poste
// whose candidates were never fetched fetches them by itself once the key
// is open (locked, the status says to unlock), and the status line says
// when the app last synchronised.
func TestRTSScreenFetchesOnSelection(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 3})
	users := env.EnrollAll(t)
	env.SubmitWishes(t, users, map[string][]string{"i01": {"P1", "P3"}, "i02": {"P3"}, "i03": {"P1"}})
	env.Transition(t, domain.StateWishesClosed)
	env.Transition(t, domain.StateRankingsOpen)
	app, s := rtsApp(t, env)
	if !strings.Contains(s.outbox.Text, "dernière synchronisation") {
		t.Errorf("status line %q", s.outbox.Text)
	}
	if app.session.Unlocked() || !strings.Contains(s.status.Text, "déverrouillez votre clé") {
		t.Fatalf("locked, P1's candidates not fetched: %q", s.status.Text)
	}
	if err := app.session.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	s.postes.Select(1) // P3
	if p := s.VM.Poste(); p == nil || p.ID != "P3" || strings.Join(s.VM.RankedIDs(), " ") != "i01 i02" {
		t.Fatalf("P3 selected: %v, ranked %v (%q)", p, s.VM.RankedIDs(), s.VM.Error)
	}
	s.postes.Select(0) // P1
	if strings.Join(s.VM.RankedIDs(), " ") != "i01 i03" || s.fetch.Text != "Actualiser les candidats" {
		t.Fatalf("P1 selected: ranked %v, button %q", s.VM.RankedIDs(), s.fetch.Text)
	}
}

// listedP1 is a server of n interns who all listed P1 (of 2 postes, rts1's),
// in its rankings window.
func listedP1(t *testing.T, n int) *servertest.Env {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Interns: n, Postes: 2})
	users := env.EnrollAll(t)
	wishes := map[string][]string{}
	for _, id := range env.Interns {
		wishes[id] = []string{"P1"}
	}
	env.SubmitWishes(t, users, wishes)
	env.Transition(t, domain.StateWishesClosed)
	env.Transition(t, domain.StateRankingsOpen)
	return env
}

// rtsApp opens env's rts1 (Hélène ROUX, key sealed with pass) in the app.
func rtsApp(t *testing.T, env *servertest.Env) (*App, *RTSScreen) {
	t.Helper()
	u := env.Register(t, "rts1")
	sealed, err := keystore.Seal(u.Key, pass, keystore.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	app := staffApp(t, env, &localstore.Profile{ServerURL: env.URL, ServerKey: env.ServerKey, Key: sealed,
		Person: domain.Person{ID: "rts1", Role: domain.RoleRTS, FirstName: "Hélène", LastName: "ROUX"}})
	if app.rts == nil {
		t.Fatal("no RTS screen")
	}
	return app, app.rts
}
