// Package auditing is what the server records for, and shows to, those who
// check it: the audit log's entries (Entry builds one; every use case
// writes its own in the transaction that makes the change), the audit log
// and the transparency log's leaves read back, audit bundles of published
// rounds, and the audited hot backup of the store.
package auditing

import (
	"fmt"
	"io"
	"slices"
	"time"

	"appariement/shared/api"
	"appariement/shared/audit"
	"appariement/shared/domain"
	"appariement/shared/frozen"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Entry is the audit entry of action by actor at now, about round and
// target, with the actor's reason and a detail encoded in JSON (none if
// detail is nil): rounds.Actor's, for the use cases that name the actor
// by its identifier.
func Entry(now time.Time, actor, action, round, target, reason string, detail any) store.AuditEntry {
	return rounds.Actor{ID: actor, Now: now}.Audit(action, round, target, reason, detail)
}

// PublishedFunc loads the record, result and signed result envelope of a
// published round in tx, refusing a round that is unknown or not published.
type PublishedFunc func(tx store.Tx, round string) (*store.RoundRecord, *domain.Result, []byte, error)

// Service reads and records what auditors and admins check.
type Service struct {
	st        *store.Store
	published PublishedFunc
}

// New returns the audit use cases over st; published loads a published
// round's result (the rounds' own rule).
func New(st *store.Store, published PublishedFunc) *Service {
	return &Service{st: st, published: published}
}

// Log returns at most limit entries of the audit log after sequence
// number after, oldest first.
func (a *Service) Log(after uint64, limit int) (api.AuditResponse, error) {
	out := api.AuditResponse{Entries: []api.AuditEntry{}}
	err := a.st.View(func(tx store.Tx) error {
		e, err := tx.AuditLog(after, limit)
		for _, x := range e {
			out.Entries = append(out.Entries, api.AuditEntry(x))
		}
		return err
	})
	return out, err
}

// MaxLogEntries bounds the leaves one call of LogEntries returns.
const MaxLogEntries = 1000

// LogEntries returns the decoded leaves [start, end) of the transparency
// log (end clipped to its size), at most MaxLogEntries of them.
func (a *Service) LogEntries(start, end int64) (api.LogEntriesResponse, error) {
	if end < start || end-start > MaxLogEntries {
		return api.LogEntriesResponse{}, api.Errorf(api.CodeBadRequest, "intervalle invalide (1000 entrées au plus)", "invalid range (at most 1000 entries)")
	}
	out := api.LogEntriesResponse{Start: start, Entries: []api.LogEntry{}}
	err := a.st.View(func(tx store.Tx) error {
		out.TreeSize = tx.TreeSize()
		return tx.ForEachLeaf(start, min(end, out.TreeSize), func(i int64, data []byte) error {
			at, env, err := store.ParseLeaf(data)
			if err != nil {
				return fmt.Errorf("auditing: leaf %d: %w", i, err)
			}
			out.Entries = append(out.Entries, api.LogEntry{Index: i, ServerTime: at, Digest: env.Digest(), Envelope: env})
			return nil
		})
	})
	return out, err
}

// Backup records in the audit log that actor takes a backup at now, so
// that the copy records it, then calls begin and streams a hot copy of the
// whole store (one read transaction: submissions go on meanwhile) to the
// writer it returns. started reports whether begin was called: an error
// after it means the copy written is truncated.
func (a *Service) Backup(actor string, now time.Time, begin func() io.Writer) (started bool, err error) {
	if err := a.st.Update(func(tx store.Tx) error {
		return tx.Audit(Entry(now, actor, "backup", "", "", "", nil))
	}); err != nil {
		return false, err
	}
	return true, a.st.Backup(begin())
}

// Bundle builds the audit bundle of a published round: the frozen input
// document, the log leaf of every envelope it names with its inclusion
// proof in the frozen checkpoint, the authors' registered keys, the frozen
// and the current checkpoints with the consistency proof, and the signed
// result. Personal data is limited to what the document holds
// (identifiers, specialties, subdivisions, ranks) and the envelopes.
func (a *Service) Bundle(round string) (*audit.Bundle, error) {
	b := &audit.Bundle{Version: audit.BundleVersion, Round: round, ServerKey: api.ServerKey(a.st.ServerKey())}
	var (
		signed []byte
		size   int64
		in     *frozen.Input
	)
	err := a.st.View(func(tx store.Tx) error {
		rec, res, env, err := a.published(tx, round)
		if err != nil {
			return err
		}
		signed, size, b.FrozenCheckpoint = env, res.TreeSize, res.Checkpoint
		b.TieBreakCommitment, b.CallListCommitment = rec.TieBreakCommitment, rec.CallListCommitment
		if b.Input, err = tx.Input(round); store.IsNotFound(err) {
			return api.Errorf(api.CodeInvalidState, "le tour %s a été calculé avant l'enregistrement de son entrée figée : relancez-le avant de publier",
				"round %s was run before its frozen input was recorded: run it again before publishing", round)
		} else if err != nil {
			return err
		}
		if in, err = frozen.Decode(b.Input); err != nil {
			return err
		}
		authors := map[string]bool{}
		// The envelopes the input names, then the two signed links of each
		// binôme (audit.Verify checks them too).
		used := slices.Clone(in.Envelopes)
		for _, bn := range in.Binomes {
			for k, index := range bn.Envelopes {
				used = append(used, frozen.Envelope{Index: index, Author: bn.Interns[k]})
			}
		}
		for _, e := range used {
			data, err := tx.Leaf(e.Index)
			if err != nil {
				return err
			}
			b.Leaves = append(b.Leaves, audit.Leaf{Index: e.Index, Data: data})
			if authors[e.Author] {
				continue
			}
			authors[e.Author] = true
			hist, err := tx.KeyHistory(e.Author)
			if err != nil {
				return err
			}
			for _, k := range hist {
				b.Keys = append(b.Keys, audit.Key{Person: k.Person, PublicKey: k.PublicKey, Registered: k.Registered, Revoked: k.Revoked})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if b.Result, err = store.DecodeOwnEnvelope(signed); err != nil {
		return nil, err
	}
	for i := range b.Leaves {
		if b.Leaves[i].Proof, err = a.st.InclusionProof(b.Leaves[i].Index, size); err != nil {
			return nil, err
		}
	}
	text, tree, err := a.st.Checkpoint()
	if err != nil {
		return nil, err
	}
	b.Checkpoint = text
	if b.Consistency, err = a.st.ConsistencyProof(size, tree.N); err != nil {
		return nil, err
	}
	return b, nil
}
