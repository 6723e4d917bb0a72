package store

import (
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole store file to w while the
// store stays open and serving: the copy is made inside one bbolt read
// transaction (tx.WriteTo), so it is the state of one instant, and
// submissions, which only need the write lock, go on during the copy.
// Everything acknowledged before Backup was called is in the copy.
func (s *Store) Backup(w io.Writer) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}
