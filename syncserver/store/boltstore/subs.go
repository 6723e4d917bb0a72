package boltstore

import (
	"bytes"
	"encoding/json"
	"fmt"

	"appariement/syncserver/store"
)

// AcceptedDigest returns where the envelope with this digest is in the log,
// or nil if it is not.
func (tx *Tx) AcceptedDigest(digest string) (*store.Accepted, error) {
	var a store.Accepted
	ok, err := getJSON(tx.bucket(bDigests), []byte(digest), &a)
	if err != nil || !ok {
		return nil, err
	}
	return &a, nil
}

// PutAccepted records where the envelope with this digest is in the log.
func (tx *Tx) PutAccepted(digest string, a store.Accepted) error {
	if err := putJSON(tx.bucket(bDigests), []byte(digest), a); err != nil {
		return fmt.Errorf("store: put digest %s: %w", digest, err)
	}
	return nil
}

// Current returns the current submission of author in round for poste.
func (tx *Tx) Current(round, author, poste string) (*store.Current, error) {
	var c store.Current
	ok, err := getJSON(tx.bucket(bSubs), key(round, author, poste), &c)
	if err != nil {
		return nil, fmt.Errorf("store: submission of %s in %s: %w", author, round, err)
	}
	if !ok {
		return nil, fmt.Errorf("store: submission of %s in %s: %w", author, round, store.ErrNotFound)
	}
	return &c, nil
}

// PutCurrent creates or replaces a current submission.
func (tx *Tx) PutCurrent(c store.Current) error {
	if err := putJSON(tx.bucket(bSubs), key(c.Round, c.Author, c.Poste), c); err != nil {
		return fmt.Errorf("store: put submission %s: %w", c.Digest, err)
	}
	return nil
}

// Submissions returns the current submissions of author in round (its wish
// list, or its rankings by poste).
func (tx *Tx) Submissions(round, author string) ([]store.Current, error) {
	return tx.scanSubs(key(round, author, ""), nil)
}

// CurrentOfType returns the current submissions of payloadType in round.
func (tx *Tx) CurrentOfType(round, payloadType string) ([]store.Current, error) {
	return tx.scanSubs(key(round, ""), func(c *store.Current) bool { return c.PayloadType == payloadType })
}

func (tx *Tx) scanSubs(prefix []byte, keep func(*store.Current) bool) ([]store.Current, error) {
	var out []store.Current
	c := tx.bucket(bSubs).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var cur store.Current
		if err := json.Unmarshal(v, &cur); err != nil {
			return nil, fmt.Errorf("store: submission %q: %w", k, err)
		}
		if keep == nil || keep(&cur) {
			out = append(out, cur)
		}
	}
	return out, nil
}
