package pgstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/syncserver/store"
)

// The transparency log is log_leaves (leaf data by index) and log_hashes
// (tlog's stored hashes by stored-hash index), with log_head holding the
// size: the row every append batch locks. A write transaction keeps what
// it appends (leaves, hashes, accepted digests, current submissions) in
// memory and writes it in one round trip at commit, or before a read that
// needs it in the database; reads of single rows look in memory first.

// TreeSize returns the number of leaves in the log. In a write
// transaction the first call locks the log head (SELECT … FOR UPDATE)
// until commit.
func (tx *Tx) TreeSize() int64 {
	if err := tx.loadHead(); err != nil {
		tx.keep(err)
		return 0
	}
	return tx.size
}

func (tx *Tx) loadHead() error {
	if tx.head {
		return nil
	}
	if tx.err != nil {
		return tx.err
	}
	if tx.write && !tx.locked {
		// The write lock and the head's row lock in one round trip, in
		// this order.
		pb := &pgx.Batch{}
		pb.Queue("SELECT pg_advisory_xact_lock($1)", int64(writeLock))
		pb.Queue("SELECT size FROM log_head FOR UPDATE")
		br := tx.tx.SendBatch(tx.ctx, pb)
		if _, err := br.Exec(); err != nil {
			br.Close()
			tx.keep(fmt.Errorf("pgstore: write lock: %w", err))
			return tx.err
		}
		tx.locked = true
		err := br.QueryRow().Scan(&tx.size)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return classify(fmt.Errorf("pgstore: log head: %w", err))
		}
		tx.head = true
		return nil
	}
	q := "SELECT size FROM log_head"
	if tx.write {
		q += " FOR UPDATE"
	}
	if err := tx.tx.QueryRow(tx.ctx, q).Scan(&tx.size); err != nil {
		return classify(fmt.Errorf("pgstore: log head: %w", err))
	}
	tx.head = true
	return nil
}

// Leaf returns the data of leaf index, or ErrNotFound.
func (tx *Tx) Leaf(index int64) ([]byte, error) {
	if d, ok := tx.data[index]; ok {
		return slices.Clone(d), nil
	}
	if err := tx.lock(); err != nil {
		return nil, err
	}
	var v []byte
	err := tx.tx.QueryRow(tx.ctx, "SELECT data FROM log_leaves WHERE idx = $1", index).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: leaf %d: %w", index, store.ErrNotFound)
	}
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: leaf %d: %w", index, err))
	}
	return v, nil
}

// leafChunk is how many leaves ForEachLeaf reads at once.
const leafChunk = 1000

// ForEachLeaf calls fn with the index and data of the leaves [start, end)
// that exist, in order. The leaves are read by chunks, so fn may use the
// transaction.
func (tx *Tx) ForEachLeaf(start, end int64, fn func(index int64, data []byte) error) error {
	if err := tx.flush(); err != nil {
		return err
	}
	type leaf struct {
		i    int64
		data []byte
	}
	for from := max(start, 0); from < end; {
		rows, err := tx.tx.Query(tx.ctx, "SELECT idx, data FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT $3",
			from, end, leafChunk)
		if err != nil {
			return classify(fmt.Errorf("pgstore: leaves from %d: %w", from, err))
		}
		chunk, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (leaf, error) {
			var l leaf
			err := r.Scan(&l.i, &l.data)
			return l, err
		})
		if err != nil {
			return classify(fmt.Errorf("pgstore: leaves from %d: %w", from, err))
		}
		if len(chunk) == 0 {
			return nil
		}
		for _, l := range chunk {
			if err := fn(l.i, l.data); err != nil {
				return err
			}
		}
		from = chunk[len(chunk)-1].i + 1
	}
	return nil
}

// ReadHashes returns the stored hashes at indexes, in order (one query for
// those not appended by this transaction).
func (tx *Tx) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	at := map[int64][]int{}
	for i, x := range indexes {
		if h, ok := tx.hashes[x]; ok {
			out[i] = h
			continue
		}
		if _, seen := at[x]; !seen {
			missing = append(missing, x)
		}
		at[x] = append(at[x], i)
	}
	if len(missing) == 0 {
		return out, nil
	}
	if err := tx.lock(); err != nil {
		return nil, err
	}
	rows, err := tx.tx.Query(tx.ctx, "SELECT idx, hash FROM log_hashes WHERE idx = ANY($1)", missing)
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: read stored hashes: %w", err))
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var idx int64
		var v []byte
		if err := rows.Scan(&idx, &v); err != nil {
			return nil, classify(fmt.Errorf("pgstore: read stored hashes: %w", err))
		}
		if len(v) != tlog.HashSize {
			return nil, fmt.Errorf("pgstore: stored hash %d: %d bytes", idx, len(v))
		}
		for _, i := range at[idx] {
			copy(out[i][:], v)
		}
		if tx.write {
			// Stored hashes never change: kept for the batch's next
			// leaves and its tree hash (flush writes only newHash).
			if tx.hashes == nil {
				tx.data, tx.hashes = map[int64][]byte{}, map[int64]tlog.Hash{}
			}
			copy(out[at[idx][0]][:], v)
			tx.hashes[idx] = out[at[idx][0]]
		}
		found++
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("pgstore: read stored hashes: %w", err))
	}
	if found != len(missing) {
		return nil, fmt.Errorf("pgstore: stored hashes missing: %d of %d found", found, len(missing))
	}
	return out, nil
}

// AppendLeaf appends leaf index (the tree size) with its stored hashes.
func (tx *Tx) AppendLeaf(index int64, data []byte, hashes []tlog.Hash) error {
	if err := tx.writable("append leaf"); err != nil {
		return err
	}
	if err := tx.loadHead(); err != nil {
		return err
	}
	if index != tx.size {
		return fmt.Errorf("pgstore: append leaf %d to a log of %d: %w", index, tx.size, store.ErrConflict)
	}
	if tx.data == nil {
		tx.data, tx.hashes = map[int64][]byte{}, map[int64]tlog.Hash{}
	}
	base := tlog.StoredHashIndex(0, index)
	for i, h := range hashes {
		tx.hashes[base+int64(i)] = h
		tx.newHash = append(tx.newHash, base+int64(i))
	}
	tx.data[index] = slices.Clone(data)
	tx.leaves = append(tx.leaves, index)
	tx.size++
	return nil
}

// AcceptedDigest returns where the envelope with this digest is in the
// log, or nil, nil.
func (tx *Tx) AcceptedDigest(digest string) (*store.Accepted, error) {
	if a, ok := tx.digests[digest]; ok {
		return &a, nil
	}
	if a, ok := tx.seenDig[digest]; ok && tx.err == nil {
		if a == nil {
			return nil, nil
		}
		c := *a
		return &c, nil
	}
	if err := tx.lock(); err != nil {
		return nil, err
	}
	if !storable(digest) {
		return nil, nil
	}
	var a store.Accepted
	var ns int64
	err := tx.tx.QueryRow(tx.ctx, "SELECT idx, server_time_ns FROM accepted WHERE digest = $1", digest).Scan(&a.Index, &ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: accepted %s: %w", digest, err))
	}
	a.ServerTime = fromNanos(ns)
	return &a, nil
}

// PutAccepted records where the envelope with this digest is in the log.
func (tx *Tx) PutAccepted(digest string, a store.Accepted) error {
	if err := tx.writable("accepted digest"); err != nil {
		return err
	}
	if !storable(digest) {
		return fmt.Errorf("%w (accepted digest)", errText)
	}
	if tx.digests == nil {
		tx.digests = map[string]store.Accepted{}
	}
	if _, again := tx.digests[digest]; !again {
		tx.newDig = append(tx.newDig, digest)
	}
	a.ServerTime = a.ServerTime.UTC()
	tx.digests[digest] = a
	return nil
}

// Current returns the current submission of author in round for poste,
// or ErrNotFound.
func (tx *Tx) Current(round, author, poste string) (*store.Current, error) {
	k := subKey{round, author, poste}
	if c, ok := tx.cur[k]; ok {
		return cloneCurrent(c), nil
	}
	if c, ok := tx.seenCur[k]; ok && tx.err == nil {
		if c == nil {
			return nil, fmt.Errorf("pgstore: submission of %s in %s for %q: %w", author, round, poste, store.ErrNotFound)
		}
		return cloneCurrent(*c), nil
	}
	var c store.Current
	ok, err := tx.getDoc(&c, "SELECT doc FROM submissions WHERE round = $1 AND author = $2 AND poste = $3", round, author, poste)
	if err != nil {
		return nil, fmt.Errorf("pgstore: submission of %s in %s: %w", author, round, err)
	}
	if !ok {
		return nil, fmt.Errorf("pgstore: submission of %s in %s for %q: %w", author, round, poste, store.ErrNotFound)
	}
	return &c, nil
}

func cloneCurrent(c store.Current) *store.Current {
	c.List = slices.Clone(c.List)
	c.Attachments = slices.Clone(c.Attachments)
	return &c
}

// PutCurrent creates or replaces the current submission of its author.
func (tx *Tx) PutCurrent(c store.Current) error {
	if err := tx.writable("submission"); err != nil {
		return err
	}
	if !storable(c.Round, c.Author, c.Poste, c.PayloadType) {
		return fmt.Errorf("%w (submission)", errText)
	}
	if tx.cur == nil {
		tx.cur = map[subKey]store.Current{}
	}
	k := subKey{c.Round, c.Author, c.Poste}
	if _, again := tx.cur[k]; !again {
		tx.newCur = append(tx.newCur, k)
	}
	c.ServerTime = c.ServerTime.UTC()
	tx.cur[k] = *cloneCurrent(c)
	return nil
}

// Submissions returns the current submissions of author in round, by
// poste (the wish list, poste "", first).
func (tx *Tx) Submissions(round, author string) ([]store.Current, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	out, err := queryDocs[store.Current](tx, `SELECT doc FROM submissions WHERE round = $1 AND author = $2
		ORDER BY poste COLLATE "C"`, round, author)
	if err != nil {
		return nil, fmt.Errorf("pgstore: submissions of %s in %s: %w", author, round, err)
	}
	return out, nil
}

// CurrentOfType returns the current submissions in round with this
// payload type, by author then poste (byte order, as the embedded store).
func (tx *Tx) CurrentOfType(round, payloadType string) ([]store.Current, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	out, err := queryDocs[store.Current](tx, `SELECT doc FROM submissions WHERE round = $1 AND payload_type = $2
		ORDER BY author COLLATE "C", poste COLLATE "C"`, round, payloadType)
	if err != nil {
		return nil, fmt.Errorf("pgstore: current submissions in %s: %w", round, err)
	}
	return out, nil
}

// flush writes what the transaction appended and not yet written, in one
// round trip, and the log head's size.
func (tx *Tx) flush() error {
	if err := tx.lock(); err != nil {
		return err
	}
	if len(tx.leaves)+len(tx.newDig)+len(tx.newCur) == 0 {
		return nil
	}
	pb := &pgx.Batch{}
	if len(tx.leaves) > 0 {
		data := make([][]byte, len(tx.leaves))
		for i, x := range tx.leaves {
			data[i] = tx.data[x]
		}
		pb.Queue("INSERT INTO log_leaves (idx, data) SELECT * FROM unnest($1::bigint[], $2::bytea[])", tx.leaves, data)
		hashes := make([][]byte, len(tx.newHash))
		for i, x := range tx.newHash {
			h := tx.hashes[x]
			hashes[i] = h[:]
		}
		pb.Queue("INSERT INTO log_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])", tx.newHash, hashes)
		pb.Queue("UPDATE log_head SET size = $1", tx.size)
	}
	if len(tx.newDig) > 0 {
		idx := make([]int64, len(tx.newDig))
		ns := make([]int64, len(tx.newDig))
		for i, d := range tx.newDig {
			a := tx.digests[d]
			idx[i], ns[i] = a.Index, nanos(a.ServerTime)
		}
		pb.Queue(`INSERT INTO accepted (digest, idx, server_time_ns) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
			ON CONFLICT (digest) DO UPDATE SET idx = EXCLUDED.idx, server_time_ns = EXCLUDED.server_time_ns`,
			tx.newDig, idx, ns)
	}
	if len(tx.newCur) > 0 {
		n := len(tx.newCur)
		rounds, authors, postes, types := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		seqs, sidx := make([]int64, n), make([]int64, n)
		docs := make([][]byte, n)
		for i, k := range tx.newCur {
			c := tx.cur[k]
			doc, err := encode(c)
			if err != nil {
				return fmt.Errorf("pgstore: submission %s: %w", c.Digest, err)
			}
			rounds[i], authors[i], postes[i], types[i] = k.round, k.author, k.poste, c.PayloadType
			seqs[i], sidx[i], docs[i] = int64(c.Seq), c.Index, doc
		}
		pb.Queue(`INSERT INTO submissions (round, author, poste, payload_type, seq, idx, doc)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::json[])
			ON CONFLICT (round, author, poste) DO UPDATE
			SET payload_type = EXCLUDED.payload_type, seq = EXCLUDED.seq, idx = EXCLUDED.idx, doc = EXCLUDED.doc`,
			rounds, authors, postes, types, seqs, sidx, docs)
	}
	if err := tx.tx.SendBatch(tx.ctx, pb).Close(); err != nil {
		return classify(fmt.Errorf("pgstore: write %d leaves: %w", len(tx.leaves), err))
	}
	// The leaves and hashes stay in memory (they never change); digests
	// and submissions are read from the database from now on.
	tx.leaves, tx.newHash, tx.newDig, tx.newCur = nil, nil, nil, nil
	tx.digests, tx.cur = nil, nil
	tx.seenDig, tx.seenCur = nil, nil
	return nil
}

// PrefetchAppends reads the accepted digests and the current submissions
// of an append batch in one round trip and keeps them in memory (found or
// not) for AcceptedDigest and Current, until the next flush.
func (tx *Tx) PrefetchAppends(digests []string, keys []store.SubmissionKey) error {
	if err := tx.lock(); err != nil {
		return err
	}
	if !tx.write {
		return nil
	}
	var ds []string
	for _, d := range digests {
		if storable(d) {
			ds = append(ds, d)
		}
	}
	var rounds, authors, postes []string
	for _, k := range keys {
		if storable(k.Round, k.Author, k.Poste) {
			rounds, authors, postes = append(rounds, k.Round), append(authors, k.Author), append(postes, k.Poste)
		}
	}
	pb := &pgx.Batch{}
	pb.Queue("SELECT digest, idx, server_time_ns FROM accepted WHERE digest = ANY($1::text[])", ds)
	pb.Queue(`SELECT s.round, s.author, s.poste, s.doc FROM submissions s
		JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(round, author, poste)
		ON s.round = k.round AND s.author = k.author AND s.poste = k.poste`, rounds, authors, postes)
	br := tx.tx.SendBatch(tx.ctx, pb)
	defer br.Close()
	seenDig := make(map[string]*store.Accepted, len(ds))
	for _, d := range ds {
		seenDig[d] = nil
	}
	rows, err := br.Query()
	if err != nil {
		return classify(fmt.Errorf("pgstore: accepted digests: %w", err))
	}
	for rows.Next() {
		var d string
		var a store.Accepted
		var ns int64
		if err := rows.Scan(&d, &a.Index, &ns); err != nil {
			rows.Close()
			return classify(fmt.Errorf("pgstore: accepted digests: %w", err))
		}
		a.ServerTime = fromNanos(ns)
		seenDig[d] = &a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return classify(fmt.Errorf("pgstore: accepted digests: %w", err))
	}
	seenCur := make(map[subKey]*store.Current, len(rounds))
	for i := range rounds {
		seenCur[subKey{rounds[i], authors[i], postes[i]}] = nil
	}
	rows, err = br.Query()
	if err != nil {
		return classify(fmt.Errorf("pgstore: current submissions: %w", err))
	}
	for rows.Next() {
		var k subKey
		var doc []byte
		if err := rows.Scan(&k.round, &k.author, &k.poste, &doc); err != nil {
			rows.Close()
			return classify(fmt.Errorf("pgstore: current submissions: %w", err))
		}
		var c store.Current
		if err := json.Unmarshal(doc, &c); err != nil {
			rows.Close()
			return fmt.Errorf("pgstore: current submission: decode: %w", err)
		}
		seenCur[k] = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return classify(fmt.Errorf("pgstore: current submissions: %w", err))
	}
	if err := br.Close(); err != nil {
		return classify(fmt.Errorf("pgstore: read the batch: %w", err))
	}
	tx.seenDig, tx.seenCur = seenDig, seenCur
	return nil
}

func fromNanos(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
