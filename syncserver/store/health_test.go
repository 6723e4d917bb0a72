package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"syscall"
	"testing"
	"time"
)

// TestStorageReason: the errno, wrapped with %w or (as bbolt does for a
// file resize or an mmap) with %s, is recognised; other errors are not.
func TestStorageReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "write", Path: "x.db", Err: syscall.ENOSPC}, "no_space"},
		{fmt.Errorf("commit: %w", &fs.PathError{Op: "write", Path: "x.db", Err: syscall.EDQUOT}), "quota"},
		{fmt.Errorf("file resize error: %s", &fs.PathError{Op: "truncate", Path: "x.db", Err: syscall.EROFS}), "read_only"},
		{fmt.Errorf("mmap allocate error: %s", syscall.ENOSPC), "no_space"},
		{&StorageError{Reason: "database_unavailable", Err: errors.New("dial tcp: connection refused")}, "database_unavailable"},
		{fmt.Errorf("store: commit: %w", &StorageError{Reason: "database_unavailable", Err: errors.New("EOF")}), "database_unavailable"},
		{syscall.EIO, ""},
		{errors.New("decode: bad json"), ""},
		{nil, ""},
	} {
		if got := StorageReason(tc.err); got != tc.want {
			t.Errorf("StorageReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	wrapped := &StorageError{Reason: "no_space", Err: syscall.ENOSPC}
	if !errors.Is(fmt.Errorf("store: commit: %w", wrapped), ErrStorageUnavailable) || !errors.Is(wrapped, syscall.ENOSPC) {
		t.Fatal("StorageError does not unwrap to ErrStorageUnavailable and the errno")
	}
}

// noDisk is a Backend whose commits all succeed and hold nothing: the
// write health's bookkeeping is the Store's, whatever the backend.
type noDisk struct{}

func (noDisk) View(fn func(Tx) error) error   { return fn(nil) }
func (noDisk) Update(fn func(Tx) error) error { return fn(nil) }
func (noDisk) FreeBytes() int64               { return -1 }
func (noDisk) String() string                 { return "no disk" }
func (noDisk) Close() error                   { return nil }

// TestNoteWrite: a refused write marks the store not writable and counts
// it; the next successful write makes it writable again.
func TestNoteWrite(t *testing.T) {
	s := &Store{b: noDisk{}, opts: Options{Logger: slog.New(slog.DiscardHandler)}, stop: make(chan struct{})}
	s.opts.Clock = time.Now
	defer close(s.stop)
	err := s.noteWrite(&fs.PathError{Op: "write", Path: "s.db", Err: syscall.ENOSPC})
	if !errors.Is(err, ErrStorageUnavailable) {
		t.Fatalf("noteWrite: %v", err)
	}
	if h := s.Health(); h.Writable || h.Reason != "no_space" || h.Failures["no_space"] != 1 || h.Since.IsZero() {
		t.Fatalf("health after a refused write: %+v", h)
	}
	if err := s.Update(func(tx Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if h := s.Health(); !h.Writable || h.Failures["no_space"] != 1 {
		t.Fatalf("health after a write: %+v", h)
	}
}

// TestNoteWriteDatabaseOutage: a backend's own *StorageError (a database
// that cannot be reached) marks the store not writable with its reason,
// as a full disk does, so that /readyz says not ready.
func TestNoteWriteDatabaseOutage(t *testing.T) {
	s := &Store{b: noDisk{}, opts: Options{Logger: slog.New(slog.DiscardHandler)}, stop: make(chan struct{})}
	s.opts.Clock = time.Now
	defer close(s.stop)
	outage := fmt.Errorf("pg: begin: %w", &StorageError{Reason: "database_unavailable", Err: errors.New("dial tcp 127.0.0.1:5432: connection refused")})
	err := s.noteWrite(outage)
	if !errors.Is(err, ErrStorageUnavailable) {
		t.Fatalf("noteWrite: %v", err)
	}
	if h := s.Health(); h.Writable || h.Reason != "database_unavailable" || h.Failures["database_unavailable"] != 1 {
		t.Fatalf("health during a database outage: %+v", h)
	}
	if err := s.Update(func(tx Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if h := s.Health(); !h.Writable {
		t.Fatalf("health after the database is back: %+v", h)
	}
}
