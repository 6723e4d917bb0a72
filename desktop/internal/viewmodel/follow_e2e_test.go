package viewmodel

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// followPoll is the rounds poll interval of the tests: a few of them
// make "by itself" without making the tests wait.
const followPoll = 20 * time.Millisecond

// screen is the test's UI goroutine of a view model that follows the
// server: Follow's updates arrive on it, as fyne.Do hands them to the
// UI, and the test applies them where it reads the view model.
type screen struct {
	t       *testing.T
	updates chan func() error
	s       *Session
	applied int
}

// followed starts a session of svc whose rounds poll every followPoll, and
// registers on it the view model's Follow (register) with the test as
// its UI goroutine. Nobody presses Synchroniser: everything the test
// then sees arrived by itself.
func followed(t *testing.T, svc *service.Service, register func(*Session, func(func() error)) *Poller) *screen {
	t.Helper()
	sc := &screen{t: t, updates: make(chan func() error, 1000)}
	sc.s = NewSession(svc)
	sc.s.PingInterval = time.Hour
	sc.s.RoundsInterval = followPoll
	register(sc.s, func(apply func() error) { sc.updates <- apply })
	sc.s.Start(context.Background())
	t.Cleanup(sc.s.Stop)
	return sc
}

// until applies the updates that arrive until cond holds (checked on
// the test's goroutine after each and every poll interval), for at most
// 200 poll intervals.
func (sc *screen) until(what string, cond func() bool) {
	sc.t.Helper()
	deadline := time.After(200 * followPoll)
	tick := time.NewTicker(followPoll)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case apply := <-sc.updates:
			if err := apply(); err != nil {
				sc.t.Fatalf("%s: applying an update: %v", what, err)
			}
			sc.applied++
		case <-deadline:
			sc.t.Fatalf("%s: not seen after %d updates", what, sc.applied)
		}
	}
}

// TestInternFollowsPublication: the server closes the wishes, runs and
// publishes the round; within a few poll intervals the intern's round
// state and result change with no user action. With the key locked the
// published result cannot be fetched: the status asks for the
// passphrase, and once the key is unlocked the result arrives by itself.
// A delivery by the outbox updates "dernière synchronisation".
func TestInternFollowsPublication(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	i18n.SetLanguage("fr")
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 2})
	alice, bob := env.Register(t, env.Interns[0]), env.Register(t, env.Interns[1])
	rts := env.Register(t, env.Postes[0].RTS)
	env.Transition(t, domain.StateWishesOpen)

	svc := userSession(t, env, alice)
	f := env.Faults()
	svc.Client.SetTransport(f)
	in, err := NewIntern(svc)
	if err != nil {
		t.Fatal(err)
	}
	a := followed(t, svc, in.Follow)
	a.until("the open round and its postes", func() bool {
		return in.RoundID() == env.Round && in.Round.State == domain.StateWishesOpen && in.Catalogue.Total() == len(env.Postes)
	})
	if rows := in.Results.Rows(); len(rows) != 0 {
		t.Fatalf("results before publication: %+v", rows)
	}

	// Bob's key stays locked.
	svcB := userSession(t, env, bob)
	svcB.Lock()
	inB, err := NewIntern(svcB)
	if err != nil {
		t.Fatal(err)
	}
	b := followed(t, svcB, inB.Follow)
	b.until("bob's round", func() bool { return inB.RoundID() == env.Round })

	// Alice signs; the session's outbox delivers: a synchronisation.
	if _, err := in.Wishes.Add(env.Postes[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := in.Wishes.SignDone(in.Wishes.Sign(ctx, pass)); err != nil {
		t.Fatal(err)
	}
	in.LastSync = time.Time{}
	a.until("the delivery", func() bool { return in.Observe(a.s.Status()) })
	if st := in.Status(a.s.Status()); !strings.Contains(st.Detail, "dernière synchronisation") || st.NeedsUnlock {
		t.Errorf("status after a delivery: %+v", st)
	}
	if in.Observe(a.s.Status()) {
		t.Error("the same delivery observed twice")
	}

	// The server moves on; nobody presses anything.
	env.Transition(t, domain.StateWishesClosed)
	a.until("the wishes closed", func() bool { return in.Round.State == domain.StateWishesClosed })
	if info := in.RoundInfo(); strings.Contains(info, "ouverts") {
		t.Errorf("round info after the close: %q", info)
	}
	env.Transition(t, domain.StateRankingsOpen)
	if _, err := rts.Client.Submit(ctx, rts.Ranking(env.Round, env.Postes[0].ID, 1, alice.ID)); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateRankingsClosed)
	env.Run(t, env.Round)
	results := f.Count("GET /v1/rounds/{round}/result")
	env.Publish(t, env.Round)
	a.until("the publication and alice's result", func() bool {
		rows := in.Results.Rows()
		return in.Round.State == domain.StatePublished && len(rows) == 1 && rows[0].Verified
	})
	if row := in.Results.Rows()[0]; !strings.Contains(row.Assignment, env.Postes[0].ID) {
		t.Errorf("alice's result: %+v", row)
	}
	if n := f.Count("GET /v1/rounds/{round}/result"); n <= results {
		t.Errorf("the result was not fetched (%d requests)", n)
	}
	if st := in.Status(a.s.Status()); st.NeedsUnlock || strings.Contains(st.Detail, "déverrouillez") {
		t.Errorf("alice's status once her result is in: %+v", st)
	}

	// Bob: the publication is seen, the result waits for his passphrase,
	// and the screen says so rather than nothing.
	b.until("the publication on bob's screen", func() bool { return inB.Round.State == domain.StatePublished })
	if n := inB.ResultsToFetch(); n != 1 {
		t.Fatalf("bob's results to fetch: %d", n)
	}
	st := inB.Status(b.s.Status())
	if !st.NeedsUnlock || !strings.Contains(st.Detail, "1 résultat publié : déverrouillez votre clé pour le récupérer") {
		t.Fatalf("bob's status with a result waiting for the key: %+v", st)
	}
	if err := svcB.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	b.until("bob's result once unlocked", func() bool {
		rows := inB.Results.Rows()
		return len(rows) == 1 && rows[0].Verified
	})
	if n := inB.ResultsToFetch(); n != 0 || inB.Status(b.s.Status()).NeedsUnlock {
		t.Errorf("bob still asked for his key: %d", n)
	}
}

// TestRTSFollowsTheRound: new dates, the closing of the rankings and the
// publication reach the RTS's round list and dates by themselves; a
// ranking delivered by the outbox updates "dernière synchronisation" on
// the RTS's status line.
func TestRTSFollowsTheRound(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	i18n.SetLanguage("fr")
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 2})
	u1 := env.Register(t, env.Interns[0])
	env.Transition(t, domain.StateWishesOpen)
	if _, err := u1.Client.Submit(ctx, u1.WishList(env.Round, 1, "P1")); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesClosed)
	env.Transition(t, domain.StateRankingsOpen)

	me := domain.Person{ID: "rts1", Role: domain.RoleRTS, LastName: "RTS", FirstName: "Un"}
	svc := keySession(t, env, me, env.Register(t, me.ID).Key)
	svc.Now = env.Clock.Now
	r, err := NewRTS(svc)
	if err != nil {
		t.Fatal(err)
	}
	sc := followed(t, svc, r.Follow)
	sc.until("the round in its rankings window", func() bool {
		return r.RoundID() == env.Round && r.Round.State == domain.StateRankingsOpen && r.Poste() != nil
	})
	if r.LastSync.IsZero() || !strings.Contains(r.OutboxLine(sc.s.Status()), "dernière synchronisation") {
		t.Errorf("status line after the first sync: %q", r.OutboxLine(sc.s.Status()))
	}

	// New dates for the rankings window.
	closeAt := env.Clock.Now().Add(3 * time.Hour).Truncate(time.Minute)
	if _, err := env.Admin.Schedule(ctx, env.Round, api.ScheduleRequest{RankingsClose: closeAt, Reason: "prolongation"}); err != nil {
		t.Fatal(err)
	}
	sc.until("the new closing date", func() bool { return r.Round.RankingsClose.Equal(closeAt) })
	if w := r.WindowInfo(); !strings.Contains(w, FormatTime(closeAt)) {
		t.Errorf("window info: %q", w)
	}

	// The RTS signs; the outbox delivers.
	if err := r.CandidatesDone(r.FetchCandidates(ctx)); err != nil {
		t.Fatal(err)
	}
	if err := r.SignDone(r.Sign(ctx, "")); err != nil {
		t.Fatal(err)
	}
	r.LastSync = time.Time{}
	sc.until("the delivery", func() bool { return r.Observe(sc.s.Status()) })
	if l := r.OutboxLine(sc.s.Status()); !strings.Contains(l, "acceptés : 1") || !strings.Contains(l, "dernière synchronisation") {
		t.Errorf("status line after a delivery: %q", l)
	}

	// The admin closes the rankings, runs and publishes.
	env.Transition(t, domain.StateRankingsClosed)
	sc.until("the rankings closed", func() bool { return r.Round.State == domain.StateRankingsClosed })
	if r.Editable() || !strings.Contains(r.RoundLabels()[0], i18n.T("round.state."+string(domain.StateRankingsClosed))) {
		t.Errorf("after the close: editable %v, rounds %q", r.Editable(), r.RoundLabels())
	}
	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	sc.until("the publication", func() bool { return r.Round.State == domain.StatePublished })
	if !strings.Contains(r.RoundLabels()[0], i18n.T("round.state."+string(domain.StatePublished))) {
		t.Errorf("round list after the publication: %q", r.RoundLabels())
	}
}

// TestRTSSelectingPosteFetchesCandidates: selecting a poste whose
// candidates were never fetched asks for them (or for the passphrase)
// instead of showing an empty ranking or another poste's; a round whose
// postes are not cached asks for a sync instead of saying the RTS has no
// poste in it.
func TestRTSSelectingPosteFetchesCandidates(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	i18n.SetLanguage("fr")
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 3})
	users := env.EnrollAll(t)
	env.SubmitWishes(t, users, map[string][]string{"i01": {"P1", "P3"}, "i02": {"P3"}, "i03": {"P1"}})
	env.Transition(t, domain.StateWishesClosed)
	env.Transition(t, domain.StateRankingsOpen)

	me := domain.Person{ID: "rts1", Role: domain.RoleRTS, LastName: "RTS", FirstName: "Un"}
	svc := keySession(t, env, me, env.Register(t, me.ID).Key)
	// The rounds are known, not their postes (a sync cut short).
	if _, err := svc.SyncRounds(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := NewRTS(svc)
	if err != nil {
		t.Fatal(err)
	}
	if !r.NeedsCatalogue() || r.DraftStatus() != i18n.T("rts.catalogue_loading") {
		t.Fatalf("a round without its postes: needs catalogue %v, %q", r.NeedsCatalogue(), r.DraftStatus())
	}
	if err := r.ApplySync(r.Sync(ctx, r.RoundID())); err != nil {
		t.Fatal(err)
	}
	if r.NeedsCatalogue() || len(r.Postes) != 2 || r.Poste().ID != "P1" {
		t.Fatalf("after the sync: needs catalogue %v, postes %q", r.NeedsCatalogue(), r.PosteLabels())
	}

	// P1's candidates were never fetched: the screen fetches them, or
	// asks for the passphrase when the key is locked.
	if !r.NeedsCandidates() || r.DraftStatus() != i18n.T("rts.candidates_loading") {
		t.Fatalf("P1 selected: needs candidates %v, %q", r.NeedsCandidates(), r.DraftStatus())
	}
	svc.Lock()
	if r.DraftStatus() != i18n.T("rts.candidates_need_key") {
		t.Errorf("locked: %q", r.DraftStatus())
	}
	if err := svc.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if err := r.CandidatesDone(r.FetchCandidates(ctx)); err != nil {
		t.Fatal(err)
	}
	if got := r.RankedIDs(); r.NeedsCandidates() || !slices.Equal(got, []string{"i01", "i03"}) {
		t.Fatalf("P1's candidates: %v (needs %v)", got, r.NeedsCandidates())
	}

	// Selecting P3: its own candidates are to fetch, not P1's shown.
	if err := r.SelectPoste(1); err != nil {
		t.Fatal(err)
	}
	if !r.NeedsCandidates() || len(r.RankedIDs()) != 0 {
		t.Fatalf("P3 selected: needs candidates %v, ranked %v", r.NeedsCandidates(), r.RankedIDs())
	}
	if err := r.CandidatesDone(r.FetchCandidates(ctx)); err != nil {
		t.Fatal(err)
	}
	if got := r.RankedIDs(); r.NeedsCandidates() || !slices.Equal(got, []string{"i01", "i02"}) {
		t.Fatalf("P3's candidates: %v", got)
	}
	// Back on P1: fetched once, kept (the manual refresh refetches).
	if err := r.SelectPoste(0); err != nil {
		t.Fatal(err)
	}
	if r.NeedsCandidates() || len(r.RankedIDs()) != 2 {
		t.Fatalf("back on P1: needs %v, ranked %v", r.NeedsCandidates(), r.RankedIDs())
	}
	if err := r.CandidatesDone(r.FetchCandidates(ctx)); err != nil || len(r.RankedIDs()) != 2 {
		t.Fatalf("refresh of P1's candidates: %v, %v", r.RankedIDs(), err)
	}
}

// TestDefaultRTSRound: the RTS's screen opens on the round where the RTS
// has something to do.
func TestDefaultRTSRound(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	r := func(id string, st domain.RoundState) domain.Round {
		return domain.Round{ID: id, State: st, Procedure: domain.Appariement}
	}
	for _, tc := range []struct {
		name   string
		rounds []domain.Round
		want   int
	}{
		{"none", nil, -1},
		{"the rankings open before a later round open for wishes", []domain.Round{r("R1", domain.StatePublished), r("R2", domain.StateRankingsOpen), r("R3", domain.StateWishesOpen)}, 1},
		{"the candidates known before a round open for wishes", []domain.Round{r("R1", domain.StateWishesClosed), r("R2", domain.StateWishesOpen)}, 0},
		{"the latest not published", []domain.Round{r("R1", domain.StateMatched), r("R2", domain.StateWishesOpen), r("R3", domain.StatePublished)}, 1},
		{"a round under way before a draft", []domain.Round{r("R1", domain.StateRankingsClosed), r("R2", domain.StateDraft)}, 0},
		{"a published round before a draft", []domain.Round{r("R1", domain.StatePublished), r("R2", domain.StateDraft)}, 0},
		{"all published: the last", []domain.Round{r("R1", domain.StatePublished), r("R2", domain.StatePublished)}, 1},
		{"only drafts: the last", []domain.Round{r("R1", domain.StateDraft), r("R2", domain.StateDraft)}, 1},
	} {
		if got := DefaultRTSRound(tc.rounds, now); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	// By the server's schedule: a wishes window past its close has its
	// candidates known, and a rankings window past its close is over.
	past := r("R2", domain.StateWishesOpen)
	past.WishesClose = now.Add(-time.Hour)
	if got := DefaultRTSRound([]domain.Round{r("R1", domain.StateWishesOpen), past}, now); got != 1 {
		t.Errorf("wishes past their close: %d", got)
	}
	over := r("R1", domain.StateRankingsOpen)
	over.RankingsClose = now.Add(-time.Hour)
	if got := DefaultRTSRound([]domain.Round{over, r("R2", domain.StateWishesClosed)}, now); got != 1 {
		t.Errorf("rankings past their close: %d", got)
	}
}

// TestAdminFollowsTheRounds: another admin opens, then closes the wishes
// of the round the screen shows; the admin's screen follows with no user
// action. With the key locked it loads nothing (its requests are signed),
// and the change seen meanwhile arrives once the key is unlocked.
func TestAdminFollowsTheRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 2})
	svc := adminSession(t, env)
	adm := NewAdmin(svc)
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if adm.Round == nil || adm.Round.State != domain.StateDraft {
		t.Fatalf("the round at start: %+v", adm.Round)
	}
	sc := followed(t, svc, func(s *Session, on func(func() error)) *Poller {
		return adm.Follow(s, func() string { return env.Round }, on)
	})
	env.Transition(t, domain.StateWishesOpen) // the other admin: servertest's own client
	sc.until("the wishes opened elsewhere", func() bool { return adm.Round != nil && adm.Round.State == domain.StateWishesOpen })

	svc.Lock()
	env.Transition(t, domain.StateWishesClosed)
	time.Sleep(10 * followPoll)
	select {
	case apply := <-sc.updates:
		t.Fatalf("an update with the key locked (%v)", apply())
	default:
	}
	if adm.Round.State != domain.StateWishesOpen {
		t.Fatalf("changed with the key locked: %s", adm.Round.State)
	}
	if err := svc.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	sc.until("the close seen while locked, once unlocked", func() bool { return adm.Round.State == domain.StateWishesClosed })
}
