package server

import (
	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/syncserver/rounds"
)

// Admin routes: every change is made in one transaction with its audit
// entry (who, when, what, why).

// listPeople lists everyone with their enrollment (GET /v1/admin/people).
func (s *Server) listPeople(q *req) error {
	out, err := s.accounts.People()
	if err != nil {
		return err
	}
	return q.ok(out)
}

// issueCodes issues activation codes (POST /v1/admin/codes), with their
// e-mails (accounts.IssueCodes).
func (s *Server) issueCodes(q *req) error {
	var in api.IssueCodesRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	out, err := s.accounts.IssueCodes(q.who.ID, q.now, in)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// resetKey revokes a person's key and issues a new code
// (POST /v1/admin/people/{person}/reset-key), with a mandatory reason.
func (s *Server) resetKey(q *req) error {
	var in api.ResetKeyRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	ic, err := s.accounts.ResetKey(q.who.ID, q.now, mux.Vars(q.r)["person"], in.Reason)
	if err != nil {
		return err
	}
	return q.ok(ic)
}

// by is who sends the request and when, for the use cases.
func (q *req) by() rounds.Actor {
	a := rounds.Actor{Now: q.now}
	if q.who != nil {
		a.ID, a.Role = q.who.ID, q.who.Role
	}
	return a
}

// createRound creates a first round (POST /v1/admin/rounds).
func (s *Server) createRound(q *req) error {
	var in api.CreateRoundRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if err := checkID("tour / round", in.ID); err != nil {
		return err
	}
	r, err := s.roundAdmin.Create(q.by(), in)
	if err != nil {
		return err
	}
	return q.ok(r)
}

// roundDetail answers what a round holds (GET /v1/admin/rounds/{round}).
func (s *Server) roundDetail(q *req) error {
	d, err := s.roundAdmin.Detail(mux.Vars(q.r)["round"], q.now)
	if err != nil {
		return err
	}
	return q.ok(d)
}

// schedule sets a round's windows (PUT /v1/admin/rounds/{round}/schedule).
func (s *Server) schedule(q *req) error {
	var in api.ScheduleRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	r, err := s.roundAdmin.Schedule(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(r)
}

// transition moves a round to its next state
// (POST /v1/admin/rounds/{round}/transition).
func (s *Server) transition(q *req) error {
	var in api.TransitionRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	r, err := s.roundAdmin.Transition(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(r)
}

// run computes a round's matching as a preview
// (POST /v1/admin/rounds/{round}/run).
func (s *Server) run(q *req) error {
	res, err := s.roundAdmin.Run(q.by(), mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return q.ok(res)
}

// publish signs the previewed result and publishes it
// (POST /v1/admin/rounds/{round}/publish); the answer is the envelope.
func (s *Server) publish(q *req) error {
	signed, err := s.roundAdmin.Publish(q.by(), mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return writeSigned(q, signed)
}

// nextRound creates round 2 (or 3) from a published round
// (POST /v1/admin/rounds/{round}/next).
func (s *Server) nextRound(q *req) error {
	var in api.NextRoundRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if err := checkID("tour / round", in.ID); err != nil {
		return err
	}
	r, err := s.roundAdmin.Next(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(r)
}

// assign records a manual assignment of a third round, with its reason
// (POST /v1/admin/rounds/{round}/assignments).
func (s *Server) assign(q *req) error {
	var in api.ManualAssignmentRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	a, err := s.roundAdmin.Assign(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(a)
}
