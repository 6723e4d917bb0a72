package viewmodel

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/importer"
)

// counted is the counted message key for n (i18n.N: its ".one" or
// ".other" form by the language's plural rule).
func counted(key string, n int, args ...any) string { return i18n.N(key, n, args...) }

// WishVersionLabel names a signed wish list of n postes: "Version n° 3 —
// 10 postes — signée le …".
func WishVersionLabel(seq uint64, n int, at time.Time) string {
	return i18n.T("wish.version", seq, counted("count.postes", n, n), FormatTime(at))
}

// RankingVersionLabel names a signed ranking of n candidates: "Version n° 1
// — 43 candidats classés — signée le …".
func RankingVersionLabel(seq uint64, n int, at time.Time) string {
	return i18n.T("rts.version", seq, counted("count.ranked", n, n), FormatTime(at))
}

// countedIn is counted in a given language, for the two halves of an
// api.Error.
func countedIn(lang, key string, n int) string {
	if m, ok := i18n.Messages(lang)[key+"."+i18n.PluralForm(lang, n)]; ok {
		return fmt.Sprintf(m, n)
	}
	return i18n.N(key, n, n)
}

// RankCounts are the numbers of the ranking of the selected poste.
type RankCounts struct {
	Ranked, Unranked, Candidates int
}

// Counts counts the ranked, unranked candidates and all candidates of the
// selected poste.
func (r *RTS) Counts() RankCounts {
	return RankCounts{Ranked: len(r.draft.List), Unranked: len(r.draft.Unranked), Candidates: len(r.draft.Candidates)}
}

// CountsLabel says the counts in one line ("12 classés, 3 non classés
// sur 15 candidats").
func (r *RTS) CountsLabel() string {
	c := r.Counts()
	return counted("rts.count_ranked", c.Ranked, c.Ranked) + ", " +
		counted("rts.count_unranked", c.Unranked, c.Unranked) + " — " +
		counted("rts.count_candidates", c.Candidates, c.Candidates)
}

// MoveTo moves the i-th ranked candidate to rank (from 1). A rank out of
// 1…n is refused with the bounds; nothing changes then.
func (r *RTS) MoveTo(i, rank int) error {
	return r.MoveSelection([]int{i}, rank)
}

// MoveSelection moves the ranked candidates at positions idx, in their
// present order, so that the first of them is at rank (from 1) and the
// others follow it. A rank out of 1…n-len(idx)+1 is refused.
func (r *RTS) MoveSelection(idx []int, rank int) error {
	if !r.Editable() {
		return nil
	}
	l := r.draft.List
	sel := slices.Clone(idx)
	slices.Sort(sel)
	sel = slices.Compact(sel)
	if len(sel) == 0 {
		return nil
	}
	if sel[0] < 0 || sel[len(sel)-1] >= len(l) {
		return nil
	}
	maxRank := len(l) - len(sel) + 1
	if rank < 1 || rank > maxRank {
		err := api.Errorf(api.CodeBadRequest, "rang %d impossible : choisissez un rang entre 1 et %d",
			"rank %d is not possible: choose a rank between 1 and %d", rank, maxRank)
		r.Error = Message(err)
		return err
	}
	moved := make([]string, 0, len(sel))
	rest := make([]string, 0, len(l)-len(sel))
	for i, id := range l {
		if slices.Contains(sel, i) {
			moved = append(moved, id)
		} else {
			rest = append(rest, id)
		}
	}
	list := slices.Concat(rest[:rank-1], moved, rest[rank-1:])
	r.Cursor = rank - 1
	if slices.Equal(list, l) { // dropped onto its own place
		return nil
	}
	r.remember()
	before := r.ranksByID()
	r.draft.List = list
	r.settleTies(before, moved[0]) // a group moved together stays a group
	return r.save()
}

// RankingState is where the ranking of a poste stands for its RTS.
type RankingState string

// The states of a poste's ranking, as "Mes postes" shows them.
const (
	RankingToDo       RankingState = "todo"    // never signed, no change saved
	RankingDraftState RankingState = "draft"   // changes not signed yet
	RankingSending    RankingState = "sending" // signed, in the outbox
	RankingSigned     RankingState = "signed"  // the last signed version was accepted and nothing changed since
	RankingRefused    RankingState = "refused" // the last signed version was refused
)

// posteState is the state of the ranking of poste from its draft and its
// signed versions (newest first).
func posteState(d *localstore.RankingDraft, versions []localstore.Item) RankingState {
	if len(versions) > 0 {
		last := versions[0]
		switch {
		case last.State == localstore.StateRefused:
			return RankingRefused
		case !sameRanking(last, d):
			return RankingDraftState
		case last.State == localstore.StatePending:
			return RankingSending
		}
		return RankingSigned
	}
	if d.UpdatedAt.IsZero() {
		return RankingToDo
	}
	return RankingDraftState
}

// sameRanking reports whether the signed version it is the draft's
// ranking: the same candidates in the same order, with the same ties.
func sameRanking(it localstore.Item, d *localstore.RankingDraft) bool {
	return slices.Equal(it.List, d.List) && slices.Equal(it.Ranks, d.Ranks())
}

// PosteStates are the states of the rankings of the postes of the round,
// in the order of Postes.
func (r *RTS) PosteStates() []RankingState {
	out := make([]RankingState, len(r.Postes))
	for i, p := range r.Postes {
		out[i] = RankingToDo
		d, err := r.Svc.Store.RankingDraft(r.Round.ID, p.ID)
		if err != nil {
			continue
		}
		vs, err := r.Svc.RankingVersions(r.Round.ID, p.ID)
		if err != nil {
			continue
		}
		out[i] = posteState(d, vs)
	}
	return out
}

// StateLabel names a poste's state for "Mes postes".
func StateLabel(s RankingState) string { return i18n.T("rts.state." + string(s)) }

// refusedHeadline is the headline of a poste whose last signed ranking was
// refused, with the server's reason.
func (r *RTS) refusedHeadline() (string, bool) {
	if len(r.versions) == 0 || r.versions[0].State != localstore.StateRefused {
		return "", false
	}
	v := r.versions[0]
	h := i18n.T("rts.refused_headline", v.Seq, Message(v.Refusal))
	for _, old := range r.versions[1:] {
		if old.State == localstore.StateAccepted {
			h += " " + i18n.T("rts.refused_standing", old.Seq)
			break
		}
	}
	return h, true
}

// ImportRanking replaces the ranking of the selected poste by the one of a
// CSV or XLSX file (name only names the file in messages): one row per
// ranked candidate, with a column "Identifiant" (the intern's id) and
// optionally a column "Rang" (1, 2, …; without it the order of the rows
// is the ranking; candidates with equal ranks are ex aequo, as in 1, 2, 2,
// 4). Every row is checked (the id is a candidate of the poste, named
// once; the rank a whole number) and every problem
// is reported with the row number the spreadsheet shows, French then
// English; then nothing changes. The candidates the file leaves out go to
// the "non classés". It returns how many were ranked.
func (r *RTS) ImportRanking(name string, data []byte) (int, error) {
	n, err := r.importRanking(name, data)
	r.Error = Message(err)
	return n, err
}

func (r *RTS) importRanking(name string, data []byte) (int, error) {
	if !r.Editable() {
		return 0, api.Errorf(api.CodeWindowClosed, "le classement de ce poste ne peut pas être modifié maintenant",
			"the ranking of this poste cannot be changed now")
	}
	if len(r.draft.Candidates) == 0 {
		return 0, api.Errorf(api.CodeBadRequest, "récupérez d'abord les candidats du poste, puis importez le classement",
			"fetch the candidates of the poste first, then import the ranking")
	}
	t, err := importer.ReadTable(bytes.NewReader(data), name)
	if fe := (*importer.FileError)(nil); errors.As(err, &fe) {
		return 0, &api.Error{Code: api.CodeBadRequest,
			Message:   fmt.Sprintf("%s : fichier illisible (%s) ; attendu un CSV ou XLSX, par exemple « Rang;Identifiant » puis « 1;I000123 »", name, fe.Message),
			MessageEN: fmt.Sprintf("%s: cannot read the file (%s); expected a CSV or XLSX file, for example \"Rang;Identifiant\" then \"1;I000123\"", name, fe.MessageEN)}
	} else if err != nil {
		return 0, fmt.Errorf("import ranking %s: %w", name, err)
	}
	idCol, rankCol := -1, -1
	for i, h := range t.Header {
		switch normHeader(h) {
		case "identifiant", "id", "interne", "identifiant interne", "identifiant de l'interne", "candidat":
			if idCol < 0 {
				idCol = i
			}
		case "rang", "rank", "classement", "position":
			if rankCol < 0 {
				rankCol = i
			}
		}
	}
	if idCol < 0 {
		return 0, api.Errorf(api.CodeBadRequest,
			"%s, ligne %d : colonne « Identifiant » introuvable ; attendu par exemple « Rang;Identifiant » puis « 1;I000123 »",
			"%s, row %d: no column \"Identifiant\"; expected for example \"Rang;Identifiant\" then \"1;I000123\"",
			name, t.HeaderLine)
	}
	type entry struct{ rank, line int }
	var problems, problemsEN []string
	seenID := map[string]int{}
	var ids []string
	ranks := map[string]entry{}
	for _, row := range t.Rows {
		cell := func(c int) string {
			if c < 0 || c >= len(row.Cells) {
				return ""
			}
			return strings.TrimSpace(row.Cells[c])
		}
		id := strings.Join(strings.Fields(cell(idCol)), "")
		bad := func(fr, en string, args ...any) {
			a := append([]any{row.Line}, args...)
			problems = append(problems, fmt.Sprintf("ligne %d : "+fr, a...))
			problemsEN = append(problemsEN, fmt.Sprintf("row %d: "+en, a...))
		}
		if id == "" {
			bad("identifiant manquant", "missing identifier")
			continue
		}
		// Ids are compared as the server's importers write them: case
		// and spaces do not matter.
		k := slices.IndexFunc(r.draft.Candidates, func(c api.Candidate) bool { return strings.EqualFold(c.Intern.ID, id) })
		if k < 0 {
			bad("l'interne %s n'est pas candidat au poste %s", "intern %s is not a candidate of poste %s", id, r.Poste().ID)
			continue
		}
		id = r.draft.Candidates[k].Intern.ID
		if first, dup := seenID[id]; dup {
			bad("l'interne %s figure déjà ligne %d", "intern %s is already on row %d", id, first)
			continue
		}
		seenID[id] = row.Line
		e := entry{rank: len(ids) + 1, line: row.Line}
		if rankCol >= 0 {
			s := cell(rankCol)
			if s == "" { // no rank: left out of the ranking, like a row not there
				delete(seenID, id)
				continue
			}
			s = strings.TrimSuffix(strings.TrimSuffix(s, ",0"), ".0") // a number cell written by Excel
			k, err := strconv.Atoi(s)
			if err != nil || k < 1 {
				bad("rang « %s » de l'interne %s invalide : un nombre entier à partir de 1", "rank %q of intern %s is not a whole number from 1", cell(rankCol), id)
				continue
			}
			e.rank = k // an equal rank puts the candidates ex aequo
		}
		ids = append(ids, id)
		ranks[id] = e
	}
	if len(problems) > 0 {
		return 0, &api.Error{Code: api.CodeBadRequest,
			Message:   fmt.Sprintf("%s : classement non importé, rien n'a changé (%s)\n%s", name, countedIn("fr", "rts.import_problems", len(problems)), strings.Join(problems, "\n")),
			MessageEN: fmt.Sprintf("%s: ranking not imported, nothing changed (%s)\n%s", name, countedIn("en", "rts.import_problems", len(problems)), strings.Join(problemsEN, "\n"))}
	}
	if len(ids) == 0 {
		return 0, api.Errorf(api.CodeBadRequest, "%s : aucun candidat classé dans le fichier", "%s: no candidate ranked in the file", name)
	}
	slices.SortStableFunc(ids, func(a, b string) int { return ranks[a].rank - ranks[b].rank })
	var unranked []string
	for _, c := range r.draft.Candidates {
		if _, ok := ranks[c.Intern.ID]; !ok {
			unranked = append(unranked, c.Intern.ID)
		}
	}
	var tied []string
	for i := 1; i < len(ids); i++ {
		if ranks[ids[i]].rank == ranks[ids[i-1]].rank {
			tied = append(tied, ids[i])
		}
	}
	r.remember()
	r.draft.List, r.draft.Unranked, r.draft.Tied = ids, unranked, tied
	r.Cursor = -1
	return len(ids), r.save()
}

// normHeader lowers a header cell and folds its spaces and accents enough
// to recognise the usual spellings.
func normHeader(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.NewReplacer("é", "e", "è", "e", "’", "'").Replace(s)
}

// rankingCSVExample is what an importable ranking file looks like.
var rankingCSVExample = fmt.Sprintf("%s\n%s\n%s\n", "Rang;Identifiant;Nom", "1;I000123;DUPONT Camille", "2;I000456;MARTIN Léa")

// RankingTemplate is a CSV of the present ranking (rank, id, name) to fill
// in a spreadsheet and import back; an example when nothing is ranked.
func (r *RTS) RankingTemplate() string {
	if len(r.draft.Candidates) == 0 {
		return rankingCSVExample
	}
	var b strings.Builder
	b.WriteString("Rang;Identifiant;Nom\n")
	ranks := r.DisplayRanks()
	for i, id := range r.draft.List {
		c, _ := r.Candidate(id)
		fmt.Fprintf(&b, "%d;%s;%s\n", ranks[i], id, c.Intern.FullName())
	}
	for _, id := range r.draft.Unranked {
		c, _ := r.Candidate(id)
		fmt.Fprintf(&b, ";%s;%s\n", id, c.Intern.FullName())
	}
	return b.String()
}

// ImportDoneLabel says how many candidates an import ranked from file name.
func ImportDoneLabel(n int, name string) string { return counted("rts.import_done", n, n, name) }
