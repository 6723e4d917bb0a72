package viewmodel

import (
	"slices"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
)

// This file holds what a drag and drop in the ranking does. The widget
// only says where the pointer was released: a gap of the ranking (0 above
// the first row, n below the last: where its drop marker line shows) or
// the "Non classés" pane; every rule is here.

// rankSnapshot is the ranking of a poste before its last change, for
// UndoLast.
type rankSnapshot struct {
	round, poste         string
	list, unranked, tied []string
	cursor               int
}

// remember keeps the present ranking for UndoLast, before a change.
func (r *RTS) remember() {
	p := r.Poste()
	if p == nil || r.Round == nil {
		return
	}
	r.undo = &rankSnapshot{round: r.Round.ID, poste: p.ID, list: slices.Clone(r.draft.List),
		unranked: slices.Clone(r.draft.Unranked), tied: slices.Clone(r.draft.Tied), cursor: r.Cursor}
}

// CanUndo reports whether UndoLast has a change of the selected poste's
// ranking to undo.
func (r *RTS) CanUndo() bool {
	p := r.Poste()
	return r.undo != nil && p != nil && r.Round != nil && r.Editable() &&
		r.undo.round == r.Round.ID && r.undo.poste == p.ID
}

// UndoLast puts the ranking of the selected poste back as it was before
// its last change (a move, a drop, a tie, an import). There is one level:
// undoing twice redoes the change.
func (r *RTS) UndoLast() error {
	if !r.CanUndo() {
		return nil
	}
	u := r.undo
	r.remember()
	r.draft.List, r.draft.Unranked, r.draft.Tied = u.list, u.unranked, u.tied
	r.Cursor = u.cursor
	if r.Cursor >= len(r.draft.List) {
		r.Cursor = len(r.draft.List) - 1
	}
	return r.save()
}

// ranksByID is the rank of each ranked candidate (equal for ex aequo).
func (r *RTS) ranksByID() map[string]int { return rankByID(r.draft.List, r.draft.Ranks()) }

// settleTies keeps a candidate ex aequo with the one now above it only if
// that one shared its rank before the change (before is ranksByID taken
// then); see the function settleTies.
func (r *RTS) settleTies(before map[string]int, loose ...string) {
	r.draft.Tied = settleTies(r.draft.List, r.draft.Tied, before, loose...)
}

// dragged is the positions a drag from the ranked candidate from moves:
// the ticked selection when from is one of them, from alone otherwise;
// sorted, each once, all in the list.
func (r *RTS) dragged(from int, selected []int) []int {
	if !slices.Contains(selected, from) {
		return []int{from}
	}
	sel := slices.DeleteFunc(slices.Clone(selected), func(i int) bool { return i < 0 || i >= len(r.draft.List) })
	slices.Sort(sel)
	return slices.Compact(sel)
}

// dropOutside refuses a drop whose source or place is not in the lists.
func (r *RTS) dropOutside(what string, i, n int) error {
	err := api.Errorf(api.CodeBadRequest, "déplacement impossible : %s %d hors de la liste (0 à %d)",
		"cannot move: %s %d is outside the list (0 to %d)", what, i, n)
	r.Error = Message(err)
	return err
}

// DropRank moves the ranked candidate at position from, dragged and
// dropped at the gap to of the ranking (0 above the first row, n below the
// last). When from is one of the ticked positions selected, the whole
// selection moves: its candidates land together at the gap, in their
// present order. Dropping a candidate onto its own place changes nothing;
// a from or a to out of the list is refused and nothing changes.
func (r *RTS) DropRank(from, to int, selected []int) error {
	if !r.Editable() {
		return nil
	}
	n := len(r.draft.List)
	if from < 0 || from >= n {
		return r.dropOutside("position", from, n-1)
	}
	if to < 0 || to > n {
		return r.dropOutside("place", to, n)
	}
	rank, _ := r.DropLanding(from, to, selected)
	return r.MoveSelection(r.dragged(from, selected), rank)
}

// DropLanding is the rank the first dragged candidate would land at if the
// drag from position from (with the ticked selected) were dropped at the
// gap to, and how many candidates move with the drag; 0, 0 out of the
// list.
func (r *RTS) DropLanding(from, to int, selected []int) (rank, moved int) {
	n := len(r.draft.List)
	if from < 0 || from >= n || to < 0 || to > n {
		return 0, 0
	}
	sel := r.dragged(from, selected)
	// The first dragged lands below the candidates left above the gap.
	rank = 1
	for i := range to {
		if !slices.Contains(sel, i) {
			rank++
		}
	}
	return rank, len(sel)
}

// DropHint says what releasing a drag of ranked candidates at the gap to
// would do ("Déposer au rang 2", "Déposer 3 candidats à partir du rang
// 2"); empty out of the list.
func (r *RTS) DropHint(from, to int, selected []int) string {
	rank, moved := r.DropLanding(from, to, selected)
	switch {
	case moved == 0:
		return ""
	case moved == 1:
		return i18n.T("rts.drop_at", rank)
	}
	return counted("rts.drop_sel", moved, moved, rank)
}

// DropRankedHint says what releasing the drag of an unranked candidate at
// the gap to would do ("Déposer au rang 3"); empty out of the list.
func (r *RTS) DropRankedHint(to int) string {
	if to < 0 || to > len(r.draft.List) {
		return ""
	}
	return i18n.T("rts.drop_at", to+1)
}

// DropUnranked moves the ranked candidate at position from, dragged onto
// the "Non classés" pane, to the end of the unranked candidates; with it
// the ticked positions selected, in their order, when from is one of them.
// A from out of the list is refused.
func (r *RTS) DropUnranked(from int, selected []int) error {
	if !r.Editable() {
		return nil
	}
	n := len(r.draft.List)
	if from < 0 || from >= n {
		return r.dropOutside("position", from, n-1)
	}
	sel := r.dragged(from, selected)
	r.remember()
	before := r.ranksByID()
	var keep, out []string
	for i, id := range r.draft.List {
		if slices.Contains(sel, i) {
			out = append(out, id)
		} else {
			keep = append(keep, id)
		}
	}
	r.draft.List = keep
	r.draft.Unranked = append(r.draft.Unranked, out...)
	r.settleTies(before, out...)
	r.Cursor = min(sel[0], len(keep)-1)
	return r.save()
}

// DropRanked ranks the unranked candidate at position j of "Non classés",
// dragged and dropped at the gap to of the ranking (0 above the first row,
// n below the last). Out of the lists, it is refused.
func (r *RTS) DropRanked(j, to int) error {
	if !r.Editable() {
		return nil
	}
	if j < 0 || j >= len(r.draft.Unranked) {
		return r.dropOutside("position", j, len(r.draft.Unranked)-1)
	}
	if n := len(r.draft.List); to < 0 || to > n {
		return r.dropOutside("place", to, n)
	}
	return r.RestoreAt(j, to+1)
}

// RestoreAt ranks the unranked candidate at position j at rank (from 1 to
// n+1, n the number ranked); the candidates from that rank move down one.
// A rank out of bounds is refused with the bounds; nothing changes then.
func (r *RTS) RestoreAt(j, rank int) error {
	if !r.Editable() || j < 0 || j >= len(r.draft.Unranked) {
		return nil
	}
	maxRank := len(r.draft.List) + 1
	if rank < 1 || rank > maxRank {
		err := api.Errorf(api.CodeBadRequest, "rang %d impossible : choisissez un rang entre 1 et %d",
			"rank %d is not possible: choose a rank between 1 and %d", rank, maxRank)
		r.Error = Message(err)
		return err
	}
	r.remember()
	before := r.ranksByID()
	id := r.draft.Unranked[j]
	r.draft.Unranked = slices.Delete(r.draft.Unranked, j, j+1)
	r.draft.List = slices.Insert(r.draft.List, rank-1, id)
	r.settleTies(before, id)
	r.Cursor = rank - 1
	return r.save()
}
