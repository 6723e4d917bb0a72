package store

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"appariement/shared/api"
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

// TestNoteWrite: a refused write marks the store not writable and counts
// it; the next successful write makes it writable again.
func TestNoteWrite(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.noteWrite(&fs.PathError{Op: "write", Path: "s.db", Err: syscall.ENOSPC})
	if !errors.Is(err, ErrStorageUnavailable) {
		t.Fatalf("noteWrite: %v", err)
	}
	if h := s.Health(); h.Writable || h.Reason != "no_space" || h.Failures["no_space"] != 1 || h.Since.IsZero() {
		t.Fatalf("health after a refused write: %+v", h)
	}
	if err := s.Update(func(tx *Tx) error { return tx.bucket(bMeta).Put([]byte("k"), []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if h := s.Health(); !h.Writable || h.Failures["no_space"] != 1 {
		t.Fatalf("health after a write: %+v", h)
	}
}

// TestClockBehindRefusesAppend: with the clock stepped back before the
// last leaf, an append is refused (503 clock_behind with a retry delay)
// and nothing is written.
func TestClockBehindRefusesAppend(t *testing.T) {
	now := time.Now().UTC()
	clock := func() time.Time { return now }
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Clock: func() time.Time { return clock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update(func(tx *Tx) error {
		ts, _ := now.MarshalText()
		if err := tx.bucket(bMeta).Put(kLastTime, ts); err != nil {
			return err
		}
		s.setLastLeafOnCommit(tx, now)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	clock = func() time.Time { return now.Add(-time.Minute) }
	err = s.View(func(tx *Tx) error { return tx.CheckClock(clock()) })
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeClockBehind || e.RetryAfter < 60 || e.RetryAfter > 300 {
		t.Fatalf("CheckClock a minute behind: %v", err)
	}
	if err := s.CheckClock(clock()); err == nil {
		t.Fatal("Store.CheckClock a minute behind: accepted")
	}
	if err := s.CheckClock(now.Add(-500 * time.Millisecond)); err != nil {
		t.Fatalf("Store.CheckClock within the slack: %v", err)
	}
	if h := s.Health(); h.ClockBehind < 59*time.Second {
		t.Fatalf("health a minute behind: %+v", h)
	}
}
