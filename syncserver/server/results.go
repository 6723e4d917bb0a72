package server

import (
	"net/http"

	"github.com/gorilla/mux"
)

// writeSigned answers a signed envelope.
func writeSigned(q *req, signed []byte) error {
	// A published result never changes: polling it again costs a 304.
	if q.r.Method == http.MethodGet && q.notModified(contentETag("result", signed)) {
		return nil
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(signed)
	return nil
}

// fullResult serves the signed full result of a published round
// (GET /v1/rounds/{round}/result/full) to any enrolled person.
func (s *Server) fullResult(q *req) error {
	signed, err := s.roundAdmin.FullResult(mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return writeSigned(q, signed)
}

// personalResult serves the caller's signed result of a published round
// (GET /v1/rounds/{round}/result): see roundadmin.Service.PersonalResult.
func (s *Server) personalResult(q *req) error {
	signed, err := s.roundAdmin.PersonalResult(q.who, mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return writeSigned(q, signed)
}
