package server_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/demodata"
	"appariement/syncserver/servertest"
)

// TestChoixAuRang: serial dictatorship in rank order on the wish lists in
// the log, rankings refused, and a key reset in the middle that does not
// lose the envelope signed with the old key.
func TestChoixAuRang(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 4, Postes: 2, Capacity: 1})
	users := map[string]*servertest.User{}
	for _, id := range append(append([]string{}, env.Interns...), "rts1") {
		users[id] = env.Enroll(t, id)
	}
	env.Transition(t, domain.StateWishesOpen)
	last := submitted{}
	// Everyone wants P1 first; i01 (rank 1) gets it, i02 gets P2, the rest nothing.
	for _, id := range env.Interns {
		last.submit(t, env, users[id], users[id].WishList(env.Round, 1, "P1", "P2"))
	}
	// i04 wants nothing after all: an empty list withdraws.
	last.submit(t, env, users["i04"], users["i04"].WishList(env.Round, 2))
	wantCode(t, try(users["rts1"].Client.Submit(ctx, users["rts1"].Ranking(env.Round, "P1", 1, "i01"))), api.CodeInvalidState)

	// i01 loses its laptop: key reset, new enrollment. Its list signed with
	// the old key still counts.
	ic := must[*api.IssuedCode](t)(env.Admin.ResetKey(ctx, "i01", "perte de l'ordinateur portable"))
	env.Codes["i01"] = ic.Code
	users["i01"] = env.Enroll(t, "i01")
	wantCode(t, try(users["i01"].Client.Submit(ctx, users["i01"].WishList(env.Round, 1, "P2"))), api.CodeConflict)

	env.Transition(t, domain.StateWishesClosed)
	res := env.Run(t, env.Round)
	want := []domain.Assignment{{Intern: "i01", Poste: "P1"}, {Intern: "i02", Poste: "P2"}}
	if !reflect.DeepEqual(res.Assignments, want) || !reflect.DeepEqual(res.Unmatched, []string{"i03", "i04"}) {
		t.Fatalf("result: %+v", res)
	}
	// Running again gives the same result on the same frozen checkpoint.
	again := env.Run(t, env.Round)
	if again.Checkpoint != res.Checkpoint || !reflect.DeepEqual(again.Assignments, res.Assignments) {
		t.Fatalf("second run differs: %+v", again)
	}
	full := env.Publish(t, env.Round)
	for _, id := range env.Interns {
		checkPersonalResult(t, env, users[id], env.Round, full, last[id])
	}
	var published domain.Result
	payload, _ := env.Verifier(t).VerifyEnvelope(full, api.ResultType)
	json.Unmarshal(payload, &published)
	if published.Procedure != domain.ChoixAuRang {
		t.Fatalf("published: %+v", published)
	}
	wantCode(t, try(env.Admin.Publish(ctx, env.Round)), api.CodeInvalidState)
	wantCode(t, try(env.Admin.Transition(ctx, env.Round, domain.StateWishesOpen, "")), api.CodeInvalidState)
	_ = envelope.Envelope{}
}

// TestRunRefusesTiedRanks: a call list with a shared rank is an error,
// never a silent tie break.
func TestRunRefusesTiedRanks(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 2, Postes: 1, NoCodes: true})
	people := []domain.Person{
		{ID: "i01", Role: domain.RoleIntern, LastName: "A", FirstName: "B", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, Rank: 1},
		{ID: "i02", Role: domain.RoleIntern, LastName: "A", FirstName: "B", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, Rank: 1},
	}
	data, _ := json.Marshal(people)
	must[*api.ImportReport](t)(env.Admin.ImportPeople(ctx, api.FormatJSON, data, false))
	env.Transition(t, domain.StateWishesClosed)
	wantCode(t, try(env.Admin.Run(ctx, env.Round)), api.CodeInvalidState)
}

// TestDemoData: the servertest harness seeded with demodata.Small; an
// intern enrolls and submits a wish list of postes of its specialty.
func TestDemoData(t *testing.T) {
	opts := demodata.Small(7)
	env := servertest.Start(t, servertest.Options{Demo: &opts})
	if len(env.Interns) < 100 || len(env.Postes) < 100 {
		t.Fatalf("demo data: %d interns, %d postes", len(env.Interns), len(env.Postes))
	}
	env.Transition(t, domain.StateWishesOpen)
	u := env.Enroll(t, env.Interns[0])
	me := must[*domain.Person](t)(u.Client.Me(context.Background()))
	var wishes []string
	for _, p := range env.Postes {
		if p.Specialty == me.Specialty && p.Subdivision == me.Subdivision {
			wishes = append(wishes, p.ID)
		}
	}
	if len(wishes) == 0 {
		t.Skip("no poste for the first intern's specialty")
	}
	wl := u.WishList(env.Round, 1, wishes...)
	rc := must[*api.Receipt](t)(u.Client.Submit(context.Background(), wl))
	if err := env.Verifier(t).VerifyReceipt(wl, rc); err != nil {
		t.Fatal(err)
	}
}
