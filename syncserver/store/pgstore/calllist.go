package pgstore

import (
	"fmt"

	"appariement/syncserver/store"
)

// PutCallListDraft creates or replaces the draft call list of a round.
func (tx *Tx) PutCallListDraft(round string, d *store.CallListDraft) error {
	if err := tx.needRound(round); err != nil {
		return err
	}
	doc, err := encode(d)
	if err != nil {
		return fmt.Errorf("pgstore: call list draft of %s: %w", round, err)
	}
	_, err = tx.exec("call list draft of "+round, `INSERT INTO call_list_drafts (round, doc) VALUES ($1, $2)
		ON CONFLICT (round) DO UPDATE SET doc = EXCLUDED.doc`, round, doc)
	return err
}

// CallListDraft returns the draft call list of a round, or ErrNotFound.
func (tx *Tx) CallListDraft(round string) (*store.CallListDraft, error) {
	var d store.CallListDraft
	ok, err := tx.getDoc(&d, "SELECT doc FROM call_list_drafts WHERE round = $1", round)
	if err != nil {
		return nil, fmt.Errorf("pgstore: call list draft of %s: %w", round, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: call list draft of %s: %w", round, store.ErrNotFound)
	}
	return &d, nil
}

// PutCallListVersion stores a published version, the latest + 1.
func (tx *Tx) PutCallListVersion(round string, v *store.CallListVersion) error {
	if err := tx.needRound(round); err != nil {
		return err
	}
	latest, err := tx.LatestCallListVersion(round)
	if err != nil && !store.IsNotFound(err) {
		return err
	}
	want := 1
	if latest != nil {
		want = latest.Version + 1
	}
	if v.Version != want {
		return fmt.Errorf("pgstore: call list of %s: version %d after %d: %w", round, v.Version, want-1, store.ErrExists)
	}
	doc, err := encode(v)
	if err != nil {
		return fmt.Errorf("pgstore: call list version %d of %s: %w", v.Version, round, err)
	}
	env := v.Envelope
	if env == nil {
		env = []byte{}
	}
	_, err = tx.exec("call list version", "INSERT INTO call_list_versions (round, version, envelope, doc) VALUES ($1, $2, $3, $4)",
		round, v.Version, env, doc)
	return err
}

// CallListVersion returns a published version, or ErrNotFound.
func (tx *Tx) CallListVersion(round string, version int) (*store.CallListVersion, error) {
	var v store.CallListVersion
	ok, err := tx.getDoc(&v, "SELECT doc FROM call_list_versions WHERE round = $1 AND version = $2", round, version)
	if err != nil {
		return nil, fmt.Errorf("pgstore: call list version %d of %s: %w", version, round, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: call list version %d of %s: %w", version, round, store.ErrNotFound)
	}
	return &v, nil
}

// LatestCallListVersion returns the latest published version, or
// ErrNotFound.
func (tx *Tx) LatestCallListVersion(round string) (*store.CallListVersion, error) {
	vs, err := tx.CallListVersions(round, true)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("pgstore: call list of %s: %w", round, store.ErrNotFound)
	}
	return &vs[0], nil
}

// CallListVersions returns every published version, oldest first, or
// only the latest.
func (tx *Tx) CallListVersions(round string, latestOnly bool) ([]store.CallListVersion, error) {
	if err := tx.needRound(round); err != nil {
		return nil, err
	}
	q := "SELECT doc FROM call_list_versions WHERE round = $1 ORDER BY version"
	if latestOnly {
		q = "SELECT doc FROM call_list_versions WHERE round = $1 ORDER BY version DESC LIMIT 1"
	}
	out, err := queryDocs[store.CallListVersion](tx, q, round)
	if err != nil {
		return nil, fmt.Errorf("pgstore: call list versions of %s: %w", round, err)
	}
	return out, nil
}
