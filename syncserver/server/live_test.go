package server_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestLiveReveal: the live reveal of a matched choix au rang. Before an
// admin starts it, interns get invalid_state; an intern cannot start it;
// at 2 ranks a minute the first turn shows at once and one more every 30
// seconds of the server's clock, exactly the turns of the result; a new
// pace keeps the rank reached; the run cannot be redone once it started;
// publishing shows everything; every start is audited.
func TestLiveReveal(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 6, Capacities: []int{1, 2, 3}})
	users := env.ChoixRound(t, map[string][]string{"i01": {"P1", "P2"}, "i02": {"P1", "P3"}, "i03": {"P2"}, "i04": {"P2", "P1", "P3"}, "i06": {"P2", "P3"}})
	wantCode(t, try(env.Admin.StartLive(ctx, env.Round, 60, "")), api.CodeInvalidState) // not run yet
	env.Transition(t, domain.StateWishesClosed)
	res := env.Run(t, env.Round)
	intern := users["i06"].Client

	// Not started: interns are refused, admins see everything.
	wantCode(t, try(intern.Live(ctx, env.Round, 1, 0)), api.CodeInvalidState)
	full := must[*api.LiveReplay](t)(env.Admin.Live(ctx, env.Round, 1, 0))
	if full.Total != 6 || full.Revealed != 6 || full.Live || len(full.Steps) != 6 {
		t.Fatalf("admin before the reveal: %+v", full)
	}
	got := map[string]string{}
	for _, a := range res.Assignments {
		got[a.Intern] = a.Poste
	}
	for _, st := range full.Steps {
		if got[st.Intern] != st.Poste {
			t.Fatalf("step %+v differs from the result %+v", st, res)
		}
	}

	// Only admins start it, with a pace of 1 to 100000.
	wantCode(t, try(intern.StartLive(ctx, env.Round, 2, "")), api.CodeForbidden)
	wantCode(t, try(env.Admin.StartLive(ctx, env.Round, 0, "")), api.CodeBadRequest)
	wantCode(t, try(env.Admin.StartLive(ctx, env.Round, api.MaxLivePace+1, "")), api.CodeBadRequest)
	start := env.Clock.Now().UTC()
	r := must[*domain.Round](t)(env.Admin.StartLive(ctx, env.Round, 2, "amphi de garnison"))
	if !r.LiveStart.Equal(start) || r.LivePace != 2 || r.State != domain.StateMatched {
		t.Fatalf("started: %+v", r)
	}
	if rs := must[*api.RoundsResponse](t)(intern.Rounds(ctx)); len(rs.Rounds) != 1 || !rs.Rounds[0].LiveStart.Equal(start) || rs.Rounds[0].LivePace != 2 {
		t.Fatalf("rounds list: %+v", rs.Rounds)
	}

	reveal := func(wantRevealed int, wantNext time.Time) {
		t.Helper()
		l := must[*api.LiveReplay](t)(intern.Live(ctx, env.Round, 1, 0))
		live := wantRevealed < 6
		if l.Total != 6 || l.Revealed != wantRevealed || l.Live != live || !l.NextAt.Equal(wantNext) ||
			!reflect.DeepEqual(l.Steps, full.Steps[:wantRevealed]) || !l.ServerTime.Equal(env.Clock.Now().UTC()) {
			t.Fatalf("want %d revealed, next at %v; got %+v", wantRevealed, wantNext, l)
		}
		if live && l.Pace == 0 {
			t.Fatalf("no pace: %+v", l)
		}
	}
	reveal(1, start.Add(30*time.Second))
	env.Clock.Advance(29 * time.Second)
	reveal(1, start.Add(30*time.Second))
	env.Clock.Advance(time.Second)
	reveal(2, start.Add(60*time.Second))
	env.Clock.Advance(31 * time.Second) // 61 s: 1 + 2
	reveal(3, start.Add(90*time.Second))
	// Pages stop at the cursor; admins still see everything.
	if l := must[*api.LiveReplay](t)(intern.Live(ctx, env.Round, 3, 2)); !reflect.DeepEqual(l.Steps, full.Steps[2:3]) {
		t.Fatalf("page from 3: %+v", l.Steps)
	}
	if l := must[*api.LiveReplay](t)(intern.Live(ctx, env.Round, 5, 0)); len(l.Steps) != 0 || l.Revealed != 3 {
		t.Fatalf("page from 5: %+v", l)
	}
	if l := must[*api.LiveReplay](t)(env.Admin.Live(ctx, env.Round, 1, 0)); l.Revealed != 6 || len(l.Steps) != 6 || !l.Live {
		t.Fatalf("admin during the reveal: %+v", l)
	}
	// The result shown cannot be recomputed any more.
	wantCode(t, try(env.Admin.Run(ctx, env.Round)), api.CodeInvalidState)

	// Faster: 60 ranks a minute from rank 3 reached.
	must[*domain.Round](t)(env.Admin.StartLive(ctx, env.Round, 60, "on accélère"))
	reveal(3, env.Clock.Now().UTC().Add(time.Second))
	env.Clock.Advance(time.Second)
	reveal(4, env.Clock.Now().UTC().Add(time.Second))
	env.Clock.Advance(10 * time.Minute)
	reveal(6, time.Time{})

	var starts []api.AuditEntry
	for _, e := range must[[]api.AuditEntry](t)(env.Admin.AuditLog(ctx, 0, 1000)) {
		if e.Action == "live-start" {
			starts = append(starts, e)
		}
	}
	if len(starts) != 2 || starts[0].Actor != env.AdminID || starts[0].Round != env.Round || starts[0].Reason != "amphi de garnison" ||
		!starts[0].Time.Equal(start) || starts[1].Reason != "on accélère" {
		t.Fatalf("audit: %+v", starts)
	}
	var detail map[string]int
	if err := json.Unmarshal(starts[1].Detail, &detail); err != nil || detail["pace"] != 60 || detail["previous_pace"] != 2 || detail["revealed"] != 3 {
		t.Fatalf("audit detail: %s %v", starts[1].Detail, err)
	}

	// Publishing stays allowed and shows every turn; no new start after.
	env.Publish(t, env.Round)
	if l := must[*api.LiveReplay](t)(intern.Live(ctx, env.Round, 1, 0)); l.Live || l.Revealed != 6 || len(l.Steps) != 6 {
		t.Fatalf("after publication: %+v", l)
	}
	wantCode(t, try(env.Admin.StartLive(ctx, env.Round, 60, "")), api.CodeInvalidState)
}

// TestLiveRevealPublishedEarly: an admin may publish while the reveal
// runs; everyone then sees every turn at once.
func TestLiveRevealPublishedEarly(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 3, Postes: 1, Capacity: 1})
	u := env.Enroll(t, "i02")
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)
	must[*domain.Round](t)(env.Admin.StartLive(ctx, env.Round, 1, ""))
	if l := must[*api.LiveReplay](t)(u.Client.Live(ctx, env.Round, 1, 0)); l.Revealed != 1 || !l.Live || len(l.Steps) != 1 {
		t.Fatalf("started: %+v", l)
	}
	env.Publish(t, env.Round)
	if l := must[*api.LiveReplay](t)(u.Client.Live(ctx, env.Round, 1, 0)); l.Revealed != 3 || l.Live || len(l.Steps) != 3 {
		t.Fatalf("published: %+v", l)
	}
}
