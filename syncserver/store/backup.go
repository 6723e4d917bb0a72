package store

import (
	"errors"
	"fmt"
	"io"
)

// Backuper is a Backend that can copy itself while open and serving.
type Backuper interface {
	// Backup writes a consistent copy of the whole store to w: the state
	// of one instant, holding everything committed before Backup was
	// called, while writes go on.
	Backup(w io.Writer) error
}

// ErrNoBackup is returned by Store.Backup when the backend cannot copy
// itself (its engine has its own backup tools).
var ErrNoBackup = errors.New("store: this backend has no online copy")

// Backup writes a consistent copy of the store to w while the store stays
// open and serving (see Backuper).
func (s *Store) Backup(w io.Writer) error {
	b, ok := s.b.(Backuper)
	if !ok {
		return ErrNoBackup
	}
	if err := b.Backup(w); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}
