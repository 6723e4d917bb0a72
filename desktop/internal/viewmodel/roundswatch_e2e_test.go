package viewmodel

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

func TestScreensFollowTheServer(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Interns: 2})
	ctx := context.Background()
	svc := userSession(t, env, env.Register(t, env.Interns[0]))
	f := env.Faults()
	svc.Client.SetTransport(f)

	// The watch asks with the ETag: a change once, then 304 until the
	// admin moves the round.
	w := NewRoundsWatch(svc)
	for i, want := range []bool{true, false, false} {
		if changed, err := w.Changed(ctx); err != nil || changed != want {
			t.Fatalf("poll %d: changed %v, %v", i, changed, err)
		}
	}
	env.Transition(t, domain.StateWishesOpen)
	if changed, err := w.Changed(ctx); err != nil || !changed {
		t.Fatalf("after a transition: changed %v, %v", changed, err)
	}

	// The view model's Follow syncs on a change only: a poll without a
	// change costs one request (a 304), and fetches nothing else.
	s := NewSession(svc)
	s.PingInterval = time.Hour
	s.RoundsInterval = time.Millisecond
	fw, err := NewIntern(svc)
	if err != nil {
		t.Fatal(err)
	}
	changes := make(chan func() error, 10)
	fw.Follow(s, func(apply func() error) { changes <- apply })
	s.Start(ctx)
	wait := func(what string) {
		t.Helper()
		select {
		case apply := <-changes:
			if err := apply(); err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no update %s", what)
		}
	}
	wait("for the first answer")
	polls, postes := f.Count("GET /v1/rounds"), f.Count("GET /v1/rounds/{round}/postes/full")
	if postes == 0 {
		t.Fatal("the first sync fetched no catalogue")
	}
	for deadline := time.Now().Add(20 * time.Second); f.Count("GET /v1/rounds") < polls+20; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d polls", f.Count("GET /v1/rounds")-polls)
		}
	}
	select {
	case <-changes:
		t.Fatal("an update with no change on the server")
	default:
	}
	if n := f.Count("GET /v1/rounds/{round}/postes/full"); n != postes {
		t.Errorf("%d catalogue requests during 20 polls without a change", n-postes)
	}
	env.Transition(t, domain.StateWishesClosed)
	wait("after the wishes closed")
	if fw.Round == nil || fw.Round.State != domain.StateWishesClosed {
		t.Errorf("round after the close: %+v", fw.Round)
	}
	s.Stop()

	// The intern's screen opens on the round where there is something to
	// do, until the intern picks one.
	in, err := NewIntern(svc)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.ApplySync(in.Sync(ctx, in.SyncRound())); err != nil {
		t.Fatal(err)
	}
	if in.RoundID() != "R1" || in.NeedsCatalogue() {
		t.Fatalf("round %q, needs catalogue %v", in.RoundID(), in.NeedsCatalogue())
	}
	if _, err := env.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: "R2", Name: "Tour 2", Procedure: domain.Appariement,
		Specialty: servertest.Specialty, Subdivision: servertest.Subdivision}); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(env.Postes)
	if _, err := env.Admin.ImportPostes(ctx, "R2", api.FormatJSON, data, false); err != nil {
		t.Fatal(err)
	}
	env.TransitionRound(t, "R2", domain.StateWishesOpen)
	if err := in.ApplySync(in.Sync(ctx, in.SyncRound())); err != nil {
		t.Fatal(err)
	}
	if in.RoundID() != "R2" || in.NeedsCatalogue() {
		t.Fatalf("a sync must open R2, whose wishes are open: %q (needs catalogue %v)", in.RoundID(), in.NeedsCatalogue())
	}
	// Chosen, a round stays; switching to a round not cached asks for its postes.
	if err := in.SelectRound(slices.IndexFunc(in.Rounds, func(r domain.Round) bool { return r.ID == "R1" })); err != nil {
		t.Fatal(err)
	}
	if err := in.ApplySync(in.Sync(ctx, in.SyncRound())); err != nil || in.RoundID() != "R1" {
		t.Fatalf("the chosen round must stay: %q %v", in.RoundID(), err)
	}

	// A delivery by the outbox counts as a synchronisation.
	in.LastSync = time.Time{}
	in.Delivered()
	if d := in.Status(svc.Outbox.Status()).Detail; !strings.Contains(d, "dernière synchronisation") {
		t.Errorf("status after a delivery: %q", d)
	}
}

func TestDefaultRound(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	r := func(id string, st domain.RoundState, closeIn time.Duration) domain.Round {
		x := domain.Round{ID: id, State: st, Procedure: domain.Appariement}
		if closeIn != 0 {
			x.WishesClose = now.Add(closeIn)
		}
		return x
	}
	choix := func(x domain.Round) domain.Round { x.Procedure = domain.ChoixAuRang; return x }
	for _, tc := range []struct {
		name   string
		rounds []domain.Round
		want   int
		signed string // a round where the user signed a list
	}{
		{"none", nil, -1, ""},
		{"open one before a later choix au rang", []domain.Round{r("R1", domain.StatePublished, 0), r("R2", domain.StateWishesOpen, 3*day), r("R3", domain.StateRankingsOpen, 0)}, 1, ""},
		{"the one closing first", []domain.Round{r("R1", domain.StateWishesOpen, 5*day), r("R2", domain.StateWishesOpen, day)}, 1, ""},
		{"a closing date beats none", []domain.Round{r("R1", domain.StateWishesOpen, 0), r("R2", domain.StateWishesOpen, day)}, 1, ""},
		{"a window past its close is not open", []domain.Round{r("R1", domain.StateWishesOpen, -day), r("R2", domain.StateDraft, 0)}, 0, ""},
		{"last that is not a draft", []domain.Round{r("R1", domain.StatePublished, 0), r("R2", domain.StateDraft, 0)}, 0, ""},
		{"only drafts: the last", []domain.Round{r("R1", domain.StateDraft, 0), r("R2", domain.StateDraft, 0)}, 1, ""},
		{"closing together: the appariement before the choix au rang", []domain.Round{choix(r("C", domain.StateWishesOpen, day)), r("R1", domain.StateWishesOpen, day)}, 1, ""},
		{"the choix au rang closing first", []domain.Round{choix(r("C", domain.StateWishesOpen, day)), r("R1", domain.StateWishesOpen, 2*day)}, 0, ""},
		{"a list signed: the other open round", []domain.Round{r("R1", domain.StateWishesOpen, day), choix(r("C", domain.StateWishesOpen, 2*day))}, 1, "R1"},
		{"a list signed in the only open round: still it", []domain.Round{r("R0", domain.StatePublished, 0), r("R1", domain.StateWishesOpen, day)}, 1, "R1"},
	} {
		signed := func(id string) bool { return id == tc.signed }
		if got := DefaultRound(tc.rounds, now, signed); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
