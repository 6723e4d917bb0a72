package server

import (
	"errors"
	"fmt"

	"github.com/gorilla/mux"
	"golang.org/x/mod/sumdb/note"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/translog"
	"appariement/syncserver/store"
)

// Witnesses: an admin registers a witness's note key; the witness posts
// the server's checkpoint with its cosignature line; the server keeps, for
// each witness, the latest tree it cosigned, after checking both
// signatures and that the tree is a prefix of its own log; anyone reads
// them back with the current checkpoint.

// addWitness registers a witness (POST /v1/admin/witnesses).
func (s *Server) addWitness(q *req) error {
	var in api.AddWitnessRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	v, err := note.NewVerifier(in.Key)
	if err != nil {
		return badRequest("clé de témoin invalide : %v", "invalid witness key: %v", err)
	}
	if in.Name == "" {
		in.Name = v.Name()
	}
	if v.Name() != in.Name {
		return badRequest("la clé du témoin est au nom de %q, pas %q", "the witness key is named %q, not %q", v.Name(), in.Name)
	}
	if in.Name == s.store.ServerKey().Name {
		return badRequest("un témoin ne peut porter le nom du serveur", "a witness cannot have the server's name")
	}
	rec := store.WitnessRecord{Witness: store.Witness{Name: in.Name, Key: in.Key}, AddedAt: q.now.UTC()}
	err = s.store.Update(func(tx store.Tx) error {
		if old, err := tx.Witness(in.Name); err == nil && old.Key == in.Key {
			rec = *old // same key again: keep its cosignature
		}
		if err := tx.PutWitness(rec); err != nil {
			return err
		}
		return tx.Audit(q.audit("add-witness", "", in.Name, "", in))
	})
	if err != nil {
		return err
	}
	return q.ok(api.Witness(rec.Witness))
}

// postCosignature stores a registered witness's cosignature of one of the
// server's checkpoints (POST /v1/log/cosignatures). The request needs no
// other authentication: the witness's signature is the credential.
func (s *Server) postCosignature(q *req) error {
	var in api.CosignatureRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	v, err := translog.NewVerifier(apiServerKey(s.store.ServerKey()))
	if err != nil {
		return err
	}
	var out api.WitnessStatus
	err = s.store.Update(func(tx store.Tx) error {
		w, err := tx.Witness(in.Witness)
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeUnknownWitness, "témoin %q inconnu : un administrateur doit d'abord enregistrer sa clé",
				"unknown witness %q: an admin must register its key first", in.Witness)
		}
		if err != nil {
			return err
		}
		tree, err := v.OpenCosigned(in.Checkpoint, api.Witness(w.Witness))
		if err != nil {
			return api.Errorf(api.CodeBadSignature, "cosignature invalide : %v", "invalid cosignature: %v", err)
		}
		if tree.N > tx.TreeSize() {
			return api.Errorf(api.CodeBadRequest, "arbre de taille %d inconnu de ce journal", "no tree of size %d in this log", tree.N)
		}
		h, err := store.TreeHash(tx, tree.N)
		if err != nil {
			return err
		}
		if h != tree.Hash {
			return api.Errorf(api.CodeBadRequest, "l'arbre cosigné n'est pas celui de ce journal", "the cosigned tree is not this log's")
		}
		if tree.N >= w.TreeSize {
			w.Cosigned, w.TreeSize, w.CosignedAt = in.Checkpoint, tree.N, q.now.UTC()
			if err := tx.PutWitness(*w); err != nil {
				return err
			}
		}
		out = api.WitnessStatus{Witness: api.Witness(w.Witness), Cosigned: w.Cosigned, TreeSize: w.TreeSize, CosignedAt: w.CosignedAt}
		return nil
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// cosignatures answers the current checkpoint and every registered
// witness with the latest checkpoint it cosigned (GET /v1/log/cosignatures).
func (s *Server) cosignatures(q *req) error {
	text, _, err := s.store.Checkpoint()
	if err != nil {
		return err
	}
	out := api.WitnessesResponse{Checkpoint: text, Witnesses: []api.WitnessStatus{}}
	err = s.store.View(func(tx store.Tx) error {
		ws, err := tx.Witnesses()
		for _, w := range ws {
			out.Witnesses = append(out.Witnesses, api.WitnessStatus{Witness: api.Witness(w.Witness), Cosigned: w.Cosigned,
				TreeSize: w.TreeSize, CosignedAt: w.CosignedAt})
		}
		return err
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// setMinCosignatures sets how many registered witnesses must have
// cosigned a round's frozen checkpoint before its results are published
// (PUT /v1/admin/rounds/{round}/witnesses).
func (s *Server) setMinCosignatures(q *req) error {
	id := mux.Vars(q.r)["round"]
	var in api.MinCosignaturesRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if in.MinCosignatures < 0 || in.MinCosignatures > 100 {
		return badRequest("nombre de cosignatures invalide", "invalid number of cosignatures")
	}
	rec, err := s.updateRound(q, id, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
		if rec.State == domain.StatePublished {
			return store.AuditEntry{}, api.Errorf(api.CodeInvalidState, "le tour %s est déjà publié", "round %s is already published", id)
		}
		rec.MinCosignatures = in.MinCosignatures
		return q.audit("set-min-cosignatures", id, "", "", in), nil
	})
	if err != nil {
		return err
	}
	return q.ok(rec.Round)
}

// checkCosignatures refuses to publish a round whose frozen checkpoint has
// fewer witness cosignatures than the round requires.
func (s *Server) checkCosignatures(tx store.Tx, r *domain.Round) error {
	if r.MinCosignatures <= 0 {
		return nil
	}
	if r.Checkpoint == "" {
		return errors.New("publish: the round has no frozen checkpoint")
	}
	v, err := translog.NewVerifier(apiServerKey(s.store.ServerKey()))
	if err != nil {
		return err
	}
	tree, err := v.OpenCheckpoint(r.Checkpoint)
	if err != nil {
		return fmt.Errorf("publish %s: frozen %w", r.ID, err)
	}
	n, err := store.CosignersOf(tx, tree.N)
	if err != nil {
		return err
	}
	if n < r.MinCosignatures {
		return api.Errorf(api.CodeNotCosigned,
			"le tour %s exige %d cosignature(s) de témoins de son point de contrôle figé (arbre de taille %d) ; il en a %d : attendez que les témoins passent",
			"round %s requires %d witness cosignature(s) of its frozen checkpoint (tree size %d); it has %d: wait for the witnesses",
			r.ID, r.MinCosignatures, tree.N, n)
	}
	return nil
}
