package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/store"
)

// Pending is a verified and validated submission waiting to be appended.
type Pending struct {
	Env *envelope.Envelope
	// Current describes the submission; Digest, Index and ServerTime are
	// filled in by Append.
	Current store.Current
	// Check, if set, runs inside the write transaction with the time the
	// leaf will carry; an error refuses this submission only.
	Check func(tx *Tx, now time.Time) error
}

type pending struct {
	p    *Pending
	out  store.Appended
	err  error
	done chan struct{}
}

// Append adds a submission to the log, unless the same envelope is already
// there (then it answers with the first acceptance), with the embedded
// store's sequence rules. It returns once the batch's transaction is
// committed on the primary and its synchronous standby; concurrent calls
// share transactions (group commit), and batches of every node serialise
// on the log's head row.
func (s *Store) Append(ctx context.Context, p *Pending) (*store.Appended, error) {
	pd := &pending{p: p, done: make(chan struct{})}
	select {
	case s.appends <- pd:
	case <-s.stop:
		return nil, store.ErrClosed
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
		s.commitBatch(batch)
	}
}

func (s *Store) drain() {
	for {
		select {
		case pd := <-s.appends:
			pd.err = store.ErrClosed
			close(pd.done)
		default:
			return
		}
	}
}

// MaxClockSkew is how far the clocks of the nodes sharing a database may
// differ (NTP keeps them within milliseconds): a batch whose node's clock
// reads up to this much before the last leaf is stamped with the last
// leaf's time, so that leaf times never go backwards; further behind, the
// node refuses submissions (clock_behind) until its clock is corrected.
const MaxClockSkew = time.Second

// subKey is the key of a current submission.
type subKey struct{ round, author, poste string }

func keyOf(c *store.Current) subKey { return subKey{c.Round, c.Author, c.Poste} }

// batchState is an append batch's view of the log inside its transaction:
// what it read once for all its submissions, and the rows it will write.
type batchState struct {
	size   int64
	last   time.Time
	hashes map[int64]tlog.Hash // stored hashes computed by the batch
	digest map[string]*store.Accepted
	cur    map[subKey]*store.Current // nil value: no current submission

	// Rows not written yet.
	leaves   []int64
	leafData [][]byte
	newHash  []int64
	accepted []string
	subs     map[subKey]bool
	dirty    bool
}

// commitBatch appends a batch in one transaction. A refusal of one
// submission does not affect the others; a failed commit fails them all.
func (s *Store) commitBatch(batch []*pending) {
	start := time.Now()
	var refusal error
	ctx := s.ctx()
	err := s.update(ctx, func(tx *Tx) error {
		b := &batchState{hashes: map[int64]tlog.Hash{}, subs: map[subKey]bool{}}
		var lastNs int64
		if err := tx.tx.QueryRow(ctx, "SELECT size, last_leaf_ns FROM log_head FOR UPDATE").Scan(&b.size, &lastNs); err != nil {
			return fmt.Errorf("pgstore: lock the log head: %w", err)
		}
		b.last = fromNanos(lastNs)
		tx.batch = b
		// The clock is read once the head is locked: no other batch can
		// commit after this reading and before this batch. Leaf times never
		// go backwards, on any node: a clock behind the last leaf by less
		// than MaxClockSkew (another node's clock a little ahead) stamps
		// the batch with the last leaf's time; further behind, the whole
		// batch is refused and nothing is written.
		now := s.opts.Clock().UTC()
		if now.Before(b.last) && !now.Before(b.last.Add(-MaxClockSkew)) {
			now = b.last
		}
		if err := tx.CheckClock(now); err != nil {
			refusal = err
			return err
		}
		if err := tx.prefetch(batch); err != nil {
			return err
		}
		for _, pd := range batch {
			pd.out, pd.err = store.Appended{}, nil
			pd.err = tx.appendOne(pd, now)
			if pd.err != nil && !isRefusal(pd.err) {
				return pd.err
			}
		}
		b.last = maxTime(b.last, now)
		return tx.flush()
	})
	switch {
	case refusal != nil:
		err = refusal
	case err != nil && !errors.Is(err, store.ErrStorageUnavailable):
		s.opts.Logger.Error("pgstore: group commit failed", "submissions", len(batch), "err", err)
		fallthrough
	case err != nil:
		err = fmt.Errorf("pgstore: commit %d submissions: %w", len(batch), err)
	default:
		s.health.setLastLeaf(s.opts.Clock().UTC())
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

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func isRefusal(err error) bool {
	var apiErr *api.Error
	return errors.As(err, &apiErr)
}

// prefetch reads the accepted digests and current submissions that the
// batch's submissions touch, in two queries.
func (tx *Tx) prefetch(batch []*pending) error {
	b := tx.batch
	b.digest = make(map[string]*store.Accepted, len(batch))
	b.cur = make(map[subKey]*store.Current, len(batch))
	digests := make([]string, 0, len(batch))
	var rounds, authors, postes []string
	for _, pd := range batch {
		digests = append(digests, pd.p.Env.Digest())
		k := keyOf(&pd.p.Current)
		if _, ok := b.cur[k]; !ok {
			b.cur[k] = nil
			rounds, authors, postes = append(rounds, k.round), append(authors, k.author), append(postes, k.poste)
		}
	}
	rows, err := tx.tx.Query(tx.ctx, "SELECT digest, idx, server_time_ns FROM accepted WHERE digest = ANY($1)", digests)
	if err != nil {
		return fmt.Errorf("pgstore: read accepted digests: %w", err)
	}
	for rows.Next() {
		var d string
		var a store.Accepted
		var ns int64
		if err := rows.Scan(&d, &a.Index, &ns); err != nil {
			rows.Close()
			return fmt.Errorf("pgstore: read accepted digests: %w", err)
		}
		a.ServerTime = fromNanos(ns)
		b.digest[d] = &a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("pgstore: read accepted digests: %w", err)
	}
	rows, err = tx.tx.Query(tx.ctx, `SELECT s.doc FROM submissions s
		JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(round, author, poste)
		ON s.round = k.round AND s.author = k.author AND s.poste = k.poste`, rounds, authors, postes)
	if err != nil {
		return fmt.Errorf("pgstore: read current submissions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return fmt.Errorf("pgstore: read current submissions: %w", err)
		}
		var c store.Current
		if err := json.Unmarshal(doc, &c); err != nil {
			return fmt.Errorf("pgstore: decode current submission: %w", err)
		}
		b.cur[keyOf(&c)] = &c
	}
	return rows.Err()
}

// appendOne applies one submission inside the batch. Returned *api.Error
// values are refusals of this submission only; other errors abort the
// whole transaction.
func (tx *Tx) appendOne(pd *pending, now time.Time) error {
	b := tx.batch
	p := pd.p
	digest := p.Env.Digest()
	if acc := b.digest[digest]; acc != nil {
		pd.out = store.Appended{Index: acc.Index, ServerTime: acc.ServerTime, Digest: digest, Again: true}
		return nil
	}
	cur := p.Current
	k := keyOf(&cur)
	if _, loaded := b.cur[k]; !loaded {
		// Not prefetched (a Check changed nothing we know of): read it.
		c, err := tx.currentOf(k)
		if err != nil {
			return err
		}
		b.cur[k] = c
	}
	if prev := b.cur[k]; prev != nil {
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
			return fmt.Errorf("pgstore: check submission %s: %w", digest, err)
		}
	}
	data := translog.LeafData(now, p.Env)
	index := b.size
	hs, err := tlog.StoredHashes(index, data, tx.hashes())
	if err != nil {
		return fmt.Errorf("pgstore: append leaf %d: %w", index, err)
	}
	base := tlog.StoredHashIndex(0, index)
	for i, h := range hs {
		b.hashes[base+int64(i)] = h
		b.newHash = append(b.newHash, base+int64(i))
	}
	b.leaves, b.leafData = append(b.leaves, index), append(b.leafData, data)
	b.size++
	cur.Digest, cur.Index, cur.ServerTime = digest, index, now
	b.cur[k] = &cur
	b.subs[k] = true
	b.digest[digest] = &store.Accepted{Index: index, ServerTime: now}
	b.accepted = append(b.accepted, digest)
	b.dirty = true
	pd.out = store.Appended{Index: index, ServerTime: now, Digest: digest}
	return nil
}

func (tx *Tx) currentOf(k subKey) (*store.Current, error) {
	var c store.Current
	ok, err := tx.getDoc(&c, "SELECT doc FROM submissions WHERE round = $1 AND author = $2 AND poste = $3", k.round, k.author, k.poste)
	if err != nil {
		return nil, fmt.Errorf("pgstore: submission of %s in %s: %w", k.author, k.round, err)
	}
	if !ok {
		return nil, nil
	}
	return &c, nil
}

// flush writes the batch's rows not written yet and the log head. Reads
// of the log and of submissions call it first, so that a Check sees the
// batch's earlier submissions as the embedded store's does.
func (tx *Tx) flush() error {
	b := tx.batch
	if b == nil || !b.dirty {
		return nil
	}
	ctx := tx.ctx
	pb := &pgx.Batch{}
	pb.Queue("INSERT INTO log_leaves (idx, data) SELECT * FROM unnest($1::bigint[], $2::bytea[])", b.leaves, b.leafData)
	hashes := make([][]byte, len(b.newHash))
	for i, x := range b.newHash {
		h := b.hashes[x]
		hashes[i] = h[:]
	}
	pb.Queue("INSERT INTO log_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])", b.newHash, hashes)
	idx := make([]int64, len(b.accepted))
	ns := make([]int64, len(b.accepted))
	for i, d := range b.accepted {
		a := b.digest[d]
		idx[i], ns[i] = a.Index, nanos(a.ServerTime)
	}
	pb.Queue("INSERT INTO accepted (digest, idx, server_time_ns) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])",
		b.accepted, idx, ns)
	var rounds, authors, postes, types []string
	var seqs, sidx []int64
	var docs [][]byte
	for k := range b.subs {
		c := b.cur[k]
		doc, err := mustJSON(c)
		if err != nil {
			return fmt.Errorf("pgstore: submission %s: %w", c.Digest, err)
		}
		rounds, authors, postes, types = append(rounds, k.round), append(authors, k.author), append(postes, k.poste), append(types, c.PayloadType)
		seqs, sidx, docs = append(seqs, int64(c.Seq)), append(sidx, c.Index), append(docs, doc)
	}
	pb.Queue(`INSERT INTO submissions (round, author, poste, payload_type, seq, idx, doc)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::jsonb[])
		ON CONFLICT (round, author, poste) DO UPDATE
		SET payload_type = EXCLUDED.payload_type, seq = EXCLUDED.seq, idx = EXCLUDED.idx, doc = EXCLUDED.doc`,
		rounds, authors, postes, types, seqs, sidx, docs)
	pb.Queue("UPDATE log_head SET size = $1, last_leaf_ns = GREATEST(last_leaf_ns, $2)", b.size, nanos(b.last))
	if err := tx.tx.SendBatch(ctx, pb).Close(); err != nil {
		return fmt.Errorf("pgstore: write %d leaves: %w", len(b.leaves), err)
	}
	b.leaves, b.leafData, b.newHash, b.accepted = nil, nil, nil, nil
	b.subs = map[subKey]bool{}
	b.dirty = false
	return nil
}

// AcceptedDigest returns where the envelope with this digest is in the
// log, or nil if it is not.
func (tx *Tx) AcceptedDigest(digest string) (*store.Accepted, error) {
	if tx.batch != nil {
		if a := tx.batch.digest[digest]; a != nil {
			return a, nil
		}
	}
	var a store.Accepted
	var ns int64
	err := tx.tx.QueryRow(tx.ctx, "SELECT idx, server_time_ns FROM accepted WHERE digest = $1", digest).Scan(&a.Index, &ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pgstore: accepted %s: %w", digest, err)
	}
	a.ServerTime = fromNanos(ns)
	return &a, nil
}

// Submissions returns the current submissions of author in round.
func (tx *Tx) Submissions(round, author string) ([]store.Current, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	out, err := queryDocs[store.Current](tx, "SELECT doc FROM submissions WHERE round = $1 AND author = $2 ORDER BY poste", round, author)
	if err != nil {
		return nil, fmt.Errorf("pgstore: submissions of %s in %s: %w", author, round, err)
	}
	return out, nil
}

// CurrentWishLists returns the current wish list of every intern in round.
func (tx *Tx) CurrentWishLists(round string) ([]store.Current, error) {
	return tx.currentOfType(round, api.WishListType)
}

// CurrentRankings returns the current ranking of every poste in round.
func (tx *Tx) CurrentRankings(round string) ([]store.Current, error) {
	return tx.currentOfType(round, api.RankingType)
}

func (tx *Tx) currentOfType(round, typ string) ([]store.Current, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	// Ordered as the embedded store's keys: author, then poste.
	out, err := queryDocs[store.Current](tx, `SELECT doc FROM submissions WHERE round = $1 AND payload_type = $2
		ORDER BY author COLLATE "C", poste COLLATE "C"`, round, typ)
	if err != nil {
		return nil, fmt.Errorf("pgstore: current submissions in %s: %w", round, err)
	}
	return out, nil
}

// CurrentWishList returns an intern's current wish list in round, or
// store.ErrNotFound.
func (tx *Tx) CurrentWishList(round, intern string) (*store.Current, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	c, err := tx.currentOf(subKey{round, intern, ""})
	if err != nil {
		return nil, err
	}
	if c == nil || c.PayloadType != api.WishListType {
		return nil, fmt.Errorf("pgstore: wish list of %s in %s: %w", intern, round, store.ErrNotFound)
	}
	return c, nil
}
