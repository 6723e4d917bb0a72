package calllist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"appariement/shared/domain"
)

// Size limits enforced by Validate, Decode and Compute.
const (
	// MaxIDBytes is the maximum length of a list or intern id, in bytes.
	MaxIDBytes = 64
	// MaxSeedBytes is the maximum length of the tie seed, in bytes.
	MaxSeedBytes = 256
	// MaxNoteBytes is the maximum length of an entry's note, in bytes.
	MaxNoteBytes = 500
	// MaxReasonBytes is the maximum length of a version's reason, in bytes.
	MaxReasonBytes = 2000
	// MaxEntries is the maximum number of entries of a list (every intern of a national
	// semester fits).
	MaxEntries = 100_000
	// MaxEncodedBytes is the maximum size of an encoded list accepted by Decode.
	MaxEncodedBytes = 32 << 20
)

// Encode returns the canonical encoding of a list: compact JSON with the fields in the
// order of the List and Entry types, empty optional fields left out, no HTML escaping, and
// a trailing newline. The same list always gives the same bytes, and Decode accepts only
// such bytes, so a signature over them binds exactly one list. Encode does not validate
// the list; Decode refuses the encoding of a list that fails Validate.
func Encode(l *List) []byte {
	c := *l
	if c.Entries == nil {
		c.Entries = []Entry{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		// Strings, ints and bools always encode.
		panic(fmt.Sprintf("calllist: encode: %v", err))
	}
	return buf.Bytes()
}

// Decode decodes a list and accepts it only if it is valid (see Validate) and the bytes are
// exactly its canonical encoding (see Encode): unknown, duplicated, reordered or
// differently cased fields, extra spaces, explicit default values, escapes other than
// Encode's and trailing data are all refused.
func Decode(data []byte) (*List, error) {
	if len(data) > MaxEncodedBytes {
		return nil, fmt.Errorf("calllist: decode: %d bytes, more than %d", len(data), MaxEncodedBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var l List
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("calllist: decode: %w", err)
	}
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("calllist: decode: %w", err)
	}
	if canon := Encode(&l); !bytes.Equal(canon, data) {
		at := 0
		for at < len(canon) && at < len(data) && canon[at] == data[at] {
			at++
		}
		return nil, fmt.Errorf("calllist: decode: not in canonical form from byte %d", at)
	}
	return &l, nil
}

// Validate checks what a list must satisfy on its own, whatever the interns who must
// choose: a non-empty id, a version of 1 or more, known subdivision and specialty codes
// when set, ids, seed and texts within the size limits, valid UTF-8 without control
// characters, at most MaxEntries entries, and ranks of 1 or more. The order of the ranks,
// duplicates and the interns present are checked by Check.
func (l *List) Validate() error {
	var errs errList
	if err := checkID(l.ID); err != nil {
		errs.add("list id: %v", err)
	}
	if l.Version < 1 {
		errs.add("version %d, must be 1 or more", l.Version)
	}
	if l.Subdivision != "" && domain.LookupSubdivision(l.Subdivision) == nil {
		errs.add("unknown subdivision %q", l.Subdivision)
	}
	if l.Specialty != "" && domain.LookupDES(l.Specialty) == nil {
		errs.add("unknown specialty %q", l.Specialty)
	}
	if err := checkText(l.Seed, MaxSeedBytes); err != nil {
		errs.add("seed: %v", err)
	}
	if err := checkText(l.Reason, MaxReasonBytes); err != nil {
		errs.add("reason: %v", err)
	}
	if len(l.Entries) > MaxEntries {
		errs.add("%d entries, more than %d", len(l.Entries), MaxEntries)
		return errs.err()
	}
	for k, e := range l.Entries {
		if err := checkID(e.Intern); err != nil {
			errs.add("entry #%d: intern: %v", k+1, err)
		}
		if e.Rank < 1 {
			errs.add("entry #%d: intern %q: rank %d, must be 1 or more", k+1, e.Intern, e.Rank)
		}
		if err := checkText(e.Note, MaxNoteBytes); err != nil {
			errs.add("entry #%d: intern %q: note: %v", k+1, e.Intern, err)
		}
	}
	return errs.err()
}

// checkID checks a non-empty id of at most MaxIDBytes bytes.
func checkID(id string) error {
	if id == "" {
		return errors.New("empty id")
	}
	return checkText(id, MaxIDBytes)
}

// checkText checks a text of at most max bytes of valid UTF-8 without control characters.
func checkText(s string, max int) error {
	switch {
	case len(s) > max:
		return fmt.Errorf("%d bytes, more than %d", len(s), max)
	case !utf8.ValidString(s):
		return errors.New("invalid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("control character %U", r)
		}
	}
	return nil
}
