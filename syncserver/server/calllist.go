package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/syncserver/calllists"
)

// Call lists of a choix au rang (syncserver/calllists).

// importCallList stores an imported draft call list
// (POST /v1/admin/rounds/{round}/call-list/import) and answers it with
// its check report.
func (s *Server) importCallList(q *req) error {
	var in api.ImportCallListRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	out, err := s.callLists.Import(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// computeCallList computes a draft call list from the interns' classement
// and seniority with a published seed
// (POST /v1/admin/rounds/{round}/call-list/compute).
func (s *Server) computeCallList(q *req) error {
	var in api.ComputeCallListRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	out, err := s.callLists.Compute(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// callListDraft answers the draft call list checked now
// (GET /v1/admin/rounds/{round}/call-list/draft).
func (s *Server) callListDraft(q *req) error {
	out, err := s.callLists.Draft(mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return q.ok(out)
}

// publishCallList signs the draft as the next version
// (POST /v1/admin/rounds/{round}/call-list/publish). A draft that fails
// the check is refused with invalid_call_list and the full report.
func (s *Server) publishCallList(q *req) error {
	var in api.PublishCallListRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	out, err := s.callLists.Publish(q.by(), mux.Vars(q.r)["round"], in)
	var refused *calllists.Refused
	if errors.As(err, &refused) {
		q.code = refused.Code
		s.metrics.refused(q.route, refused.Code)
		writeJSON(q.w, http.StatusUnprocessableEntity, refused.CallListRefusal)
		return nil
	}
	if err != nil {
		return err
	}
	return q.ok(out)
}

// getCallList serves the signed envelope of the latest published version
// (GET /v1/rounds/{round}/call-list) or of one version
// (GET /v1/rounds/{round}/call-list/versions/{version}).
func (s *Server) getCallList(q *req) error {
	version := 0
	if v, ok := mux.Vars(q.r)["version"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return badRequest("numéro de version %q invalide", "invalid version number %q", v)
		}
		version = n
	}
	v, err := s.callLists.Version(mux.Vars(q.r)["round"], version)
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("X-Call-List-Version", strconv.Itoa(v.Version))
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(v.Envelope)
	return nil
}

// callListVersions lists the published versions, oldest first
// (GET /v1/rounds/{round}/call-list/versions).
func (s *Server) callListVersions(q *req) error {
	out, err := s.callLists.Versions(mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return q.ok(out)
}

// callListNotices answers the caller's place in the latest version and
// every change of it between consecutive versions
// (GET /v1/rounds/{round}/call-list/notices).
func (s *Server) callListNotices(q *req) error {
	out, err := s.callLists.Notices(q.who.ID, mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return q.ok(out)
}
