package server

import "github.com/gorilla/mux"

// participation answers who has submitted what in a round (GET
// /v1/admin/rounds/{round}/participation), from the current submissions.
func (s *Server) participation(q *req) error {
	out, err := s.roundAdmin.Participation(mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return q.ok(out)
}
