package viewmodel

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestEachScreenSaysWhatApplies: the add button says before the click why
// a poste cannot be taken; a round where the intern sent nothing says so.
func TestEachScreenSaysWhatApplies(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 2, Postes: 3})
	ctx := context.Background()
	data, _ := json.Marshal(env.Postes[:2]) // P3 withdrawn
	if _, err := env.Admin.ImportPostes(ctx, env.Round, api.FormatJSON, data, false); err != nil {
		t.Fatal(err)
	}
	u1, u2 := env.Register(t, env.Interns[0]), env.Register(t, env.Interns[1])
	rts := env.Register(t, "rts1")
	env.Transition(t, domain.StateWishesOpen)

	svc1 := userSession(t, env, u1)
	in1, err := NewIntern(svc1)
	if err != nil {
		t.Fatal(err)
	}
	if err := in1.ApplySync(in1.Sync(ctx, "")); err != nil {
		t.Fatal(err)
	}
	if why := in1.Wishes.AddBlocked("P3"); !strings.Contains(why, "le poste P3 a été retiré du tour R1") {
		t.Errorf("reason for a withdrawn poste: %q", why)
	}
	if why := in1.Wishes.AddBlocked("P1"); why != "" {
		t.Errorf("P1 can be added: %q", why)
	}

	// i01 sends a list, i02 nothing; the round runs and is published.
	if _, err := u1.Client.Submit(ctx, u1.WishList(env.Round, 1, "P1")); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesClosed)
	env.Transition(t, domain.StateRankingsOpen)
	if _, err := rts.Client.Submit(ctx, rts.Ranking(env.Round, "P1", 1, u1.ID)); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateRankingsClosed)
	env.Run(t, env.Round)
	env.Publish(t, env.Round)

	in2, err := NewIntern(userSession(t, env, u2))
	if err != nil {
		t.Fatal(err)
	}
	if err := in2.ApplySync(in2.Sync(ctx, "")); err != nil {
		t.Fatal(err)
	}
	rows := in2.Results.Rows()
	if len(rows) != 1 || !rows[0].Verified || !strings.Contains(rows[0].Assignment, "pas participé") || strings.Contains(rows[0].Status, "liste") {
		t.Fatalf("result of an intern who sent nothing: %+v", rows)
	}
	if err := in1.ApplySync(in1.Sync(ctx, "")); err != nil {
		t.Fatal(err)
	}
	rows = in1.Results.Rows()
	if len(rows) != 1 || strings.Contains(rows[0].Assignment, "pas participé") || !strings.Contains(rows[0].Status, "dernière liste acceptée") {
		t.Fatalf("result of an intern who took part: %+v", rows)
	}
	if why := in1.Wishes.AddBlocked("P2"); why == "" {
		t.Error("the wishes are closed: the add button must say so")
	}
}
