package server

import "github.com/gorilla/mux"

// binomeLinks answers the current binôme links of a round that name the
// caller (GET /v1/rounds/{round}/binomes; every link for an admin), with
// the binômes they form: intake.BinomeLinks.
func (s *Server) binomeLinks(q *req) error {
	out, err := s.intake.BinomeLinks(mux.Vars(q.r)["round"], q.who)
	if err != nil {
		return err
	}
	return q.ok(out)
}
