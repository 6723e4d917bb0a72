// Package transparency is the server's read-only use cases about the
// public log: its signed checkpoint and size, inclusion and consistency
// proofs, and a person's own current submissions with their receipts.
// Refusals are api.Error values, French first then English.
package transparency

import (
	"fmt"

	"appariement/shared/api"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Log is the log use cases over a store.
type Log struct {
	st *store.Store
}

// New returns the log use cases over st.
func New(st *store.Store) *Log { return &Log{st: st} }

// Checkpoint returns the signed checkpoint of the log, as text.
func (l *Log) Checkpoint() (string, error) {
	text, _, err := l.st.Checkpoint()
	if err != nil {
		return "", fmt.Errorf("transparency: checkpoint: %w", err)
	}
	return text, nil
}

// TreeSize returns the number of entries in the log.
func (l *Log) TreeSize() (int64, error) {
	var size int64
	err := l.st.View(func(tx store.Tx) error { size = tx.TreeSize(); return nil })
	if err != nil {
		return 0, fmt.Errorf("transparency: tree size: %w", err)
	}
	return size, nil
}

// Inclusion returns the proof that leaf index is in the tree of the given
// size, or refuses with not_found.
func (l *Log) Inclusion(index, size int64) ([][]byte, error) {
	p, err := l.st.InclusionProof(index, size)
	if store.IsNotFound(err) {
		return nil, api.Errorf(api.CodeNotFound, "pas de feuille %d dans un arbre de taille %d",
			"no leaf %d in a tree of size %d", index, size)
	}
	if err != nil {
		return nil, fmt.Errorf("transparency: inclusion proof: %w", err)
	}
	return p, nil
}

// Consistency returns the proof that the tree of size older is a prefix
// of the tree of size newer, or refuses with not_found.
func (l *Log) Consistency(older, newer int64) ([][]byte, error) {
	p, err := l.st.ConsistencyProof(older, newer)
	if store.IsNotFound(err) {
		return nil, api.Errorf(api.CodeNotFound, "pas d'arbres de tailles %d et %d",
			"no trees of sizes %d and %d", older, newer)
	}
	if err != nil {
		return nil, fmt.Errorf("transparency: consistency proof: %w", err)
	}
	return p, nil
}

// Own returns the current submissions of person in round, each with its
// signed receipt, or refuses with unknown_round.
func (l *Log) Own(round, person string) ([]api.SubmissionStatus, error) {
	var subs []store.Current
	err := l.st.View(func(tx store.Tx) error {
		if _, err := rounds.Load(tx, round); err != nil {
			return err
		}
		var err error
		subs, err = tx.Submissions(round, person)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []api.SubmissionStatus{}
	for _, c := range subs {
		rc, err := l.st.Receipt(c.Index, c.ServerTime, c.Digest)
		if err != nil {
			return nil, fmt.Errorf("transparency: receipt of %s: %w", c.Digest, err)
		}
		out = append(out, api.SubmissionStatus{Digest: c.Digest, PayloadType: c.PayloadType, Round: c.Round,
			Poste: c.Poste, Seq: c.Seq, Receipt: (*api.Receipt)(rc)})
	}
	return out, nil
}
