package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
)

func TestSuccessor(t *testing.T) {
	for _, c := range []struct {
		proc     domain.Procedure
		from, to domain.RoundState
	}{
		{domain.Appariement, domain.StateDraft, domain.StateWishesOpen},
		{domain.Appariement, domain.StateWishesClosed, domain.StateRankingsOpen},
		{domain.ChoixAuRang, domain.StateWishesClosed, domain.StateMatched},
		{domain.Appariement, domain.StatePublished, ""},
	} {
		if got := Successor(c.proc, c.from); got != c.to {
			t.Errorf("%s after %s: %q, want %q", c.proc, c.from, got, c.to)
		}
	}
}

func code(err error) api.Code {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestWindowsByClock(t *testing.T) {
	t0 := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	r := &domain.Round{ID: "R", Procedure: domain.Appariement, State: domain.StateWishesOpen,
		WishesOpen: t0, WishesClose: t0.Add(time.Hour)}
	for _, c := range []struct {
		at   time.Time
		typ  string
		want api.Code
	}{
		{t0.Add(-time.Second), api.WishListType, api.CodeWindowNotOpen},
		{t0, api.WishListType, ""},
		{t0.Add(time.Hour - time.Nanosecond), api.WishListType, ""},
		{t0.Add(time.Hour), api.WishListType, api.CodeWindowClosed},
		{t0, api.RankingType, api.CodeWindowNotOpen},
		{t0, "application/x", api.CodeMalformed},
	} {
		if got := code(CheckWindow(r, c.typ, c.at)); got != c.want {
			t.Errorf("%s at %s: %q, want %q", c.typ, c.at, got, c.want)
		}
	}
	if Effective(r, t0.Add(time.Hour)) != domain.StateWishesClosed {
		t.Error("a passed closing time does not close the window")
	}
	// The admin may record the close the clock already made, then open rankings.
	if err := CheckTransition(r, domain.StateWishesClosed, t0.Add(2*time.Hour)); err != nil {
		t.Error(err)
	}
	if err := CheckTransition(r, domain.StateRankingsOpen, t0.Add(2*time.Hour)); err != nil {
		t.Error(err)
	}
	if code(CheckTransition(r, domain.StateRankingsOpen, t0)) != api.CodeInvalidState {
		t.Error("skipped a state")
	}
	if code(CheckTransition(r, domain.StateMatched, t0)) != api.CodeInvalidState {
		t.Error("matched reached by transition")
	}
	if code(CheckRun(r, t0)) != api.CodeInvalidState {
		t.Error("run while wishes are open")
	}
}

// TestNextTransitionAndRun: what an admin may do in each state, the same
// on every screen and in the server (issue 14: the app could not run a
// third round).
func TestNextTransitionAndRun(t *testing.T) {
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		r      domain.Round
		next   domain.RoundState
		canRun bool
		run    RunStatus
	}{
		{"draft", domain.Round{Procedure: domain.Appariement, Number: 1, State: domain.StateDraft}, domain.StateWishesOpen, false, RunNotYet},
		{"wishes open", domain.Round{Procedure: domain.Appariement, Number: 1, State: domain.StateWishesOpen}, domain.StateWishesClosed, false, RunNotYet},
		{"wishes closed, appariement", domain.Round{Procedure: domain.Appariement, Number: 1, State: domain.StateWishesClosed}, domain.StateRankingsOpen, false, RunNotYet},
		{"wishes closed, choix au rang", domain.Round{Procedure: domain.ChoixAuRang, Number: 1, State: domain.StateWishesClosed}, "", true, RunFirst},
		{"closed by the clock", domain.Round{Procedure: domain.ChoixAuRang, Number: 1, State: domain.StateWishesOpen, WishesClose: now.Add(-time.Minute)}, "", true, RunFirst},
		{"rankings closed", domain.Round{Procedure: domain.Appariement, Number: 2, State: domain.StateRankingsClosed}, "", true, RunFirst},
		{"matched", domain.Round{Procedure: domain.Appariement, Number: 1, State: domain.StateMatched}, "", true, RunAgain},
		{"matched, live started", domain.Round{Procedure: domain.ChoixAuRang, Number: 1, State: domain.StateMatched, LiveStart: now}, "", false, RunLiveStarted},
		{"published", domain.Round{Procedure: domain.Appariement, Number: 1, State: domain.StatePublished}, "", false, RunPublished},
		{"third round", domain.Round{Procedure: domain.Appariement, Number: 3, State: domain.StateDraft}, "", true, RunFirst},
		{"third round, matched", domain.Round{Procedure: domain.Appariement, Number: 3, State: domain.StateMatched}, "", true, RunAgain},
		{"third round, published", domain.Round{Procedure: domain.Appariement, Number: 3, State: domain.StatePublished}, "", false, RunPublished},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.r.ID = "R"
			if got := NextTransition(&c.r, now); got != c.next {
				t.Errorf("NextTransition = %q, want %q", got, c.next)
			}
			if got := CheckRun(&c.r, now) == nil; got != c.canRun {
				t.Errorf("can run = %v, want %v (%v)", got, c.canRun, CheckRun(&c.r, now))
			}
			if got := RunStatusOf(&c.r, now); got != c.run || got.Allowed() != c.canRun {
				t.Errorf("RunStatusOf = %v, want %v", got, c.run)
			}
		})
	}
	if err := CheckRun(&domain.Round{ID: "R", State: domain.StatePublished}, now); err == nil || !strings.Contains(err.(*api.Error).Message, "est publié : son appariement ne peut plus être relancé") {
		t.Errorf("CheckRun of a published round: %v", err)
	}
	if CheckPublish(&domain.Round{ID: "R", State: domain.StateMatched}) != nil ||
		code(CheckPublish(&domain.Round{ID: "R", State: domain.StatePublished})) != api.CodeInvalidState {
		t.Error("CheckPublish")
	}
}

// TestTransitionMovesWindows (issue 14): an admin who opens a window by
// hand before its scheduled time opens it for the server's clock too, and
// one who closes it closes it for the clock; what moved is reported.
func TestTransitionMovesWindows(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 31, 30, 0, time.UTC)
	r := &domain.Round{ID: "R1", Procedure: domain.Appariement, Number: 1, State: domain.StateWishesClosed,
		WishesOpen: now.Add(-72 * time.Hour), WishesClose: now.Add(-time.Hour),
		RankingsOpen: now.Add(24 * time.Hour), RankingsClose: now.Add(48 * time.Hour)}
	if code(CheckWindow(r, api.RankingType, now)) != api.CodeWindowNotOpen {
		t.Fatal("setup")
	}
	moves, err := Transition(r, domain.StateRankingsOpen, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != domain.StateRankingsOpen || len(moves) != 1 || moves[0].Bound != "rankings_open" || !moves[0].To.Equal(now) {
		t.Fatalf("state %s, moves %+v", r.State, moves)
	}
	if err := CheckWindow(r, api.RankingType, now); err != nil {
		t.Fatalf("rankings refused once opened by hand: %v", err)
	}
	later := now.Add(time.Hour)
	moves, err = Transition(r, domain.StateRankingsClosed, later)
	if err != nil || len(moves) != 1 || moves[0].Bound != "rankings_close" || !r.RankingsClose.Equal(later) {
		t.Fatalf("close: %+v %v", moves, err)
	}
	if code(CheckWindow(r, api.RankingType, later)) != api.CodeWindowClosed {
		t.Fatal("a ranking accepted after closing by hand")
	}
	// Opening with a closing time already past drops it (else the window
	// would close the moment it opens).
	w := &domain.Round{ID: "R2", Procedure: domain.ChoixAuRang, Number: 1, State: domain.StateDraft, WishesClose: now.Add(-time.Minute)}
	if _, err := Transition(w, domain.StateWishesOpen, now); err != nil || !w.WishesClose.IsZero() || CheckWindow(w, api.WishListType, now) != nil {
		t.Fatalf("open past its closing time: %+v %v", w, err)
	}
	// A refused transition changes nothing.
	before := *w
	if _, err := Transition(w, domain.StateMatched, now); err == nil || *w != before {
		t.Fatal("a refused transition changed the round")
	}
}

// TestCheckWish: the one eligibility rule of the server, the app and the
// third round's manual assignment.
func TestCheckWish(t *testing.T) {
	me := &domain.Person{ID: "i1", Specialty: "MG", Subdivision: "IDF"}
	for _, c := range []struct {
		name string
		who  *domain.Person
		p    domain.Poste
		want api.Code
	}{
		{"own specialty and subdivision", me, domain.Poste{ID: "P1", Specialty: "MG", Subdivision: "IDF"}, ""},
		{"other subdivision", me, domain.Poste{ID: "P1", Specialty: "MG", Subdivision: "LYON"}, api.CodeForbidden},
		{"other specialty", me, domain.Poste{ID: "P1", Specialty: "PED", Subdivision: "IDF"}, api.CodeForbidden},
		{"closed", me, domain.Poste{ID: "P1", Specialty: "MG", Subdivision: "IDF", Closed: true}, api.CodePosteClosed},
		// The app once let an intern without a specialty wish anything; the
		// server never did.
		{"intern without specialty", &domain.Person{ID: "i2", Subdivision: "IDF"}, domain.Poste{ID: "P1", Specialty: "MG", Subdivision: "IDF"}, api.CodeForbidden},
	} {
		if got := code(CheckWish("R1", c.who, &c.p)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	free := FreePlaces([]domain.Poste{{ID: "A", Capacity: 2}, {ID: "B", Capacity: 1, Closed: true}},
		[]domain.Assignment{{Intern: "i1", Poste: "A"}})
	if free["A"] != 1 || len(free) != 1 {
		t.Fatalf("FreePlaces = %v", free)
	}
}
