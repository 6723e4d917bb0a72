package translog

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Fork is the evidence that the server showed two histories of its log
// that cannot both be true: two checkpoints, both signed by the pinned
// server key, of which neither extends the other (a failed consistency
// proof, two hashes for one size, or a tree that shrank).
type Fork struct {
	// Trusted is the checkpoint the client had verified before.
	Trusted string `json:"trusted"`
	// Offered is the signed checkpoint that contradicts it.
	Offered string `json:"offered"`
	// Proof is the consistency proof the server gave, if any.
	Proof [][]byte `json:"proof,omitempty"`
	// Reason says, in English, what did not hold.
	Reason string `json:"reason"`
	// Source is where the offered checkpoint came from (receipt, result,
	// sync, witness…).
	Source string `json:"source"`
	// DetectedAt is when the client noticed.
	DetectedAt time.Time `json:"detected_at"`
}

// ForkError is returned by CheckpointKeeper.Observe when the offered
// checkpoint contradicts the trusted one. The evidence has been stored.
type ForkError struct{ Fork Fork }

func (e *ForkError) Error() string {
	return "transparency log: the server shows a history incompatible with the one it showed before: " + e.Fork.Reason
}

// IsFork reports whether err is (or wraps) a ForkError.
func IsFork(err error) bool {
	var f *ForkError
	return errors.As(err, &f)
}

// CheckpointStore keeps, durably, the latest checkpoint a client verified
// and the evidence of every fork it saw.
type CheckpointStore interface {
	// TrustedCheckpoint returns the latest verified checkpoint, "" if none.
	TrustedCheckpoint() (string, error)
	// SaveTrustedCheckpoint replaces it.
	SaveTrustedCheckpoint(checkpoint string) error
	// SaveFork keeps the evidence of a fork.
	SaveFork(f Fork) error
}

// ProofSource gives consistency proofs between two tree sizes, as
// GET /v1/log/consistency does (shared/client.Client implements it).
type ProofSource interface {
	ConsistencyProof(ctx context.Context, older, newer int64) ([][]byte, error)
}

// CheckpointKeeper is the one place where a client decides whether to
// trust a checkpoint the server shows it: every signed checkpoint, from a
// receipt, a result, a sync or a witness, must be consistent with the
// latest one it verified. A fork is kept as evidence and the trusted
// checkpoint is never replaced by a checkpoint that contradicts it. It is
// safe for concurrent use.
type CheckpointKeeper struct {
	Verifier *Verifier
	Store    CheckpointStore
	Proofs   ProofSource
	// Now is the clock (time.Now).
	Now func() time.Time

	mu sync.Mutex
}

// Observe checks the signed checkpoint offered (from source) against the
// trusted one: a larger tree must come with a valid consistency proof
// from the trusted one, and then becomes the trusted one; the same size
// must have the same hash; a smaller tree (an older checkpoint, such as a
// round's frozen one) must be proved a prefix of the trusted one. It
// returns a *ForkError, after storing the evidence, when the histories are
// incompatible, and another error when it could not check (bad signature,
// network): the checkpoint is then not to be trusted yet.
func (k *CheckpointKeeper) Observe(ctx context.Context, source, checkpoint string) error {
	return k.observe(ctx, source, checkpoint, false)
}

// ObserveLatest is Observe for a checkpoint the server presents as its
// current one (GET /v1/log/checkpoint): a tree smaller than the trusted
// one is then a rollback.
func (k *CheckpointKeeper) ObserveLatest(ctx context.Context, source, checkpoint string) error {
	return k.observe(ctx, source, checkpoint, true)
}

func (k *CheckpointKeeper) observe(ctx context.Context, source, checkpoint string, latest bool) error {
	offered, err := k.Verifier.OpenCheckpoint(checkpoint)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	trustedText, err := k.Store.TrustedCheckpoint()
	if err != nil {
		return fmt.Errorf("trusted checkpoint: %w", err)
	}
	if trustedText == "" {
		// First checkpoint ever seen: trust on first use.
		if err := k.Store.SaveTrustedCheckpoint(checkpoint); err != nil {
			return fmt.Errorf("save trusted checkpoint: %w", err)
		}
		return nil
	}
	trusted, err := k.Verifier.OpenCheckpoint(trustedText)
	if err != nil {
		return fmt.Errorf("stored trusted checkpoint: %w", err)
	}
	fork := func(reason string, proof [][]byte) error {
		f := Fork{Trusted: trustedText, Offered: checkpoint, Proof: proof, Reason: reason, Source: source, DetectedAt: k.now()}
		if err := k.Store.SaveFork(f); err != nil {
			return fmt.Errorf("save fork evidence: %w (%s)", err, reason)
		}
		return &ForkError{Fork: f}
	}
	switch {
	case trusted.N == 0 && offered.N > 0:
		// Every tree extends the empty one: nothing to prove.
		if err := k.Store.SaveTrustedCheckpoint(checkpoint); err != nil {
			return fmt.Errorf("save trusted checkpoint: %w", err)
		}
		return nil
	case offered.N == 0 && trusted.N > 0 && !latest:
		return nil // the empty tree is a prefix of every tree
	case offered.N == trusted.N:
		if offered.Hash != trusted.Hash {
			return fork(fmt.Sprintf("two different hashes for the tree of size %d", offered.N), nil)
		}
		return nil
	case offered.N < trusted.N && latest:
		return fork(fmt.Sprintf("rollback: the current tree has %d leaves, %d were shown before", offered.N, trusted.N), nil)
	case offered.N < trusted.N:
		proof, err := k.Proofs.ConsistencyProof(ctx, offered.N, trusted.N)
		if err != nil {
			return fmt.Errorf("consistency proof %d→%d: %w", offered.N, trusted.N, err)
		}
		if err := checkTree(proof, trusted, offered); err != nil {
			return fork(err.Error(), proof)
		}
		return nil
	default:
		proof, err := k.Proofs.ConsistencyProof(ctx, trusted.N, offered.N)
		if err != nil {
			return fmt.Errorf("consistency proof %d→%d: %w", trusted.N, offered.N, err)
		}
		if err := checkTree(proof, offered, trusted); err != nil {
			return fork(err.Error(), proof)
		}
		if err := k.Store.SaveTrustedCheckpoint(checkpoint); err != nil {
			return fmt.Errorf("save trusted checkpoint: %w", err)
		}
		return nil
	}
}

// checkTree checks that newer extends older with proof.
func checkTree(proof [][]byte, newer, older tlog.Tree) error {
	p, err := hashes(proof)
	if err != nil {
		return fmt.Errorf("consistency %d→%d: %w", older.N, newer.N, err)
	}
	if err := tlog.CheckTree(p, newer.N, newer.Hash, older.N, older.Hash); err != nil {
		return fmt.Errorf("consistency %d→%d: %w", older.N, newer.N, err)
	}
	return nil
}

func (k *CheckpointKeeper) now() time.Time {
	if k.Now != nil {
		return k.Now().UTC()
	}
	return time.Now().UTC()
}

// MemoryCheckpointStore is a CheckpointStore in memory (witnesses' tests,
// tools that keep no state).
type MemoryCheckpointStore struct {
	mu      sync.Mutex
	Trusted string
	Forks   []Fork
}

// TrustedCheckpoint implements CheckpointStore.
func (m *MemoryCheckpointStore) TrustedCheckpoint() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.Trusted, nil
}

// SaveTrustedCheckpoint implements CheckpointStore.
func (m *MemoryCheckpointStore) SaveTrustedCheckpoint(c string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Trusted = c
	return nil
}

// SaveFork implements CheckpointStore.
func (m *MemoryCheckpointStore) SaveFork(f Fork) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Forks = append(m.Forks, f)
	return nil
}
