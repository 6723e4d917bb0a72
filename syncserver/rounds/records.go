package rounds

import (
	"encoding/json"
	"fmt"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Actor is who asks for a use case and when: the signed caller and the
// request's time by the server's clock.
type Actor struct {
	ID   string
	Role domain.Role
	Now  time.Time
}

// Audit builds the audit entry of a change made by a (who, when, what,
// why); detail is recorded as JSON.
func (a Actor) Audit(action, round, target, reason string, detail any) store.AuditEntry {
	e := store.AuditEntry{Time: a.Now, Actor: a.ID, Action: action, Round: round, Target: target, Reason: reason}
	if detail != nil {
		if b, err := json.Marshal(detail); err == nil {
			e.Detail = b
		}
	}
	return e
}

// UnknownRound is the refusal (unknown_round) of a round id the store
// does not hold.
func UnknownRound(id string) error {
	return api.Errorf(api.CodeUnknownRound, "tour %q inconnu", "unknown round %q", id)
}

// Load reads a round, or refuses with unknown_round.
func Load(tx store.Tx, id string) (*store.RoundRecord, error) {
	rec, err := tx.Round(id)
	if store.IsNotFound(err) {
		return nil, UnknownRound(id)
	}
	if err != nil {
		return nil, errorf(id, "%w", err)
	}
	return rec, nil
}

// Get reads a round in a read transaction of its own, or refuses with
// unknown_round.
func Get(st *store.Store, id string) (*store.RoundRecord, error) {
	var rec *store.RoundRecord
	err := st.View(func(tx store.Tx) error {
		var err error
		rec, err = Load(tx, id)
		return err
	})
	return rec, err
}

// Choix reads a round and refuses unless it is a choix-au-rang round with
// online choices (rounds 1 and 2): the only ones with a call list, a
// simulation des choix and a live reveal.
func Choix(tx store.Tx, id string) (*store.RoundRecord, error) {
	rec, err := Load(tx, id)
	if err != nil {
		return nil, err
	}
	if rec.Procedure != domain.ChoixAuRang || rec.Number == 3 {
		return nil, api.Errorf(api.CodeInvalidState,
			"le tour %s n'est pas un choix au rang en ligne : il n'a pas de liste d'appel",
			"round %s is not an online choix au rang: it has no call list", id)
	}
	return rec, nil
}

// Interns returns the interns who choose in a round: its eligible interns
// once fixed (wishes opened, or a round 2), otherwise those the opening of
// the wishes would fix (see Covered).
func Interns(tx store.Tx, rec *store.RoundRecord) ([]domain.Person, error) {
	ids, err := tx.Eligible(rec.ID)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 && rec.Parent == "" {
		return Covered(tx, rec)
	}
	out := make([]domain.Person, 0, len(ids))
	for _, id := range ids {
		p, err := tx.Person(id)
		if err != nil {
			return nil, fmt.Errorf("rounds: eligible intern %s of %s: %w", id, rec.ID, err)
		}
		out = append(out, *p)
	}
	return out, nil
}

// Covered returns the interns of a first round's specialty and
// subdivision (every intern when the round has no filter): those who take
// part once its wishes open.
func Covered(tx store.Tx, rec *store.RoundRecord) ([]domain.Person, error) {
	people, err := tx.People()
	if err != nil {
		return nil, err
	}
	var out []domain.Person
	for _, p := range people {
		if p.Role == domain.RoleIntern && rec.Covers(p.Specialty, p.Subdivision) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Published returns a published round, its result and the result's signed
// envelope, or refuses (unknown_round, invalid_state).
func Published(tx store.Tx, round string) (*store.RoundRecord, *domain.Result, []byte, error) {
	rec, err := Load(tx, round)
	if err != nil {
		return nil, nil, nil, err
	}
	if rec.State != domain.StatePublished {
		return nil, nil, nil, api.Errorf(api.CodeInvalidState, "le résultat du tour %s n'est pas encore publié",
			"the result of round %s is not published yet", round)
	}
	res, signed, err := tx.Result(round)
	if err != nil {
		return nil, nil, nil, err
	}
	return rec, res, signed, nil
}

// Outcome returns the published result of a round, or its preview when it
// is run but not published; store.IsNotFound when it has neither.
func Outcome(tx store.Tx, round string) (*domain.Result, error) {
	res, _, err := tx.Result(round)
	if store.IsNotFound(err) {
		return tx.Preview(round)
	}
	return res, err
}

// Updater changes rounds, each change in one write transaction with its
// audit entry.
type Updater struct {
	// Store holds the rounds.
	Store *store.Store
	// Clock is the server's clock; a change is refused (clock_behind)
	// while it reads before the last log leaf.
	Clock func() time.Time
	// OnClock, if set, sees the clock's reading before each change (the
	// server logs a step of the wall clock).
	OnClock func(now time.Time)
}

// Change changes a round: fn changes the record read in the write
// transaction and returns the audit entry, saved with it. Unknown round:
// unknown_round; an error of fn aborts the change.
func (u *Updater) Change(id string, fn func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error)) (*store.RoundRecord, error) {
	var rec *store.RoundRecord
	now := u.Clock()
	if u.OnClock != nil {
		u.OnClock(now)
	}
	err := u.Store.Update(func(tx store.Tx) error {
		if err := u.Store.CheckClockTx(tx, u.Clock()); err != nil {
			return err
		}
		var err error
		if rec, err = Load(tx, id); err != nil {
			return err
		}
		entry, err := fn(tx, rec)
		if err != nil {
			return err
		}
		if err := tx.PutRound(rec); err != nil {
			return err
		}
		return tx.Audit(entry)
	})
	return rec, err
}

// List returns every round, in the store's order, in a read transaction
// of its own (an empty list, not nil, when there is none).
func List(st *store.Store) ([]domain.Round, error) {
	out := []domain.Round{}
	err := st.View(func(tx store.Tx) error {
		recs, err := tx.Rounds()
		for _, r := range recs {
			out = append(out, r.Round)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rounds: list: %w", err)
	}
	return out, nil
}
