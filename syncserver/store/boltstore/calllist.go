package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"slices"

	"appariement/syncserver/store"
)

// Call lists of a choix au rang live in the round's bucket, under
// "calllist": the draft being prepared, and every published version by
// number (never overwritten).
var (
	bCallList  = []byte("calllist")
	kDraft     = []byte("draft")
	pVersion   = []byte("v") // "v" + big-endian version → store.CallListVersion
	versionLen = len(pVersion) + 8
)

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
func (tx *Tx) PutCallListDraft(round string, d *store.CallListDraft) error {
	b, err := tx.callListBucket(round, true)
	if err != nil {
		return err
	}
	if err := putJSON(b, kDraft, d); err != nil {
		return fmt.Errorf("store: call list draft of %s: %w", round, err)
	}
	return nil
}

// CallListDraft returns the draft call list of a round, or store.ErrNotFound.
func (tx *Tx) CallListDraft(round string) (*store.CallListDraft, error) {
	b, err := tx.callListBucket(round, false)
	if err != nil {
		return nil, err
	}
	var d store.CallListDraft
	if b != nil {
		ok, err := getJSON(b, kDraft, &d)
		if err != nil {
			return nil, fmt.Errorf("store: call list draft of %s: %w", round, err)
		}
		if ok {
			return &d, nil
		}
	}
	return nil, fmt.Errorf("store: call list draft of %s: %w", round, store.ErrNotFound)
}

func versionKey(v int) []byte {
	return binary.BigEndian.AppendUint64(slices.Clone(pVersion), uint64(v))
}

// PutCallListVersion stores a new published version; it must be the one
// after the latest, and is never replaced.
func (tx *Tx) PutCallListVersion(round string, v *store.CallListVersion) error {
	latest, err := tx.LatestCallListVersion(round)
	if err != nil && !store.IsNotFound(err) {
		return err
	}
	want := 1
	if latest != nil {
		want = latest.Version + 1
	}
	if v.Version != want {
		return fmt.Errorf("store: call list of %s: version %d after %d: %w", round, v.Version, want-1, store.ErrExists)
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

// CallListVersion returns a published version, or store.ErrNotFound.
func (tx *Tx) CallListVersion(round string, version int) (*store.CallListVersion, error) {
	b, err := tx.callListBucket(round, false)
	if err != nil {
		return nil, err
	}
	var v store.CallListVersion
	if b != nil && version > 0 {
		ok, err := getJSON(b, versionKey(version), &v)
		if err != nil {
			return nil, fmt.Errorf("store: call list version %d of %s: %w", version, round, err)
		}
		if ok {
			return &v, nil
		}
	}
	return nil, fmt.Errorf("store: call list version %d of %s: %w", version, round, store.ErrNotFound)
}

// LatestCallListVersion returns the latest published version, or
// store.ErrNotFound when none was published.
func (tx *Tx) LatestCallListVersion(round string) (*store.CallListVersion, error) {
	vs, err := tx.CallListVersions(round, true)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("store: call list of %s: %w", round, store.ErrNotFound)
	}
	return &vs[0], nil
}

// CallListVersions returns every published version, oldest first (or only
// the latest when latestOnly is set).
func (tx *Tx) CallListVersions(round string, latestOnly bool) ([]store.CallListVersion, error) {
	b, err := tx.callListBucket(round, false)
	if err != nil || b == nil {
		return nil, err
	}
	var out []store.CallListVersion
	decode := func(k, v []byte) error {
		var r store.CallListVersion
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
