package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// Current is the latest accepted submission of an author in a round (and,
// for a ranking, for one poste): what the server considers its current
// wish list or ranking.
type Current struct {
	Round       string           `json:"round"`
	Author      string           `json:"author"`
	Poste       string           `json:"poste,omitempty"`
	PayloadType string           `json:"payload_type"`
	Seq         uint64           `json:"seq"`
	Digest      string           `json:"digest"`
	Index       int64            `json:"index"`
	ServerTime  time.Time        `json:"server_time"`
	List        []string         `json:"list"`
	Attachments []api.Attachment `json:"attachments,omitempty"`
}

func (c *Current) key() []byte { return key(c.Round, c.Author, c.Poste) }

// Pending is a verified and validated submission waiting to be appended.
type Pending struct {
	Env *envelope.Envelope
	// Current describes the submission; Digest, Index and ServerTime are
	// filled in by Append.
	Current Current
	// Check, if set, runs inside the write transaction with the time the
	// leaf will carry, to re-check what may have changed since validation
	// (the round's state, its window). An error refuses this submission
	// only.
	Check func(tx *Tx, now time.Time) error
}

// Appended is the outcome of Append.
type Appended struct {
	Index      int64
	ServerTime time.Time
	Digest     string
	// Again is set when the very same envelope had already been accepted:
	// Index and ServerTime are those of the first acceptance.
	Again bool
}

type pending struct {
	p    *Pending
	data []byte // encoded envelope
	out  Appended
	err  error
	done chan struct{}
}

// Accepted is where and when an envelope was appended to the log.
type Accepted struct {
	Index      int64     `json:"index"`
	ServerTime time.Time `json:"server_time"`
}

// AcceptedDigest returns where the envelope with this digest is in the log,
// or nil if it is not.
func (tx *Tx) AcceptedDigest(digest string) (*Accepted, error) {
	var a Accepted
	ok, err := getJSON(tx.bucket(bDigests), []byte(digest), &a)
	if err != nil || !ok {
		return nil, err
	}
	return &a, nil
}

// Append adds a submission to the log, unless the same envelope is already
// there (then it answers with the first acceptance). Per author, round and
// poste: a lower sequence number than the current one is refused (replay),
// the same sequence number with other bytes too (conflict). Append returns
// once the transaction holding the leaf is committed to disk; concurrent
// calls share transactions (group commit).
func (s *Store) Append(ctx context.Context, p *Pending) (*Appended, error) {
	pd := &pending{p: p, data: p.Env.Encode(), done: make(chan struct{})}
	select {
	case s.appends <- pd:
	case <-s.stop:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued, wait for the outcome even if the caller goes away: the
	// leaf may be committed, and the caller's retry will get its receipt.
	<-pd.done
	if pd.err != nil {
		return nil, pd.err
	}
	return &pd.out, nil
}

func (s *Store) commitLoop() {
	defer close(s.stopped)
	batch := make([]*pending, 0, s.opts.MaxBatch)
	for {
		select {
		case pd := <-s.appends:
			batch = append(batch[:0], pd)
		case <-s.stop:
			s.drain()
			return
		}
	fill:
		for len(batch) < s.opts.MaxBatch {
			select {
			case pd := <-s.appends:
				batch = append(batch, pd)
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

// drain fails the appends still queued when the store closes.
func (s *Store) drain() {
	for {
		select {
		case pd := <-s.appends:
			pd.err = ErrClosed
			close(pd.done)
		default:
			return
		}
	}
}

// commit appends a batch in one write transaction. A refusal of one
// submission does not affect the others; a failed commit fails them all.
func (s *Store) commit(batch []*pending) {
	start := time.Now()
	var refusal error
	err := s.Update(func(tx *Tx) error {
		now := s.opts.Clock().UTC()
		// Leaf times never go backwards: a clock behind the last leaf
		// refuses the whole batch, and nothing is written.
		if err := tx.CheckClock(now); err != nil {
			refusal = err
			return err
		}
		for _, pd := range batch {
			pd.out, pd.err = Appended{}, nil
			pd.err = tx.appendOne(pd, now)
		}
		ts, _ := now.MarshalText()
		if err := tx.bucket(bMeta).Put(kLastTime, ts); err != nil {
			return err
		}
		s.setLastLeafOnCommit(tx, now)
		return nil
	})
	switch {
	case refusal != nil:
		err = refusal
	case err != nil && !errors.Is(err, ErrStorageUnavailable):
		s.opts.Logger.Error("store: group commit failed", "submissions", len(batch), "err", err)
		fallthrough
	case err != nil:
		err = fmt.Errorf("store: commit %d submissions: %w", len(batch), err)
	}
	for _, pd := range batch {
		if err != nil {
			pd.err = err
		}
		close(pd.done)
	}
	if s.opts.OnBatch != nil {
		s.opts.OnBatch(len(batch), time.Since(start))
	}
}

// setLastLeafOnCommit records the batch's leaf time in memory once tx commits.
func (s *Store) setLastLeafOnCommit(tx *Tx, now time.Time) {
	tx.tx.OnCommit(func() { s.setLastLeaf(now) })
}

// appendOne applies one pending submission inside the batch's transaction.
// Returned *api.Error values are refusals of this submission only; other
// errors abort the whole transaction.
func (tx *Tx) appendOne(pd *pending, now time.Time) error {
	p := pd.p
	digest := p.Env.Digest()
	if acc, err := tx.AcceptedDigest(digest); err != nil {
		return err
	} else if acc != nil {
		pd.out = Appended{Index: acc.Index, ServerTime: acc.ServerTime, Digest: digest, Again: true}
		return nil
	}
	cur := p.Current
	var prev Current
	ok, err := getJSON(tx.bucket(bSubs), cur.key(), &prev)
	if err != nil {
		return err
	}
	if ok {
		switch {
		case cur.Seq < prev.Seq:
			return api.Errorf(api.CodeReplay,
				"numéro de séquence %d inférieur au dernier accepté (%d) pour %s dans le tour %s",
				"sequence number %d is lower than the last accepted one (%d) for %s in round %s",
				cur.Seq, prev.Seq, cur.Author, cur.Round)
		case cur.Seq == prev.Seq:
			return api.Errorf(api.CodeConflict,
				"un autre envoi de %s porte déjà le numéro de séquence %d dans le tour %s",
				"another submission of %s already has sequence number %d in round %s",
				cur.Author, cur.Seq, cur.Round)
		}
	}
	if p.Check != nil {
		if err := p.Check(tx, now); err != nil {
			var apiErr *api.Error
			if errors.As(err, &apiErr) {
				return apiErr
			}
			return fmt.Errorf("store: check submission %s: %w", digest, err)
		}
	}
	index, err := tx.appendLeaf(translog.LeafData(now, p.Env))
	if err != nil {
		return err
	}
	cur.Digest, cur.Index, cur.ServerTime = digest, index, now
	if err := putJSON(tx.bucket(bSubs), cur.key(), cur); err != nil {
		return fmt.Errorf("store: put submission %s: %w", digest, err)
	}
	if err := putJSON(tx.bucket(bDigests), []byte(digest), Accepted{Index: index, ServerTime: now}); err != nil {
		return fmt.Errorf("store: put digest %s: %w", digest, err)
	}
	pd.out = Appended{Index: index, ServerTime: now, Digest: digest}
	return nil
}

// Submissions returns the current submissions of author in round (its wish
// list, or its rankings by poste).
func (tx *Tx) Submissions(round, author string) ([]Current, error) {
	return tx.scanSubs(key(round, author, ""), nil)
}

// CurrentWishLists returns the current wish list of every intern in round.
func (tx *Tx) CurrentWishLists(round string) ([]Current, error) {
	return tx.scanSubs(key(round, ""), func(c *Current) bool { return c.PayloadType == api.WishListType })
}

// CurrentRankings returns the current ranking of every poste in round.
func (tx *Tx) CurrentRankings(round string) ([]Current, error) {
	return tx.scanSubs(key(round, ""), func(c *Current) bool { return c.PayloadType == api.RankingType })
}

// CurrentWishList returns an intern's current wish list in round, or ErrNotFound.
func (tx *Tx) CurrentWishList(round, intern string) (*Current, error) {
	var c Current
	ok, err := getJSON(tx.bucket(bSubs), key(round, intern, ""), &c)
	if err != nil {
		return nil, fmt.Errorf("store: wish list of %s in %s: %w", intern, round, err)
	}
	if !ok || c.PayloadType != api.WishListType {
		return nil, fmt.Errorf("store: wish list of %s in %s: %w", intern, round, ErrNotFound)
	}
	return &c, nil
}

func (tx *Tx) scanSubs(prefix []byte, keep func(*Current) bool) ([]Current, error) {
	var out []Current
	c := tx.bucket(bSubs).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var cur Current
		if err := json.Unmarshal(v, &cur); err != nil {
			return nil, fmt.Errorf("store: submission %q: %w", k, err)
		}
		if keep == nil || keep(&cur) {
			out = append(out, cur)
		}
	}
	return out, nil
}
