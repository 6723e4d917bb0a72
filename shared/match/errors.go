package match

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"unicode/utf8"
)

// InputError is one problem found in an instance. DecodeInstance returns all the problems
// it finds (up to MaxErrors) joined with errors.Join; each one is an *InputError.
type InputError struct {
	// Line is the 1-based line of the input where the problem appears; 0 when the
	// instance was not decoded from bytes (Compile on an Instance built in code).
	Line int
	// Column is the 1-based column (in characters) of a JSON syntax error; 0 otherwise.
	Column int
	// Msg describes the problem and names the ids involved.
	Msg string
}

// Error formats the problem as "instance line 12: intern "I4": wish "P9": unknown poste".
func (e *InputError) Error() string {
	switch {
	case e.Line <= 0:
		return "instance: " + e.Msg
	case e.Column > 0:
		return fmt.Sprintf("instance line %d column %d: %s", e.Line, e.Column, e.Msg)
	default:
		return fmt.Sprintf("instance line %d: %s", e.Line, e.Msg)
	}
}

// errList collects input errors, up to MaxErrors, and turns byte offsets into lines.
type errList struct {
	data     []byte  // the input, nil when there is none
	newlines []int   // offsets of '\n' in data, built on the first error
	errs     []error // *InputError, plus a final note when the cap is reached
	full     bool
}

// add records a problem at byte offset off of the input (off < 0: position unknown).
func (l *errList) add(off int, format string, args ...any) {
	l.addCol(off, false, fmt.Sprintf(format, args...))
}

func (l *errList) addCol(off int, withColumn bool, msg string) {
	if l.full {
		return
	}
	if len(l.errs) == MaxErrors {
		l.full = true
		return
	}
	e := &InputError{Msg: msg}
	if off >= 0 && l.data != nil {
		e.Line, e.Column = l.position(off)
		if !withColumn {
			e.Column = 0
		}
	}
	l.errs = append(l.errs, e)
}

// position returns the 1-based line and character column of byte offset off.
func (l *errList) position(off int) (line, col int) {
	if l.newlines == nil {
		l.newlines = []int{}
		for i, b := range l.data {
			if b == '\n' {
				l.newlines = append(l.newlines, i)
			}
		}
	}
	off = min(off, len(l.data))
	n := sort.SearchInts(l.newlines, off) // newlines strictly before off
	lineStart := 0
	if n > 0 {
		lineStart = l.newlines[n-1] + 1
	}
	return n + 1, utf8.RuneCount(l.data[lineStart:off]) + 1
}

func (l *errList) empty() bool { return len(l.errs) == 0 }

// err returns the collected problems sorted by line, joined, or nil when there is none.
func (l *errList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	errs := slices.Clone(l.errs)
	slices.SortStableFunc(errs, func(a, b error) int {
		return a.(*InputError).Line - b.(*InputError).Line
	})
	if l.full {
		errs = append(errs, fmt.Errorf("too many errors: stopped after %d", MaxErrors))
	}
	return errors.Join(errs...)
}

// quoteID quotes an id for an error message, shortening ids over the size limit.
func quoteID(id string) string {
	if len(id) > MaxIDBytes {
		cut := MaxIDBytes
		for cut > 0 && !utf8.RuneStart(id[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", id[:cut])
	}
	return fmt.Sprintf("%q", id)
}
