package roundadmin_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/syncserver/roundadmin"
	"appariement/syncserver/rounds"
	"appariement/syncserver/rounds/roundstest"
	"appariement/syncserver/store"
)

var admin = rounds.Actor{ID: "admin", Role: domain.RoleAdmin, Now: roundstest.Now}

func service(t *testing.T) (*roundadmin.Service, *store.Store) {
	st := roundstest.Open(t)
	return roundadmin.New(roundadmin.Config{Store: st, Clock: func() time.Time { return roundstest.Now }}), st
}

// refusal checks that err is the refusal code with the French message fr
// (any message when fr is empty); want "" means no error.
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

func TestCreate(t *testing.T) {
	s, _ := service(t)
	for _, c := range []struct {
		name string
		in   api.CreateRoundRequest
		want api.Code
		fr   string
	}{
		{"ok", api.CreateRoundRequest{ID: "R", Name: "Tour", Procedure: domain.ChoixAuRang, Specialty: "CARDIO", Subdivision: "LYON"}, "", ""},
		{"again", api.CreateRoundRequest{ID: "R", Procedure: domain.ChoixAuRang}, api.CodeConflict, "le tour R existe déjà"},
		{"procedure", api.CreateRoundRequest{ID: "S", Procedure: "tirage"}, api.CodeBadRequest, `procédure "tirage" inconnue`},
		{"specialty", api.CreateRoundRequest{ID: "S", Procedure: domain.Appariement, Specialty: "XX"}, api.CodeBadRequest, `spécialité "XX" inconnue`},
		{"subdivision", api.CreateRoundRequest{ID: "S", Procedure: domain.Appariement, Subdivision: "XX"}, api.CodeBadRequest, `subdivision "XX" inconnue`},
		{"coverage of a choix au rang", api.CreateRoundRequest{ID: "S", Procedure: domain.ChoixAuRang, MinRankingCoverage: 80}, api.CodeBadRequest,
			"couverture minimale des classements 80 % : entre 0 et 100, et seulement pour un appariement"},
		{"coverage over 100", api.CreateRoundRequest{ID: "S", Procedure: domain.Appariement, MinRankingCoverage: 101}, api.CodeBadRequest, ""},
		{"coverage", api.CreateRoundRequest{ID: "A", Procedure: domain.Appariement, MinRankingCoverage: 80}, "", ""},
	} {
		r, err := s.Create(admin, c.in)
		refusal(t, c.name, err, c.want, c.fr)
		if err == nil && (r.ID != c.in.ID || r.Number != 1 || r.State != domain.StateDraft || r.MinRankingCoverage != c.in.MinRankingCoverage) {
			t.Errorf("%s: created %+v", c.name, r)
		}
	}
}

// TestTransitionOpenWishes: opening the wishes needs an open poste and an
// intern, and fixes the interns of the round's specialty and subdivision.
func TestTransitionOpenWishes(t *testing.T) {
	s, st := service(t)
	roundstest.Write(t, st, roundstest.Round{ID: "NOPOSTE", Interns: 2})
	roundstest.Write(t, st, roundstest.Round{ID: "OK", Postes: 1})
	for _, c := range []struct {
		round string
		to    domain.RoundState
		want  api.Code
		fr    string
	}{
		{"NOPOSTE", domain.StateWishesOpen, api.CodeInvalidState, "le tour NOPOSTE n'a aucun poste ouvert"},
		{"OK", domain.StateMatched, api.CodeInvalidState, ""},
		{"OK", domain.StateWishesOpen, "", ""},
		{"X", domain.StateWishesOpen, api.CodeUnknownRound, `tour "X" inconnu`},
	} {
		_, err := s.Transition(admin, c.round, api.TransitionRequest{To: c.to})
		refusal(t, c.round+"→"+string(c.to), err, c.want, c.fr)
	}
	d, err := s.Detail("OK", roundstest.Now)
	if err != nil || d.Round.State != domain.StateWishesOpen || d.Eligible != 2 || d.Postes != 1 || d.Places != 1 {
		t.Errorf("detail after opening: %+v, %v (i1 and i2 of CARDIO/LYON, not ped)", d, err)
	}
}

func TestTransitionNeedsInterns(t *testing.T) {
	s, st := service(t)
	if err := st.Update(func(tx store.Tx) error {
		return tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "EMPTY", Procedure: domain.ChoixAuRang, Number: 1,
			Specialty: "NEURO", State: domain.StateDraft}})
	}); err != nil {
		t.Fatal(err)
	}
	roundstest.Write(t, st, roundstest.Round{ID: "R", Postes: 1}) // people and postes of CARDIO
	if err := st.Update(func(tx store.Tx) error {
		_, err := store.PutPostes(tx, "EMPTY", []domain.Poste{{ID: "N1", Capacity: 1, Specialty: "NEURO", Subdivision: "LYON", RTS: "rts"}}, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Transition(admin, "EMPTY", api.TransitionRequest{To: domain.StateWishesOpen})
	refusal(t, "no intern", err, api.CodeInvalidState, "le tour EMPTY n'a aucun interne")
}

func TestSchedule(t *testing.T) {
	s, st := service(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R"})
	roundstest.Write(t, st, roundstest.Round{ID: "M", State: domain.StateMatched})
	roundstest.Write(t, st, roundstest.Round{ID: "O", State: domain.StateWishesOpen})
	at := func(h int) time.Time { return roundstest.Now.Add(time.Duration(h) * time.Hour) }
	for _, c := range []struct {
		name  string
		round string
		in    api.ScheduleRequest
		want  api.Code
	}{
		{"ok", "R", api.ScheduleRequest{WishesOpen: at(1), WishesClose: at(2)}, ""},
		{"backwards", "R", api.ScheduleRequest{WishesOpen: at(2), WishesClose: at(1)}, api.CodeBadRequest},
		{"matched", "M", api.ScheduleRequest{WishesOpen: at(1)}, api.CodeInvalidState},
		{"open without a reason", "O", api.ScheduleRequest{WishesClose: at(3)}, api.CodeBadRequest},
		{"open, reason too short", "O", api.ScheduleRequest{WishesClose: at(3), Reason: "x"}, api.CodeBadRequest},
		{"open, reason too long", "O", api.ScheduleRequest{WishesClose: at(3), Reason: strings.Repeat("x", rules.MaxReason+1)}, api.CodeBadRequest},
		{"open with a reason", "O", api.ScheduleRequest{WishesClose: at(3), Reason: "grève des hôpitaux"}, ""},
		{"draft, reason too long", "R", api.ScheduleRequest{WishesOpen: at(1), Reason: strings.Repeat("x", rules.MaxReason+1)}, api.CodeBadRequest},
	} {
		r, err := s.Schedule(admin, c.round, c.in)
		refusal(t, c.name, err, c.want, "")
		if err == nil && !r.WishesClose.Equal(c.in.WishesClose) {
			t.Errorf("%s: scheduled %+v", c.name, r)
		}
	}
	rec, _ := rounds.Get(st, "R")
	if !rec.WishesOpen.Equal(at(1)) {
		t.Errorf("a refused schedule changed the round: %+v", rec.Round)
	}
	// The refusal names the round, French first, with a capital.
	_, err := s.Schedule(admin, "O", api.ScheduleRequest{WishesClose: at(4)})
	var e *api.Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Message, "Motif obligatoire pour replanifier les fenêtres du tour « ") ||
		!strings.HasPrefix(e.MessageEN, "A reason is required to reschedule the windows of round ") {
		t.Errorf("reschedule of an open round without a reason: %#v", err)
	}
	if rec, _ := rounds.Get(st, "O"); !rec.WishesClose.Equal(at(3)) {
		t.Errorf("the refused schedule changed round O: %+v", rec.Round)
	}
}

// TestAssign: manual assignments of a third round, each refusal naming
// the intern, the poste or the round.
func TestAssign(t *testing.T) {
	s, st := service(t)
	roundstest.Write(t, st, roundstest.Round{ID: "T", Number: 3, Interns: 3, Postes: 1, Capacity: 2, Eligible: true})
	roundstest.Write(t, st, roundstest.Round{ID: "R1"})
	if err := st.Update(func(tx store.Tx) error { return tx.SetEligible("T", []string{"i1", "i2", "i3", "ped"}) }); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, round, intern, poste, reason string
		want                               api.Code
		fr                                 string
	}{
		{"no reason", "T", "i1", "P1", "", api.CodeBadRequest, "motif obligatoire"},
		{"not a third round", "R1", "i1", "P1", "accord", api.CodeInvalidState,
			"affectation manuelle impossible : le tour R1 n'est pas un 3e tour en préparation"},
		{"not eligible", "T", "i9", "P1", "accord", api.CodeUnknownIntern, "l'interne i9 n'est pas à affecter dans le tour T"},
		{"unknown poste", "T", "i1", "PX", "accord", api.CodeUnknownPoste, "le poste PX n'existe pas dans le tour T"},
		{"ok", "T", "i1", "P1", "accord", "", ""},
		{"twice", "T", "i1", "P1", "accord", api.CodeConflict, "l'interne i1 est déjà affecté dans le tour T"},
		{"other specialty", "T", "ped", "P1", "accord", api.CodeForbidden, ""},
		{"second place", "T", "i2", "P1", "accord", "", ""},
		{"full", "T", "i3", "P1", "accord", api.CodePosteClosed, "le poste P1 n'a plus de place libre"},
	} {
		a, err := s.Assign(admin, c.round, api.ManualAssignmentRequest{Intern: c.intern, Poste: c.poste, Reason: c.reason})
		refusal(t, c.name, err, c.want, c.fr)
		if err == nil && (!a.Manual || a.Author != "admin" || a.Intern != c.intern) {
			t.Errorf("%s: assignment %+v", c.name, a)
		}
	}
	var manual []domain.Assignment
	if err := st.View(func(tx store.Tx) error {
		var err error
		manual, err = tx.Manual("T")
		return err
	}); err != nil || len(manual) != 2 {
		t.Errorf("manual assignments stored: %+v, %v", manual, err)
	}
}

// TestReadsRefuse: reading the results, participation, export or next
// round of a round that has none.
func TestReadsRefuse(t *testing.T) {
	s, st := service(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R", Interns: 1, Postes: 1})
	who := &domain.Person{ID: "i1", Role: domain.RoleIntern}
	for _, c := range []struct {
		name string
		fn   func() error
		want api.Code
		fr   string
	}{
		{"full result", func() error { _, err := s.FullResult("R"); return err }, api.CodeInvalidState,
			"le résultat du tour R n'est pas encore publié"},
		{"personal result", func() error { _, err := s.PersonalResult(who, "R"); return err }, api.CodeInvalidState, ""},
		{"personal result unknown", func() error { _, err := s.PersonalResult(who, "X"); return err }, api.CodeUnknownRound, ""},
		{"export", func() error { _, err := s.Export(admin, "R", api.FormatCSV); return err }, api.CodeInvalidState,
			"le tour R n'a pas encore de résultat"},
		{"export format", func() error { _, err := s.Export(admin, "R", "pdf"); return err }, api.CodeBadRequest,
			`format "pdf" inconnu (csv ou xlsx)`},
		{"export unknown", func() error { _, err := s.Export(admin, "X", api.FormatXLSX); return err }, api.CodeUnknownRound, ""},
		{"participation unknown", func() error { _, err := s.Participation("X"); return err }, api.CodeUnknownRound, ""},
		{"next of unpublished", func() error { _, err := s.Next(admin, "R", api.NextRoundRequest{ID: "R2"}); return err },
			api.CodeInvalidState, ""},
		{"run too early", func() error { _, err := s.Run(admin, "R"); return err }, api.CodeInvalidState, ""},
		{"publish unmatched", func() error { _, err := s.Publish(admin, "R"); return err }, api.CodeInvalidState,
			"le tour R n'est pas apparié (état draft)"},
	} {
		refusal(t, c.name, c.fn(), c.want, c.fr)
	}
	p, err := s.Participation("R")
	if err != nil || p.Round != "R" || p.Submitted == nil || len(p.Submitted) != 0 {
		t.Errorf("participation: %+v, %v", p, err)
	}
}

// TestThirdRoundRunPublish: a third round's manual assignments are run,
// published (signed, mails hooked in the same transaction), exported, and
// no round follows it.
func TestThirdRoundRunPublish(t *testing.T) {
	st := roundstest.Open(t)
	notified, mailed := 0, 0
	s := roundadmin.New(roundadmin.Config{Store: st, Clock: func() time.Time { return roundstest.Now },
		NotifyResult: func(tx store.Tx, res *domain.Result, now time.Time) error {
			notified += len(res.Assignments)
			return nil
		},
		MailEnqueued: func() { mailed++ }})
	roundstest.Write(t, st, roundstest.Round{ID: "T", Number: 3, Interns: 2, Postes: 1, Eligible: true})
	if _, err := s.Assign(admin, "T", api.ManualAssignmentRequest{Intern: "i1", Poste: "P1", Reason: "accord"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(admin, "T")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Assignments) != 1 || res.Assignments[0].Intern != "i1" || len(res.Unmatched) != 1 || res.Unmatched[0] != "i2" {
		t.Fatalf("run: %+v", res)
	}
	// Before publication a run may be made again (rules.RunAgain): the
	// same frozen input gives the same result.
	again, err := s.Run(admin, "T")
	if err != nil || len(again.Assignments) != 1 || again.Assignments[0] != res.Assignments[0] || len(again.Unmatched) != 1 {
		t.Fatalf("run again: %+v, %v", again, err)
	}
	signed, err := s.Publish(admin, "T")
	if err != nil {
		t.Fatal(err)
	}
	if notified != 1 || mailed != 1 {
		t.Errorf("publish: %d notified, MailEnqueued called %d times", notified, mailed)
	}
	full, err := s.FullResult("T")
	if err != nil || string(full) != string(signed) {
		t.Errorf("full result differs from the published envelope (%v)", err)
	}
	if _, err := s.PersonalResult(&domain.Person{ID: "i1", Role: domain.RoleIntern}, "T"); err != nil {
		t.Errorf("personal result: %v", err)
	}
	csv, err := s.Export(admin, "T", api.FormatCSV)
	if err != nil || len(csv) == 0 {
		t.Errorf("export: %d bytes, %v", len(csv), err)
	}
	_, err = s.Publish(admin, "T")
	refusal(t, "publish again", err, api.CodeInvalidState, "")
	_, err = s.Run(admin, "T")
	refusal(t, "run once published", err, api.CodeInvalidState, "le résultat du tour T est publié : son appariement ne peut plus être relancé")
	_, err = s.Next(admin, "T", api.NextRoundRequest{ID: "T4"})
	refusal(t, "fourth round", err, api.CodeInvalidState, "le tour T est le dernier (3e tour)")
}

// TestDetailRankingCounts: the detail counts the open postes with a
// signed ranking naming someone and, in an appariement, the interns whom
// no ranking of a poste they wish names (they cannot be matched).
func TestDetailRankingCounts(t *testing.T) {
	for _, c := range []struct {
		name            string
		procedure       domain.Procedure
		ranked, unreach int
	}{
		{"appariement", domain.Appariement, 1, 2},
		{"choix au rang", domain.ChoixAuRang, 1, 0},
	} {
		s, st := service(t)
		roundstest.Write(t, st, roundstest.Round{ID: "R", Procedure: c.procedure, State: domain.StateRankingsOpen, Interns: 3, Postes: 3, Eligible: true})
		if err := st.Update(func(tx store.Tx) error {
			for _, cur := range []store.Current{
				{Author: "i1", PayloadType: api.WishListType, List: []string{"P1"}},
				{Author: "i2", PayloadType: api.WishListType, List: []string{"P1", "P2"}},
				{Author: "i3", PayloadType: api.WishListType, List: []string{"P3"}},
				{Author: "rts", Poste: "P1", PayloadType: api.RankingType, List: []string{"i1"}},
				{Author: "rts", Poste: "P2", PayloadType: api.RankingType, List: []string{}}, // signed, nobody ranked
			} {
				cur.Round, cur.Seq = "R", 1
				if err := tx.PutCurrent(cur); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		d, err := s.Detail("R", roundstest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if d.Postes != 3 || d.WishLists != 3 || d.Rankings != 2 || d.RankedPostes != c.ranked || d.Unreachable != c.unreach {
			t.Errorf("%s: postes %d, wish lists %d, rankings %d, ranked postes %d (want %d), unreachable %d (want %d)",
				c.name, d.Postes, d.WishLists, d.Rankings, d.RankedPostes, c.ranked, d.Unreachable, c.unreach)
		}
	}
}
