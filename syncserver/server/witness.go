package server

import (
	"github.com/gorilla/mux"

	"appariement/shared/api"
)

// Witnesses (package witnessing): an admin registers a witness's note key;
// the witness posts the server's checkpoint with its cosignature line;
// anyone reads them back with the current checkpoint.

// addWitness registers a witness (POST /v1/admin/witnesses).
func (s *Server) addWitness(q *req) error {
	var in api.AddWitnessRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	w, err := s.witnesses.Add(q.who.ID, q.now, in)
	if err != nil {
		return err
	}
	return q.ok(w)
}

// postCosignature stores a registered witness's cosignature of one of the
// server's checkpoints (POST /v1/log/cosignatures). The request needs no
// other authentication: the witness's signature is the credential.
func (s *Server) postCosignature(q *req) error {
	var in api.CosignatureRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	out, err := s.witnesses.Cosign(q.now, in)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// cosignatures answers the current checkpoint and every registered
// witness with the latest checkpoint it cosigned (GET /v1/log/cosignatures).
func (s *Server) cosignatures(q *req) error {
	out, err := s.witnesses.List()
	if err != nil {
		return err
	}
	return q.ok(out)
}

// setMinCosignatures sets how many registered witnesses must have
// cosigned a round's frozen checkpoint before its results are published
// (PUT /v1/admin/rounds/{round}/witnesses).
func (s *Server) setMinCosignatures(q *req) error {
	var in api.MinCosignaturesRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	rec, err := s.witnesses.SetMinCosignatures(q.who.ID, q.now, mux.Vars(q.r)["round"], in.MinCosignatures)
	if err != nil {
		return err
	}
	return q.ok(rec.Round)
}
