package service

import (
	"context"
	"errors"
	"fmt"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/translog"
)

// ProblemHistory: the result's checkpoint contradicts the history of the
// log the server showed this app before (a fork, kept as evidence).
const ProblemHistory = "result.problem.history"

// newKeeper returns the app's one checker of checkpoints, backed by the
// cache: the receipts (outbox), the results and the syncs all go through
// it.
func newKeeper(store *localstore.Store, v *translog.Verifier, proofs translog.ProofSource) *translog.CheckpointKeeper {
	return &translog.CheckpointKeeper{Verifier: v, Store: store, Proofs: proofs}
}

// Alarm returns the evidence of the latest fork the app saw, nil if none.
func (s *Service) Alarm() (*translog.Fork, error) {
	fs, err := s.Store.Forks()
	if err != nil || len(fs) == 0 {
		return nil, err
	}
	return &fs[len(fs)-1], nil
}

// SyncLog checks the server's current checkpoint, the frozen checkpoints
// of the rounds given, and the witnesses' cosigned checkpoints against the
// checkpoint the app trusts. Witnesses are pinned on first sight (a name
// that later comes with another key is not counted). It returns a
// *translog.ForkError if the server showed an incompatible history.
func (s *Service) SyncLog(ctx context.Context, frozen ...string) error {
	cp, err := s.Client.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("sync log: %w", err)
	}
	if err := s.Keeper.ObserveLatest(ctx, "sync", cp); err != nil {
		return err
	}
	for _, cp := range frozen {
		if cp == "" {
			continue
		}
		if err := s.Keeper.Observe(ctx, "round", cp); err != nil {
			return err
		}
	}
	resp, err := s.Client.Cosignatures(ctx)
	if err != nil {
		return fmt.Errorf("sync log: %w", err)
	}
	pinned, err := s.Store.Witnesses()
	if err != nil {
		return err
	}
	byName := map[string]localstore.PinnedWitness{}
	for _, w := range pinned {
		byName[w.Name] = w
	}
	for _, ws := range resp.Witnesses {
		pw, ok := byName[ws.Name]
		if !ok {
			pw = localstore.PinnedWitness{Witness: api.Witness{Name: ws.Name, Key: ws.Key}, PinnedAt: s.Now().UTC()}
		} else if pw.Key != ws.Key {
			continue // another key under a pinned name: not this witness
		}
		if ws.Cosigned != "" {
			tree, err := s.Verifier.OpenCosigned(ws.Cosigned, pw.Witness)
			if err != nil {
				continue // not a cosignature by the pinned witness
			}
			if err := s.Keeper.Observe(ctx, "witness "+ws.Name, ws.Cosigned); err != nil {
				if translog.IsFork(err) {
					return err
				}
				continue
			}
			if tree.N > pw.TreeSize {
				pw.TreeSize = tree.N
			}
		}
		if err := s.Store.SaveWitness(pw); err != nil {
			return err
		}
	}
	return nil
}

// Cosigners returns how many pinned witnesses cosigned the tree of the
// signed checkpoint (or a larger tree consistent with it, which vouches
// for it), and how many witnesses the app knows.
func (s *Service) Cosigners(checkpoint string) (cosigned, known int) {
	tree, err := s.Verifier.OpenCheckpoint(checkpoint)
	if err != nil {
		return 0, 0
	}
	ws, err := s.Store.Witnesses()
	if err != nil {
		return 0, 0
	}
	for _, w := range ws {
		if w.TreeSize >= tree.N {
			cosigned++
		}
	}
	return cosigned, len(ws)
}

// observeResult checks a verified result's checkpoint with the keeper: a
// fork marks the result not verified (ProblemHistory).
func (s *Service) observeResult(ctx context.Context, rec *localstore.ResultRecord) error {
	if !rec.Verified || rec.Result == nil {
		return nil
	}
	err := s.Keeper.Observe(ctx, "result "+rec.Round, rec.Result.Checkpoint)
	var fk *translog.ForkError
	if errors.As(err, &fk) {
		rec.Verified, rec.Problem, rec.Detail = false, ProblemHistory, fk.Error()
		return nil
	}
	return err
}
