package viewmodel

import (
	"context"
	"errors"
	"strings"
	"testing"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/syncserver/servertest"
)

// TestCallListDrawVerified: the app checks the published call list's seed
// against the commitment the round was published with before it caches the
// list (draw.CheckDraw), and says so; a commitment that does not match (the
// server changed it, or the list) is refused with a French message, and
// nothing is cached.
func TestCallListDrawVerified(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 4, Postes: 2,
		CallList: &api.ComputeCallListRequest{}})
	u := env.Enroll(t, "i02")

	// Rounds synced earlier showed another commitment: the list is refused.
	bad := userSession(t, env, u)
	rs, err := bad.SyncRounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var commitment string
	for k := range rs {
		if rs[k].ID == env.Round {
			commitment = rs[k].CallListCommitment
			other, _ := draw.CommitCallList(draw.CallListSeed([]byte("0123456789abcdef-other"), env.Round))
			rs[k].CallListCommitment = other
		}
	}
	if commitment == "" {
		t.Fatal("the round was published without a call-list commitment")
	}
	if err := bad.Store.SaveRounds(rs, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	cl := NewCallList(bad, nil)
	if err := cl.Load(env.Round); err != nil {
		t.Fatal(err)
	}
	d := cl.Sync(ctx, env.Round)
	if !errors.Is(d.Err, service.ErrCallListDraw) {
		t.Fatalf("mismatched commitment: %v, want ErrCallListDraw", d.Err)
	}
	cl.Apply(d)
	if cl.Error != i18n.T("err.call_list_draw") || !strings.Contains(cl.Error, "ne correspond pas à l'engagement") || cl.DrawInfo() != "" {
		t.Fatalf("error shown %q, draw info %q", cl.Error, cl.DrawInfo())
	}
	if _, err := bad.Store.CallList(env.Round); !errors.Is(err, localstore.ErrNotFound) {
		t.Fatalf("a refused list was cached: %v", err)
	}

	// With the round as published: verified, cached, said.
	good := userSession(t, env, u)
	cl = NewCallList(good, nil)
	if err := cl.Load(env.Round); err != nil {
		t.Fatal(err)
	}
	cl.Apply(cl.Sync(ctx, env.Round))
	if cl.Error != "" || cl.Record == nil || cl.Record.Commitment != commitment {
		t.Fatalf("call list: %q %+v", cl.Error, cl.Record)
	}
	if err := draw.CheckDraw(commitment, cl.Record.List.Seed); err != nil {
		t.Fatal(err)
	}
	if got := cl.DrawInfo(); !strings.Contains(got, commitment[:16]) || !strings.Contains(got, "engagement") {
		t.Fatalf("draw info %q", got)
	}
}
