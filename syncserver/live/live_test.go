package live

import (
	"errors"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/syncserver/calllists"
	"appariement/syncserver/roundadmin"
	"appariement/syncserver/rounds"
	"appariement/syncserver/rounds/roundstest"
)

func refusal(t *testing.T, name string, err error, want api.Code, fr string) {
	t.Helper()
	var e *api.Error
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v, want accepted", name, err)
	case want == "":
	case !errors.As(err, &e) || e.Code != want || (fr != "" && e.Message != fr):
		t.Errorf("%s: %#v, want %s %q", name, err, want, fr)
	}
}

var admin = rounds.Actor{ID: "admin", Role: domain.RoleAdmin, Now: roundstest.Now}

// TestReplayAndReveal: a run round's choices are shown to admins, then to
// everyone up to the reveal's cursor once it started.
func TestReplayAndReveal(t *testing.T) {
	st := roundstest.Open(t)
	clock := func() time.Time { return roundstest.Now }
	ra := roundadmin.New(roundadmin.Config{Store: st, Clock: clock})
	s := New(st, ra.Updater())
	roundstest.Write(t, st, roundstest.Round{ID: "R", State: domain.StateWishesClosed, Interns: 3, Postes: 3, Eligible: true})
	roundstest.Write(t, st, roundstest.Round{ID: "D", Interns: 1, Postes: 1})
	cl := calllists.New(calllists.Config{Store: st})
	entries := []calllist.Entry{{Rank: 1, Intern: "i3"}, {Rank: 2, Intern: "i1"}, {Rank: 3, Intern: "i2"}}
	if _, err := cl.Import(admin, "R", api.ImportCallListRequest{Entries: entries}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Publish(admin, "R", api.PublishCallListRequest{}); err != nil {
		t.Fatal(err)
	}
	now := roundstest.Now
	_, err := s.Replay(domain.RoleIntern, "R", 1, 10, now)
	refusal(t, "before the run", err, api.CodeInvalidState, "le déroulé des choix du tour R n'est pas encore publié (état wishes_closed)")
	_, err = s.Start(admin, "R", api.LiveStartRequest{RanksPerMinute: 1})
	refusal(t, "start before the run", err, api.CodeInvalidState, "")
	if _, err := ra.Run(admin, "R"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name             string
		role             domain.Role
		from, limit      int
		want             api.Code
		steps, revealed  int
		firstStepsIntern string
	}{
		{"intern before the reveal", domain.RoleIntern, 1, 10, api.CodeInvalidState, 0, 0, ""},
		{"admin sees all", domain.RoleAdmin, 1, 10, "", 3, 3, "i3"},
		{"admin from 2, limit 1", domain.RoleAdmin, 2, 1, "", 1, 3, "i1"},
		{"admin past the end", domain.RoleAdmin, 4, 10, "", 0, 3, ""},
	} {
		out, err := s.Replay(c.role, "R", c.from, c.limit, now)
		refusal(t, c.name, err, c.want, "")
		if err != nil {
			continue
		}
		if len(out.Steps) != c.steps || out.Revealed != c.revealed || out.Total != 3 || out.CallListVersion != 1 ||
			(c.steps > 0 && out.Steps[0].Intern != c.firstStepsIntern) {
			t.Errorf("%s: %+v", c.name, out)
		}
	}
	for _, c := range []struct {
		name string
		in   api.LiveStartRequest
		want api.Code
	}{
		{"pace 0", api.LiveStartRequest{RanksPerMinute: 0}, api.CodeBadRequest},
		{"pace too fast", api.LiveStartRequest{RanksPerMinute: api.MaxLivePace + 1}, api.CodeBadRequest},
		{"reason too long", api.LiveStartRequest{RanksPerMinute: 1, Reason: string(make([]byte, 2001))}, api.CodeBadRequest},
	} {
		_, err := s.Start(admin, "R", c.in)
		refusal(t, c.name, err, c.want, "")
	}
	_, err = s.Start(admin, "D", api.LiveStartRequest{RanksPerMinute: 1})
	refusal(t, "draft round", err, api.CodeInvalidState, "")
	r, err := s.Start(admin, "R", api.LiveStartRequest{RanksPerMinute: 1, Reason: "amphi"})
	if err != nil || r.LivePace != 1 || !r.LiveStart.Equal(now) {
		t.Fatalf("start: %+v, %v", r, err)
	}
	// One rank a minute from now: the first is shown at once, the second a
	// minute later (by the wall clock given; the monotonic one is later).
	for _, c := range []struct {
		after    time.Duration
		revealed int
	}{{0, 1}, {time.Minute, 2}, {time.Hour, 3}} {
		out, err := s.Replay(domain.RoleIntern, "R", 1, 10, now.Add(c.after))
		if err != nil || out.Revealed != c.revealed || len(out.Steps) != c.revealed || out.Live != (c.revealed < 3) {
			t.Errorf("intern %v after the start: %+v, %v; want %d revealed", c.after, out, err, c.revealed)
		}
	}
	_, err = ra.Run(admin, "R")
	refusal(t, "run again once live", err, api.CodeInvalidState, "")
}

// TestPacingIgnoresAWallClockSteppedBack: once seen, a reveal's time goes
// on by the monotonic clock even when the wall clock steps back.
func TestPacingIgnoresAWallClockSteppedBack(t *testing.T) {
	var p pacing
	start := roundstest.Now
	for _, c := range []struct {
		name string
		wall time.Time
		min  time.Time // the time judged is at least this
	}{
		{"first sight, an hour in", start.Add(time.Hour), start.Add(time.Hour)},
		{"wall clock stepped back", start.Add(-time.Hour), start.Add(time.Hour)},
		{"wall clock ahead", start.Add(3 * time.Hour), start.Add(3 * time.Hour)},
	} {
		if got := p.now("R", start, c.wall); got.Before(c.min) {
			t.Errorf("%s: judged at %v, want at least %v", c.name, got, c.min)
		}
	}
	// Another start (re-paced) takes a new anchor.
	other := start.Add(10 * time.Hour)
	if got := p.now("R", other, other); got.Before(other) || got.After(other.Add(time.Minute)) {
		t.Errorf("new start: judged at %v, want about %v", got, other)
	}
}
