package store

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by the store and its backends. Callers test them with
// errors.Is; the server maps them to API refusals in one place.
var (
	ErrNotFound        = errors.New("not found")
	ErrExists          = errors.New("already exists")
	ErrBadCode         = errors.New("wrong or expired activation code")
	ErrDelayed         = errors.New("too many recent activation tries: wait before the next")
	ErrAlreadyEnrolled = errors.New("already enrolled")
	ErrNonceUsed       = errors.New("nonce already used")
	ErrClosed          = errors.New("store is closed")
	// ErrReplay refuses a submission whose sequence number is lower than
	// the author's last accepted one (see SeqError).
	ErrReplay = errors.New("sequence number lower than the last accepted one")
	// ErrConflict refuses a submission whose sequence number is already
	// used by other bytes (see SeqError), or a log append at an index
	// that is not the tree size.
	ErrConflict = errors.New("conflict")
	// ErrQuota refuses a file beyond the owner's quota (see QuotaError).
	ErrQuota = errors.New("file quota exceeded")
	// ErrClockBehind refuses a change while the clock reads before the
	// last log leaf's time (see ClockError).
	ErrClockBehind = errors.New("clock behind the last log entry")
	// ErrMailOnce is returned (wrapped) by EnqueueMail for a notification
	// already enqueued under the same key.
	ErrMailOnce = errors.New("notification already enqueued")
)

// IsNotFound reports whether err is ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// SeqError is the refusal of a submission by its sequence number: Err is
// ErrReplay (Seq < Last) or ErrConflict (Seq == Last, other bytes).
type SeqError struct {
	Err    error
	Author string
	Round  string
	Seq    uint64 // the submission's
	Last   uint64 // the last accepted one's
}

func (e *SeqError) Error() string {
	return fmt.Sprintf("store: %s: sequence %d, last accepted %d, for %s in round %s", e.Err, e.Seq, e.Last, e.Author, e.Round)
}

// Unwrap returns ErrReplay or ErrConflict.
func (e *SeqError) Unwrap() error { return e.Err }

// QuotaError refuses a new file beyond an owner's quota (ErrQuota).
type QuotaError struct {
	Owner    string
	Files    int   // files already uploaded
	Bytes    int64 // their total size
	MaxFiles int
	MaxBytes int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("store: %s: %s has %d files (%d bytes), at most %d files and %d bytes",
		ErrQuota, e.Owner, e.Files, e.Bytes, e.MaxFiles, e.MaxBytes)
}

// Unwrap returns ErrQuota.
func (e *QuotaError) Unwrap() error { return ErrQuota }

// ClockError refuses a change while the clock (Now) reads before the last
// log leaf's time (Last): ErrClockBehind.
type ClockError struct {
	Now, Last time.Time
}

func (e *ClockError) Error() string {
	return fmt.Sprintf("store: %s: now %s, last leaf %s", ErrClockBehind,
		e.Now.UTC().Format(time.RFC3339Nano), e.Last.UTC().Format(time.RFC3339Nano))
}

// Unwrap returns ErrClockBehind.
func (e *ClockError) Unwrap() error { return ErrClockBehind }
