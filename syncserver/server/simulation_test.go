package server_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/simulation"
	"appariement/syncserver/servertest"
)

// TestSimulationFigures: 3 postes (1, 2 and 3 places) and 6 interns, by
// hand. Call order i01…i06 (published list from the ranks); wishes:
//
//	i01: P1 P2      → P1 (P1 full)
//	i02: P1 P3      → P3
//	i03: P2         → P2
//	i04: P2 P1 P3   → P2 (P2 full)
//	i05: —          → nothing
//	i06: P2 P3      → P3
//
// i06 sees P2 listed by 3 interns ahead, taken by 2, out of reach, and P3
// listed by 2 ahead, taken by 1, which it would get. The simulation
// changes when other interns submit: after an admin refresh, and on a
// read once it is older than a minute.
func TestSimulationFigures(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 6, Capacities: []int{1, 2, 3},
		CallList: &api.ComputeCallListRequest{}})
	users := env.EnrollAll(t)
	wantCode(t, try(users["i06"].Client.SimulationMe(ctx, env.Round)), api.CodeInvalidState)
	env.SubmitWishes(t, users, map[string][]string{"i01": {"P1", "P2"}, "i02": {"P1", "P3"}, "i03": {"P2"}, "i04": {"P2", "P1", "P3"}, "i06": {"P2", "P3"}})
	me := must[*api.SimulationMe](t)(users["i06"].Client.SimulationMe(ctx, env.Round))
	want := simulation.InternView{Intern: "i06", Rank: 6, Poste: "P3", Wishes: []simulation.WishView{
		{Poste: "P2", Capacity: 2, Demand: 3, TakenAhead: 2, OutOfReach: true},
		{Poste: "P3", Capacity: 3, Demand: 2, TakenAhead: 1, WouldGet: true},
	}}
	if !reflect.DeepEqual(me.View, want) || me.Lists != 5 || me.Interns != 6 || me.CallListVersion != 1 || me.ComputedAt.IsZero() {
		t.Fatalf("simulation of i06: %+v", me)
	}
	if me := must[*api.SimulationMe](t)(users["i05"].Client.SimulationMe(ctx, env.Round)); me.View.Poste != "" || me.View.Rank != 5 {
		t.Fatalf("simulation of i05: %+v", me)
	}
	amphi := must[*api.SimulationAmphi](t)(users["i05"].Client.SimulationAmphi(ctx, env.Round, servertest.Specialty, "", 0))
	free := map[string]int{}
	for _, p := range amphi.Places {
		free[p.Poste] = p.Free
	}
	if amphi.Rank != 5 || !reflect.DeepEqual(free, map[string]int{"P1": 0, "P2": 0, "P3": 2}) {
		t.Fatalf("amphi at rank 5: %+v", amphi)
	}
	amphi = must[*api.SimulationAmphi](t)(env.Admin.SimulationAmphi(ctx, env.Round, "", "", 1))
	if len(amphi.Places) != 3 || amphi.Places[2].Free != 3 {
		t.Fatalf("amphi at rank 1: %+v", amphi)
	}
	wantCode(t, try(env.Admin.SimulationAmphi(ctx, env.Round, "", "", 0)), api.CodeBadRequest)
	wantCode(t, try(env.Admin.SimulationMe(ctx, env.Round)), api.CodeForbidden)

	// i05 submits P3: the cached simulation is kept until refreshed.
	must[*api.Receipt](t)(users["i05"].Client.Submit(ctx, users["i05"].WishList(env.Round, 1, "P3")))
	if me := must[*api.SimulationMe](t)(users["i06"].Client.SimulationMe(ctx, env.Round)); me.Lists != 5 {
		t.Fatalf("simulation refreshed too early: %+v", me)
	}
	meta := must[*api.SimulationMeta](t)(env.Admin.RefreshSimulation(ctx, env.Round))
	if meta.Lists != 6 {
		t.Fatalf("refresh: %+v", meta)
	}
	me = must[*api.SimulationMe](t)(users["i06"].Client.SimulationMe(ctx, env.Round))
	if w := me.View.Wishes[1]; me.View.Poste != "P3" || w.Demand != 3 || w.TakenAhead != 2 || w.OutOfReach {
		t.Fatalf("after i05's list: %+v", me.View)
	}
	// i03 now prefers P3: P2 frees up for i06, seen once the simulation is
	// older than a minute by the server's clock.
	must[*api.Receipt](t)(users["i03"].Client.Submit(ctx, users["i03"].WishList(env.Round, 2, "P3")))
	env.Clock.Advance(61 * time.Second)
	me = must[*api.SimulationMe](t)(users["i06"].Client.SimulationMe(ctx, env.Round))
	if w := me.View.Wishes[0]; me.View.Poste != "P2" || w.TakenAhead != 1 || !w.WouldGet || w.OutOfReach {
		t.Fatalf("after i03's new list: %+v", me.View)
	}

	// After the run and publication, the live replay gives the same choices.
	wantCode(t, try(users["i01"].Client.Live(ctx, env.Round, 1, 0)), api.CodeInvalidState)
	env.Transition(t, domain.StateWishesClosed)
	wantCode(t, try(users["i06"].Client.SimulationMe(ctx, env.Round)), api.CodeInvalidState)
	res := env.Run(t, env.Round)
	wantCode(t, try(users["i01"].Client.Live(ctx, env.Round, 1, 0)), api.CodeInvalidState)
	if l := must[*api.LiveReplay](t)(env.Admin.Live(ctx, env.Round, 1, 0)); l.Total != 6 {
		t.Fatalf("admin live: %+v", l)
	}
	env.Publish(t, env.Round)
	live := must[*api.LiveReplay](t)(users["i01"].Client.Live(ctx, env.Round, 4, 2))
	wantSteps := []simulation.Step{{Rank: 4, Intern: "i04", Poste: "P2", Left: 1}, {Rank: 5, Intern: "i05", Poste: "P3", Left: 0}}
	if live.Total != 6 || live.From != 4 || live.CallListVersion != 1 || !reflect.DeepEqual(live.Steps, wantSteps) {
		t.Fatalf("live: %+v", live)
	}
	if len(res.Assignments) != 6 || res.CallListVersion != 1 {
		t.Fatalf("result: %+v", res)
	}
}
