package rounds

import (
	"errors"
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

func TestDerive(t *testing.T) {
	postes := []domain.Poste{{ID: "A", Capacity: 2, Version: 4}, {ID: "B", Capacity: 1}, {ID: "C", Capacity: 1, Closed: true}}
	res := &domain.Result{Assignments: []domain.Assignment{{Intern: "i1", Poste: "A"}, {Intern: "i2", Poste: "B"}}, Unmatched: []string{"i3"}}
	left, interns := Derive(postes, res)
	if len(left) != 2 || left[0].Capacity != 1 || left[0].Closed || left[0].Version != 0 || !left[1].Closed || len(interns) != 1 {
		t.Fatalf("derive: %+v %v", left, interns)
	}
}
