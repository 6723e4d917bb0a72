package server

import (
	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/syncserver/corrections"
)

// The correction queue (package corrections): RTS, coordinators and admins
// file requests and see theirs; admins decide every one.

// staff may use the correction queue.
var staff = corrections.Staff

// fileCorrection files a correction request (POST /v1/corrections).
func (s *Server) fileCorrection(q *req) error {
	var in api.CorrectionRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	c, err := s.corrections.File(q.who, q.now, in)
	if err != nil {
		return err
	}
	return q.ok(c)
}

// listCorrections lists the requests a caller may see (GET
// /v1/corrections?status=&round=): admins all, others their own and, for
// an RTS, those about their postes.
func (s *Server) listCorrections(q *req) error {
	out, err := s.corrections.List(q.who, api.CorrectionStatus(q.r.URL.Query().Get("status")), q.r.URL.Query().Get("round"))
	if err != nil {
		return err
	}
	return q.ok(out)
}

// decideCorrection accepts, applies or refuses a request (POST
// /v1/admin/corrections/{id}/decision); the author is told by e-mail.
func (s *Server) decideCorrection(q *req) error {
	var in api.CorrectionDecision
	if err := q.decode(&in); err != nil {
		return err
	}
	c, err := s.corrections.Decide(q.who, q.now, mux.Vars(q.r)["id"], in)
	if err != nil {
		return err
	}
	return q.ok(c)
}

// scopePeople lists the people a coordinator may see (GET
// /v1/scope/people): the interns of their specialty and subdivision and
// the RTS of the postes there, in every round.
func (s *Server) scopePeople(q *req) error {
	out, err := s.accounts.ScopePeople(q.who)
	if err != nil {
		return err
	}
	return q.ok(out)
}
