package ui

import (
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
)

// dragRow is a row of the ranking (with its tick box) or of "Non classés"
// (without): a fyne.Draggable that hands the pointer to the screen's
// rankDrag, which decides through the view model.
type dragRow struct {
	widget.BaseWidget
	drag     *rankDrag
	unranked bool
	index    int           // the list item it shows now (rows are recycled)
	check    *widget.Check // nil in "Non classés"
	label    *widget.Label
}

func newDragRow(d *rankDrag, unranked bool, template string) *dragRow {
	r := &dragRow{drag: d, unranked: unranked, index: -1, label: widget.NewLabel(template)}
	r.label.Truncation = fyne.TextTruncateEllipsis
	if !unranked {
		r.check = widget.NewCheck("", nil)
	}
	r.ExtendBaseWidget(r)
	return r
}

// show makes the row show list item i with text, in the marker's colour
// while it is the one being dragged.
func (r *dragRow) show(i int, text string) {
	r.index = i
	r.label.Importance = widget.MediumImportance
	if r.drag.moving(r.unranked, i) {
		r.label.Importance = widget.HighImportance
	}
	r.label.SetText(text)
}

// CreateRenderer lays the tick box left of the label.
func (r *dragRow) CreateRenderer() fyne.WidgetRenderer {
	if r.check == nil {
		return widget.NewSimpleRenderer(r.label)
	}
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.check, nil, r.label))
}

// Dragged follows the pointer: a drop marker where the row would land,
// the "Non classés" pane lit when it is over it, the list scrolled when
// it is near the top or bottom edge.
func (r *dragRow) Dragged(e *fyne.DragEvent) { r.drag.dragged(r, e) }

// DragEnd drops the row where the marker is.
func (r *dragRow) DragEnd() { r.drag.end() }

// rankDrag is one drag and drop in the RTS ranking, from the press on a
// row to its release: the widget part (pointer, marker, edges); what the
// drop does is the view model's DropRank, DropUnranked and DropRanked.
type rankDrag struct {
	s *RTSScreen
	// active: a drag is under way, from the ranked position from or, when
	// fromUnranked, from the unranked position from.
	active       bool
	fromUnranked bool
	from         int
	pointer      fyne.Position // absolute, the last seen
	gap          int           // where the row would land in the ranking, -1: not over it
	overUnranked bool          // the pointer is over "Non classés"

	layer        *fyne.Container // over the ranking: the marker line and its hint
	marker       *canvas.Rectangle
	hint         *canvas.Text
	unrankedLit  *canvas.Rectangle // behind "Non classés", lit when a drop there would take
	unrankedHint *widget.Label

	anim     *fyne.Animation // auto-scroll while the pointer is near an edge
	lastTick time.Time
}

func newRankDrag(s *RTSScreen) *rankDrag {
	d := &rankDrag{s: s, gap: -1}
	d.marker = canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	d.hint = canvas.NewText("", theme.Color(theme.ColorNamePrimary))
	d.hint.TextStyle.Bold = true
	d.hint.TextSize = theme.CaptionTextSize()
	d.marker.Hide()
	d.hint.Hide()
	d.layer = container.NewWithoutLayout(d.marker, d.hint)
	lit := theme.Color(theme.ColorNamePrimary)
	r, g, b, _ := lit.RGBA()
	d.unrankedLit = canvas.NewRectangle(color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40})
	d.unrankedLit.StrokeColor = lit
	d.unrankedLit.StrokeWidth = 2
	d.unrankedLit.Hide()
	d.unrankedHint = widget.NewLabel(i18n.T("rts.drop_unranked"))
	d.unrankedHint.Importance = widget.HighImportance
	d.unrankedHint.Wrapping = fyne.TextWrapWord
	d.unrankedHint.Hide()
	return d
}

// rowPitch is the height of a row of the ranking plus the gap between
// rows, as widget.List lays them out.
func (d *rankDrag) rowPitch() float32 {
	return newDragRow(d, false, "").MinSize().Height + theme.Padding()
}

// absPos is o's position in the window.
func absPos(o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}

// pointerOf is the pointer's position in the window. The desktop driver
// says it (AbsolutePosition), with each step's delta; the test driver's
// test.Drag sends one event with the starting point in the row and the
// whole delta, and no absolute position.
func pointerOf(row fyne.CanvasObject, e *fyne.DragEvent) fyne.Position {
	if !e.AbsolutePosition.IsZero() {
		return e.AbsolutePosition
	}
	return absPos(row).Add(e.Position).Add(e.Dragged)
}

func (d *rankDrag) dragged(row *dragRow, e *fyne.DragEvent) {
	if !d.s.VM.Editable() {
		return
	}
	if !d.active {
		if row.index < 0 {
			return
		}
		d.active, d.fromUnranked, d.from = true, row.unranked, row.index
		d.refreshSource()
	}
	d.pointer = pointerOf(row, e)
	d.aim()
	if d.edgeSpeed() != 0 && d.anim == nil {
		d.lastTick = time.Time{}
		d.anim = &fyne.Animation{Duration: time.Second, RepeatCount: fyne.AnimationRepeatForever, Tick: d.tick}
		d.anim.Start()
	}
}

// moving reports whether item i of the ranking (or of "Non classés") is
// the one being dragged: its row shows it in the marker's colour.
func (d *rankDrag) moving(unranked bool, i int) bool {
	return d.active && d.fromUnranked == unranked && d.from == i
}

// refreshSource redraws the row the drag started from.
func (d *rankDrag) refreshSource() {
	if d.fromUnranked {
		d.s.unranked.RefreshItem(d.from)
	} else {
		d.s.ranked.RefreshItem(d.from)
	}
}

// inside reports whether p is over o, with margin around it.
func inside(o fyne.CanvasObject, p fyne.Position, margin float32) bool {
	at, sz := absPos(o), o.Size()
	return p.X >= at.X-margin && p.X <= at.X+sz.Width+margin && p.Y >= at.Y-margin && p.Y <= at.Y+sz.Height+margin
}

// aim finds where the pointer would drop: a gap of the ranking (the
// marker line shows it, with what the drop does) or "Non classés".
func (d *rankDrag) aim() {
	s := d.s
	d.gap, d.overUnranked = -1, false
	pitch := d.rowPitch()
	top, h := absPos(s.ranked).Y, s.ranked.Size().Height
	if d.inColumn(s.ranked) && d.pointer.Y >= top-edgeReach*pitch && d.pointer.Y <= top+h+edgeReach*pitch {
		// Above or below the list (where it scrolls by itself), the
		// row lands at its first or last visible place.
		y := min(max(d.pointer.Y-top, 0), h) + s.ranked.GetScrollOffset()
		n := len(s.VM.RankedIDs())
		d.gap = min(max(int(math.Floor(float64((y+pitch/2)/pitch))), 0), n)
	} else if !d.fromUnranked && inside(s.unranked, d.pointer, theme.Padding()) {
		d.overUnranked = true
	}
	d.show()
}

// inColumn reports whether the pointer is within o's width.
func (d *rankDrag) inColumn(o fyne.CanvasObject) bool {
	at := absPos(o)
	return d.pointer.X >= at.X && d.pointer.X <= at.X+o.Size().Width
}

// hintText says what releasing now would do, from the view model.
func (d *rankDrag) hintText() string {
	if d.gap < 0 {
		return ""
	}
	if d.fromUnranked {
		return d.s.VM.DropRankedHint(d.gap)
	}
	return d.s.VM.DropHint(d.from, d.gap, d.s.selection())
}

// show draws the marker line at the gap, and lights "Non classés".
func (d *rankDrag) show() {
	s := d.s
	if d.gap >= 0 {
		pitch, pad := d.rowPitch(), theme.Padding()
		h := float32(3)
		y := float32(d.gap)*pitch - s.ranked.GetScrollOffset() - pad/2 - h/2
		y = min(max(y, 0), s.ranked.Size().Height-h)
		w := s.ranked.Size().Width - theme.ScrollBarSize()
		d.marker.Move(fyne.NewPos(0, y))
		d.marker.Resize(fyne.NewSize(w, h))
		d.hint.Text = d.hintText()
		ts := d.hint.MinSize()
		hy := y - ts.Height
		if hy < 0 {
			hy = y + h
		}
		d.hint.Move(fyne.NewPos(max(w-ts.Width-pad, 0), hy))
		d.hint.Resize(ts)
		d.marker.Show()
		d.hint.Show()
		d.marker.Refresh()
		d.hint.Refresh()
	} else {
		d.marker.Hide()
		d.hint.Hide()
	}
	if d.overUnranked {
		d.unrankedLit.Show()
		d.unrankedHint.Show()
	} else {
		d.unrankedLit.Hide()
		d.unrankedHint.Hide()
	}
}

// edgeReach is how far (in rows) above or below the ranking the pointer
// still drops into it, and scrolls it.
const edgeReach = 2

// edgeSpeed is how fast (points per second, negative up) the ranking
// scrolls by itself for the pointer: near its top or bottom edge (within
// one and a half rows) or past it, faster the deeper; 0 elsewhere.
func (d *rankDrag) edgeSpeed() float32 {
	s := d.s
	if !d.active || !d.inColumn(s.ranked) {
		return 0
	}
	pitch := d.rowPitch()
	zone := 1.5 * pitch
	top := absPos(s.ranked).Y
	bottom := top + s.ranked.Size().Height
	y := d.pointer.Y
	if y < top-edgeReach*pitch || y > bottom+edgeReach*pitch {
		return 0
	}
	speed := func(depth float32) float32 { return pitch * (2 + 14*min(depth/zone, 1)) }
	switch {
	case y < top+zone:
		return -speed(top + zone - y)
	case y > bottom-zone:
		return speed(y - (bottom - zone))
	}
	return 0
}

// tick scrolls the ranking by one frame of edgeSpeed and aims again;
// the auto-scroll stops when the pointer leaves the edges.
func (d *rankDrag) tick(float32) {
	v := d.edgeSpeed()
	if v == 0 {
		d.stopScroll()
		return
	}
	now := time.Now()
	dt := float32(1) / 60
	if !d.lastTick.IsZero() {
		dt = min(float32(now.Sub(d.lastTick).Seconds()), 0.1)
	}
	d.lastTick = now
	d.scrollBy(v * dt)
}

// scrollBy scrolls the ranking by dy points (negative: up) and aims again.
func (d *rankDrag) scrollBy(dy float32) {
	l := d.s.ranked
	l.ScrollToOffset(max(l.GetScrollOffset()+dy, 0))
	d.aim()
}

func (d *rankDrag) stopScroll() {
	if d.anim != nil {
		d.anim.Stop()
		d.anim = nil
	}
}

// end drops where the pointer was released, through the view model, and
// clears the marker.
func (d *rankDrag) end() {
	d.stopScroll()
	if !d.active {
		return
	}
	s := d.s
	from, fromUnranked, gap, overUnranked := d.from, d.fromUnranked, d.gap, d.overUnranked
	d.active, d.gap, d.overUnranked = false, -1, false
	d.show()
	d.refreshSource()
	sel := s.selection()
	ids := s.VM.RankedIDs()
	ticked := !fromUnranked && from < len(ids) && s.marked[ids[from]] // the ticked move with it
	switch {
	case fromUnranked && gap >= 0:
		s.action(func() error { return s.VM.DropRanked(from, gap) })
	case !fromUnranked && gap >= 0:
		s.action(func() error {
			err := s.VM.DropRank(from, gap, sel)
			if err == nil && ticked { // as after "Placer au rang…"
				clear(s.marked)
			}
			return err
		})
	case !fromUnranked && overUnranked:
		s.action(func() error { return s.VM.DropUnranked(from, sel) })
	}
}
