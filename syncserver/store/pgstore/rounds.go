package pgstore

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Round returns a round, or ErrNotFound.
func (tx *Tx) Round(id string) (*store.RoundRecord, error) {
	var r store.RoundRecord
	if doc, ok := tx.roundDocs[id]; ok && tx.err == nil {
		// Read earlier by this write transaction (each submission of an
		// append batch checks its round's window).
		if err := json.Unmarshal(doc, &r); err != nil {
			return nil, fmt.Errorf("pgstore: round %s: decode: %w", id, err)
		}
		return &r, nil
	}
	if err := tx.lock(); err != nil {
		return nil, fmt.Errorf("pgstore: round %s: %w", id, err)
	}
	if !storable(id) {
		return nil, fmt.Errorf("pgstore: round %s: %w", id, store.ErrNotFound)
	}
	var doc []byte
	err := tx.tx.QueryRow(tx.ctx, "SELECT doc FROM rounds WHERE id = $1", id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: round %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("pgstore: round %s: %w", id, classify(err))
	}
	if err := json.Unmarshal(doc, &r); err != nil {
		return nil, fmt.Errorf("pgstore: round %s: decode: %w", id, err)
	}
	if tx.write {
		if tx.roundDocs == nil {
			tx.roundDocs = map[string][]byte{}
		}
		tx.roundDocs[id] = doc
	}
	return &r, nil
}

// Rounds returns every round, by id.
func (tx *Tx) Rounds() ([]store.RoundRecord, error) {
	out, err := queryDocs[store.RoundRecord](tx, `SELECT doc FROM rounds ORDER BY id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: rounds: %w", err)
	}
	return out, nil
}

// CreateRound stores a new round; ErrExists if the id is taken.
func (tx *Tx) CreateRound(r *store.RoundRecord) error {
	if r.ID == "" {
		return errors.New("pgstore: create round: empty id")
	}
	doc, err := encode(r)
	if err != nil {
		return fmt.Errorf("pgstore: create round %s: %w", r.ID, err)
	}
	tx.roundDocs = nil
	n, err := tx.exec("create round "+r.ID, "INSERT INTO rounds (id, doc) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", r.ID, doc)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("pgstore: create round %s: %w", r.ID, store.ErrExists)
	}
	return nil
}

// PutRound replaces the record of a round.
func (tx *Tx) PutRound(r *store.RoundRecord) error {
	doc, err := encode(r)
	if err != nil {
		return fmt.Errorf("pgstore: put round %s: %w", r.ID, err)
	}
	tx.roundDocs = nil
	_, err = tx.exec("put round "+r.ID, `INSERT INTO rounds (id, doc) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`, r.ID, doc)
	return err
}

// needRound returns ErrNotFound for an unknown round.
func (tx *Tx) needRound(round string) error {
	ok, err := tx.exists("SELECT 1 FROM rounds WHERE id = $1", round)
	if err != nil {
		return fmt.Errorf("pgstore: round %s: %w", round, err)
	}
	if !ok {
		return fmt.Errorf("pgstore: round %s: %w", round, store.ErrNotFound)
	}
	return nil
}

// Poste returns a poste of a round, or ErrNotFound.
func (tx *Tx) Poste(round, id string) (*domain.Poste, error) {
	var p domain.Poste
	ok, err := tx.getDoc(&p, "SELECT doc FROM postes WHERE round = $1 AND id = $2", round, id)
	if err != nil {
		return nil, fmt.Errorf("pgstore: poste %s of round %s: %w", id, round, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: poste %s of round %s: %w", id, round, store.ErrNotFound)
	}
	return &p, nil
}

// Postes returns the postes of a round whose version is above since, by
// id; ErrNotFound for an unknown round.
func (tx *Tx) Postes(round string, since uint64) ([]domain.Poste, error) {
	if err := tx.needRound(round); err != nil {
		return nil, err
	}
	out, err := queryDocs[domain.Poste](tx, `SELECT doc FROM postes WHERE round = $1 AND version > $2
		ORDER BY id COLLATE "C"`, round, int64(since))
	if err != nil {
		return nil, fmt.Errorf("pgstore: postes of %s: %w", round, err)
	}
	return out, nil
}

// PutPoste creates or replaces one poste of a round as given.
func (tx *Tx) PutPoste(round string, p domain.Poste) error {
	if err := tx.needRound(round); err != nil {
		return err
	}
	doc, err := encode(p)
	if err != nil {
		return fmt.Errorf("pgstore: put poste %s of %s: %w", p.ID, round, err)
	}
	_, err = tx.exec("put poste "+p.ID, `INSERT INTO postes (round, id, version, doc) VALUES ($1, $2, $3, $4)
		ON CONFLICT (round, id) DO UPDATE SET version = EXCLUDED.version, doc = EXCLUDED.doc`,
		round, p.ID, int64(p.Version), doc)
	return err
}

// SetEligible replaces the interns taking part in a round.
func (tx *Tx) SetEligible(round string, interns []string) error {
	if err := tx.needRound(round); err != nil {
		return err
	}
	if _, err := tx.exec("set eligible of "+round, "DELETE FROM eligible WHERE round = $1", round); err != nil {
		return err
	}
	_, err := tx.exec("set eligible of "+round, `INSERT INTO eligible (round, intern)
		SELECT $1, i FROM unnest($2::text[]) AS i ON CONFLICT DO NOTHING`, round, interns)
	return err
}

// Eligible returns the interns taking part in a round, sorted.
func (tx *Tx) Eligible(round string) ([]string, error) {
	if err := tx.needRound(round); err != nil {
		return nil, err
	}
	rows, err := tx.tx.Query(tx.ctx, `SELECT intern FROM eligible WHERE round = $1 ORDER BY intern COLLATE "C"`, round)
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: eligible of %s: %w", round, err))
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: eligible of %s: %w", round, err))
	}
	return out, nil
}

// IsEligible reports whether intern takes part in round.
func (tx *Tx) IsEligible(round, intern string) bool {
	ok, err := tx.exists("SELECT 1 FROM eligible WHERE round = $1 AND intern = $2", round, intern)
	tx.keep(err)
	return ok
}

// PutManual records the manual assignment of a.Intern in a round.
func (tx *Tx) PutManual(round string, a domain.Assignment) error {
	if err := tx.needRound(round); err != nil {
		return err
	}
	doc, err := encode(a)
	if err != nil {
		return fmt.Errorf("pgstore: manual assignment of %s in %s: %w", a.Intern, round, err)
	}
	_, err = tx.exec("manual assignment", `INSERT INTO manual_assignments (round, intern, doc) VALUES ($1, $2, $3)
		ON CONFLICT (round, intern) DO UPDATE SET doc = EXCLUDED.doc`, round, a.Intern, doc)
	return err
}

// Manual returns the manual assignments of a round, by intern.
func (tx *Tx) Manual(round string) ([]domain.Assignment, error) {
	if err := tx.needRound(round); err != nil {
		return nil, err
	}
	out, err := queryDocs[domain.Assignment](tx, `SELECT doc FROM manual_assignments WHERE round = $1
		ORDER BY intern COLLATE "C"`, round)
	if err != nil {
		return nil, fmt.Errorf("pgstore: manual assignments of %s: %w", round, err)
	}
	return out, nil
}

// PutInput replaces the frozen input document of a round's last run.
func (tx *Tx) PutInput(round string, doc []byte) error {
	if err := tx.needRound(round); err != nil {
		return err
	}
	if doc == nil {
		doc = []byte{}
	}
	_, err := tx.exec("frozen input of "+round, `INSERT INTO round_inputs (round, input) VALUES ($1, $2)
		ON CONFLICT (round) DO UPDATE SET input = EXCLUDED.input`, round, doc)
	return err
}

// Input returns the frozen input document, or ErrNotFound.
func (tx *Tx) Input(round string) ([]byte, error) {
	if err := tx.needRound(round); err != nil {
		return nil, err
	}
	var v []byte
	err := tx.tx.QueryRow(tx.ctx, "SELECT input FROM round_inputs WHERE round = $1", round).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: frozen input of %s: %w", round, store.ErrNotFound)
	}
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: frozen input of %s: %w", round, err))
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// PutPreview replaces the result computed by a run.
func (tx *Tx) PutPreview(round string, res *domain.Result) error {
	if err := tx.needRound(round); err != nil {
		return err
	}
	doc, err := encode(res)
	if err != nil {
		return fmt.Errorf("pgstore: preview of %s: %w", round, err)
	}
	_, err = tx.exec("preview of "+round, `INSERT INTO round_previews (round, doc) VALUES ($1, $2)
		ON CONFLICT (round) DO UPDATE SET doc = EXCLUDED.doc`, round, doc)
	return err
}

// Preview returns the result computed by the last run, or ErrNotFound.
func (tx *Tx) Preview(round string) (*domain.Result, error) {
	if err := tx.needRound(round); err != nil {
		return nil, err
	}
	var res domain.Result
	ok, err := tx.getDoc(&res, "SELECT doc FROM round_previews WHERE round = $1", round)
	if err != nil {
		return nil, fmt.Errorf("pgstore: preview of %s: %w", round, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: preview of %s: %w", round, store.ErrNotFound)
	}
	return &res, nil
}

// PutResult replaces the published result and its signed envelope.
func (tx *Tx) PutResult(round string, res *domain.Result, signed []byte) error {
	if err := tx.needRound(round); err != nil {
		return err
	}
	doc, err := encode(res)
	if err != nil {
		return fmt.Errorf("pgstore: result of %s: %w", round, err)
	}
	if signed == nil {
		signed = []byte{}
	}
	_, err = tx.exec("result of "+round, `INSERT INTO round_results (round, doc, signed) VALUES ($1, $2, $3)
		ON CONFLICT (round) DO UPDATE SET doc = EXCLUDED.doc, signed = EXCLUDED.signed`, round, doc, signed)
	return err
}

// Result returns the published result and its signed envelope, or
// ErrNotFound.
func (tx *Tx) Result(round string) (*domain.Result, []byte, error) {
	if err := tx.needRound(round); err != nil {
		return nil, nil, err
	}
	if err := tx.lock(); err != nil {
		return nil, nil, err
	}
	var doc, signed []byte
	err := tx.tx.QueryRow(tx.ctx, "SELECT doc, signed FROM round_results WHERE round = $1", round).Scan(&doc, &signed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, fmt.Errorf("pgstore: result of %s: %w", round, store.ErrNotFound)
	}
	if err != nil {
		return nil, nil, classify(fmt.Errorf("pgstore: result of %s: %w", round, err))
	}
	var res domain.Result
	if err := decodeInto(doc, &res); err != nil {
		return nil, nil, fmt.Errorf("pgstore: result of %s: %w", round, err)
	}
	return &res, signed, nil
}
