package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
)

// putFile stores a candidate file (PUT /v1/files?name=): a PDF of at most
// api.MaxFileSize bytes, kept by SHA-256 with its owner.
func (s *Server) putFile(q *req) error {
	out, err := s.files.Put(q.who.ID, q.r.URL.Query().Get("name"), q.body, q.now)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// getFile serves a candidate file (GET /v1/files/{sha256}) to its owner,
// to an admin, or to the RTS of a poste on the owner's current wish list
// to which the file is attached, once that round's wishes are closed.
func (s *Server) getFile(q *req) error {
	info, data, err := s.files.Get(q.who, q.now, mux.Vars(q.r)["sha256"])
	if err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", strings.ToValidUTF8(info.Name, "_")))
	h.Set("Content-Security-Policy", "sandbox")
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(data)
	return nil
}

// candidates lists the interns whose current wish list names a poste
// (GET /v1/rounds/{round}/candidates?poste=P), for the poste's RTS or an
// admin, once the round's wishes are closed.
func (s *Server) candidates(q *req) error {
	out, err := s.files.Candidates(q.who, q.now, mux.Vars(q.r)["round"], q.r.URL.Query().Get("poste"))
	if err != nil {
		return err
	}
	return q.ok(out)
}
