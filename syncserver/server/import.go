package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/plural"
	"appariement/syncserver/imports"
)

// Imports of people and postes (syncserver/imports). A dry run answers the
// report; a real import with any error imports nothing and is refused
// with invalid_import and the report.

func importParamsOf(q *req) (imports.Params, error) {
	v := q.r.URL.Query()
	p := imports.Params{Format: strings.ToLower(v.Get("format")), DryRun: v.Get("dry_run") == "1" || v.Get("dry_run") == "true",
		Partial: v.Get("partial") == "1" || v.Get("partial") == "true"}
	if p.Format == "" {
		p.Format = api.FormatJSON
	}
	switch p.Format {
	case api.FormatJSON, api.FormatCSV, api.FormatXLSX:
		return p, nil
	}
	return p, badRequest("format %q inconnu (json, csv ou xlsx)", "unknown format %q (json, csv or xlsx)", p.Format)
}

// finishImport answers a report: 200 for a dry run or a clean import,
// invalid_import with the report otherwise.
func (q *req) finishImport(rep *api.ImportReport) error {
	rep.Valid = len(rep.Problems) == 0
	if rep.Problems == nil {
		rep.Problems = []api.ImportProblem{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []api.ImportProblem{}
	}
	if rep.Valid || rep.DryRun {
		return q.ok(rep)
	}
	first := rep.Problems[0]
	e := &api.Error{Code: api.CodeInvalidImport, Status: http.StatusUnprocessableEntity,
		Message: fmt.Sprintf("import refusé, rien n'a été importé : %d %s, le premier ligne %d : %s",
			len(rep.Problems), plural.FR(len(rep.Problems), "problème", "problèmes"), first.Row, first.Message),
		MessageEN: fmt.Sprintf("import refused, nothing was imported: %d %s, the first on row %d: %s",
			len(rep.Problems), plural.EN(len(rep.Problems), "problem", "problems"), first.Row, first.MessageEN)}
	q.code = e.Code
	writeJSON(q.w, http.StatusUnprocessableEntity, api.ImportRefusal{Error: *e, Report: rep})
	return nil
}

// importPeople imports people (POST /v1/admin/people?format=&dry_run=):
// see imports.Service.People.
func (s *Server) importPeople(q *req) error {
	params, err := importParamsOf(q)
	if err != nil {
		return err
	}
	rep, err := s.imports.People(q.by(), params, q.body)
	if err != nil {
		return err
	}
	return q.finishImport(rep)
}

// importPostes imports the postes of a round (POST
// /v1/admin/rounds/{round}/postes?format=&dry_run=&partial=): see
// imports.Service.Postes.
func (s *Server) importPostes(q *req) error {
	params, err := importParamsOf(q)
	if err != nil {
		return err
	}
	rep, err := s.imports.Postes(q.by(), mux.Vars(q.r)["round"], params, q.body)
	if err != nil {
		return err
	}
	return q.finishImport(rep)
}

// export writes the published (or previewed) result of a round as CSV or
// XLSX (GET /v1/admin/rounds/{round}/export?format=csv|xlsx).
func (s *Server) export(q *req) error {
	id := mux.Vars(q.r)["round"]
	format := q.r.URL.Query().Get("format")
	if format == "" {
		format = api.FormatCSV
	}
	data, err := s.roundAdmin.Export(q.by(), id, format)
	if err != nil {
		return err
	}
	if format == api.FormatCSV {
		q.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		q.w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	q.w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "resultats-"+id+"."+format))
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(data)
	return nil
}
