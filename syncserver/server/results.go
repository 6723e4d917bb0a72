package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/frozen"
	"appariement/syncserver/store"
)

// published returns the published result of a round and its signed
// envelope, or refuses.
func (s *Server) published(tx store.Tx, round string) (*store.RoundRecord, *domain.Result, []byte, error) {
	rec, err := tx.Round(round)
	if store.IsNotFound(err) {
		return nil, nil, nil, unknownRound(round)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if rec.State != domain.StatePublished {
		return nil, nil, nil, api.Errorf(api.CodeInvalidState, "le résultat du tour %s n'est pas encore publié",
			"the result of round %s is not published yet", round)
	}
	res, signed, err := tx.Result(round)
	if err != nil {
		return nil, nil, nil, err
	}
	return rec, res, signed, nil
}

// fullResult serves the signed full result of a published round
// (GET /v1/rounds/{round}/result/full) to any enrolled person.
func (s *Server) fullResult(q *req) error {
	var signed []byte
	err := s.store.View(func(tx store.Tx) error {
		var err error
		_, _, signed, err = s.published(tx, mux.Vars(q.r)["round"])
		return err
	})
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(signed)
	return nil
}

// personalResult serves the caller's signed result of a published round
// (GET /v1/rounds/{round}/result): an intern's assignment, or the interns
// assigned to an RTS's postes, with the caller's last submission of the
// round and its inclusion proof in the frozen checkpoint.
func (s *Server) personalResult(q *req) error {
	round := mux.Vars(q.r)["round"]
	var (
		rec    *store.RoundRecord
		res    *domain.Result
		signed []byte
		subs   []store.Current
	)
	pr := api.PersonalResult{Round: round, Person: q.who.ID, Assignments: []domain.Assignment{}}
	inInput := map[int64]string{} // the caller's envelopes in the frozen input: index → digest
	err := s.store.View(func(tx store.Tx) error {
		var err error
		if rec, res, signed, err = s.published(tx, round); err != nil {
			return err
		}
		if subs, err = tx.Submissions(round, q.who.ID); err != nil {
			return err
		}
		if doc, err := tx.Input(round); err == nil {
			in, err := frozen.Decode(doc)
			if err != nil {
				return err
			}
			for _, e := range in.Envelopes {
				if e.Author == q.who.ID {
					inInput[e.Index] = e.Digest
				}
			}
		} else if !store.IsNotFound(err) {
			return err
		}
		for _, a := range res.Assignments {
			switch {
			case q.who.Role == domain.RoleIntern && a.Intern == q.who.ID:
				pr.Assignments = append(pr.Assignments, a)
			case q.who.Role == domain.RoleRTS:
				p, err := tx.Poste(round, a.Poste)
				if err != nil {
					return err
				}
				if p.RTS == q.who.ID {
					pr.Assignments = append(pr.Assignments, a)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	full, err := store.DecodeOwnEnvelope(signed)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(full.Payload)
	pr.Procedure, pr.Checkpoint, pr.ResultDigest, pr.PublishedAt = res.Procedure, res.Checkpoint, hex.EncodeToString(sum[:]), rec.PublishedAt
	pr.InputDigest = res.InputDigest
	if q.who.Role == domain.RoleIntern {
		for _, w := range res.WhyNot {
			if w.Intern == q.who.ID {
				pr.WhyNot = append(pr.WhyNot, w)
			}
		}
	}
	var last *store.Current
	for i := range subs {
		if c := &subs[i]; c.Index < res.TreeSize && (last == nil || c.Index > last.Index) {
			last = c
		}
	}
	if last != nil {
		proof, err := s.store.InclusionProof(last.Index, res.TreeSize)
		if err != nil {
			return err
		}
		pr.LastSubmission = &api.IncludedEntry{Index: last.Index, ServerTime: last.ServerTime, Digest: last.Digest, Proof: proof,
			InInput: inInput[last.Index] == last.Digest}
	}
	payload, err := json.Marshal(pr)
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(s.store.Sign(api.PersonalResultType, payload).Encode())
	return nil
}
