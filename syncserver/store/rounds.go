package store

import (
	"fmt"
	"reflect"

	"appariement/shared/domain"
)

// PutPostes merges postes into a round's catalogue. A poste whose content
// changed (or is new) gets the round's next catalogue version; when
// closeMissing is set, open postes absent from the list are closed (kept
// with Closed set, so that deltas carry the withdrawal). The version is
// bumped once for the whole call, and only if something changed.
func PutPostes(tx Tx, round string, postes []domain.Poste, closeMissing bool) (PosteChanges, error) {
	var ch PosteChanges
	r, err := tx.Round(round)
	if err != nil {
		return ch, err
	}
	existing, err := tx.Postes(round, 0)
	if err != nil {
		return ch, fmt.Errorf("store: put postes of %s: %w", round, err)
	}
	old := make(map[string]domain.Poste, len(existing))
	for _, p := range existing {
		old[p.ID] = p
	}
	next := r.CatalogueVersion + 1
	seen := make(map[string]bool, len(postes))
	write := func(p domain.Poste) error {
		p.Version = next
		return tx.PutPoste(round, p)
	}
	for _, p := range postes {
		seen[p.ID] = true
		prev, ok := old[p.ID]
		p.Version = prev.Version
		switch {
		case !ok:
			ch.Created++
		case reflect.DeepEqual(prev, p):
			ch.Unchanged++
			continue
		default:
			ch.Updated++
		}
		if err := write(p); err != nil {
			return ch, fmt.Errorf("store: put poste %s of %s: %w", p.ID, round, err)
		}
		p.Version = next
		old[p.ID] = p
	}
	if closeMissing {
		for _, p := range existing {
			if seen[p.ID] || p.Closed {
				continue
			}
			p.Closed = true
			ch.Closed++
			if err := write(p); err != nil {
				return ch, fmt.Errorf("store: close poste %s of %s: %w", p.ID, round, err)
			}
		}
	}
	ch.Version = r.CatalogueVersion
	if ch.Created+ch.Updated+ch.Closed > 0 {
		r.CatalogueVersion = next
		ch.Version = next
		if err := tx.PutRound(r); err != nil {
			return ch, err
		}
	}
	return ch, nil
}
