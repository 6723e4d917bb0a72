package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestAdminStartsLive: on the Round tab of a matched choix au rang, the
// admin starts the live reveal at the pace typed; the round then says it
// runs, and the matching can no longer be run again.
func TestAdminStartsLive(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 4, Postes: 2, Capacity: 1})
	u := env.Enroll(t, "i01")
	env.Transition(t, domain.StateWishesOpen)
	if _, err := u.Client.Submit(ctx, u.WishList(env.Round, 1, "P1")); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesClosed)
	sealed, err := keystore.Seal(env.AdminKey, pass, keystore.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	app := staffApp(t, env, &localstore.Profile{ServerURL: env.URL, ServerKey: env.ServerKey, Key: sealed,
		Person: domain.Person{ID: env.AdminID, Role: domain.RoleAdmin, FirstName: "Claire", LastName: "MARTIN"}})
	typePassphrase(t, app)
	adm := app.admin
	adm.VM.Svc.Now = env.Clock.Now // the reveal's cursor by the server's clock
	selectTab(t, adm.Tabs, "Tour")
	if !adm.liveStart.Disabled() || adm.livePace.Text != "60" {
		t.Fatalf("live offered before the run (pace %q)", adm.livePace.Text)
	}
	env.Run(t, env.Round)
	adm.reloadCurrent()
	if adm.liveStart.Disabled() || adm.run.Disabled() || adm.liveStatus.Text != "" {
		t.Fatalf("matched: live %v run %v status %q", !adm.liveStart.Disabled(), !adm.run.Disabled(), adm.liveStatus.Text)
	}

	adm.livePace.SetText("0")
	test.Tap(adm.liveStart)
	top := app.Window.Canvas().Overlays().Top()
	if top == nil || !strings.Contains(test.RenderObjectToMarkup(top), "Rythme invalide") {
		t.Fatal("pace 0 not refused")
	}
	top.Hide()
	adm.livePace.SetText("30")
	test.Tap(adm.liveStart)
	top = app.Window.Canvas().Overlays().Top()
	if top == nil || !strings.Contains(test.RenderObjectToMarkup(top), "à 30 rangs par minute") {
		t.Fatal("no confirmation")
	}
	yes := findButton(top, "Yes")
	if yes == nil {
		yes = findButton(top, "Oui")
	}
	if yes == nil {
		t.Fatalf("no confirm button in %s", test.RenderObjectToMarkup(top))
	}
	test.Tap(yes)
	rs, err := env.Anonymous().Rounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := rs.Rounds[0]; r.LivePace != 30 || !r.LiveStart.Equal(env.Clock.Now()) {
		t.Fatalf("round on the server: %+v", r)
	}
	if !strings.Contains(adm.liveStatus.Text, "rang 1 / 4, 30 rangs par minute") || !adm.run.Disabled() || adm.liveStart.Disabled() {
		t.Fatalf("started: status %q, run %v", adm.liveStatus.Text, !adm.run.Disabled())
	}
}
