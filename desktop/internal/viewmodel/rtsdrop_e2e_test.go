package viewmodel

import (
	"slices"
	"strings"
	"testing"
)

// TestDropRanked drives every drag and drop of the ranking on a real
// server's candidates (8 of them, called 0…7 below): onto the first, the
// last and a middle place, onto itself, out of range, with a ticked
// selection, to "Non classés" and back, with ex aequo groups; after each,
// every candidate is in the lists exactly once.
func TestDropRanked(t *testing.T) {
	_, r := rankingEnv(t, 8)
	ids := r.RankedIDs()
	at := func(pos ...int) []string {
		out := []string{}
		for _, p := range pos {
			out = append(out, ids[p])
		}
		return out
	}
	all := at(0, 1, 2, 3, 4, 5, 6, 7)
	type state struct{ list, unranked, tied []string }
	for _, tc := range []struct {
		name   string
		start  state // zero: the 8 in order, no tie
		drop   func() error
		want   state
		errHas string // the drop is refused with this
		cursor int
	}{
		{name: "row 5 to place 2", drop: func() error { return r.DropRank(4, 1, nil) },
			want: state{list: at(0, 4, 1, 2, 3, 5, 6, 7)}, cursor: 1},
		{name: "to the first place", drop: func() error { return r.DropRank(4, 0, nil) },
			want: state{list: at(4, 0, 1, 2, 3, 5, 6, 7)}, cursor: 0},
		{name: "the first to the last place", drop: func() error { return r.DropRank(0, 8, nil) },
			want: state{list: at(1, 2, 3, 4, 5, 6, 7, 0)}, cursor: 7},
		{name: "the last to the first place", drop: func() error { return r.DropRank(7, 0, nil) },
			want: state{list: at(7, 0, 1, 2, 3, 4, 5, 6)}, cursor: 0},
		{name: "down to the middle", drop: func() error { return r.DropRank(1, 5, nil) },
			want: state{list: at(0, 2, 3, 4, 1, 5, 6, 7)}, cursor: 4},
		{name: "up to the middle", drop: func() error { return r.DropRank(6, 2, nil) },
			want: state{list: at(0, 1, 6, 2, 3, 4, 5, 7)}, cursor: 2},
		{name: "onto itself, above", drop: func() error { return r.DropRank(3, 3, nil) },
			want: state{list: all}, cursor: 3},
		{name: "onto itself, below", drop: func() error { return r.DropRank(3, 4, nil) },
			want: state{list: all}, cursor: 3},
		{name: "from out of range", drop: func() error { return r.DropRank(8, 0, nil) },
			want: state{list: all}, errHas: "position 8 hors de la liste (0 à 7)", cursor: -1},
		{name: "from below zero", drop: func() error { return r.DropRank(-1, 0, nil) },
			want: state{list: all}, errHas: "hors de la liste", cursor: -1},
		{name: "to out of range", drop: func() error { return r.DropRank(2, 9, nil) },
			want: state{list: all}, errHas: "place 9 hors de la liste (0 à 8)", cursor: -1},
		{name: "to below zero", drop: func() error { return r.DropRank(2, -1, nil) },
			want: state{list: all}, errHas: "hors de la liste", cursor: -1},
		{name: "a selection to the top", drop: func() error { return r.DropRank(3, 0, []int{6, 1, 3}) },
			want: state{list: at(1, 3, 6, 0, 2, 4, 5, 7)}, cursor: 0},
		{name: "a selection to the bottom", drop: func() error { return r.DropRank(1, 8, []int{1, 3, 6}) },
			want: state{list: at(0, 2, 4, 5, 7, 1, 3, 6)}, cursor: 5},
		{name: "a selection into the middle", drop: func() error { return r.DropRank(6, 5, []int{1, 3, 6}) },
			want: state{list: at(0, 2, 4, 1, 3, 6, 5, 7)}, cursor: 3},
		{name: "a row outside the selection moves alone", drop: func() error { return r.DropRank(5, 0, []int{1, 3}) },
			want: state{list: at(5, 0, 1, 2, 3, 4, 6, 7)}, cursor: 0},
		{name: "a selection with positions out of range", drop: func() error { return r.DropRank(2, 0, []int{2, 4, 99, -1}) },
			want: state{list: at(2, 4, 0, 1, 3, 5, 6, 7)}, cursor: 0},
		{name: "to Non classés", drop: func() error { return r.DropUnranked(2, nil) },
			want: state{list: at(0, 1, 3, 4, 5, 6, 7), unranked: at(2)}, cursor: 2},
		{name: "a selection to Non classés", drop: func() error { return r.DropUnranked(5, []int{5, 0}) },
			want: state{list: at(1, 2, 3, 4, 6, 7), unranked: at(0, 5)}, cursor: 0},
		{name: "the last to Non classés", drop: func() error { return r.DropUnranked(7, nil) },
			want: state{list: at(0, 1, 2, 3, 4, 5, 6), unranked: at(7)}, cursor: 6},
		{name: "to Non classés out of range", drop: func() error { return r.DropUnranked(8, nil) },
			want: state{list: all}, errHas: "hors de la liste", cursor: -1},
		{name: "from Non classés to the first place", start: state{list: at(0, 1, 2, 3, 4, 5), unranked: at(6, 7)},
			drop: func() error { return r.DropRanked(1, 0) },
			want: state{list: at(7, 0, 1, 2, 3, 4, 5), unranked: at(6)}, cursor: 0},
		{name: "from Non classés to the last place", start: state{list: at(0, 1, 2, 3, 4, 5), unranked: at(6, 7)},
			drop: func() error { return r.DropRanked(0, 6) },
			want: state{list: at(0, 1, 2, 3, 4, 5, 6), unranked: at(7)}, cursor: 6},
		{name: "from Non classés to the middle", start: state{list: at(0, 1, 2, 3, 4, 5), unranked: at(6, 7)},
			drop: func() error { return r.DropRanked(0, 2) },
			want: state{list: at(0, 1, 6, 2, 3, 4, 5), unranked: at(7)}, cursor: 2},
		{name: "from Non classés out of range", start: state{list: at(0, 1, 2, 3, 4, 5), unranked: at(6, 7)},
			drop: func() error { return r.DropRanked(2, 0) },
			want: state{list: at(0, 1, 2, 3, 4, 5), unranked: at(6, 7)}, errHas: "position 2 hors de la liste (0 à 1)", cursor: -1},
		{name: "from Non classés to a place out of range", start: state{list: at(0, 1, 2, 3, 4, 5), unranked: at(6, 7)},
			drop: func() error { return r.DropRanked(0, 7) },
			want: state{list: at(0, 1, 2, 3, 4, 5), unranked: at(6, 7)}, errHas: "place 7 hors de la liste (0 à 6)", cursor: -1},
		{name: "an ex aequo group dragged together stays one", start: state{list: all, tied: at(4)},
			drop: func() error { return r.DropRank(3, 0, []int{3, 4}) },
			want: state{list: at(3, 4, 0, 1, 2, 5, 6, 7), tied: at(4)}, cursor: 0},
		{name: "the one left behind does not join its new neighbour's rank", start: state{list: all, tied: at(2)},
			drop: func() error { return r.DropRank(1, 8, nil) },
			want: state{list: at(0, 2, 3, 4, 5, 6, 7, 1)}, cursor: 7},
		{name: "a group of three keeps the two left", start: state{list: all, tied: at(2, 3)},
			drop: func() error { return r.DropRank(2, 0, nil) },
			want: state{list: at(2, 0, 1, 3, 4, 5, 6, 7), tied: at(3)}, cursor: 0},
		{name: "to Non classés out of a group", start: state{list: all, tied: at(2)},
			drop: func() error { return r.DropUnranked(1, nil) },
			want: state{list: at(0, 2, 3, 4, 5, 6, 7), unranked: at(1)}, cursor: 1},
		{name: "a step down above a group does not join it", start: state{list: all, tied: at(2)},
			drop: func() error { return r.Move(0, 1) },
			want: state{list: at(1, 0, 2, 3, 4, 5, 6, 7)}, cursor: 1},
		{name: "from Non classés into a group splits it", start: state{list: at(0, 1, 2, 3, 4, 5, 6), unranked: at(7), tied: at(2)},
			drop: func() error { return r.DropRanked(0, 2) },
			want: state{list: at(0, 1, 7, 2, 3, 4, 5, 6)}, cursor: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.start
			if st.list == nil {
				st.list = all
			}
			r.draft.List, r.draft.Unranked, r.draft.Tied = slices.Clone(st.list), slices.Clone(st.unranked), slices.Clone(st.tied)
			r.Cursor, r.Error, r.undo = -1, "", nil
			before := r.Counts()
			err := tc.drop()
			if tc.errHas != "" {
				if err == nil || !strings.Contains(Message(err), tc.errHas) {
					t.Errorf("error %v, want one with %q", err, tc.errHas)
				}
				if r.CanUndo() {
					t.Error("a refused drop can be undone")
				}
			} else if err != nil {
				t.Fatal(err)
			}
			got := state{list: r.RankedIDs(), unranked: r.UnrankedIDs(), tied: r.draft.Tied}
			if !slices.Equal(got.list, tc.want.list) || !slices.Equal(got.unranked, tc.want.unranked) || !slices.Equal(got.tied, tc.want.tied) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if r.Cursor != tc.cursor {
				t.Errorf("cursor %d, want %d", r.Cursor, tc.cursor)
			}
			// Still there, exactly once; the candidates' count unchanged.
			seen := slices.Concat(got.list, got.unranked)
			slices.Sort(seen)
			if !slices.Equal(seen, all) || r.Counts().Candidates != before.Candidates {
				t.Errorf("candidates after the drop: %v", seen)
			}
			// A drop that changed something is undone, and redone.
			changed := !slices.Equal(got.list, st.list) || !slices.Equal(got.unranked, st.unranked)
			if changed != r.CanUndo() {
				t.Fatalf("changed %v but CanUndo %v", changed, r.CanUndo())
			}
			if changed {
				if err := r.UndoLast(); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(r.RankedIDs(), st.list) || !slices.Equal(r.UnrankedIDs(), st.unranked) || !slices.Equal(r.draft.Tied, st.tied) {
					t.Errorf("after undo %v / %v / %v, want %+v", r.RankedIDs(), r.UnrankedIDs(), r.draft.Tied, st)
				}
				if err := r.UndoLast(); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(r.RankedIDs(), tc.want.list) || !slices.Equal(r.UnrankedIDs(), tc.want.unranked) {
					t.Errorf("after redo %v / %v", r.RankedIDs(), r.UnrankedIDs())
				}
			}
		})
	}
}

// TestDropSaved: a drop is saved in the cache at once (the draft read
// back after reopening the poste is the dropped order) and the poste
// becomes a draft; the undo does not survive a change of poste.
func TestDropSaved(t *testing.T) {
	_, r := rankingEnv(t, 5)
	ids := r.RankedIDs()
	if err := r.DropRank(4, 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.SelectPoste(0); err != nil {
		t.Fatal(err)
	}
	if err := r.loadDraft(); err != nil {
		t.Fatal(err)
	}
	want := []string{ids[0], ids[4], ids[1], ids[2], ids[3]}
	if got := r.RankedIDs(); !slices.Equal(got, want) {
		t.Errorf("after reopening: %v, want %v", got, want)
	}
	if st := r.PosteStates(); st[0] != RankingDraftState {
		t.Errorf("state %v", st)
	}
	if r.CanUndo() {
		t.Error("undo survives reopening the poste")
	}
	if err := r.RestoreAt(0, 1); err != nil { // nothing unranked: no change
		t.Fatal(err)
	}
	if err := r.DropUnranked(0, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.RestoreAt(0, 7); err == nil || !strings.Contains(Message(err), "entre 1 et 5") {
		t.Errorf("RestoreAt out of bounds: %v", err)
	}
	// What the marker says, for one row, a selection, a row from "Non
	// classés", and out of the list.
	for _, tc := range []struct{ got, want string }{
		{r.DropHint(3, 1, nil), "Déposer au rang 2"},
		{r.DropHint(3, 1, []int{3}), "Déposer au rang 2"},
		{r.DropHint(3, 4, []int{0, 3}), "Déposer 2 candidats à partir du rang 3"},
		{r.DropHint(3, 0, []int{1, 2}), "Déposer au rang 1"},
		{r.DropHint(4, 0, nil), ""},
		{r.DropHint(0, 5, nil), ""},
		{r.DropRankedHint(4), "Déposer au rang 5"},
		{r.DropRankedHint(5), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("hint %q, want %q", tc.got, tc.want)
		}
	}
}
