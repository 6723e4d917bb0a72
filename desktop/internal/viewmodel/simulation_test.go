package viewmodel

import (
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/simulation"
)

func TestSimulationDueAndRank(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := NewSimulation(nil, nil)
	s.Now = func() time.Time { return now }
	if !s.Due() {
		t.Fatal("first refresh not due")
	}
	s.Start()
	now = now.Add(59 * time.Second)
	if s.Due() {
		t.Fatal("due after 59 s")
	}
	now = now.Add(time.Second)
	if !s.Due() {
		t.Fatal("not due after a minute")
	}
	for text, want := range map[string]int{"": 0, "12": 12} {
		if got, err := ParseRank(text); err != nil || got != want {
			t.Errorf("ParseRank(%q) = %d, %v", text, got, err)
		}
	}
	for _, bad := range []string{"0", "-3", "douze"} {
		if _, err := ParseRank(bad); err == nil {
			t.Errorf("ParseRank(%q) accepted", bad)
		}
	}
	if SimulationApplies(&domain.Round{Procedure: domain.Appariement, State: domain.StateWishesOpen}) ||
		!SimulationApplies(&domain.Round{Procedure: domain.ChoixAuRang, State: domain.StateWishesOpen}) {
		t.Fatal("SimulationApplies")
	}
}

func TestSimulationTexts(t *testing.T) {
	s := NewSimulation(nil, func(id string) string { return "Cardiologie " + id })
	if s.Status() != "Pas encore de simulation : actualisez (clé déverrouillée, en ligne)." || s.WishRows() != nil {
		t.Fatalf("empty: %q", s.Status())
	}
	s.Apply(SimulationData{Round: "R1", Err: &api.Error{Code: api.CodeInvalidState, Message: "x"}})
	if !s.Closed || s.Status() != "La fenêtre des vœux n'est pas ouverte : la simulation n'est disponible que pendant la saisie des vœux d'un choix au rang." {
		t.Fatalf("closed: %q", s.Status())
	}
	s.Apply(SimulationData{Round: "R1", Me: &api.SimulationMe{
		SimulationMeta: api.SimulationMeta{Round: "R1", ComputedAt: time.Date(2026, 11, 23, 9, 5, 0, 0, time.Local), Lists: 140, Interns: 312, CallListVersion: 3},
		View: simulation.InternView{Intern: "i06", Rank: 158, Poste: "P3", Wishes: []simulation.WishView{
			{Poste: "P2", Capacity: 2, Demand: 9, TakenAhead: 2, OutOfReach: true},
			{Poste: "P3", Capacity: 3, Demand: 4, TakenAhead: 1, WouldGet: true},
			{Poste: "P4", Capacity: 1},
		}}},
		Amphi: &api.SimulationAmphi{Rank: 158, Places: []simulation.PlaceView{{Poste: "P2", Capacity: 2}, {Poste: "P3", Capacity: 3, Free: 2}}}})
	if s.Closed || s.Status() != "Calculé à 10\u00a0h\u00a005 (heure de Paris) sur 140 listes (312 internes), liste d'appel version 3" {
		t.Fatalf("status %q", s.Status())
	}
	if s.RankText() != "Votre rang : 158 sur 312" || s.PosteText() != "Poste que vous obtiendriez maintenant : Cardiologie P3" {
		t.Fatalf("%q %q", s.RankText(), s.PosteText())
	}
	rows := s.WishRows()
	if rows[0].Marker != "hors de portée" || rows[1].Marker != "obtenu" || rows[2].Marker != "" ||
		rows[0].Demand != "demandé par 9 internes mieux classés" || rows[0].Taken != "déjà pris par 2" {
		t.Fatalf("rows %+v", rows)
	}
	am := s.AmphiRows()
	if len(am) != 2 || am[0].Poste != "P3" || am[0].Text != "2 places libres sur 3" || am[1].Text != "complet" {
		t.Fatalf("amphi %+v", am)
	}
	s.Me.View.Poste = ""
	if s.PosteText() != "Poste que vous obtiendriez maintenant : aucun" {
		t.Fatalf("none: %q", s.PosteText())
	}
}

func TestLivePaging(t *testing.T) {
	c := NewCallList(nil, nil)
	if from, ok := c.LiveNext(); from != 1 || !ok {
		t.Fatalf("empty: %d %v", from, ok)
	}
	step := func(r int) simulation.Step { return simulation.Step{Rank: r, Intern: "x", Poste: "P1", Left: 1} }
	c.ApplyLive(&api.LiveReplay{Total: 5, From: 1, CallListVersion: 2, Steps: []simulation.Step{step(1), step(2)}}, nil)
	if from, ok := c.LiveNext(); from != 3 || !ok {
		t.Fatalf("after 2: %d %v", from, ok)
	}
	c.ApplyLive(&api.LiveReplay{Total: 5, From: 3, CallListVersion: 2, Steps: []simulation.Step{step(3), step(4), step(5)}}, nil)
	if len(c.Live.Steps) != 5 || c.Live.From != 1 {
		t.Fatalf("appended: %+v", c.Live)
	}
	if _, ok := c.LiveNext(); ok {
		t.Fatal("complete replay has more")
	}
	// A jump elsewhere replaces the turns shown.
	c.ApplyLive(&api.LiveReplay{Total: 5, From: 4, CallListVersion: 2, Steps: []simulation.Step{step(4)}}, nil)
	if len(c.Live.Steps) != 1 || c.Live.From != 4 {
		t.Fatalf("replaced: %+v", c.Live)
	}
	c.ApplyLive(nil, &api.Error{Code: api.CodeInvalidState})
	if c.Error != "Le déroulé n'est disponible qu'après la publication des résultats." {
		t.Fatalf("error %q", c.Error)
	}
}
