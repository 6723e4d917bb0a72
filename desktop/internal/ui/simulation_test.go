package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestInternSimulationTabs: a choix au rang with a published call list;
// the intern i06 sees its simulation, the call list with its rank, a
// reclassification notice in the banner, and the live replay after
// publication (screenshots intern-9-simulation, intern-10-liste-appel and
// intern-11-direct when SCREENSHOTS is set; intern-simulation and
// intern-calllist are the real app under Xvfb).
func TestInternSimulationTabs(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 12, Postes: 5, Capacity: 3,
		CallList: &api.ComputeCallListRequest{Absences: []string{"i04"}}})
	users := env.EnrollAll(t)
	me := users["i06"]
	sealed, err := keystore.Seal(me.Key, pass, keystore.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	app := staffApp(t, env, &localstore.Profile{ServerURL: env.URL, ServerKey: env.ServerKey, Key: sealed,
		Person: domain.Person{ID: "i06", Role: domain.RoleIntern, FirstName: "Camille", LastName: "DURAND", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision}})
	s := app.intern
	if s == nil {
		t.Fatal("no intern screen")
	}
	c := s.choix
	c.refreshSimulation(true)
	if !strings.Contains(c.simStatus.Text, "n'est pas ouverte") {
		t.Fatalf("closed window: %q", c.simStatus.Text)
	}

	env.SubmitWishes(t, users, map[string][]string{"i01": {"P2", "P1"}, "i02": {"P1", "P3"}, "i03": {"P2"}, "i05": {"P2", "P4"},
		"i06": {"P2", "P1", "P3", "P5"}, "i07": {"P3"}})
	if _, err := env.Admin.RefreshSimulation(ctx, env.Round); err != nil {
		t.Fatal(err)
	}
	test.Tap(s.syncButton)
	// Locked: the refresh button asks for the passphrase first.
	test.Tap(c.simRefresh)
	typePassphrase(t, app)
	if !strings.Contains(c.simStatus.Text, "sur 6 listes (12 internes), liste d'appel version 1") {
		t.Fatalf("status: %q (%q)", c.simStatus.Text, c.Sim.Error)
	}
	if !strings.Contains(c.simRank.Text, "Votre rang : 6 sur 12") || !strings.Contains(c.simPoste.Text, "(P1)") {
		t.Fatalf("rank %q poste %q", c.simRank.Text, c.simPoste.Text)
	}
	s.tabs.Select(c.simTab)
	markup := test.RenderObjectToMarkup(c.simTab.Content)
	for _, want := range []string{"hors de portée", "obtenu", "demandé par 3 internes mieux classés", "Places libres au rang 6"} {
		if !strings.Contains(markup, want) {
			t.Errorf("simulation tab misses %q", want)
		}
	}
	// Further down the call list.
	c.amphiRank.SetText("11")
	c.amphiRank.OnSubmitted("11")
	if !strings.Contains(c.amphiTitle.Text, "rang 11") {
		t.Fatalf("amphi title %q", c.amphiTitle.Text)
	}
	c.amphiRank.SetText("")
	c.refreshSimulation(true)

	// A reclassification moves i06 down: the banner says so after a sync.
	if d, err := env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{Absences: []string{"i04"},
		Seniority: map[string]int{"i09": 2, "i11": 2}, Notes: map[string]string{"i06": "ajout des internes de la promotion 2023 non comptés"}}); err != nil || !d.Report.OK {
		t.Fatalf("call list v2: %v %+v", err, d)
	}
	if _, err := env.Admin.PublishCallList(ctx, env.Round, "ajout des internes de la promotion 2023 non comptés"); err != nil {
		t.Fatal(err)
	}
	test.Tap(s.syncButton)
	if !c.w.Banner.Visible() || !strings.Contains(c.w.bannerText.Text, "Votre rang passe de 6 à 8") {
		t.Fatalf("banner %v %q (%q)", c.w.Banner.Visible(), c.w.bannerText.Text, c.CL.Error)
	}
	if !strings.Contains(c.w.clHeader.Text, "Version 2 — 12 internes") || c.w.clRank.Text != "Votre rang : 8" || len(c.w.clRows) != 12 {
		t.Fatalf("call list %q %q %d", c.w.clHeader.Text, c.w.clRank.Text, len(c.w.clRows))
	}
	c.refreshSimulation(true)
	s.tabs.Select(c.simTab)
	shoot(t, app, "intern-9-simulation")
	s.tabs.Select(c.callTab)
	test.Type(c.w.clSearch, "i0")
	if len(c.w.clRows) != 9 {
		t.Fatalf("search: %d rows", len(c.w.clRows))
	}
	c.w.clSearch.SetText("")
	shoot(t, app, "intern-10-liste-appel")
	test.Tap(findButton(c.w.Banner, "J'ai compris"))
	if c.w.Banner.Visible() {
		t.Fatal("banner still shown once seen")
	}

	// Live replay after publication.
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	test.Tap(findButton(c.callTab.Content, "Charger le déroulé"))
	if len(c.w.liveRows) != 12 || c.w.liveJump.Disabled() {
		t.Fatalf("live: %d rows (%q)", len(c.w.liveRows), c.CL.Error)
	}
	test.Tap(c.w.liveJump)
	shoot(t, app, "intern-11-direct")
}
