// Package imports imports people and the postes of a round from a whole
// file (CSV or XLSX through shared/importer, or a JSON array): every
// row is checked, then checked against the store, in one write
// transaction. A dry run answers the report and changes nothing; a real
// import with any problem imports nothing (all or nothing), its report
// naming each problem's row and id, French first then English.
package imports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/importer"
	"appariement/shared/rules"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Params say how to read an import.
type Params struct {
	// Format is api.FormatJSON, api.FormatCSV or api.FormatXLSX.
	Format string
	// DryRun checks and reports without changing anything.
	DryRun bool
	// Partial (postes only) keeps the postes absent from the file open.
	Partial bool
}

// Service runs the imports on a store.
type Service struct {
	st *store.Store
}

// New returns the imports into st.
func New(st *store.Store) *Service { return &Service{st: st} }

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
func readTable(body []byte, rep *api.ImportReport) *importer.Table {
	t, err := importer.ReadTable(bytes.NewReader(body), "import")
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
func decodeRows[T any](body []byte, rep *api.ImportReport) []T {
	var rows []T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rows); err != nil || dec.More() {
		rep.Problems = append(rep.Problems, problem(0, "", "", "tableau JSON invalide : %v", "invalid JSON array: %v", err))
		return nil
	}
	return rows
}

// rowOf is the row of the i-th value read: its spreadsheet row, or i+1
// for a JSON array.
func rowOf(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return i + 1
}

// resolveRTS gives an RTS to the postes named only by their RTS's name and
// e-mail (importer.ResolveRTS): the RTS already known by that address, or
// a new one, created by Postes like any unknown RTS; each is noted in the
// report. It returns the ids of the postes whose address cannot give an
// RTS (a problem is reported).
func resolveRTS(tx store.Tx, postes []domain.Poste, lines []int, rep *api.ImportReport) (map[string]bool, error) {
	need := false
	for _, p := range postes {
		need = need || (p.RTS == "" && domain.ValidEmail(p.RTSEmail))
	}
	if !need {
		return nil, nil
	}
	people, err := tx.People()
	if err != nil {
		return nil, err
	}
	found, errs := importer.ResolveRTS(postes, lines, people)
	refused := make(map[string]bool)
	for _, e := range errs {
		refused[e.ID] = true
	}
	rep.Problems = append(rep.Problems, problemsOf(errs)...)
	for _, f := range found {
		if f.Created {
			who := f.Email
			if f.Name != "" {
				who = f.Name + " (" + f.Email + ")"
			}
			rep.Notes = append(rep.Notes, problem(f.Line, "", "", "RTS %s créé pour %s, le fichier ne donnant pas d'identifiant",
				"RTS %s created for %s, the file giving no id", f.ID, who))
			continue
		}
		rep.RTSMatched++
		rep.Notes = append(rep.Notes, problem(f.Line, "", "", "RTS %s trouvé par son adresse %s",
			"RTS %s found by the address %s", f.ID, f.Email))
	}
	return refused, nil
}

// errRollback aborts an import transaction after its checks found problems.
var errRollback = errors.New("imports: import has problems")

// People imports people (audited "import-people"): they are created or
// updated; a person's role cannot change by import, and admins are not
// imported (they are made with the bootstrap command). The report lists
// the problems; an error is returned only when the store fails.
func (s *Service) People(a rounds.Actor, p Params, body []byte) (*api.ImportReport, error) {
	rep := &api.ImportReport{Kind: "people", DryRun: p.DryRun}
	var people []domain.Person
	var lines []int       // the spreadsheet row of each person; nil: 1, 2…
	bad := map[int]bool{} // rows already refused: not written, even in the rolled back transaction
	if p.Format == api.FormatJSON {
		people = decodeRows[domain.Person](body, rep)
		rep.Rows = len(people)
		for i, p := range people {
			probs := checkPersonRow(i+1, &p)
			rep.Problems = append(rep.Problems, probs...)
			bad[i+1] = len(probs) > 0
		}
	} else if t := readTable(body, rep); t != nil {
		var r *importer.Report
		people, r = importer.ParsePeople(t)
		lines = r.Lines
		rep.Rows, rep.HeaderRow, rep.Notes = r.Rows, r.HeaderLine, problemsOf(r.Notes)
		rep.Problems = append(rep.Problems, problemsOf(r.Errors)...)
		rep.Warnings = append(rep.Warnings, problemsOf(r.Warnings)...)
	}
	seen := map[string]bool{}
	err := s.st.Update(func(tx store.Tx) error {
		for i, p := range people {
			row := rowOf(lines, i)
			if bad[i+1] {
				continue
			}
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
		return tx.Audit(a.Audit("import-people", "", "", "", map[string]int{"rows": rep.Rows, "created": rep.Created, "updated": rep.Updated}))
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	return rep, nil
}

func checkPersonRow(row int, p *domain.Person) []api.ImportProblem {
	var out []api.ImportProblem
	if err := api.CheckID("identifiant", p.ID); err != nil {
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

// Postes imports the postes of a round (audited "import-postes"). The
// file is the round's full list: postes absent from it are closed, unless
// p.Partial. An RTS unknown to the store is created from the poste's row.
// Refused (unknown_round, invalid_state once the wishes are closed)
// before any row is judged.
func (s *Service) Postes(a rounds.Actor, id string, p Params, body []byte) (*api.ImportReport, error) {
	rep := &api.ImportReport{Kind: "postes", Round: id, DryRun: p.DryRun}
	var postes []domain.Poste
	var lines []int // the spreadsheet row of each poste; nil: 1, 2…
	if p.Format == api.FormatJSON {
		postes = decodeRows[domain.Poste](body, rep)
		rep.Rows = len(postes)
		for i, p := range postes {
			if err := p.Validate(); err != nil {
				rep.Problems = append(rep.Problems, problem(i+1, "", p.ID, "poste invalide : %v", "invalid poste: %v", err))
			} else if err := api.CheckID("poste", p.ID); err != nil {
				rep.Problems = append(rep.Problems, problem(i+1, "id", p.ID, "identifiant invalide", "invalid id"))
			}
		}
	} else if t := readTable(body, rep); t != nil {
		var r *importer.Report
		postes, r = importer.ParsePostes(t)
		lines = r.Lines
		rep.Rows, rep.HeaderRow, rep.Notes = r.Rows, r.HeaderLine, problemsOf(r.Notes)
		rep.Problems = append(rep.Problems, problemsOf(r.Errors)...)
		rep.Warnings = append(rep.Warnings, problemsOf(r.Warnings)...)
	}
	err := s.st.Update(func(tx store.Tx) error {
		rec, err := tx.Round(id)
		if store.IsNotFound(err) {
			return rounds.UnknownRound(id)
		}
		if err != nil {
			return err
		}
		if rules.AtLeast(&rec.Round, a.Now, domain.StateWishesClosed) {
			return api.Errorf(api.CodeInvalidState, "les vœux du tour %s sont clos : ses postes ne changent plus",
				"the wishes of round %s are closed: its postes no longer change", id)
		}
		refused, err := resolveRTS(tx, postes, lines, rep)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for i := range postes {
			p, row := &postes[i], rowOf(lines, i)
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
				if !refused[p.ID] {
					rep.Problems = append(rep.Problems, problem(row, "rts", p.ID, "poste sans RTS", "poste without an RTS"))
				}
				continue
			}
			rts, err := tx.Person(p.RTS)
			switch {
			case store.IsNotFound(err):
				if err := api.CheckID("RTS", p.RTS); err != nil {
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
		ch, err := store.PutPostes(tx, id, postes, !p.Partial)
		if err != nil {
			return err
		}
		rep.Created, rep.Updated, rep.Unchanged, rep.Closed, rep.Version = ch.Created, ch.Updated, ch.Unchanged, ch.Closed, ch.Version
		if rep.DryRun {
			return errRollback
		}
		return tx.Audit(a.Audit("import-postes", id, "", "", map[string]any{"rows": rep.Rows, "created": ch.Created,
			"updated": ch.Updated, "closed": ch.Closed, "rts_added": rep.RTSAdded, "version": ch.Version}))
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	return rep, nil
}
