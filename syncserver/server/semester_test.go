package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/demodata"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
)

// TestChoixAuRangSemester runs a whole choix-au-rang semester on the demo
// data: the planted shortage blocks the call list until places are added,
// the list is computed and published, every intern submits, the
// simulation is served, the window closes, the round runs and is
// published, and every intern's signed result verifies; the result names
// the call list, the live replay matches it and the export lists everyone.
func TestChoixAuRangSemester(t *testing.T) {
	if testing.Short() {
		t.Skip("semester run")
	}
	ctx := context.Background()
	opts := demodata.Small(11)
	env := servertest.Start(t, servertest.Options{Demo: &opts, Procedure: domain.ChoixAuRang, NoCodes: true,
		Configure: func(c *server.Config) { c.IPRate, c.IdentityRate = rate.Inf, rate.Inf }})
	data := demodata.Generate(opts)

	d := must[*api.CallListDraft](t)(env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{}))
	if !d.Report.OK {
		// The planted shortage: add the places missing to one poste of each cell.
		ref := refusedReport(t, env, env.Round)
		postes := data.Postes
		for _, p := range ref.Report.Problems {
			if p.Severity == calllist.Warning {
				continue
			}
			if p.Kind != calllist.KindTooFewPlaces {
				t.Fatalf("unexpected problem: %+v", p)
			}
			for k := range postes {
				if postes[k].Specialty+"/"+postes[k].Subdivision == p.Specialty {
					postes[k].Capacity += p.Count - p.Places
					break
				}
			}
		}
		b, _ := json.Marshal(postes)
		must[*api.ImportReport](t)(env.Admin.ImportPostes(ctx, env.Round, api.FormatJSON, b, false))
		d = must[*api.CallListDraft](t)(env.Admin.CallListDraft(ctx, env.Round))
		if !d.Report.OK {
			t.Fatalf("call list still refused: %v", d.Report.MessagesEN)
		}
	}
	pub := must[*api.PublishedCallList](t)(env.Admin.PublishCallList(ctx, env.Round, "liste initiale"))
	env.Transition(t, domain.StateWishesOpen)

	people := map[string]domain.Person{}
	for _, p := range data.People {
		people[p.ID] = p
	}
	users := map[string]*servertest.User{}
	last := submitted{}
	for i, id := range env.Interns {
		u := env.Register(t, id)
		users[id] = u
		me := people[id]
		var wishes []string
		for _, p := range env.Postes {
			if p.Specialty == me.Specialty && p.Subdivision == me.Subdivision && !p.Closed {
				wishes = append(wishes, p.ID)
			}
		}
		// Rotate the wishes so that interns do not all want the same poste.
		if len(wishes) > 0 {
			k := i % len(wishes)
			wishes = append(wishes[k:], wishes[:k]...)
		}
		last.submit(t, env, u, u.WishList(env.Round, 1, wishes...))
	}
	meta := must[*api.SimulationMeta](t)(env.Admin.RefreshSimulation(ctx, env.Round))
	if meta.Interns != len(env.Interns) || meta.CallListVersion != 1 {
		t.Fatalf("simulation: %+v", meta)
	}
	predicted := map[string]string{}
	for _, id := range env.Interns {
		me := must[*api.SimulationMe](t)(users[id].Client.SimulationMe(ctx, env.Round))
		predicted[id] = me.View.Poste
	}

	env.Clock.Advance(time.Minute)
	env.Transition(t, domain.StateWishesClosed)
	res := env.Run(t, env.Round)
	full := env.Publish(t, env.Round)
	if res.CallListVersion != 1 || res.CallListDigest != pub.Digest {
		t.Fatalf("result does not name the call list: %d %s", res.CallListVersion, res.CallListDigest)
	}
	var published domain.Result
	payload := must[[]byte](t)(env.Verifier(t).VerifyEnvelope(full, api.ResultType))
	if err := json.Unmarshal(payload, &published); err != nil || published.CallListDigest != pub.Digest {
		t.Fatalf("published result: %v %+v", err, published.CallListDigest)
	}
	got := map[string]string{}
	for _, a := range res.Assignments {
		got[a.Intern] = a.Poste
	}
	for _, id := range env.Interns {
		// Nobody changed its list after the simulation: it predicted the result.
		if got[id] != predicted[id] {
			t.Errorf("%s: simulated %q, got %q", id, predicted[id], got[id])
		}
		pr := checkPersonalResult(t, env, users[id], env.Round, full, last[id])
		if (len(pr.Assignments) == 1) != (got[id] != "") {
			t.Errorf("personal result of %s: %+v", id, pr.Assignments)
		}
	}
	live := must[*api.LiveReplay](t)(users[env.Interns[0]].Client.Live(ctx, env.Round, 1, 5000))
	if live.Total != len(env.Interns) || len(live.Steps) != live.Total {
		t.Fatalf("live: %d of %d steps", len(live.Steps), live.Total)
	}
	for _, s := range live.Steps {
		if got[s.Intern] != s.Poste {
			t.Fatalf("live step %+v, result %q", s, got[s.Intern])
		}
	}
	var buf bytes.Buffer
	if err := env.Admin.Export(ctx, env.Round, api.FormatCSV, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) < len(env.Interns) {
		t.Fatalf("export: %d rows, %v", len(rows), err)
	}
	_ = envelope.Envelope{}
}

// TestSimulationRefreshLoop: the background loop refreshes the simulation
// of an open round by itself, and stops with Close.
func TestSimulationRefreshLoop(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 2, Postes: 1, Capacity: 2,
		Configure: func(c *server.Config) { c.SimulationEvery, c.SimulationMaxAge = 20*time.Millisecond, time.Hour }})
	a, b := env.Enroll(t, "i01"), env.Enroll(t, "i02")
	env.Transition(t, domain.StateWishesOpen)
	if me := must[*api.SimulationMe](t)(b.Client.SimulationMe(ctx, env.Round)); me.Lists != 0 || me.CallListVersion != 0 {
		t.Fatalf("first simulation: %+v", me)
	}
	must[*api.Receipt](t)(a.Client.Submit(ctx, a.WishList(env.Round, 1, "P1")))
	deadline := time.Now().Add(5 * time.Second)
	for {
		me := must[*api.SimulationMe](t)(b.Client.SimulationMe(ctx, env.Round))
		if me.Lists == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the loop did not refresh the simulation: %+v", me)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
