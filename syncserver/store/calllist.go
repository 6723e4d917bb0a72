package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/envelope"
)

// Call lists of a choix au rang live in the round's bucket, under
// "calllist": the draft being prepared, and every published version by
// number (never overwritten).
var (
	bCallList  = []byte("calllist")
	kDraft     = []byte("draft")
	pVersion   = []byte("v") // "v" + big-endian version → CallListVersion
	versionLen = len(pVersion) + 8
)

// CallListDraft is a call list being prepared by an admin, not published.
type CallListDraft struct {
	List      *calllist.List      `json:"list"`
	Source    string              `json:"source"` // "import" or "compute"
	Absences  []string            `json:"absences"`
	Ties      *calllist.TieReport `json:"ties,omitempty"`
	UpdatedAt time.Time           `json:"updated_at"`
	UpdatedBy string              `json:"updated_by"`
}

// CallListVersion is one published version of a call list: the signed
// envelope (payload type api.CallListType, payload calllist.Encode of the
// list) and who published it, when and why.
type CallListVersion struct {
	Version     int       `json:"version"`
	Digest      string    `json:"digest"` // hex SHA-256 of the payload
	PublishedAt time.Time `json:"published_at"`
	PublishedBy string    `json:"published_by"`
	Reason      string    `json:"reason,omitempty"`
	Entries     int       `json:"entries"`
	Envelope    []byte    `json:"envelope"` // encoded signed envelope
}

// List decodes and returns the version's list (its signature is the
// server's own and not re-checked here).
func (v *CallListVersion) List() (*calllist.List, error) {
	env, err := DecodeOwnEnvelope(v.Envelope)
	if err != nil {
		return nil, fmt.Errorf("store: call list version %d: %w", v.Version, err)
	}
	if env.PayloadType != api.CallListType {
		return nil, fmt.Errorf("store: call list version %d: payload type %q", v.Version, env.PayloadType)
	}
	l, err := calllist.Decode(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("store: call list version %d: %w", v.Version, err)
	}
	return l, nil
}

// DecodeOwnEnvelope decodes an envelope the server signed and stored
// itself, without envelope.MaxSize: a national call list or result may be
// larger than the submissions that limit is meant for.
func DecodeOwnEnvelope(data []byte) (*envelope.Envelope, error) {
	var env envelope.Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("store: decode signed envelope: %w", err)
	}
	return &env, nil
}

func (tx *Tx) callListBucket(round string, create bool) (*bolt.Bucket, error) {
	rb, err := tx.roundBucket(round, nil)
	if err != nil {
		return nil, err
	}
	if b := rb.Bucket(bCallList); b != nil || !create {
		return b, nil
	}
	b, err := rb.CreateBucket(bCallList)
	if err != nil {
		return nil, fmt.Errorf("store: call list of %s: %w", round, err)
	}
	return b, nil
}

// PutCallListDraft stores (or replaces) the draft call list of a round.
func (tx *Tx) PutCallListDraft(round string, d *CallListDraft) error {
	b, err := tx.callListBucket(round, true)
	if err != nil {
		return err
	}
	if err := putJSON(b, kDraft, d); err != nil {
		return fmt.Errorf("store: call list draft of %s: %w", round, err)
	}
	return nil
}

// CallListDraft returns the draft call list of a round, or ErrNotFound.
func (tx *Tx) CallListDraft(round string) (*CallListDraft, error) {
	b, err := tx.callListBucket(round, false)
	if err != nil {
		return nil, err
	}
	var d CallListDraft
	if b != nil {
		ok, err := getJSON(b, kDraft, &d)
		if err != nil {
			return nil, fmt.Errorf("store: call list draft of %s: %w", round, err)
		}
		if ok {
			return &d, nil
		}
	}
	return nil, fmt.Errorf("store: call list draft of %s: %w", round, ErrNotFound)
}

func versionKey(v int) []byte {
	return binary.BigEndian.AppendUint64(slices.Clone(pVersion), uint64(v))
}

// PutCallListVersion stores a new published version; it must be the one
// after the latest, and is never replaced.
func (tx *Tx) PutCallListVersion(round string, v *CallListVersion) error {
	latest, err := tx.LatestCallListVersion(round)
	if err != nil && !IsNotFound(err) {
		return err
	}
	want := 1
	if latest != nil {
		want = latest.Version + 1
	}
	if v.Version != want {
		return fmt.Errorf("store: call list of %s: version %d after %d: %w", round, v.Version, want-1, ErrExists)
	}
	b, err := tx.callListBucket(round, true)
	if err != nil {
		return err
	}
	if err := putJSON(b, versionKey(v.Version), v); err != nil {
		return fmt.Errorf("store: call list version %d of %s: %w", v.Version, round, err)
	}
	return nil
}

// CallListVersion returns a published version, or ErrNotFound.
func (tx *Tx) CallListVersion(round string, version int) (*CallListVersion, error) {
	b, err := tx.callListBucket(round, false)
	if err != nil {
		return nil, err
	}
	var v CallListVersion
	if b != nil && version > 0 {
		ok, err := getJSON(b, versionKey(version), &v)
		if err != nil {
			return nil, fmt.Errorf("store: call list version %d of %s: %w", version, round, err)
		}
		if ok {
			return &v, nil
		}
	}
	return nil, fmt.Errorf("store: call list version %d of %s: %w", version, round, ErrNotFound)
}

// LatestCallListVersion returns the latest published version, or
// ErrNotFound when none was published.
func (tx *Tx) LatestCallListVersion(round string) (*CallListVersion, error) {
	vs, err := tx.CallListVersions(round, true)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("store: call list of %s: %w", round, ErrNotFound)
	}
	return &vs[0], nil
}

// CallListVersions returns every published version, oldest first (or only
// the latest when latestOnly is set).
func (tx *Tx) CallListVersions(round string, latestOnly bool) ([]CallListVersion, error) {
	b, err := tx.callListBucket(round, false)
	if err != nil || b == nil {
		return nil, err
	}
	var out []CallListVersion
	decode := func(k, v []byte) error {
		var r CallListVersion
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("store: call list version of %s: %w", round, err)
		}
		out = append(out, r)
		return nil
	}
	c := b.Cursor()
	if latestOnly {
		k, v := c.Last()
		for ; k != nil && !(len(k) == versionLen && k[0] == pVersion[0]); k, v = c.Prev() {
		}
		if k != nil {
			return out, decode(k, v)
		}
		return out, nil
	}
	for k, v := c.Seek(pVersion); k != nil && len(k) == versionLen && k[0] == pVersion[0]; k, v = c.Next() {
		if err := decode(k, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}
