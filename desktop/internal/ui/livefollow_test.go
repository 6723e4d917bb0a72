package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestInternLiveFollow: the "Direct" tab of intern i06 (rank 6, wishes P2
// then P3) while the admin reveals a matched choix au rang at 2 ranks a
// minute: waiting before the start, the rank being called, P2 struck out
// into "déjà pris" once i04 (rank 4) takes its last place, polling stopped
// when the tab is left and when every rank is shown (screenshot
// intern-12-direct-suivi when SCREENSHOTS is set).
func TestInternLiveFollow(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 6, Capacities: []int{1, 2, 3},
		CallList: &api.ComputeCallListRequest{}})
	wishes := map[string][]string{"i01": {"P1"}, "i02": {"P1", "P3"}, "i03": {"P2"}, "i04": {"P2", "P1"}, "i06": {"P2", "P3"}}
	users := env.ChoixRound(t, wishes)
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)

	me := users["i06"]
	sealed, err := keystore.Seal(me.Key, pass, keystore.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	app := staffApp(t, env, &localstore.Profile{ServerURL: env.URL, ServerKey: env.ServerKey, Key: sealed,
		Person: domain.Person{ID: "i06", Role: domain.RoleIntern, FirstName: "Camille", LastName: "DURAND", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision}})
	s := app.intern
	c := s.choix
	// The list the run counted (signed outside the app in this test).
	c.LF.Wishes = func() []string { return wishes["i06"] }
	test.Tap(s.syncButton)
	s.tabs.Select(c.liveTab)

	// Locked: following asks for the passphrase, then waits for the start.
	test.Tap(c.lf.toggle)
	typePassphrase(t, app)
	if c.lf.cancel == nil || c.lf.toggle.Text != "Arrêter le suivi" || !strings.Contains(c.lf.status.Text, "pas encore commencé") {
		t.Fatalf("waiting: %q %q (%q)", c.lf.toggle.Text, c.lf.status.Text, c.LF.Error)
	}

	if _, err := env.Admin.StartLive(ctx, env.Round, 2, ""); err != nil {
		t.Fatal(err)
	}
	c.pollFollow()
	if c.lf.current.Text != "Rang en cours : 1 / 6" || !strings.HasPrefix(c.lf.mine.Text, "Encore 4 rangs avant le vôtre (rang 6)") || len(c.lf.goneBox.Objects) != 0 {
		t.Fatalf("rank 1: %q %q", c.lf.current.Text, c.lf.mine.Text)
	}
	env.Clock.Advance(91 * time.Second)
	c.pollFollow()
	if c.lf.current.Text != "Rang en cours : 4 / 6" || len(c.lf.openBox.Objects) != 1 || len(c.lf.goneBox.Objects) != 1 || !c.lf.goneTitle.Visible() {
		t.Fatalf("rank 4: %q open %d gone %d", c.lf.current.Text, len(c.lf.openBox.Objects), len(c.lf.goneBox.Objects))
	}
	markup := test.RenderObjectToMarkup(c.liveTab.Content)
	for _, want := range []string{"Déjà pris par des internes mieux classés", "(P2) — plus de place : la dernière prise au rang 4 par i04",
		"(P3) — 2 places restantes sur 3", "Rang 4 : i04 prend", "Direct en cours — 2 rangs par minute"} {
		if !strings.Contains(markup, want) {
			t.Errorf("live tab misses %q", want)
		}
	}
	if !strings.Contains(c.lf.status.Text, "Direct en cours") || len(c.lf.lastRows) != 4 || c.lf.lastRows[0].Rank != 4 {
		t.Fatalf("status %q, last %+v", c.lf.status.Text, c.lf.lastRows)
	}
	shoot(t, app, "intern-12-direct-suivi")

	// Leaving the tab stops the polling; coming back and following again
	// catches up, and it stops by itself once every rank is shown.
	s.tabs.Select(c.callTab)
	if c.lf.cancel != nil || c.lf.toggle.Text != "Suivre en direct" {
		t.Fatal("still following after leaving the tab")
	}
	env.Clock.Advance(time.Minute)
	s.tabs.Select(c.liveTab)
	test.Tap(c.lf.toggle)
	if c.lf.cancel != nil || c.lf.current.Text != "Rang en cours : 6 / 6" || !strings.HasPrefix(c.lf.mine.Text, "Votre tour (rang 6) : vous obtenez ") || !strings.HasSuffix(c.lf.mine.Text, "(P3)") {
		t.Fatalf("end: following %v %q %q", c.lf.cancel != nil, c.lf.current.Text, c.lf.mine.Text)
	}
}
