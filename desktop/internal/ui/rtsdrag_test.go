package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// rankingApp is rts1's screen, 1400×900, on a round in its rankings
// window where n interns listed P1, with P1's candidates fetched.
func rankingApp(t *testing.T, n int) (*App, *RTSScreen) {
	t.Helper()
	app, s := rtsApp(t, listedP1(t, n))
	app.Window.Resize(fyne.NewSize(1400, 900))
	test.Tap(s.fetch)
	if !s.VM.Svc.Unlocked() {
		typePassphrase(t, app)
	}
	if got := len(s.VM.RankedIDs()); got != n {
		t.Fatalf("%d ranked (%q)", got, s.VM.Error)
	}
	return app, s
}

// dragRows are the rows of the lists on screen (the visible ones: the
// lists recycle them).
func dragRows(o fyne.CanvasObject) []*dragRow {
	var out []*dragRow
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *dragRow:
			out = append(out, v)
			return
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
			return
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// rowAt is the row on screen showing item i of the ranking (or of "Non
// classés"), and where its middle is in the window.
func rowAt(t *testing.T, s *RTSScreen, unranked bool, i int) (*dragRow, fyne.Position) {
	t.Helper()
	list := s.ranked
	if unranked {
		list = s.unranked
	}
	for _, r := range dragRows(list) {
		if r.index == i && r.unranked == unranked {
			at := absPos(r)
			return r, at.Add(fyne.NewPos(r.Size().Width/2, r.Size().Height/2))
		}
	}
	t.Fatalf("no row %d on screen (unranked %v)", i, unranked)
	return nil, fyne.Position{}
}

// gapPoint is a point in the window over the upper part of ranked item i:
// a drop there lands in the gap above it (i = n: below the last row).
func gapPoint(t *testing.T, s *RTSScreen, i int) fyne.Position {
	t.Helper()
	pitch := s.drag.rowPitch()
	at := absPos(s.ranked)
	return fyne.NewPos(at.X+s.ranked.Size().Width/2, at.Y+float32(i)*pitch+pitch/5-s.ranked.GetScrollOffset())
}

// dragTo drags with the test driver from a to b on the window.
func dragTo(app *App, a, b fyne.Position) {
	test.Drag(app.Window.Canvas(), a, b.X-a.X, b.Y-a.Y)
}

// checkAllOnce fails unless every candidate of the poste is in the
// ranking or in "Non classés", once, and the rows on screen show the view
// model's labels.
func checkAllOnce(t *testing.T, s *RTSScreen, all []string) {
	t.Helper()
	got := slices.Concat(s.VM.RankedIDs(), s.VM.UnrankedIDs())
	slices.Sort(got)
	want := slices.Sorted(slices.Values(all))
	if !slices.Equal(got, want) {
		t.Fatalf("candidates after the drag: %v", got)
	}
	labels, ulabels := s.VM.Ranked(), s.VM.Unranked()
	for _, r := range append(dragRows(s.ranked), dragRows(s.unranked)...) {
		l := labels
		if r.unranked {
			l = ulabels
		}
		if r.index >= 0 && r.index < len(l) && r.label.Text != l[r.index] {
			t.Errorf("row %d (unranked %v) shows %q, want %q", r.index, r.unranked, r.label.Text, l[r.index])
		}
	}
}

// TestRTSDragAndDrop: on the real screen with 32 candidates, drag row 5
// to place 2 (the marker line shows where and says "Déposer au rang 2"
// while dragging); drag two ticked rows together; drag a row onto "Non
// classés" and back into the ranking at the top; near the bottom edge the
// list scrolls by itself; "Annuler le dernier déplacement" undoes a drop.
func TestRTSDragAndDrop(t *testing.T) {
	app, s := rankingApp(t, 32)
	ids := s.VM.RankedIDs()

	// While dragging: the marker at the gap with what the drop does.
	row, from := rowAt(t, s, false, 4)
	to := gapPoint(t, s, 1)
	row.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: from.Subtract(absPos(row))},
		Dragged: fyne.NewDelta(to.X-from.X, to.Y-from.Y)})
	if !s.drag.marker.Visible() || s.drag.hint.Text != "Déposer au rang 2" {
		t.Errorf("while dragging: marker %v, hint %q", s.drag.marker.Visible(), s.drag.hint.Text)
	}
	if r, _ := rowAt(t, s, false, 4); r.label.Importance != widget.HighImportance {
		t.Error("the dragged row is not marked")
	}
	if y, want := absPos(s.drag.marker).Y, absPos(s.ranked).Y+s.drag.rowPitch(); y < want-8 || y > want+2 {
		t.Errorf("marker at y %.0f, want about %.0f (between rows 1 and 2)", y, want)
	}
	shoot(t, app, "rts-6-glisser-deposer")
	row.DragEnd()
	if s.drag.marker.Visible() {
		t.Error("marker still shown after the drop")
	}
	if r, _ := rowAt(t, s, false, 1); r.label.Importance != widget.MediumImportance {
		t.Error("the dropped row is still marked")
	}
	want := slices.Concat([]string{ids[0], ids[4]}, ids[1:4], ids[5:])
	if got := s.VM.RankedIDs(); !slices.Equal(got, want) {
		t.Fatalf("after dragging row 5 to place 2: %v", got[:6])
	}
	if s.VM.Cursor != 1 || !strings.Contains(s.VM.PosteLabels()[0], "brouillon") {
		t.Errorf("cursor %d, poste %q", s.VM.Cursor, s.VM.PosteLabels()[0])
	}
	checkAllOnce(t, s, ids)

	// Undo puts it back; undo again redoes.
	if s.undo.Disabled() {
		t.Fatal("undo disabled after a drop")
	}
	test.Tap(s.undo)
	if got := s.VM.RankedIDs(); !slices.Equal(got, ids) {
		t.Fatalf("after undo: %v", got[:6])
	}
	test.Tap(s.undo)
	if got := s.VM.RankedIDs(); !slices.Equal(got, want) {
		t.Fatalf("after redo: %v", got[:6])
	}

	// Two ticked rows dragged by one of them land together, in order.
	cur := s.VM.RankedIDs()
	s.marked[cur[7]], s.marked[cur[9]] = true, true
	_, from = rowAt(t, s, false, 9)
	dragTo(app, from, gapPoint(t, s, 0))
	got := s.VM.RankedIDs()
	if got[0] != cur[7] || got[1] != cur[9] || got[2] != cur[0] {
		t.Fatalf("after dragging the selection to the top: %v", got[:4])
	}
	if len(s.marked) != 0 {
		t.Errorf("ticks kept after the drop: %v", s.marked)
	}
	checkAllOnce(t, s, ids)

	// Onto "Non classés", then back at the top of the ranking.
	cur = s.VM.RankedIDs()
	_, from = rowAt(t, s, false, 2)
	un := absPos(s.unranked).Add(fyne.NewPos(s.unranked.Size().Width/2, s.unranked.Size().Height/2))
	dragTo(app, from, un)
	if u := s.VM.UnrankedIDs(); len(u) != 1 || u[0] != cur[2] || slices.Contains(s.VM.RankedIDs(), cur[2]) {
		t.Fatalf("after dragging onto Non classés: unranked %v", u)
	}
	if s.counts.Text != "31 classés, 1 non classé — 32 candidats" {
		t.Errorf("counts %q", s.counts.Text)
	}
	checkAllOnce(t, s, ids)
	_, from = rowAt(t, s, true, 0)
	dragTo(app, from, gapPoint(t, s, 0))
	if got := s.VM.RankedIDs(); got[0] != cur[2] || len(s.VM.UnrankedIDs()) != 0 {
		t.Fatalf("after dragging back: %v, unranked %v", got[:3], s.VM.UnrankedIDs())
	}
	checkAllOnce(t, s, ids)

	// Released over nothing: nothing changes.
	cur = s.VM.RankedIDs()
	_, from = rowAt(t, s, false, 3)
	dragTo(app, from, absPos(s.posteTitle))
	if got := s.VM.RankedIDs(); !slices.Equal(got, cur) {
		t.Errorf("a drop outside the lists moved: %v", got[:5])
	}

	// Near the bottom edge the list scrolls by itself, and the drop lands
	// where the marker is then.
	if s.ranked.GetScrollOffset() != 0 {
		t.Fatalf("scrolled already: %.0f", s.ranked.GetScrollOffset())
	}
	cur = s.VM.RankedIDs()
	row, from = rowAt(t, s, false, 0)
	// Held a row below the list (as a hand overshoots): it still aims at
	// the last visible place.
	bottom := absPos(s.ranked).Add(fyne.NewPos(s.ranked.Size().Width/2, s.ranked.Size().Height+s.drag.rowPitch()))
	row.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: from.Subtract(absPos(row))},
		Dragged: fyne.NewDelta(bottom.X-from.X, bottom.Y-from.Y)})
	if !s.drag.marker.Visible() || !strings.HasPrefix(s.drag.hint.Text, "Déposer au rang ") {
		t.Errorf("below the list: marker %v, hint %q", s.drag.marker.Visible(), s.drag.hint.Text)
	}
	off := s.ranked.GetScrollOffset()
	if off <= 0 {
		t.Errorf("no auto-scroll at the bottom edge (offset %.1f)", off)
	}
	for range 20 { // a hold of 20 frames of 50 ms at the edge
		s.drag.lastTick = time.Now().Add(-50 * time.Millisecond)
		s.drag.tick(0)
	}
	if s.ranked.GetScrollOffset() <= off {
		t.Errorf("the auto-scroll stopped at %.1f", s.ranked.GetScrollOffset())
	}
	gap := s.drag.gap
	row.DragEnd()
	if gap <= 16 {
		t.Errorf("gap %d after scrolling down", gap)
	}
	if got := s.VM.RankedIDs(); got[gap-1] != cur[0] {
		t.Errorf("the first row dropped at gap %d: %v", gap, got)
	}
	checkAllOnce(t, s, ids)
}

// TestDragStillThere: after many drags (down, up, onto itself, to "Non
// classés" and back, out of the lists), every candidate is in the list
// exactly once and the counts are the same.
func TestDragStillThere(t *testing.T) {
	app, s := rankingApp(t, 12)
	ids := s.VM.RankedIDs()
	counts := s.counts.Text
	for _, d := range []struct{ from, to int }{{0, 11}, {11, 0}, {5, 5}, {5, 6}, {3, 9}, {9, 3}, {10, 12}, {6, 0}} {
		_, a := rowAt(t, s, false, d.from)
		dragTo(app, a, gapPoint(t, s, d.to))
		checkAllOnce(t, s, ids)
		if s.counts.Text != counts {
			t.Fatalf("drag %v: counts %q, want %q", d, s.counts.Text, counts)
		}
	}
	un := absPos(s.unranked).Add(fyne.NewPos(10, 10))
	for range 3 {
		_, a := rowAt(t, s, false, 0)
		dragTo(app, a, un)
		checkAllOnce(t, s, ids)
	}
	if s.counts.Text != "9 classés, 3 non classés — 12 candidats" {
		t.Errorf("counts %q", s.counts.Text)
	}
	for range 3 {
		_, a := rowAt(t, s, true, 0)
		dragTo(app, a, gapPoint(t, s, 4))
		checkAllOnce(t, s, ids)
	}
	// From "Non classés" onto "Non classés": nothing.
	_, a := rowAt(t, s, false, 0)
	dragTo(app, a, un)
	_, a = rowAt(t, s, true, 0)
	dragTo(app, a, un)
	if len(s.VM.UnrankedIDs()) != 1 {
		t.Errorf("unranked %v", s.VM.UnrankedIDs())
	}
	checkAllOnce(t, s, ids)
}
