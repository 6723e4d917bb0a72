// Package catalogue keeps the postes of each round by catalogue version,
// so that validating a wish list reads one map instead of decoding one
// stored poste per wish (the largest share of a submission's time once
// profiled).
package catalogue

import (
	"fmt"
	"sync"

	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Cache holds the postes of each round at the catalogue version last
// read. The version is read in the same transaction as the round, so a
// cached set is always the one that transaction would read: every change
// of a round's postes bumps its catalogue version.
type Cache struct {
	mu     sync.Mutex
	rounds map[string]*roundPostes
}

type roundPostes struct {
	version uint64
	byID    map[string]*domain.Poste
}

// New returns an empty cache.
func New() *Cache { return &Cache{rounds: map[string]*roundPostes{}} }

// Postes returns the postes of rec's round at its catalogue version by
// id, read with tx when not cached. The map and its postes must not be
// modified.
func (c *Cache) Postes(tx store.Tx, rec *store.RoundRecord) (map[string]*domain.Poste, error) {
	// One load at a time: at a deadline hundreds of submissions arrive
	// together, and all but the first must wait for its load, not repeat it.
	c.mu.Lock()
	defer c.mu.Unlock()
	if rp, ok := c.rounds[rec.ID]; ok && rp.version == rec.CatalogueVersion {
		return rp.byID, nil
	}
	list, err := tx.Postes(rec.ID, 0)
	if err != nil {
		return nil, err
	}
	rp := &roundPostes{version: rec.CatalogueVersion, byID: make(map[string]*domain.Poste, len(list))}
	for i := range list {
		rp.byID[list[i].ID] = &list[i]
	}
	if cur, ok := c.rounds[rec.ID]; !ok || cur.version <= rp.version {
		c.rounds[rec.ID] = rp
	}
	return rp.byID, nil
}

// Warm loads the postes of every round that still takes or will take
// submissions (not yet matched), in one read transaction: a server
// (re)started during a rush then answers its first submissions without
// making them all wait for one load of the whole catalogue.
func (c *Cache) Warm(st *store.Store) error {
	err := st.View(func(tx store.Tx) error {
		recs, err := tx.Rounds()
		if err != nil {
			return err
		}
		for i := range recs {
			if recs[i].State.Index() >= domain.StateMatched.Index() {
				continue
			}
			if _, err := c.Postes(tx, &recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("catalogue: warm the cache: %w", err)
	}
	return nil
}

// Since returns the postes of round changed after catalogue version
// since, in a read transaction of its own. With contacts false the RTS
// e-mail addresses are blanked: the catalogue open to anyone must not be
// a directory of them.
func Since(st *store.Store, round string, since uint64, contacts bool) ([]domain.Poste, error) {
	out := []domain.Poste{}
	err := st.View(func(tx store.Tx) error {
		ps, err := tx.Postes(round, since)
		out = append(out, ps...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("catalogue: postes of %s since %d: %w", round, since, err)
	}
	if !contacts {
		for i := range out {
			out[i].RTSEmail = ""
		}
	}
	return out, nil
}
