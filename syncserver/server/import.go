package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/syncserver/importer"
	"appariement/syncserver/store"
)

// Imports read a whole file (CSV or XLSX through syncserver/importer, or a
// JSON array), check every row, then check the rows against the store. A
// dry run answers the report; a real import with any error imports
// nothing and is refused with invalid_import and the report.

type importParams struct {
	format  string
	dryRun  bool
	partial bool
}

func importParamsOf(q *req) (importParams, error) {
	v := q.r.URL.Query()
	p := importParams{format: strings.ToLower(v.Get("format")), dryRun: v.Get("dry_run") == "1" || v.Get("dry_run") == "true",
		partial: v.Get("partial") == "1" || v.Get("partial") == "true"}
	if p.format == "" {
		p.format = api.FormatJSON
	}
	switch p.format {
	case api.FormatJSON, api.FormatCSV, api.FormatXLSX:
		return p, nil
	}
	return p, badRequest("format %q inconnu (json, csv ou xlsx)", "unknown format %q (json, csv or xlsx)", p.format)
}

func problem(row int, column, id, fr, en string, args ...any) api.ImportProblem {
	return api.ImportProblem{Row: row, Column: column, ID: id, Message: fmt.Sprintf(fr, args...), MessageEN: fmt.Sprintf(en, args...)}
}

func problemsOf(errs []importer.RowError) []api.ImportProblem {
	out := make([]api.ImportProblem, 0, len(errs))
	for _, e := range errs {
		out = append(out, api.ImportProblem{Row: e.Line, Column: e.Column, ID: e.ID, Message: e.Message, MessageEN: e.MessageEN})
	}
	return out
}

// readTable reads a CSV or XLSX body, or reports why it cannot.
func readTable(q *req, rep *api.ImportReport) *importer.Table {
	t, err := importer.ReadTable(bytes.NewReader(q.body), "import")
	if err != nil {
		var fe *importer.FileError
		if errors.As(err, &fe) {
			rep.Problems = append(rep.Problems, api.ImportProblem{Row: fe.Line, Message: fe.Message, MessageEN: fe.MessageEN})
		} else {
			rep.Problems = append(rep.Problems, problem(0, "", "", "fichier illisible", "unreadable file"))
		}
		return nil
	}
	return t
}

// decodeRows decodes a JSON array body; rows are numbered from 1.
func decodeRows[T any](q *req, rep *api.ImportReport) []T {
	var rows []T
	dec := json.NewDecoder(bytes.NewReader(q.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rows); err != nil || dec.More() {
		rep.Problems = append(rep.Problems, problem(0, "", "", "tableau JSON invalide : %v", "invalid JSON array: %v", err))
		return nil
	}
	return rows
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
		Message: fmt.Sprintf("import refusé, rien n'a été importé : %d problème(s), le premier ligne %d : %s",
			len(rep.Problems), first.Row, first.Message),
		MessageEN: fmt.Sprintf("import refused, nothing was imported: %d problem(s), the first on row %d: %s",
			len(rep.Problems), first.Row, first.MessageEN)}
	q.code = e.Code
	writeJSON(q.w, http.StatusUnprocessableEntity, api.ImportRefusal{Error: *e, Report: rep})
	return nil
}

// errRollback aborts an import transaction after its checks found problems.
var errRollback = errors.New("import has problems")

// importPeople imports people (POST /v1/admin/people?format=&dry_run=).
// People are created or updated; a person's role cannot change by import,
// and admins are not imported (they are made with the bootstrap command).
func (s *Server) importPeople(q *req) error {
	params, err := importParamsOf(q)
	if err != nil {
		return err
	}
	rep := &api.ImportReport{Kind: "people", DryRun: params.dryRun}
	var people []domain.Person
	if params.format == api.FormatJSON {
		people = decodeRows[domain.Person](q, rep)
		rep.Rows = len(people)
		for i, p := range people {
			rep.Problems = append(rep.Problems, checkPersonRow(i+1, &p)...)
		}
	} else if t := readTable(q, rep); t != nil {
		var r *importer.Report
		people, r = importer.ParsePeople(t)
		rep.Rows = r.Rows
		rep.Problems = append(rep.Problems, problemsOf(r.Errors)...)
		rep.Warnings = append(rep.Warnings, problemsOf(r.Warnings)...)
	}
	seen := map[string]bool{}
	err = s.store.Update(func(tx store.Tx) error {
		for i, p := range people {
			row := i + 1
			if seen[p.ID] {
				rep.Problems = append(rep.Problems, problem(row, "id", p.ID, "identifiant en double", "duplicate id"))
				continue
			}
			seen[p.ID] = true
			if p.Role == domain.RoleAdmin {
				rep.Problems = append(rep.Problems, problem(row, "role", p.ID,
					"les administrateurs ne s'importent pas", "admins are not imported"))
				continue
			}
			old, err := tx.Person(p.ID)
			switch {
			case store.IsNotFound(err):
				rep.Created++
			case err != nil:
				return err
			case old.Role != p.Role:
				rep.Problems = append(rep.Problems, problem(row, "role", p.ID,
					"rôle %s différent de celui déjà enregistré (%s)", "role %s differs from the recorded one (%s)", p.Role, old.Role))
				continue
			case *old == p:
				rep.Unchanged++
				continue
			default:
				rep.Updated++
			}
			if err := tx.PutPerson(p); err != nil {
				return err
			}
		}
		if len(rep.Problems) > 0 || rep.DryRun {
			return errRollback
		}
		return tx.Audit(q.audit("import-people", "", "", "", map[string]int{"rows": rep.Rows, "created": rep.Created, "updated": rep.Updated}))
	})
	if err != nil && !errors.Is(err, errRollback) {
		return err
	}
	return q.finishImport(rep)
}

func checkPersonRow(row int, p *domain.Person) []api.ImportProblem {
	var out []api.ImportProblem
	if err := checkID("identifiant", p.ID); err != nil {
		out = append(out, problem(row, "id", p.ID, "identifiant invalide", "invalid id"))
	}
	if !p.Role.Valid() {
		out = append(out, problem(row, "role", p.ID, "rôle %q inconnu", "unknown role %q", p.Role))
	}
	if p.Role == domain.RoleIntern || p.Role == domain.RoleCoordinator {
		if domain.LookupDES(p.Specialty) == nil {
			out = append(out, problem(row, "specialty", p.ID, "spécialité %q inconnue", "unknown specialty %q", p.Specialty))
		}
		if domain.LookupSubdivision(p.Subdivision) == nil {
			out = append(out, problem(row, "subdivision", p.ID, "subdivision %q inconnue", "unknown subdivision %q", p.Subdivision))
		}
	}
	if p.Rank < 0 {
		out = append(out, problem(row, "rank", p.ID, "rang %d négatif", "negative rank %d", p.Rank))
	}
	return out
}

// importPostes imports the postes of a round (POST
// /v1/admin/rounds/{round}/postes?format=&dry_run=&partial=). The file is
// the round's full list: postes absent from it are closed, unless
// partial=1. An RTS unknown to the store is created from the poste's row.
func (s *Server) importPostes(q *req) error {
	id := mux.Vars(q.r)["round"]
	params, err := importParamsOf(q)
	if err != nil {
		return err
	}
	rep := &api.ImportReport{Kind: "postes", Round: id, DryRun: params.dryRun}
	var postes []domain.Poste
	if params.format == api.FormatJSON {
		postes = decodeRows[domain.Poste](q, rep)
		rep.Rows = len(postes)
		for i, p := range postes {
			if err := p.Validate(); err != nil {
				rep.Problems = append(rep.Problems, problem(i+1, "", p.ID, "poste invalide : %v", "invalid poste: %v", err))
			} else if err := checkID("poste", p.ID); err != nil {
				rep.Problems = append(rep.Problems, problem(i+1, "id", p.ID, "identifiant invalide", "invalid id"))
			}
		}
	} else if t := readTable(q, rep); t != nil {
		var r *importer.Report
		postes, r = importer.ParsePostes(t)
		rep.Rows = r.Rows
		rep.Problems = append(rep.Problems, problemsOf(r.Errors)...)
		rep.Warnings = append(rep.Warnings, problemsOf(r.Warnings)...)
	}
	err = s.store.Update(func(tx store.Tx) error {
		rec, err := tx.Round(id)
		if store.IsNotFound(err) {
			return unknownRound(id)
		}
		if err != nil {
			return err
		}
		if rules.AtLeast(&rec.Round, q.now, domain.StateWishesClosed) {
			return api.Errorf(api.CodeInvalidState, "les vœux du tour %s sont clos : ses postes ne changent plus",
				"the wishes of round %s are closed: its postes no longer change", id)
		}
		seen := map[string]bool{}
		for i := range postes {
			p, row := &postes[i], i+1
			p.Version = 0
			if seen[p.ID] {
				rep.Problems = append(rep.Problems, problem(row, "id", p.ID, "identifiant en double", "duplicate id"))
			}
			seen[p.ID] = true
			if !rec.Covers(p.Specialty, p.Subdivision) {
				rep.Problems = append(rep.Problems, problem(row, "", p.ID, "poste hors du périmètre du tour (%s, %s)",
					"poste outside the round's scope (%s, %s)", p.Specialty, p.Subdivision))
			}
			if p.RTS == "" {
				rep.Problems = append(rep.Problems, problem(row, "rts", p.ID, "poste sans RTS", "poste without an RTS"))
				continue
			}
			rts, err := tx.Person(p.RTS)
			switch {
			case store.IsNotFound(err):
				if err := checkID("RTS", p.RTS); err != nil {
					rep.Problems = append(rep.Problems, problem(row, "rts", p.ID, "identifiant de RTS invalide", "invalid RTS id"))
					continue
				}
				rep.RTSAdded++
				if err := tx.PutPerson(domain.Person{ID: p.RTS, Role: domain.RoleRTS, LastName: p.RTSName, Email: p.RTSEmail}); err != nil {
					return err
				}
			case err != nil:
				return err
			case rts.Role != domain.RoleRTS:
				rep.Problems = append(rep.Problems, problem(row, "rts", p.ID, "%s n'est pas un RTS (rôle %s)",
					"%s is not an RTS (role %s)", p.RTS, rts.Role))
			}
		}
		if len(rep.Problems) > 0 {
			return errRollback
		}
		ch, err := store.PutPostes(tx, id, postes, !params.partial)
		if err != nil {
			return err
		}
		rep.Created, rep.Updated, rep.Unchanged, rep.Closed, rep.Version = ch.Created, ch.Updated, ch.Unchanged, ch.Closed, ch.Version
		if rep.DryRun {
			return errRollback
		}
		return tx.Audit(q.audit("import-postes", id, "", "", map[string]any{"rows": rep.Rows, "created": ch.Created,
			"updated": ch.Updated, "closed": ch.Closed, "rts_added": rep.RTSAdded, "version": ch.Version}))
	})
	if err != nil && !errors.Is(err, errRollback) {
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
	if format != api.FormatCSV && format != api.FormatXLSX {
		return badRequest("format %q inconnu (csv ou xlsx)", "unknown format %q (csv or xlsx)", format)
	}
	var rows []importer.ExportRow
	err := s.store.View(func(tx store.Tx) error {
		if _, err := tx.Round(id); store.IsNotFound(err) {
			return unknownRound(id)
		}
		res, _, err := tx.Result(id)
		if store.IsNotFound(err) {
			res, err = tx.Preview(id)
		}
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeInvalidState, "le tour %s n'a pas encore de résultat", "round %s has no result yet", id)
		}
		if err != nil {
			return err
		}
		row := func(intern string) (importer.ExportRow, error) {
			p, err := tx.Person(intern)
			if err != nil {
				return importer.ExportRow{}, err
			}
			return importer.ExportRow{InternID: p.ID, LastName: p.LastName, FirstName: p.FirstName,
				Specialty: p.Specialty, Subdivision: p.Subdivision}, nil
		}
		for _, a := range res.Assignments {
			r, err := row(a.Intern)
			if err != nil {
				return err
			}
			p, err := tx.Poste(id, a.Poste)
			if err != nil {
				return err
			}
			r.PosteID, r.Etablissement, r.Service, r.Town, r.Manual, r.Reason = p.ID, p.Etablissement, p.Service, p.Town, a.Manual, a.Reason
			rows = append(rows, r)
		}
		for _, intern := range res.Unmatched {
			r, err := row(intern)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == api.FormatCSV {
		err = importer.WriteAssignmentsCSV(&buf, rows)
		q.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		err = importer.WriteAssignmentsXLSX(&buf, rows)
		q.w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	if err != nil {
		return fmt.Errorf("server: export %s: %w", id, err)
	}
	q.w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "resultats-"+id+"."+format))
	if err := s.store.Update(func(tx store.Tx) error {
		return tx.Audit(q.audit("export", id, "", "", map[string]string{"format": format}))
	}); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(buf.Bytes())
	return nil
}
