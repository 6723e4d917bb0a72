package rounds_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/rounds"
	"appariement/syncserver/rounds/roundstest"
	"appariement/syncserver/store"
)

// code returns the refusal code of err ("" for nil, "other" for an error
// that is not a refusal).
func code(err error) api.Code {
	var e *api.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return "other"
}

func TestLoadChoixPublished(t *testing.T) {
	st := roundstest.Open(t)
	roundstest.Write(t, st, roundstest.Round{ID: "C", Interns: 2, Postes: 1})
	roundstest.Write(t, st, roundstest.Round{ID: "A", Procedure: domain.Appariement})
	roundstest.Write(t, st, roundstest.Round{ID: "C3", Number: 3})
	for _, c := range []struct {
		round               string
		load, choix, result api.Code
	}{
		{"C", "", "", api.CodeInvalidState},
		{"A", "", api.CodeInvalidState, api.CodeInvalidState},
		{"C3", "", api.CodeInvalidState, api.CodeInvalidState},
		{"nope", api.CodeUnknownRound, api.CodeUnknownRound, api.CodeUnknownRound},
	} {
		err := st.View(func(tx store.Tx) error {
			_, err := rounds.Load(tx, c.round)
			if got := code(err); got != c.load {
				t.Errorf("Load(%s) = %v, want %q", c.round, err, c.load)
			}
			_, err = rounds.Choix(tx, c.round)
			if got := code(err); got != c.choix {
				t.Errorf("Choix(%s) = %v, want %q", c.round, err, c.choix)
			}
			_, _, _, err = rounds.Published(tx, c.round)
			if got := code(err); got != c.result {
				t.Errorf("Published(%s) = %v, want %q", c.round, err, c.result)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rounds.Get(st, "nope"); code(err) != api.CodeUnknownRound {
		t.Errorf("Get(nope) = %v", err)
	}
}

// TestInterns: before its wishes open, a first round's interns are those
// of its specialty and subdivision; once fixed, the eligible ones.
func TestInterns(t *testing.T) {
	st := roundstest.Open(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R", Interns: 3, Postes: 1})
	ids := func() []string {
		var out []string
		err := st.View(func(tx store.Tx) error {
			rec, err := rounds.Load(tx, "R")
			if err != nil {
				return err
			}
			people, err := rounds.Interns(tx, rec)
			for _, p := range people {
				out = append(out, p.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := ids(); len(got) != 3 || got[0] != "i1" || got[2] != "i3" {
		t.Errorf("covered interns: %v (ped is of another specialty)", got)
	}
	if err := st.Update(func(tx store.Tx) error { return tx.SetEligible("R", []string{"i2"}) }); err != nil {
		t.Fatal(err)
	}
	if got := ids(); len(got) != 1 || got[0] != "i2" {
		t.Errorf("eligible interns: %v", got)
	}
}

func TestUpdaterChange(t *testing.T) {
	st := roundstest.Open(t)
	roundstest.Write(t, st, roundstest.Round{ID: "R"})
	seen := 0
	u := &rounds.Updater{Store: st, Clock: func() time.Time { return roundstest.Now }, OnClock: func(time.Time) { seen++ }}
	a := rounds.Actor{ID: "admin", Role: domain.RoleAdmin, Now: roundstest.Now}
	refused := api.Errorf(api.CodeInvalidState, "non", "no")
	for _, c := range []struct {
		name  string
		round string
		fn    func(rec *store.RoundRecord) error
		want  api.Code
		named string // the round's name afterwards
	}{
		{"changed", "R", func(rec *store.RoundRecord) error { rec.Name = "Nouveau"; return nil }, "", "Nouveau"},
		{"refused by fn", "R", func(rec *store.RoundRecord) error { rec.Name = "Perdu"; return refused }, api.CodeInvalidState, "Nouveau"},
		{"unknown", "X", func(rec *store.RoundRecord) error { return nil }, api.CodeUnknownRound, "Nouveau"},
	} {
		_, err := u.Change(c.round, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
			err := c.fn(rec)
			return a.Audit("rename", rec.ID, "", "why", map[string]string{"to": rec.Name}), err
		})
		if code(err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		rec, err := rounds.Get(st, "R")
		if err != nil || rec.Name != c.named {
			t.Errorf("%s: round named %q (%v), want %q", c.name, rec.Name, err, c.named)
		}
	}
	if seen != 3 {
		t.Errorf("OnClock saw %d changes, want 3", seen)
	}
	var log []store.AuditEntry
	if err := st.View(func(tx store.Tx) error {
		var err error
		log, err = tx.AuditLog(0, 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Action != "rename" || log[0].Actor != "admin" || log[0].Reason != "why" || !log[0].Time.Equal(roundstest.Now) {
		t.Fatalf("audit log: %+v", log)
	}
	var detail map[string]string
	if err := json.Unmarshal(log[0].Detail, &detail); err != nil || detail["to"] != "Nouveau" {
		t.Errorf("audit detail %s", log[0].Detail)
	}
}
