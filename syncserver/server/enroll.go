package server

import (
	"appariement/shared/api"
)

// enroll registers a public key with a one-time activation code
// (POST /v1/enroll). Tries are limited per client address and per
// identifier; every failure gets the same answer (accounts.Enroll).
func (s *Server) enroll(q *req) error {
	if err := s.limit(q, s.enrollLim, "enroll-ip:"+q.ip); err != nil {
		return err
	}
	var in api.EnrollRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	out, err := s.accounts.Enroll(in, q.now, q.ip, func(id string) error {
		return s.limit(q, s.idLim, "enroll:"+id)
	})
	if err != nil {
		return err
	}
	q.who = &out.Person
	return q.ok(out)
}
