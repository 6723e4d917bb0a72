package store

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/domain"
)

// RecordKind names what a Record holds (Tx.Export, Tx.Import).
type RecordKind string

// The kinds of records of a bulk export (Tx.Import needs a round's record
// before the records of that round).
const (
	RecMeta            RecordKind = "meta"              // Name, Data: a metadata value (Meta*)
	RecCounter         RecordKind = "counter"           // Name, Seq: the last value a sequence gave (Counter*)
	RecPerson          RecordKind = "person"            // Person
	RecKey             RecordKind = "key"               // Key: a person's current key
	RecKeyHistory      RecordKind = "key-history"       // Seq, Key: a key ever registered, revoked or not
	RecCode            RecordKind = "code"              // Name (person id, or StandInCode), Code
	RecRound           RecordKind = "round"             // Round
	RecPoste           RecordKind = "poste"             // Name (round), Poste (with its Version)
	RecEligible        RecordKind = "eligible"          // Name (round), List (interns)
	RecManual          RecordKind = "manual"            // Name (round), Assignment
	RecInput           RecordKind = "input"             // Name (round), Data: the frozen input
	RecPreview         RecordKind = "preview"           // Name (round), Result
	RecResult          RecordKind = "result"            // Name (round), Result, Data: its signed envelope
	RecCallListDraft   RecordKind = "call-list-draft"   // Name (round), Draft
	RecCallListVersion RecordKind = "call-list-version" // Name (round), Version
	RecTreeSize        RecordKind = "tree-size"         // Seq: the number of leaves
	RecLeaf            RecordKind = "leaf"              // Seq (index), Data
	RecHash            RecordKind = "hash"              // Seq (stored-hash index), Data (32 bytes)
	RecAccepted        RecordKind = "accepted"          // Name (digest), Accepted
	RecCurrent         RecordKind = "current"           // Current
	RecCorrection      RecordKind = "correction"        // Seq, Correction (its ID)
	RecAudit           RecordKind = "audit"             // Audit (its Seq)
	RecMail            RecordKind = "mail"              // Seq, Mail (its ID, status, tries, Once)
	RecPreferences     RecordKind = "preferences"       // Name (person), Preferences
	RecBlob            RecordKind = "blob"              // Name (hex SHA-256), Data: a file's bytes
	RecFile            RecordKind = "file"              // File: an owner's upload of a blob
	RecNonce           RecordKind = "nonce"             // Name (nonce), Time (its expiry)
	RecWitness         RecordKind = "witness"           // Witness
)

// RecordKinds lists every kind.
var RecordKinds = []RecordKind{RecMeta, RecCounter, RecPerson, RecKey, RecKeyHistory, RecCode,
	RecRound, RecPoste, RecEligible, RecManual, RecInput, RecPreview, RecResult,
	RecCallListDraft, RecCallListVersion, RecTreeSize, RecLeaf, RecHash, RecAccepted,
	RecCurrent, RecCorrection, RecAudit, RecMail, RecPreferences, RecBlob, RecFile,
	RecNonce, RecWitness}

// Counter names (RecCounter): the sequences that give ids and sequence
// numbers. Their value is the last one given (0: none), so that the
// target of an import goes on with the next one, even after gaps.
const (
	CounterKeyHistory  = "key_history"
	CounterAudit       = "audit"
	CounterMail        = "mails"
	CounterCorrections = "corrections"
)

// Counters lists the counter names.
var Counters = []string{CounterKeyHistory, CounterAudit, CounterMail, CounterCorrections}

// Record is one item of what a backend holds, as Tx.Export gives it and
// Tx.Import writes it back: Kind says which fields are set (see the
// RecordKind constants); the others are zero. Its JSON form is stable.
type Record struct {
	Kind RecordKind `json:"kind"`
	// Name is the record's key: a metadata or counter name, a round id, a
	// digest, a person id, a nonce…
	Name string `json:"name,omitempty"`
	// Seq is a number: a sequence number, a log or stored-hash index, a
	// counter's value, the tree size.
	Seq  int64     `json:"seq,omitempty"`
	Data []byte    `json:"data,omitempty"`
	Time time.Time `json:"time,omitzero"`
	List []string  `json:"list,omitempty"`

	Person      *domain.Person     `json:"person,omitempty"`
	Key         *KeyRecord         `json:"key,omitempty"`
	Code        *CodeRecord        `json:"code,omitempty"`
	Round       *RoundRecord       `json:"round,omitempty"`
	Poste       *domain.Poste      `json:"poste,omitempty"`
	Assignment  *domain.Assignment `json:"assignment,omitempty"`
	Result      *domain.Result     `json:"result,omitempty"`
	Draft       *CallListDraft     `json:"draft,omitempty"`
	Version     *CallListVersion   `json:"version,omitempty"`
	Accepted    *Accepted          `json:"accepted,omitempty"`
	Current     *Current           `json:"current,omitempty"`
	Correction  *Correction        `json:"correction,omitempty"`
	Audit       *AuditEntry        `json:"audit,omitempty"`
	Mail        *Mail              `json:"mail,omitempty"`
	Preferences *Preferences       `json:"preferences,omitempty"`
	File        *FileInfo          `json:"file,omitempty"`
	Witness     *WitnessRecord     `json:"witness,omitempty"`
}

// ErrNotEmpty is returned by Tx.Import when the backend already held data
// when the transaction's first Import began.
var ErrNotEmpty = errors.New("store: the target already holds data / la cible contient déjà des données")

// ErrBadRecord is returned (wrapped) by Tx.Import for a record it cannot
// write: an unknown kind, or the fields of its kind missing.
var ErrBadRecord = errors.New("store: bad record")

// Exporter is the bulk export and import of a backend's whole content,
// part of every Tx (used by the migration from one backend to another).
type Exporter interface {
	// Export calls fn with every record the backend holds, and stops at
	// fn's first error, which it returns. The order: metadata, counters,
	// people, current keys, key history, codes, each round followed by
	// its postes, eligible interns, manual assignments, input, preview,
	// result, call-list draft and versions, then the log (tree size,
	// leaves, stored hashes), accepted digests, current submissions,
	// corrections, audit entries, mails, preferences, blobs, files,
	// nonces, witnesses; within a kind, in key order. A record passed to fn is the
	// caller's (copies). The records given to Import, in this order, on
	// an empty backend give the same Export.
	Export(fn func(Record) error) error
	// Import writes records as they are: ids, sequence numbers, counters,
	// times, statuses and tries are kept, never derived again (what a
	// backend keeps as an index of a record, such as a mail's due flag
	// or an owner's file sizes, is derived from the record). A round's
	// record comes before its postes and other records. Import works in
	// an Update only and refuses (ErrNotEmpty, nothing written) if the
	// backend held any record when the transaction's first Import
	// started; later Imports of the same transaction add to it, so that
	// one transaction can import in batches. After an Import, reads in
	// the same transaction see the records. A record Import cannot write
	// fails with ErrBadRecord (wrapped).
	Import(records []Record) error
}

// IsEmpty reports whether tx's backend holds no record at all (Export
// finds nothing).
func IsEmpty(tx Tx) (bool, error) {
	empty := true
	err := tx.Export(func(Record) error {
		empty = false
		return errStopExport
	})
	if errors.Is(err, errStopExport) {
		err = nil
	}
	return empty, err
}

var errStopExport = errors.New("stop")

// ExportRounds gives the records of every round, each followed by its
// postes, eligible interns, manual assignments, frozen input, preview,
// result and call lists, read through the contract's methods: the part of
// Export that every backend may share.
func ExportRounds(tx Tx, fn func(Record) error) error {
	rounds, err := tx.Rounds()
	if err != nil {
		return err
	}
	for i := range rounds {
		r := &rounds[i]
		if err := fn(Record{Kind: RecRound, Round: r}); err != nil {
			return err
		}
		postes, err := tx.Postes(r.ID, 0)
		if err != nil {
			return err
		}
		for j := range postes {
			if err := fn(Record{Kind: RecPoste, Name: r.ID, Poste: &postes[j]}); err != nil {
				return err
			}
		}
		el, err := tx.Eligible(r.ID)
		if err != nil {
			return err
		}
		if len(el) > 0 {
			if err := fn(Record{Kind: RecEligible, Name: r.ID, List: el}); err != nil {
				return err
			}
		}
		man, err := tx.Manual(r.ID)
		if err != nil {
			return err
		}
		for j := range man {
			if err := fn(Record{Kind: RecManual, Name: r.ID, Assignment: &man[j]}); err != nil {
				return err
			}
		}
		if in, err := tx.Input(r.ID); err == nil {
			if err := fn(Record{Kind: RecInput, Name: r.ID, Data: in}); err != nil {
				return err
			}
		} else if !IsNotFound(err) {
			return err
		}
		if pv, err := tx.Preview(r.ID); err == nil {
			if err := fn(Record{Kind: RecPreview, Name: r.ID, Result: pv}); err != nil {
				return err
			}
		} else if !IsNotFound(err) {
			return err
		}
		if res, signed, err := tx.Result(r.ID); err == nil {
			if err := fn(Record{Kind: RecResult, Name: r.ID, Result: res, Data: signed}); err != nil {
				return err
			}
		} else if !IsNotFound(err) {
			return err
		}
		if d, err := tx.CallListDraft(r.ID); err == nil {
			if err := fn(Record{Kind: RecCallListDraft, Name: r.ID, Draft: d}); err != nil {
				return err
			}
		} else if !IsNotFound(err) {
			return err
		}
		vs, err := tx.CallListVersions(r.ID, false)
		if err != nil {
			return err
		}
		for j := range vs {
			if err := fn(Record{Kind: RecCallListVersion, Name: r.ID, Version: &vs[j]}); err != nil {
				return err
			}
		}
	}
	return nil
}

// exportChunk bounds the leaves and hashes read at once by ExportLog.
const exportChunk = 1024

// ExportLog gives the log's records: its tree size (if not 0), every leaf
// and every stored hash, read through the contract's methods.
func ExportLog(tx Tx, fn func(Record) error) error {
	size := tx.TreeSize()
	if size == 0 {
		return nil
	}
	if err := fn(Record{Kind: RecTreeSize, Seq: size}); err != nil {
		return err
	}
	var n int64
	err := tx.ForEachLeaf(0, size, func(i int64, data []byte) error {
		n++
		return fn(Record{Kind: RecLeaf, Seq: i, Data: bytes.Clone(data)})
	})
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("store: export: %d leaves in a log of %d", n, size)
	}
	total := tlog.StoredHashCount(size)
	for start := int64(0); start < total; start += exportChunk {
		idx := make([]int64, 0, exportChunk)
		for i := start; i < total && i < start+exportChunk; i++ {
			idx = append(idx, i)
		}
		hs, err := tx.ReadHashes(idx)
		if err != nil {
			return fmt.Errorf("store: export: stored hashes from %d: %w", start, err)
		}
		for j, h := range hs {
			if err := fn(Record{Kind: RecHash, Seq: idx[j], Data: bytes.Clone(h[:])}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ImportCommon writes the records that the contract's own write methods
// store as given (metadata, people, codes, rounds and their records,
// accepted digests, current submissions, preferences, witnesses) and
// reports whether r was one of them. Backends call it from Import for
// these kinds and write the others (sequences, the log, mails, files,
// nonces) themselves.
func ImportCommon(tx Tx, r Record) (bool, error) {
	bad := func() (bool, error) {
		return true, fmt.Errorf("%w: %s %q without its fields", ErrBadRecord, r.Kind, r.Name)
	}
	var err error
	switch r.Kind {
	case RecMeta:
		err = tx.PutMeta(r.Name, r.Data)
	case RecPerson:
		if r.Person == nil {
			return bad()
		}
		err = tx.PutPerson(*r.Person)
	case RecCode:
		if r.Code == nil {
			return bad()
		}
		err = tx.PutCode(r.Name, *r.Code)
	case RecRound:
		if r.Round == nil {
			return bad()
		}
		if err = tx.CreateRound(r.Round); err == nil {
			err = tx.PutRound(r.Round)
		}
	case RecPoste:
		if r.Poste == nil {
			return bad()
		}
		err = tx.PutPoste(r.Name, *r.Poste)
	case RecEligible:
		err = tx.SetEligible(r.Name, r.List)
	case RecManual:
		if r.Assignment == nil {
			return bad()
		}
		err = tx.PutManual(r.Name, *r.Assignment)
	case RecInput:
		err = tx.PutInput(r.Name, r.Data)
	case RecPreview:
		if r.Result == nil {
			return bad()
		}
		err = tx.PutPreview(r.Name, r.Result)
	case RecResult:
		if r.Result == nil {
			return bad()
		}
		err = tx.PutResult(r.Name, r.Result, r.Data)
	case RecCallListDraft:
		if r.Draft == nil {
			return bad()
		}
		err = tx.PutCallListDraft(r.Name, r.Draft)
	case RecCallListVersion:
		if r.Version == nil {
			return bad()
		}
		err = tx.PutCallListVersion(r.Name, r.Version)
	case RecAccepted:
		if r.Accepted == nil {
			return bad()
		}
		err = tx.PutAccepted(r.Name, *r.Accepted)
	case RecCurrent:
		if r.Current == nil {
			return bad()
		}
		err = tx.PutCurrent(*r.Current)
	case RecPreferences:
		if r.Preferences == nil {
			return bad()
		}
		err = tx.PutPreferences(r.Name, *r.Preferences)
	case RecWitness:
		if r.Witness == nil {
			return bad()
		}
		err = tx.PutWitness(*r.Witness)
	default:
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("store: import %s %q: %w", r.Kind, r.Name, err)
	}
	return true, nil
}

// Seq parses the number of an id made of a prefix and a decimal sequence
// number (a correction's CR000001, a mail's M00000001): 0 if it is not.
func Seq(id, prefix string) int64 {
	n, err := strconv.ParseInt(strings.TrimPrefix(id, prefix), 10, 64)
	if err != nil || !strings.HasPrefix(id, prefix) || n <= 0 {
		return 0
	}
	return n
}
