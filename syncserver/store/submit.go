package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// Pending is a verified and validated submission waiting to be appended.
type Pending struct {
	Env *envelope.Envelope
	// Current describes the submission; Digest, Index and ServerTime are
	// filled in by Append.
	Current Current
	// Check, if set, runs inside the write transaction with the round
	// named by Current.Round and the time the leaf will carry, to re-check
	// what may have changed since validation (the round's state, its
	// window). The round is read once per batch and shared by the batch's
	// checks: Check must not modify it. An error refuses this submission
	// only; a round that does not exist refuses it with ErrNotFound.
	Check func(rec *RoundRecord, now time.Time) error
}

// Appended is the outcome of Append.
type Appended struct {
	Index      int64
	ServerTime time.Time
	Digest     string
	// Again is set when the very same envelope had already been accepted:
	// Index and ServerTime are those of the first acceptance.
	Again bool
	// Receipt is the submission's receipt against its batch's tree, when
	// the batch's receipts could be built (nil otherwise: see
	// AppendedReceipt).
	Receipt *Receipt
}

type pending struct {
	p      *Pending
	data   []byte // encoded envelope, encoded once
	digest string // p.Env.Digest(), computed once
	out    Appended
	err    error
	done   chan struct{}
	rcs    *batchReceipts // the batch's receipts, set when committed
}

// Append adds a submission to the log, unless the same envelope is already
// there (then it answers with the first acceptance). Per author, round and
// poste: a lower sequence number than the current one is refused (replay),
// the same sequence number with other bytes too (conflict). Append returns
// once the transaction holding the leaf is committed to disk; concurrent
// calls share transactions (group commit).
func (s *Store) Append(ctx context.Context, p *Pending) (*Appended, error) {
	// Encoded and named here, on the caller's goroutine, once: the commit
	// loop, which every submission waits for, only writes.
	pd := &pending{p: p, data: p.Env.Encode(), digest: p.Env.Digest(), done: make(chan struct{})}
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
	if pd.rcs != nil {
		pd.rcs.once.Do(func() { pd.rcs.build(s) })
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

// batchTime is the server time stamped on a batch read at now, in tx:
// leaf times never go backwards. A clock behind the last leaf by less
// than clockSlack (another node's clock a little ahead of this one's, or
// its batch committed between this node's reading and its lock) stamps
// the batch with the last leaf's time; further behind, the clock went
// backwards and the batch is refused (*ClockError), nothing written.
func (s *Store) batchTime(tx Tx, now time.Time) (time.Time, error) {
	last, err := lastLeafTime(tx)
	if err != nil {
		return time.Time{}, err
	}
	if !now.Before(last) {
		return now, nil
	}
	if last.Sub(now) < clockSlack {
		return last, nil
	}
	s.clockRefused(now, last)
	return time.Time{}, &ClockError{Now: now, Last: last}
}

// commit appends a batch in one write transaction. A refusal of one
// submission does not affect the others; a failed commit fails them all.
func (s *Store) commit(batch []*pending) {
	start := time.Now()
	var refusal error
	var now time.Time
	var tree tlog.Tree
	err := s.Update(func(tx Tx) error {
		// Lock the log head first (the first TreeSize of a write
		// transaction), then read the clock: a batch of another node
		// committed meanwhile is then seen by the clock check.
		tx.TreeSize()
		var err error
		if now, err = s.batchTime(tx, s.opts.Clock().UTC()); err != nil {
			refusal = err
			return err
		}
		if br, ok := tx.(BatchReader); ok {
			if err := prefetch(br, batch); err != nil {
				return err
			}
		}
		// Each round the batch names is read once (a batch is most often
		// one round's submissions).
		rounds := map[string]roundRead{}
		for _, pd := range batch {
			pd.out, pd.err = Appended{}, nil
			pd.err = appendOne(tx, pd, now, rounds)
		}
		ts, _ := now.MarshalText()
		if err := tx.PutMeta(MetaLastLeafTime, ts); err != nil {
			return err
		}
		// The batch's tree, hashed while its hashes are at hand: the
		// checkpoint is signed once below, for all the batch's receipts.
		tree.N = tx.TreeSize()
		tree.Hash, err = TreeHash(tx, tree.N)
		return err
	})
	if err == nil {
		s.setLastLeaf(now)
		// One signature per batch, cached by size: the receipts built
		// after this commit share it (a failure here only leaves them to
		// sign it themselves).
		if text, _, err := s.signTree(tree); err == nil {
			rcs := &batchReceipts{tree: tree, text: text, batch: slices.Clone(batch)}
			for _, pd := range batch {
				pd.rcs = rcs
			}
		}
	}
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

// prefetch reads, in one call, the accepted digests and current
// submissions that appendOne reads for each pending submission of batch.
func prefetch(br BatchReader, batch []*pending) error {
	digests := make([]string, len(batch))
	keys := make([]SubmissionKey, len(batch))
	for i, pd := range batch {
		digests[i] = pd.digest
		c := pd.p.Current
		keys[i] = SubmissionKey{Round: c.Round, Author: c.Author, Poste: c.Poste}
	}
	if err := br.PrefetchAppends(digests, keys); err != nil {
		return fmt.Errorf("store: read the batch's submissions: %w", err)
	}
	return nil
}

// roundRead is a round record read in a batch's transaction, or the error
// of reading it.
type roundRead struct {
	rec *RoundRecord
	err error
}

// batchRound returns the round id, read from tx once per batch (rounds).
func batchRound(tx Tx, id string, rounds map[string]roundRead) (*RoundRecord, error) {
	r, ok := rounds[id]
	if !ok {
		r.rec, r.err = tx.Round(id)
		rounds[id] = r
	}
	return r.rec, r.err
}

// appendOne applies one pending submission inside the batch's transaction.
// Its error is the refusal of this submission only (the others of the
// batch go on). rounds holds the rounds the batch has read.
func appendOne(tx Tx, pd *pending, now time.Time, rounds map[string]roundRead) error {
	p := pd.p
	digest := pd.digest
	if acc, err := tx.AcceptedDigest(digest); err != nil {
		return err
	} else if acc != nil {
		pd.out = Appended{Index: acc.Index, ServerTime: acc.ServerTime, Digest: digest, Again: true}
		return nil
	}
	cur := p.Current
	prev, err := tx.Current(cur.Round, cur.Author, cur.Poste)
	switch {
	case err == nil:
		switch {
		case cur.Seq < prev.Seq:
			return &SeqError{Err: ErrReplay, Author: cur.Author, Round: cur.Round, Seq: cur.Seq, Last: prev.Seq}
		case cur.Seq == prev.Seq:
			return &SeqError{Err: ErrConflict, Author: cur.Author, Round: cur.Round, Seq: cur.Seq, Last: prev.Seq}
		}
	case !IsNotFound(err):
		return err
	}
	if p.Check != nil {
		// The check's refusal goes back to the caller as it is (an API
		// refusal, typically); only this submission is refused.
		rec, err := batchRound(tx, cur.Round, rounds)
		if err != nil {
			return err
		}
		if err := p.Check(rec, now); err != nil {
			return err
		}
	}
	index, err := appendLeaf(tx, translog.LeafDataEncoded(now, pd.data))
	if err != nil {
		return err
	}
	cur.Digest, cur.Index, cur.ServerTime = digest, index, now
	if err := tx.PutCurrent(cur); err != nil {
		return fmt.Errorf("store: put submission %s: %w", digest, err)
	}
	if err := tx.PutAccepted(digest, Accepted{Index: index, ServerTime: now}); err != nil {
		return fmt.Errorf("store: put digest %s: %w", digest, err)
	}
	pd.out = Appended{Index: index, ServerTime: now, Digest: digest}
	return nil
}

// CurrentOfAuthor returns the current submission of author in round with
// no poste (a wish list) if it has this payload type, or ErrNotFound.
func CurrentOfAuthor(tx Tx, round, author, payloadType string) (*Current, error) {
	c, err := tx.Current(round, author, "")
	if err != nil {
		return nil, err
	}
	if c.PayloadType != payloadType {
		return nil, fmt.Errorf("store: %s of %s in %s: %w", payloadType, author, round, ErrNotFound)
	}
	return c, nil
}
