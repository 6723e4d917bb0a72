// Package witnessing is the witnesses' use cases: an admin registers a
// witness's note key (Add); the witness posts the server's checkpoint with
// its cosignature line (Cosign); the server keeps, for each witness, the
// latest tree it cosigned, after checking both signatures and that the
// tree is a prefix of its own log; anyone reads them back with the current
// checkpoint (List). A round may require a number of cosignatures of its
// frozen checkpoint before its results are published (SetMinCosignatures,
// CheckCosignatures).
package witnessing

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/plural"
	"appariement/shared/translog"
	"appariement/syncserver/auditing"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Service is the witnesses' use cases over a store.
type Service struct {
	st     *store.Store
	rounds *rounds.Updater
}

// New returns the witnesses' use cases over st; a round's minimum of
// cosignatures changes through upd (the rounds' one way to change a round
// with its audit entry).
func New(st *store.Store, upd *rounds.Updater) *Service { return &Service{st: st, rounds: upd} }

// Add registers (or registers again) a witness's note key, by actor at
// now, audited. The name defaults to the key's and must be the key's; the
// server's own name is refused. The same key again keeps its cosignature.
func (w *Service) Add(actor string, now time.Time, in api.AddWitnessRequest) (api.Witness, error) {
	v, err := note.NewVerifier(in.Key)
	if err != nil {
		return api.Witness{}, api.Errorf(api.CodeBadRequest, "clé de témoin invalide : %v", "invalid witness key: %v", err)
	}
	if in.Name == "" {
		in.Name = v.Name()
	}
	if v.Name() != in.Name {
		return api.Witness{}, api.Errorf(api.CodeBadRequest, "la clé du témoin est au nom de %q, pas %q", "the witness key is named %q, not %q", v.Name(), in.Name)
	}
	if in.Name == w.st.ServerKey().Name {
		return api.Witness{}, api.Errorf(api.CodeBadRequest, "un témoin ne peut porter le nom du serveur", "a witness cannot have the server's name")
	}
	rec := store.WitnessRecord{Witness: store.Witness{Name: in.Name, Key: in.Key}, AddedAt: now.UTC()}
	err = w.st.Update(func(tx store.Tx) error {
		if old, err := tx.Witness(in.Name); err == nil && old.Key == in.Key {
			rec = *old // same key again: keep its cosignature
		}
		if err := tx.PutWitness(rec); err != nil {
			return err
		}
		return tx.Audit(auditing.Entry(now, actor, "add-witness", "", in.Name, "", in))
	})
	if err != nil {
		return api.Witness{}, err
	}
	return api.Witness(rec.Witness), nil
}

// Cosign stores a registered witness's cosignature of one of the server's
// checkpoints, received at now. It needs no other authentication: the
// witness's signature is the credential. A cosignature of an older tree
// than the witness's last is checked and answered but not kept.
func (w *Service) Cosign(now time.Time, in api.CosignatureRequest) (api.WitnessStatus, error) {
	v, err := translog.NewVerifier(api.ServerKey(w.st.ServerKey()))
	if err != nil {
		return api.WitnessStatus{}, err
	}
	var out api.WitnessStatus
	err = w.st.Update(func(tx store.Tx) error {
		wr, err := tx.Witness(in.Witness)
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeUnknownWitness, "témoin %q inconnu : un administrateur doit d'abord enregistrer sa clé",
				"unknown witness %q: an admin must register its key first", in.Witness)
		}
		if err != nil {
			return err
		}
		tree, err := v.OpenCosigned(in.Checkpoint, api.Witness(wr.Witness))
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
		if tree.N >= wr.TreeSize {
			wr.Cosigned, wr.TreeSize, wr.CosignedAt = in.Checkpoint, tree.N, now.UTC()
			if err := tx.PutWitness(*wr); err != nil {
				return err
			}
		}
		out = api.WitnessStatus{Witness: api.Witness(wr.Witness), Cosigned: wr.Cosigned, TreeSize: wr.TreeSize, CosignedAt: wr.CosignedAt}
		return nil
	})
	return out, err
}

// List answers the current checkpoint and every registered witness with
// the latest checkpoint it cosigned.
func (w *Service) List() (api.WitnessesResponse, error) {
	text, _, err := w.st.Checkpoint()
	if err != nil {
		return api.WitnessesResponse{}, err
	}
	out := api.WitnessesResponse{Checkpoint: text, Witnesses: []api.WitnessStatus{}}
	err = w.st.View(func(tx store.Tx) error {
		ws, err := tx.Witnesses()
		for _, wr := range ws {
			out.Witnesses = append(out.Witnesses, api.WitnessStatus{Witness: api.Witness(wr.Witness), Cosigned: wr.Cosigned,
				TreeSize: wr.TreeSize, CosignedAt: wr.CosignedAt})
		}
		return err
	})
	return out, err
}

// SetMinCosignatures sets, by actor at now (audited), how many registered
// witnesses must have cosigned round's frozen checkpoint before its results
// are published (0 to 100). A published round is refused, and so is any
// change while the clock reads before the last log leaf (clock_behind).
func (w *Service) SetMinCosignatures(actor string, now time.Time, round string, n int) (*store.RoundRecord, error) {
	if n < 0 || n > 100 {
		return nil, api.Errorf(api.CodeBadRequest, "nombre de cosignatures invalide", "invalid number of cosignatures")
	}
	return w.rounds.Change(round, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
		if rec.State == domain.StatePublished {
			return store.AuditEntry{}, api.Errorf(api.CodeInvalidState, "le tour %s est déjà publié", "round %s is already published", round)
		}
		rec.MinCosignatures = n
		return auditing.Entry(now, actor, "set-min-cosignatures", round, "", "", api.MinCosignaturesRequest{MinCosignatures: n}), nil
	})
}

// CheckCosignatures refuses, in the publishing transaction tx, to publish
// round r whose frozen checkpoint has fewer witness cosignatures than r
// requires.
func (w *Service) CheckCosignatures(tx store.Tx, r *domain.Round) error {
	if r.MinCosignatures <= 0 {
		return nil
	}
	if r.Checkpoint == "" {
		return errors.New("publish: the round has no frozen checkpoint")
	}
	v, err := translog.NewVerifier(api.ServerKey(w.st.ServerKey()))
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
		m := r.MinCosignatures
		return api.Errorf(api.CodeNotCosigned,
			"le tour %[1]s exige %[2]d %[3]s de témoins de son point de contrôle figé (arbre de taille %[5]d) ; il en a %[6]d : attendez que les témoins passent",
			"round %[1]s requires %[2]d witness %[4]s of its frozen checkpoint (tree size %[5]d); it has %[6]d: wait for the witnesses",
			r.ID, m, plural.FR(m, "cosignature", "cosignatures"), plural.EN(m, "cosignature", "cosignatures"), tree.N, n)
	}
	return nil
}
