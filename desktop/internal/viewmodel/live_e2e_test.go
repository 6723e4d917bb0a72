package viewmodel

import (
	"context"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestLiveFollowEndToEnd: against a real server on loopback, the admin
// runs a choix au rang and starts its live reveal at 2 ranks a minute from
// the app; intern i06 (rank 6, wishes P2 then P3) follows it: P2 (2
// places) disappears from its wishes once i04, rank 4, takes its last
// place; at its own turn it gets P3.
func TestLiveFollowEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 6, Capacities: []int{1, 2, 3},
		CallList: &api.ComputeCallListRequest{}})
	wishes := map[string][]string{"i01": {"P1"}, "i02": {"P1", "P3"}, "i03": {"P2"}, "i04": {"P2", "P1"}, "i06": {"P2", "P3"}}
	users := env.ChoixRound(t, wishes)

	svc := userSession(t, env, users["i06"])
	intern, err := NewIntern(svc)
	if err != nil {
		t.Fatal(err)
	}
	if err := intern.ApplySync(intern.Sync(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	cl := NewCallList(svc, nil)
	cl.Apply(cl.Sync(ctx, env.Round))
	lf := NewLiveFollow(svc)
	lf.MyRank = cl.MyRank
	lf.Wishes = func() []string { return wishes["i06"] }
	lf.Capacity = func(id string) (int, bool) {
		if p, ok := intern.Catalogue.Poste(id); ok {
			return p.Capacity, true
		}
		return 0, false
	}
	lf.Reset(env.Round)
	poll := func() {
		t.Helper()
		p := lf.Poll(ctx, env.Round, lf.Next())
		lf.Apply(p)
		if lf.Error != "" {
			t.Fatalf("poll: %s", lf.Error)
		}
	}

	// Before the run and before the start: waiting.
	poll()
	if !lf.Waiting || !strings.Contains(lf.StatusText(), "pas encore commencé") {
		t.Fatalf("waiting: %+v", lf)
	}
	env.Transition(t, domain.StateWishesClosed)

	// The admin runs the round and starts the reveal from the app.
	adm := NewAdmin(adminSession(t, env))
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if adm.CanStartLive() {
		t.Fatal("live reveal offered before the run")
	}
	if _, err := adm.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if !adm.CanStartLive() || !adm.CanRun() || adm.LiveStatus(env.Clock.Now()) != "" {
		t.Fatalf("matched: live %v run %v", adm.CanStartLive(), adm.CanRun())
	}
	poll()
	if !lf.Waiting {
		t.Fatalf("matched but not started: %+v", lf)
	}
	if err := adm.StartLive(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if adm.CanRun() || !strings.Contains(adm.LiveStatus(env.Clock.Now()), "rang 1 / 6, 2 rangs par minute") {
		t.Fatalf("started: run %v status %q", adm.CanRun(), adm.LiveStatus(env.Clock.Now()))
	}

	poll()
	if lf.Waiting || !lf.Live || lf.CurrentText() != "Rang en cours : 1 / 6" || !strings.HasPrefix(lf.MineText(), "Encore 4 rangs avant le vôtre (rang 6)") {
		t.Fatalf("rank 1: %+v %q %q", lf, lf.CurrentText(), lf.MineText())
	}
	open, gone := lf.WishRows()
	if len(open) != 2 || len(gone) != 0 {
		t.Fatalf("rank 1 wishes: %+v %+v", open, gone)
	}
	// Ranks 2 and 3: i03 takes one of P2's two places; P2 stays.
	env.Clock.Advance(61 * time.Second)
	poll()
	if lf.Revealed != 3 || len(lf.Steps) != 3 {
		t.Fatalf("rank 3: %+v", lf)
	}
	if open, gone = lf.WishRows(); len(open) != 2 || open[0].Poste != "P2" || open[0].Left != 1 || len(gone) != 0 {
		t.Fatalf("rank 3 wishes: %+v %+v", open, gone)
	}
	// Rank 4: i04 takes the last place of P2, which disappears for i06.
	env.Clock.Advance(30 * time.Second)
	poll()
	open, gone = lf.WishRows()
	if lf.Revealed != 4 || len(open) != 1 || open[0].Poste != "P3" || len(gone) != 1 || gone[0].Poste != "P2" ||
		!strings.Contains(lf.WishText(gone[0]), "la dernière prise au rang 4 par i04") {
		t.Fatalf("rank 4: %+v open %+v gone %+v", lf, open, gone)
	}
	if rows := lf.LastRows(2); len(rows) != 2 || rows[0].Rank != 4 || !strings.Contains(rows[0].Text, "i04 prend P2") {
		t.Fatalf("last rows: %+v", rows)
	}
	env.Clock.Advance(30 * time.Second)
	poll()
	if lf.MineText() != "Vous êtes le prochain appelé (rang 6)" {
		t.Fatalf("rank 5: %q", lf.MineText())
	}
	env.Clock.Advance(30 * time.Second)
	poll()
	if !lf.Finished() || lf.MineText() != "Votre tour (rang 6) : vous obtenez P3" || !strings.HasPrefix(lf.StatusText(), "Direct terminé") {
		t.Fatalf("end: %+v %q %q", lf, lf.MineText(), lf.StatusText())
	}
	if open, _ = lf.WishRows(); !open[0].Got {
		t.Fatalf("got: %+v", open)
	}
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(adm.LiveStatus(env.Clock.Now()), "les 6 rangs ont été révélés") {
		t.Fatalf("admin at the end: %q", adm.LiveStatus(env.Clock.Now()))
	}
	if err := adm.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	lf.Reset(env.Round)
	poll()
	if !lf.Finished() || len(lf.Steps) != 6 || lf.StatusText() != "Résultat publié : tous les rangs sont affichés." {
		t.Fatalf("published: %+v %q", lf, lf.StatusText())
	}
}
