package viewmodel

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// userSession opens a desktop session, unlocked, for a servertest user.
func userSession(t *testing.T, env *servertest.Env, u *servertest.User) *service.Service {
	t.Helper()
	store, err := localstore.Open(filepath.Join(t.TempDir(), u.ID+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sealed, err := keystore.Seal(u.Key, pass, keystore.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	me := domain.Person{ID: u.ID, Role: domain.RoleIntern, Specialty: servertest.Specialty, Subdivision: servertest.Subdivision}
	if err := store.SaveProfile(&localstore.Profile{ServerURL: env.URL, Person: me, ServerKey: env.ServerKey, Key: sealed}); err != nil {
		t.Fatal(err)
	}
	svc, err := service.Open(store, "")
	if err != nil {
		t.Fatal(err)
	}
	svc.Client.Now = env.Clock.Now
	svc.Now = env.Clock.Now
	if err := svc.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestChoixAuRangEndToEnd: a choix au rang with a published call list.
// Intern A (i01, rank 1) submits; intern B (i03)'s simulation shows A
// ahead on their shared poste after a refresh; a republished call list
// gives B a notice; the live replay follows publication.
func TestChoixAuRangEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 6, Postes: 3,
		CallList: &api.ComputeCallListRequest{}})
	a := env.Enroll(t, "i01")
	b := env.Enroll(t, "i03")
	svc := userSession(t, env, b)
	sim := NewSimulation(svc, nil)
	sim.Now = env.Clock.Now
	cl := NewCallList(svc, nil)
	if err := cl.Load(env.Round); err != nil {
		t.Fatal(err)
	}

	// Before the window opens: the tab explains it is closed.
	sim.Apply(sim.Fetch(ctx, env.Round, 0))
	if !sim.Closed || !strings.Contains(sim.Status(), "n'est pas ouverte") {
		t.Fatalf("closed window: %+v %q", sim, sim.Status())
	}

	env.Transition(t, domain.StateWishesOpen)
	if _, err := b.Client.Submit(ctx, b.WishList(env.Round, 1, "P1", "P2")); err != nil {
		t.Fatal(err)
	}
	sim.Start()
	sim.Apply(sim.Fetch(ctx, env.Round, 0))
	if sim.Closed || sim.Error != "" || sim.Me == nil {
		t.Fatalf("simulation: %+v", sim)
	}
	rows := sim.WishRows()
	if len(rows) != 2 || rows[0].Demand != "demandé par 0 interne mieux classé" || !rows[0].WouldGet || sim.Me.View.Rank != 3 {
		t.Fatalf("B before A: %+v", rows)
	}
	if !strings.Contains(sim.Status(), "sur 1 listes (6 internes), liste d'appel version 1") {
		t.Fatalf("status: %q", sim.Status())
	}
	if sim.Due() {
		t.Fatal("due right after a fetch")
	}

	// A (rank 1) takes P1, with its 2 places: B still gets it, one left.
	if _, err := a.Client.Submit(ctx, a.WishList(env.Round, 1, "P1")); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(61 * time.Second)
	if !sim.Due() {
		t.Fatal("not due after a minute")
	}
	sim.Start()
	sim.Apply(sim.Fetch(ctx, env.Round, 0))
	rows = sim.WishRows()
	if sim.Me.Lists != 2 || rows[0].Demand != "demandé par 1 interne mieux classé" || rows[0].Taken != "déjà pris par 1" || rows[0].Marker != "obtenu" {
		t.Fatalf("B after A: %+v %+v", sim.Me, rows)
	}
	if am := sim.AmphiRows(); len(am) != 3 || sim.Amphi.Rank != 3 {
		t.Fatalf("amphi: %+v", sim.Amphi)
	}
	sim.Apply(sim.Fetch(ctx, env.Round, 6))
	if sim.Amphi.Rank != 6 {
		t.Fatalf("amphi at 6: %+v", sim.Amphi)
	}

	// Call list: fetched, verified, cached; no notice for version 1.
	cl.Apply(cl.Sync(ctx, env.Round))
	if cl.Error != "" || cl.Record == nil || cl.MyRank() != 3 || len(cl.Rows()) != 6 || cl.Banner() != "" {
		t.Fatalf("call list: %q %+v banner %q", cl.Error, cl.Record, cl.Banner())
	}
	cl.Filter = "I03"
	if r := cl.Rows(); len(r) != 1 || !r[0].Me {
		t.Fatalf("filter: %+v", r)
	}
	// A reclassification puts i05 first: B moves from 3 to 4.
	if d, err := env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{Seniority: map[string]int{"i05": 3}, Absences: []string{"i06"}}); err != nil || !d.Report.OK {
		t.Fatalf("call list v2: %v %+v", err, d)
	}
	if _, err := env.Admin.PublishCallList(ctx, env.Round, "ajout de l'ancienneté"); err != nil {
		t.Fatal(err)
	}
	cl.Apply(cl.Sync(ctx, env.Round))
	if cl.Error != "" || cl.MyRank() != 4 || cl.Record.List.Version != 2 {
		t.Fatalf("call list v2: %q rank %d", cl.Error, cl.MyRank())
	}
	fetched := cl.Record.FetchedAt
	env.Clock.Advance(time.Second)
	cl.Apply(cl.Sync(ctx, env.Round))
	if cl.Error != "" || !cl.Record.FetchedAt.Equal(fetched) || cl.Record.List.Version != 2 {
		t.Fatalf("unchanged version fetched again: %q %v %v", cl.Error, cl.Record.FetchedAt, fetched)
	}
	banner := cl.Banner()
	if !strings.Contains(banner, "3") || !strings.Contains(banner, "4") || !strings.Contains(banner, "version 2") {
		t.Fatalf("banner: %q", banner)
	}
	t.Logf("banner: %s", banner)
	if err := cl.MarkSeen(); err != nil || cl.Banner() != "" || len(cl.History()) != 1 {
		t.Fatalf("seen: %v %q %v", err, cl.Banner(), cl.History())
	}
	// Offline: a fresh view model shows the cached list and history.
	cl2 := NewCallList(svc, nil)
	if err := cl2.Load(env.Round); err != nil || cl2.MyRank() != 4 || len(cl2.History()) != 1 || cl2.Banner() != "" {
		t.Fatalf("cached: %v %+v", err, cl2)
	}
	var absent bool
	for _, r := range cl2.Rows() {
		absent = absent || (r.Intern == "i06" && r.Absent && strings.Contains(r.Text, "absence prévue"))
	}
	if !absent {
		t.Fatalf("absence not shown: %+v", cl2.Rows())
	}

	// Live replay once published.
	cl.ApplyLive(cl.FetchLive(ctx, env.Round, 1))
	if cl.Error == "" {
		t.Fatal("live before publication")
	}
	env.Transition(t, domain.StateWishesClosed)
	sim.Apply(sim.Fetch(ctx, env.Round, 0))
	if !sim.Closed {
		t.Fatal("simulation after close")
	}
	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	cl.ApplyLive(cl.FetchLive(ctx, env.Round, 1))
	if cl.Error != "" || len(cl.LiveRows()) != 6 || cl.LiveIndexOf() != 3 {
		t.Fatalf("live: %q %+v", cl.Error, cl.LiveRows())
	}
	if r := cl.LiveRows()[3]; !strings.Contains(r.Text, "i03 prend P1") {
		t.Fatalf("my turn: %+v", r)
	}
}
