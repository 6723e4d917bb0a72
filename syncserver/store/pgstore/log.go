package pgstore

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/translog"
	"appariement/syncserver/store"
)

// The transparency log is log_leaves (leaf data by index) and log_hashes
// (tlog's stored hashes by stored-hash index); log_head holds its size and
// the last leaf's time, and is the row every append locks.

// hashReader reads stored hashes in the transaction, the ones the current
// batch computed first.
type hashReader struct {
	tx      *Tx
	pending map[int64]tlog.Hash
}

func (h hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	at := map[int64][]int{}
	for i, x := range indexes {
		if v, ok := h.pending[x]; ok {
			out[i] = v
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
	rows, err := h.tx.tx.Query(h.tx.ctx, "SELECT idx, hash FROM log_hashes WHERE idx = ANY($1)", missing)
	if err != nil {
		return nil, fmt.Errorf("read stored hashes: %w", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var idx int64
		var v []byte
		if err := rows.Scan(&idx, &v); err != nil {
			return nil, fmt.Errorf("read stored hashes: %w", err)
		}
		if len(v) != tlog.HashSize {
			return nil, fmt.Errorf("stored hash %d: %d bytes", idx, len(v))
		}
		for _, i := range at[idx] {
			copy(out[i][:], v)
		}
		found++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stored hashes: %w", err)
	}
	if found != len(missing) {
		return nil, fmt.Errorf("stored hashes missing: %d of %d found", found, len(missing))
	}
	return out, nil
}

func (tx *Tx) hashes() hashReader {
	var p map[int64]tlog.Hash
	if tx.batch != nil {
		p = tx.batch.hashes
	}
	return hashReader{tx: tx, pending: p}
}

// TreeSize returns the number of leaves in the log (in an append's
// transaction, with the batch's leaves so far).
func (tx *Tx) TreeSize() int64 {
	if tx.batch != nil {
		return tx.batch.size
	}
	var n int64
	if err := tx.tx.QueryRow(tx.ctx, "SELECT size FROM log_head").Scan(&n); err != nil {
		tx.keep(fmt.Errorf("pgstore: tree size: %w", err))
		return 0
	}
	return n
}

// Leaf returns the data of leaf index.
func (tx *Tx) Leaf(index int64) ([]byte, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	var v []byte
	err := tx.tx.QueryRow(tx.ctx, "SELECT data FROM log_leaves WHERE idx = $1", index).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: leaf %d: %w", index, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("pgstore: leaf %d: %w", index, err)
	}
	return v, nil
}

// leafChunk is how many leaves ForEachLeaf reads at once.
const leafChunk = 1000

// ForEachLeaf calls fn with the index and data of leaves [start, end), in
// order. fn may use the transaction (the leaves are read by chunks).
func (tx *Tx) ForEachLeaf(start, end int64, fn func(index int64, data []byte) error) error {
	if err := tx.flush(); err != nil {
		return err
	}
	for from := start; from < end; {
		type leaf struct {
			i    int64
			data []byte
		}
		rows, err := tx.tx.Query(tx.ctx, "SELECT idx, data FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT $3",
			from, end, leafChunk)
		if err != nil {
			return fmt.Errorf("pgstore: leaves from %d: %w", from, err)
		}
		var chunk []leaf
		for rows.Next() {
			var l leaf
			if err := rows.Scan(&l.i, &l.data); err != nil {
				rows.Close()
				return fmt.Errorf("pgstore: leaves from %d: %w", from, err)
			}
			chunk = append(chunk, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("pgstore: leaves from %d: %w", from, err)
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

// TreeHash returns the root hash of the log's first n leaves.
func (tx *Tx) TreeHash(n int64) (tlog.Hash, error) {
	h, err := tlog.TreeHash(n, tx.hashes())
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("pgstore: tree hash %d: %w", n, err)
	}
	return h, nil
}

// lastLeafTime reads the server time of the last leaf.
func (tx *Tx) lastLeafTime() (time.Time, error) {
	if tx.batch != nil {
		return tx.batch.last, nil
	}
	var ns int64
	if err := tx.tx.QueryRow(tx.ctx, "SELECT last_leaf_ns FROM log_head").Scan(&ns); err != nil {
		return time.Time{}, fmt.Errorf("pgstore: last leaf time: %w", err)
	}
	return fromNanos(ns), nil
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

// CheckClock refuses (clock_behind) when now is before the server time
// of the last leaf, as the embedded store does.
func (tx *Tx) CheckClock(now time.Time) error {
	last, err := tx.lastLeafTime()
	if err != nil {
		return err
	}
	if now.Before(last) {
		return clockBehind(now, last)
	}
	return nil
}

// CheckClock is Tx.CheckClock against the last leaf time this node saw,
// with a slack of one second.
func (s *Store) CheckClock(now time.Time) error {
	s.health.mu.Lock()
	last := s.health.lastLeaf
	s.health.mu.Unlock()
	if now.Add(time.Second).Before(last) {
		return clockBehind(now, last)
	}
	return nil
}

func clockBehind(now, last time.Time) *api.Error {
	behind := last.Sub(now)
	secs := min(int(behind/time.Second)+2, 300)
	e := api.Errorf(api.CodeClockBehind,
		"l'horloge du serveur (%s) est en retard sur la dernière entrée du journal (%s) : aucun envoi ni changement de tour n'est accepté avant qu'elle soit corrigée ; réessayez dans %d s",
		"the server's clock (%s) is behind the last log entry (%s): no submission or round change is accepted until it is corrected; retry in %d s",
		now.UTC().Format(time.RFC3339Nano), last.UTC().Format(time.RFC3339Nano), secs)
	e.RetryAfter = secs
	return e
}

// checkpointCache keeps the last signed checkpoint (signing is cheap, but
// the tree hash costs a query).
type checkpointCache struct {
	mu   sync.Mutex
	tree tlog.Tree
	text string
}

// Checkpoint returns the signed checkpoint of the log as it is now.
func (s *Store) Checkpoint() (string, tlog.Tree, error) {
	var tree tlog.Tree
	err := s.view(s.ctx(), func(tx *Tx) error {
		tree.N = tx.TreeSize()
		if tx.err != nil {
			return tx.err
		}
		s.cp.mu.Lock()
		cachedTree, cachedText := s.cp.tree, s.cp.text
		s.cp.mu.Unlock()
		if cachedText != "" && cachedTree.N == tree.N {
			tree = cachedTree
			return nil
		}
		var err error
		tree.Hash, err = tx.TreeHash(tree.N)
		return err
	})
	if err != nil {
		return "", tree, err
	}
	return s.signTree(tree)
}

func (s *Store) signTree(tree tlog.Tree) (string, tlog.Tree, error) {
	s.cp.mu.Lock()
	defer s.cp.mu.Unlock()
	if s.cp.text != "" && s.cp.tree == tree {
		return s.cp.text, tree, nil
	}
	s.keyMu.RLock()
	signer := s.signer
	s.keyMu.RUnlock()
	if signer == nil {
		return "", tree, store.ErrNoKey
	}
	text, err := translog.SignTree(signer, tree)
	if err != nil {
		return "", tree, fmt.Errorf("pgstore: %w", err)
	}
	if tree.N >= s.cp.tree.N {
		s.cp.tree, s.cp.text = tree, text
	}
	return text, tree, nil
}

// InclusionProof returns the proof that leaf index is in the tree of the
// log's first size leaves.
func (s *Store) InclusionProof(index, size int64) ([][]byte, error) {
	var proof tlog.RecordProof
	err := s.view(s.ctx(), func(tx *Tx) error {
		if size > tx.TreeSize() || index < 0 || index >= size {
			return fmt.Errorf("pgstore: inclusion of %d in %d: %w", index, size, store.ErrNotFound)
		}
		var err error
		proof, err = tlog.ProveRecord(size, index, tx.hashes())
		if err != nil {
			return fmt.Errorf("pgstore: inclusion of %d in %d: %w", index, size, err)
		}
		return nil
	})
	return translog.ProofBytes(proof), err
}

// ConsistencyProof returns the proof that the tree of size newer extends
// the tree of size older.
func (s *Store) ConsistencyProof(older, newer int64) ([][]byte, error) {
	var proof tlog.TreeProof
	err := s.view(s.ctx(), func(tx *Tx) error {
		if newer > tx.TreeSize() || older < 0 || older > newer {
			return fmt.Errorf("pgstore: consistency %d→%d: %w", older, newer, store.ErrNotFound)
		}
		if older == 0 || older == newer {
			return nil
		}
		var err error
		proof, err = tlog.ProveTree(newer, older, tx.hashes())
		if err != nil {
			return fmt.Errorf("pgstore: consistency %d→%d: %w", older, newer, err)
		}
		return nil
	})
	return translog.ProofBytes(proof), err
}

// Receipt builds the receipt of leaf index, accepted at serverTime with
// the given envelope digest, against the latest checkpoint.
func (s *Store) Receipt(index int64, serverTime time.Time, digest string) (*api.Receipt, error) {
	text, tree, err := s.Checkpoint()
	if err != nil {
		return nil, err
	}
	proof, err := s.InclusionProof(index, tree.N)
	if err != nil {
		return nil, err
	}
	return &api.Receipt{Index: index, ServerTime: serverTime, Digest: digest, Checkpoint: text, Proof: proof}, nil
}
