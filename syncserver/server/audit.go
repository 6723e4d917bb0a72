package server

import (
	"encoding/json"
	"net/http"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/audit"
	"appariement/shared/frozen"
	"appariement/syncserver/store"
)

// auditBundle serves the audit bundle of a published round
// (GET /v1/rounds/{round}/audit-bundle) to auditors and admins: the frozen
// input document, the log leaf of every envelope it names with its
// inclusion proof in the frozen checkpoint, the authors' registered keys,
// the frozen and the current checkpoints with the consistency proof, and
// the signed result. Personal data is limited to what the document holds
// (identifiers, specialties, subdivisions, ranks) and the envelopes.
func (s *Server) auditBundle(q *req) error {
	round := mux.Vars(q.r)["round"]
	b := &audit.Bundle{Version: audit.BundleVersion, Round: round, ServerKey: apiServerKey(s.store.ServerKey())}
	var (
		signed []byte
		size   int64
		in     *frozen.Input
	)
	err := s.store.View(func(tx store.Tx) error {
		_, res, env, err := s.published(tx, round)
		if err != nil {
			return err
		}
		signed, size, b.FrozenCheckpoint = env, res.TreeSize, res.Checkpoint
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
		for _, e := range in.Envelopes {
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
		return err
	}
	if b.Result, err = store.DecodeOwnEnvelope(signed); err != nil {
		return err
	}
	for i := range b.Leaves {
		if b.Leaves[i].Proof, err = s.store.InclusionProof(b.Leaves[i].Index, size); err != nil {
			return err
		}
	}
	text, tree, err := s.store.Checkpoint()
	if err != nil {
		return err
	}
	b.Checkpoint = text
	if b.Consistency, err = s.store.ConsistencyProof(size, tree.N); err != nil {
		return err
	}
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Content-Disposition", `attachment; filename="audit-`+safeFileName(round)+`.json"`)
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(data)
	return nil
}

// safeFileName keeps the letters, digits, '-' and '_' of a round id.
func safeFileName(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			out = append(out, r)
		}
	}
	return string(out)
}
