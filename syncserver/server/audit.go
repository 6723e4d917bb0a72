package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
)

// auditBundle serves the audit bundle of a published round
// (GET /v1/rounds/{round}/audit-bundle) to auditors and admins
// (auditing.Bundle).
func (s *Server) auditBundle(q *req) error {
	round := mux.Vars(q.r)["round"]
	b, err := s.auditing.Bundle(round)
	if err != nil {
		return err
	}
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Content-Disposition", `attachment; filename="audit-`+safeFileName(round)+`.json"`)
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(data)
	return nil
}

// safeFileName keeps the letters, digits, '-' and '_' of a round id.
func safeFileName(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			out = append(out, r)
		}
	}
	return string(out)
}

// auditLog serves the audit log (GET /v1/admin/audit?after=&limit=).
func (s *Server) auditLog(q *req) error {
	after, limit := uint64(0), 500
	if v := q.r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return badRequest("paramètre after invalide", "invalid after parameter")
		}
		after = n
	}
	if v := q.r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			return badRequest("paramètre limit invalide (1 à 5000)", "invalid limit parameter (1 to 5000)")
		}
		limit = n
	}
	out, err := s.auditing.Log(after, limit)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// logEntries serves decoded log leaves [start, end) (at most 1000;
// GET /v1/admin/log/entries?start=&end=).
func (s *Server) logEntries(q *req) error {
	start, err := queryInt(q, "start")
	if err != nil {
		return err
	}
	end, err := queryInt(q, "end")
	if err != nil {
		return err
	}
	out, err := s.auditing.LogEntries(start, end)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// backup streams a hot copy of the whole store (GET /v1/admin/backup): one
// bbolt read transaction, so submissions go on while it is copied. The
// request is audited before the copy starts, so the copy records it.
func (s *Server) backup(q *req) error {
	started, err := s.auditing.Backup(q.who.ID, q.now, func() io.Writer {
		// A large store takes longer than the usual write timeout.
		_ = http.NewResponseController(q.w).SetWriteDeadline(time.Time{})
		q.w.Header().Set("Content-Type", "application/octet-stream")
		q.w.Header().Set("Content-Disposition", `attachment; filename="appariement-backup.db"`)
		q.w.WriteHeader(http.StatusOK)
		return q.w
	})
	if err != nil && !started {
		return err
	}
	if err != nil {
		// Headers are gone: the client sees a truncated copy, which its
		// verification refuses. Log it for the operator.
		s.log.Error("backup interrupted", "err", err)
	}
	return nil
}
