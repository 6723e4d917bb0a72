package server_test

import (
	"context"
	"errors"
	"testing"

	"appariement/shared/api"
	"appariement/shared/audit"
	"appariement/shared/domain"
	"appariement/shared/frozen"
	"appariement/syncserver/servertest"
)

// TestBinomes (issue 18, point 4), end to end on a real server: two
// interns sign matching links, the server refuses bad ones (French first,
// naming the intern or poste) and late ones, the run gives the pair rule's
// outcome with the pair's turn in the live replay, a link its partner did
// not answer forms nothing, and the audit bundle re-runs it, the two links
// included.
func TestBinomes(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Binomes: true, Interns: 6, Capacities: []int{1, 2, 1, 1}})
	users := env.ChoixRound(t, map[string][]string{
		"i01": {"P1", "P2"}, "i02": {"P2", "P3"}, "i03": {"P2", "P3"},
		"i04": {"P4", "P2"}, "i05": {"P3", "P2"}, "i06": {"P2"},
	})
	submit := func(u *servertest.User, seq uint64, partner string, pairs ...[2]string) error {
		_, err := u.Client.Submit(ctx, u.BinomeLink(env.Round, seq, partner, pairs...))
		return err
	}
	i02, i04, i05 := users["i02"], users["i04"], users["i05"]
	if err := submit(i02, 1, "i04", [2]string{"P1", "P1"}, [2]string{"P3", "P4"}); err != nil {
		t.Fatal(err)
	}
	if err := submit(i04, 1, "i02", [2]string{"P1", "P1"}, [2]string{"P4", "P3"}); err != nil {
		t.Fatal(err)
	}
	if err := submit(i05, 1, "i06"); err != nil { // i06 never answers
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		err  error
		code api.Code
	}{
		{"self", submit(i05, 2, "i05"), api.CodeBadRequest},
		{"unknown partner", submit(i05, 2, "i99"), api.CodeUnknownIntern},
		{"unknown poste", submit(i05, 2, "i06", [2]string{"P1", "P9"}), api.CodeUnknownPoste},
		{"pair twice", submit(i05, 2, "i06", [2]string{"P1", "P2"}, [2]string{"P1", "P2"}), api.CodeDuplicate},
		{"same sequence, other content", submit(i02, 1, "i04"), api.CodeConflict},
	} {
		var e *api.Error
		if !errors.As(c.err, &e) || e.Code != c.code || e.Message == "" || e.MessageEN == "" {
			t.Errorf("%s: got %v, want %s", c.name, c.err, c.code)
		}
	}
	env.Transition(t, domain.StateWishesClosed)
	wantCode(t, submit(i05, 2, ""), api.CodeWindowClosed)

	res := env.Run(t, env.Round)
	got := map[string]string{}
	for _, a := range res.Assignments {
		got[a.Intern] = a.Poste
	}
	want := map[string]string{"i01": "P1", "i02": "P3", "i03": "P2", "i04": "P4", "i05": "P2", "i06": ""}
	for id, p := range want {
		if got[id] != p {
			t.Errorf("%s got %q, want %q (result %+v)", id, got[id], p, res)
		}
	}
	for _, w := range res.WhyNot {
		if w.Intern == "i02" && w.Poste == "P2" && (w.Kind != domain.WhyBinome || w.Partner != "i04" || w.YourRank != 4 || w.Pair != 2) {
			t.Errorf("why not of i02 for P2: %+v", w)
		}
	}

	full := must[*api.LiveReplay](t)(env.Admin.Live(ctx, env.Round, 1, 0))
	if len(full.Steps) != 6 {
		t.Fatalf("live replay: %+v", full)
	}
	if st := full.Steps[1]; st.Intern != "i02" || !st.Waits || st.Partner != "i04" || st.PartnerRank != 4 || st.Poste != "" {
		t.Errorf("rank 2: %+v", st)
	}
	if st := full.Steps[3]; st.Intern != "i04" || st.Poste != "P4" || st.PartnerPoste != "P3" || st.Pair != 2 {
		t.Errorf("rank 4, the pair's turn: %+v", st)
	}

	env.Publish(t, env.Round)
	b, _, err := env.Admin.AuditBundle(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	in, err := frozen.Decode(b.Input)
	if err != nil || !in.Round.Binomes || len(in.Binomes) != 1 || in.Binomes[0].Interns != [2]string{"i02", "i04"} {
		t.Fatalf("frozen input's binômes: %+v %v", in, err)
	}
	if _, err := audit.Verify(b, nil); err != nil {
		t.Fatalf("audit: %v", err)
	}
	// Without the links, the bundle does not verify.
	kept := b.Leaves[:0]
	for _, l := range b.Leaves {
		if l.Index != in.Binomes[0].Envelopes[1] {
			kept = append(kept, l)
		}
	}
	b.Leaves = kept
	var d *audit.Discrepancy
	if _, err := audit.Verify(b, nil); !errors.As(err, &d) || d.Kind != audit.KindEnvelope || d.Intern != "i04" {
		t.Fatalf("bundle without i04's link: %v", err)
	}
}
