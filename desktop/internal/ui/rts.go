package ui

import (
	"context"
	"image/color"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/outbox"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// RTSScreen is an RTS's window: own postes on the left; on the right the
// data of the selected poste, then its candidates' ranking editor.
type RTSScreen struct {
	Content fyne.CanvasObject
	VM      *viewmodel.RTS
	app     *App

	roundSelect              *widget.Select
	roundWrap                *fyne.Container // sized to the longest round's name
	postes                   *widget.List
	detail, detail2          *widget.Form
	ranked, unranked         *widget.List
	drag                     *rankDrag // drag and drop in the ranking
	up, down, reject, revive *widget.Button
	undo                     *widget.Button
	moveTo, importB          *widget.Button
	// tie is "ex aequo avec le précédent" for the candidate under the
	// cursor.
	tie                      *widget.Check
	fetch, sign              *widget.Button
	status, errLabel, outbox *widget.Label
	counts, posteTitle       *widget.Label
	// marked are the ranked candidates ticked for "Placer au rang…".
	marked          map[string]bool
	files, versions *fyne.Container
	unrankedSel     int
	fetching        bool // candidates on their way
	corr            *viewmodel.Corrections
	corrSummary     *widget.Label
	askCorr         *widget.Button
	form            *correctionForm // the last request form opened
}

// NewRTSScreen builds the RTS screens on the view model.
func NewRTSScreen(a *App, vm *viewmodel.RTS) *RTSScreen {
	s := &RTSScreen{VM: vm, app: a, unrankedSel: -1, marked: map[string]bool{}}
	s.drag = newRankDrag(s)
	s.roundSelect = widget.NewSelect(nil, nil)
	s.roundWrap = roundSelectBox(s.roundSelect)
	me := a.session.Me()
	who := widget.NewLabelWithStyle(me.FullName()+" — "+i18n.T("role.rts"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	syncB := widget.NewButtonWithIcon(i18n.T("sync.now"), theme.ViewRefreshIcon(), s.syncNow)
	header := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewLabel(i18n.T("round.label")), s.roundWrap),
		container.NewHBox(who, syncB))

	s.postes = widget.NewList(func() int { return len(s.VM.Postes) },
		func() fyne.CanvasObject {
			// Three lines (id, state and places, title): the
			// template's text gives the rows their height.
			l := widget.NewLabel("P\nP\nP")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if ls := s.VM.PosteLabels(); i < len(ls) {
				o.(*widget.Label).SetText(ls[i])
			}
		})
	s.postes.OnSelected = func(i widget.ListItemID) {
		if i != s.VM.Selected {
			s.action(func() error { return s.VM.SelectPoste(i) })
			s.fetchMissing()
		}
	}
	s.detail, s.detail2 = widget.NewForm(), widget.NewForm()

	s.ranked = widget.NewList(func() int { return len(s.VM.RankedIDs()) },
		// Each row can be dragged to another place or onto "Non classés".
		func() fyne.CanvasObject { return newDragRow(s.drag, false, "") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r, ids := s.VM.Ranked(), s.VM.RankedIDs()
			if i >= len(r) {
				return
			}
			row := o.(*dragRow)
			row.show(i, r[i])
			ck := row.check
			ck.OnChanged = nil
			ck.SetChecked(s.marked[ids[i]])
			id := ids[i]
			ck.OnChanged = func(on bool) {
				if on {
					s.marked[id] = true
				} else {
					delete(s.marked, id)
				}
				s.refreshButtons()
			}
		})
	s.ranked.OnSelected = func(i widget.ListItemID) { s.VM.Cursor = i; s.refreshButtons(); s.refreshFiles() }
	s.unranked = widget.NewList(func() int { return len(s.VM.Unranked()) },
		// Three lines: the template's text gives the rows their height;
		// each row can be dragged into the ranking.
		func() fyne.CanvasObject { return newDragRow(s.drag, true, "P\nP\nP") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if r := s.VM.Unranked(); i < len(r) {
				o.(*dragRow).show(i, r[i])
			}
		})
	s.unranked.OnSelected = func(i widget.ListItemID) { s.unrankedSel = i; s.refreshButtons(); s.refreshFiles() }

	s.up = widget.NewButtonWithIcon(i18n.T("wish.up"), theme.MoveUpIcon(), func() { s.action(func() error { return s.VM.Move(s.VM.Cursor, -1) }) })
	s.down = widget.NewButtonWithIcon(i18n.T("wish.down"), theme.MoveDownIcon(), func() { s.action(func() error { return s.VM.Move(s.VM.Cursor, 1) }) })
	s.reject = widget.NewButtonWithIcon(i18n.T("rts.reject"), theme.ContentRemoveIcon(), func() { s.action(func() error { return s.VM.MarkUnacceptable(s.VM.Cursor) }) })
	s.revive = widget.NewButtonWithIcon(i18n.T("rts.restore"), theme.ContentUndoIcon(), func() {
		s.action(func() error { err := s.VM.Restore(s.unrankedSel); s.unrankedSel = -1; return err })
	})
	s.moveTo = widget.NewButtonWithIcon(i18n.T("rts.move_to"), theme.MenuIcon(), s.askMoveTo)
	s.undo = widget.NewButtonWithIcon(i18n.T("rts.undo"), theme.ContentUndoIcon(), func() { s.action(s.VM.UndoLast) })
	s.tie = widget.NewCheck(i18n.T("rts.tie"), nil)
	s.importB = widget.NewButtonWithIcon(i18n.T("rts.import"), theme.FolderOpenIcon(), s.importRanking)
	s.fetch = widget.NewButtonWithIcon(i18n.T("rts.fetch"), theme.DownloadIcon(), s.fetchCandidates)
	s.sign = widget.NewButtonWithIcon(i18n.T("rts.sign"), theme.MailSendIcon(), s.signRanking)
	s.sign.Importance = widget.HighImportance
	s.status = wrapLabel("")
	s.errLabel = wrapLabel("")
	s.errLabel.Importance = widget.DangerImportance
	s.outbox = widget.NewLabel("")
	s.counts = widget.NewLabel("")
	s.posteTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.posteTitle.Truncation = fyne.TextTruncateEllipsis
	s.files = container.NewVBox()
	s.versions = container.NewVBox()

	shortcuts := widget.NewLabel(i18n.T("rts.shortcuts") + " — " + i18n.T("rts.select_hint"))
	shortcuts.SizeName = theme.SizeNameCaptionText
	shortcuts.Truncation = fyne.TextTruncateEllipsis
	// The ranking takes the height of the window: the poste's data fold
	// into an accordion above it, the rest goes to a column on its right.
	rankBox := container.NewBorder(
		container.NewVBox(container.NewHBox(bold(i18n.T("rts.ranking")), s.counts),
			container.NewHBox(s.up, s.down, s.moveTo, s.reject, s.undo), s.tie, shortcuts), nil, nil, nil,
		container.NewStack(s.ranked, s.drag.layer))
	unrankBox := container.NewBorder(
		container.NewVBox(bold(i18n.T("rts.unranked")), container.NewHBox(s.revive)), nil, nil, nil,
		container.NewGridWrap(fyne.NewSize(340, 160), container.NewStack(s.drag.unrankedLit, s.unranked,
			container.NewVBox(layout.NewSpacer(), s.drag.unrankedHint))))
	side := container.NewVScroll(container.NewVBox(unrankBox, widget.NewSeparator(), bold(i18n.T("rts.files")), s.files,
		widget.NewSeparator(), bold(i18n.T("wish.versions")), s.versions))
	lists := container.NewBorder(nil, nil, nil, container.NewStack(minWidth(360), side), rankBox)
	s.corr = a.session.Corrections()
	s.corrSummary = widget.NewLabel("")
	s.askCorr = widget.NewButtonWithIcon(i18n.T("corr.request"), theme.DocumentCreateIcon(), s.requestCorrection)
	mine := widget.NewButtonWithIcon(i18n.T("corr.mine"), theme.ListIcon(), s.showCorrections)
	corrBar := container.NewHBox(s.askCorr, mine, s.corrSummary)
	details := widget.NewAccordion(widget.NewAccordionItem(i18n.T("rts.poste_data"),
		container.NewVBox(container.NewGridWithColumns(2, s.detail, s.detail2), corrBar)))
	top := container.NewVBox(s.posteTitle, details, s.status, container.NewHBox(s.fetch, s.importB, s.sign))
	right := container.NewBorder(top, s.errLabel, nil, nil, lists)
	// "Mes postes" keeps room for a poste's id and state ("brouillon", "signé"…).
	left := container.NewBorder(bold(i18n.T("rts.my_postes")), nil, nil, nil, container.NewStack(minWidth(230), s.postes))
	split := container.NewHSplit(left, container.NewPadded(right))
	split.Offset = 0.24
	s.Content = container.NewBorder(container.NewVBox(header, widget.NewSeparator()), container.NewVBox(widget.NewSeparator(), s.outbox), nil, nil, split)
	s.refreshRounds()
	s.refreshAll()
	s.addShortcuts(a.Window)
	return s
}

func (s *RTSScreen) refreshRounds() {
	fitRoundSelect(s.roundWrap, s.roundSelect, s.VM.RoundLabels())
	showRounds(s.roundSelect, s.VM.RoundLabels(), s.VM.Rounds, s.VM.RoundID(), func(i int) {
		s.action(func() error { return s.VM.SelectRound(i) })
		s.fetchMissing()
	})
}

func (s *RTSScreen) action(f func() error) {
	if err := f(); err != nil {
		s.app.showError(err)
	}
	s.refreshAll()
}

func (s *RTSScreen) refreshAll() {
	s.postes.Refresh()
	if s.VM.Selected >= 0 {
		s.postes.Select(s.VM.Selected)
	}
	s.detail.Items, s.detail2.Items = nil, nil
	for i, kv := range s.VM.PosteDetail() {
		v := widget.NewLabel(kv[1])
		v.Wrapping = fyne.TextWrapWord
		if i < 4 {
			s.detail.Append(kv[0], v)
		} else {
			s.detail2.Append(kv[0], v)
		}
	}
	s.detail.Refresh()
	s.detail2.Refresh()
	s.posteTitle.SetText("")
	if p := s.VM.Poste(); p != nil {
		t := p.ID + " — " + p.Title
		if !strings.Contains(p.Title, p.Etablissement) {
			t += " — " + p.Etablissement
		}
		s.posteTitle.SetText(t)
	}
	s.counts.SetText("")
	if s.VM.Poste() != nil && s.VM.CandidatesVisible() {
		s.counts.SetText(s.VM.CountsLabel())
	}
	// Ticks of candidates no longer ranked are dropped.
	ranked := map[string]bool{}
	for _, id := range s.VM.RankedIDs() {
		ranked[id] = true
	}
	for id := range s.marked {
		if !ranked[id] {
			delete(s.marked, id)
		}
	}
	s.ranked.Refresh()
	s.unranked.Refresh()
	if c := s.VM.Cursor; c >= 0 && c < len(s.VM.RankedIDs()) {
		s.ranked.Select(c)
	} else {
		s.ranked.UnselectAll()
	}
	s.unranked.UnselectAll()
	s.unrankedSel = -1
	st := s.VM.DraftStatus()
	if w := s.VM.WindowInfo(); w != "" {
		st += "\n" + w
	}
	if c := s.VM.CoverageInfo(); c != "" {
		st += "\n" + c
	}
	if d := s.VM.DrawInfo(); d != "" {
		st += "\n" + d
		if s.VM.HasTies() {
			st += " — " + i18n.T("rts.tie_help")
		}
	}
	s.status.SetText(st)
	s.errLabel.SetText(s.VM.Error)
	s.versions.RemoveAll()
	vs := s.VM.Versions()
	if len(vs) == 0 {
		s.versions.Add(wrapLabel(i18n.T("wish.no_versions")))
	}
	for _, v := range vs {
		st := wrapLabel(v.Status)
		switch v.State {
		case "accepted":
			st.Importance = widget.SuccessImportance
		case viewmodel.Superseded:
			st.Importance = widget.MediumImportance
		case "refused":
			st.Importance = widget.DangerImportance
		default:
			st.Importance = widget.WarningImportance
		}
		title := wrapLabel(v.Title)
		title.TextStyle.Bold = true
		s.versions.Add(container.NewVBox(title, st))
	}
	s.refreshFiles()
	s.refreshButtons()
	s.refreshOutbox(s.app.session.Status())
}

func (s *RTSScreen) selectedCandidate() string {
	if c := s.VM.Cursor; c >= 0 && c < len(s.VM.RankedIDs()) {
		return s.VM.RankedIDs()[c]
	}
	if u := s.unrankedSel; u >= 0 && u < len(s.VM.UnrankedIDs()) {
		return s.VM.UnrankedIDs()[u]
	}
	return ""
}

func (s *RTSScreen) refreshFiles() {
	s.files.RemoveAll()
	id := s.selectedCandidate()
	if id == "" {
		s.files.Add(wrapLabel(i18n.T("rts.select_candidate")))
		return
	}
	fs := s.VM.Files(id)
	if len(fs) == 0 {
		s.files.Add(wrapLabel(i18n.T("rts.no_files")))
	}
	for _, f := range fs {
		s.files.Add(widget.NewButtonWithIcon(viewmodel.FileLabel(f), theme.DocumentIcon(), func() { s.openFile(f) }))
	}
}

func (s *RTSScreen) refreshButtons() {
	ok, n, c := s.VM.Editable(), len(s.VM.RankedIDs()), s.VM.Cursor
	setEnabled(s.up, ok && c > 0 && c < n)
	setEnabled(s.down, ok && c >= 0 && c < n-1)
	setEnabled(s.reject, ok && c >= 0 && c < n)
	setEnabled(s.moveTo, ok && (len(s.marked) > 0 || c >= 0 && c < n))
	setEnabled(s.undo, s.VM.CanUndo())
	s.tie.OnChanged = nil
	s.tie.SetChecked(s.VM.TiedWithPrevious(c))
	s.tie.OnChanged = func(bool) { s.action(func() error { return s.VM.ToggleTie(s.VM.Cursor) }) }
	setEnabled(s.tie, ok && c > 0 && c < n)
	setEnabled(s.importB, ok)
	setEnabled(s.revive, ok && s.unrankedSel >= 0)
	setEnabled(s.fetch, s.VM.CandidatesVisible())
	setEnabled(s.sign, ok && n > 0)
	setEnabled(s.askCorr, s.VM.Poste() != nil)
}

// requestCorrection opens the correction form on the selected poste.
func (s *RTSScreen) requestCorrection() {
	p := s.VM.Poste()
	if p == nil {
		return
	}
	s.form = s.app.showCorrectionForm(i18n.T("corr.title.request"), viewmodel.CorrectionScope{Round: s.VM.RoundID(), Postes: []domain.Poste{*p}, Fixed: true},
		s.corr, s.loadCorrections)
}

// loadCorrections fetches the RTS's requests for the summary line.
func (s *RTSScreen) loadCorrections() {
	if !s.app.session.Unlocked() {
		return
	}
	var items []api.Correction
	var err error
	s.app.runAsync(func() {
		ctx, cancel := context.WithTimeout(s.app.ctx, time.Minute)
		items, err = s.corr.Load(ctx)
		cancel()
	}, func() {
		_ = s.corr.Apply(items, err)
		s.corrSummary.SetText(s.corr.Summary())
	})
}

// showCorrections shows the RTS's requests and their status.
func (s *RTSScreen) showCorrections() {
	p := newCorrectionsPanel(s.app, s.corr, false)
	d := dialog.NewCustom(i18n.T("corr.mine"), i18n.T("dialog.close"), p.Content, s.app.Window)
	d.Resize(fyne.NewSize(980, 560))
	d.SetOnClosed(func() { s.corrSummary.SetText(s.corr.Summary()) })
	d.Show()
	p.reload()
}

func (s *RTSScreen) refreshOutbox(st outbox.Status) {
	if s.VM.Observe(st) { // delivered: a synchronisation, and new versions to show
		_ = s.VM.Refresh()
		s.refreshAll() // it shows the status line too
		return
	}
	s.outbox.SetText(s.VM.OutboxLine(st))
}

// fetchMissing fetches what the screen now needs and the cache lacks: the
// round's postes (a sync), else the selected poste's candidates when the
// key is open (locked, the status says to unlock and "Actualiser les
// candidats" asks for the passphrase).
func (s *RTSScreen) fetchMissing() {
	switch {
	case s.VM.NeedsCatalogue():
		s.syncNow()
	case s.VM.NeedsCandidates() && s.app.session.Unlocked() && !s.fetching:
		s.fetchCandidates()
	}
}

func (s *RTSScreen) addShortcuts(w fyne.Window) {
	for _, sc := range []struct {
		key fyne.KeyName
		f   func() error
	}{
		{fyne.KeyUp, func() error { return s.VM.Move(s.VM.Cursor, -1) }},
		{fyne.KeyDown, func() error { return s.VM.Move(s.VM.Cursor, 1) }},
		{fyne.KeyDelete, func() error { return s.VM.MarkUnacceptable(s.VM.Cursor) }},
		{fyne.KeyZ, s.VM.UndoLast},
	} {
		f := sc.f
		w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: sc.key, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { s.action(f) })
	}
}

func (s *RTSScreen) fetchCandidates() {
	s.app.ensureUnlocked(func() {
		s.fetch.Disable()
		s.fetching = true
		var o viewmodel.CandidatesOutcome
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, time.Minute)
			o = s.VM.FetchCandidates(ctx)
			cancel()
		}, func() {
			s.fetching = false
			if err := s.VM.CandidatesDone(o); err != nil {
				s.app.showError(err)
			}
			s.refreshAll()
		})
	})
}

func (s *RTSScreen) openFile(a api.Attachment) {
	s.app.ensureUnlocked(func() {
		var u string
		var err error
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, time.Minute)
			u, err = s.VM.OpenFile(ctx, a)
			cancel()
		}, func() {
			if err != nil {
				s.app.showError(err)
				return
			}
			if parsed, perr := url.Parse(u); perr == nil {
				if err := s.app.FyneApp.OpenURL(parsed); err != nil {
					s.app.showError(err)
				}
			}
		})
	})
}

func (s *RTSScreen) signRanking() {
	help := i18n.T("rts.sign_help", i18n.N("count.ranked", len(s.VM.RankedIDs()), len(s.VM.RankedIDs())), i18n.N("count.unranked", len(s.VM.UnrankedIDs()), len(s.VM.UnrankedIDs())))
	askPassphrase(s.app.Window, i18n.T("rts.sign"), help, func(pass string) {
		s.sign.Disable()
		var out viewmodel.SignOutcome
		s.app.runAsync(func() { out = s.VM.Sign(s.app.ctx, pass) }, func() {
			_ = s.VM.SignDone(out)
			s.refreshAll()
		})
	})
}

func (s *RTSScreen) syncNow() {
	round := s.VM.RoundID()
	var d viewmodel.RTSSync
	s.app.runAsync(func() {
		ctx, cancel := context.WithTimeout(s.app.ctx, time.Minute)
		d = s.VM.Sync(ctx, round)
		cancel()
		s.app.session.Ping(s.app.ctx)
	}, func() { s.synced(func() error { return s.VM.ApplySync(d) }) })
}

// synced shows what a sync brought (apply, on the UI goroutine), whether
// the RTS asked for it or the screen followed the server by itself, then
// fetches the candidates that became visible.
func (s *RTSScreen) synced(apply func() error) {
	if err := apply(); err != nil {
		s.app.showError(err)
	}
	s.refreshRounds()
	s.refreshAll()
	s.loadCorrections()
	if !s.VM.NeedsCatalogue() { // a sync that could not fetch it: no loop
		s.fetchMissing()
	}
}

// startBackground follows the session's outbox status (the session runs
// the outbox and the pinger) and registers the view model's Follow, whose
// first check, at the session's start, is the first sync.
func (s *RTSScreen) startBackground() {
	s.app.session.OnStatus = func(st outbox.Status) { fyne.Do(func() { s.refreshOutbox(st) }) }
	// While online the screen follows the server's changes by itself.
	s.VM.Follow(s.app.session, func(apply func() error) { fyne.Do(func() { s.synced(apply) }) })
	if s.app.Opts.Synchronous {
		s.syncNow() // no session goroutine runs Follow: the first sync is the screen's
	}
}

// selection is the ticked ranked candidates' positions, or the cursor's
// when none is ticked.
func (s *RTSScreen) selection() []int {
	var out []int
	for i, id := range s.VM.RankedIDs() {
		if s.marked[id] {
			out = append(out, i)
		}
	}
	if len(out) == 0 && s.VM.Cursor >= 0 && s.VM.Cursor < len(s.VM.RankedIDs()) {
		out = []int{s.VM.Cursor}
	}
	return out
}

// askMoveTo asks for the rank to move the selection to.
func (s *RTSScreen) askMoveTo() {
	sel := s.selection()
	if len(sel) == 0 {
		return
	}
	ids := s.VM.RankedIDs()
	var names []string
	for _, i := range sel {
		names = append(names, ids[i])
	}
	entry := widget.NewEntry()
	entry.SetPlaceHolder("1")
	max := len(ids) - len(sel) + 1
	help := wrapLabel(i18n.T("rts.move_to_help", max, strings.Join(names, ", ")))
	d := dialog.NewForm(i18n.T("rts.move_to_title"), i18n.T("dialog.ok"), i18n.T("dialog.cancel"),
		[]*widget.FormItem{widget.NewFormItem("", help), widget.NewFormItem(i18n.T("rts.rank"), entry)}, func(ok bool) {
			if !ok {
				return
			}
			rank, err := strconv.Atoi(strings.TrimSpace(entry.Text))
			if err != nil {
				rank = 0 // refused by the view model with the bounds
			}
			s.action(func() error {
				err := s.VM.MoveSelection(sel, rank)
				if err == nil {
					clear(s.marked)
				}
				return err
			})
		}, s.app.Window)
	d.Resize(fyne.NewSize(520, 240))
	d.Show()
	s.app.Window.Canvas().Focus(entry)
}

// importRanking reads a ranking from a CSV or XLSX file.
func (s *RTSScreen) importRanking() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, 8<<20))
		if err != nil {
			s.app.showError(err)
			return
		}
		name := r.URI().Name()
		n, err := s.VM.ImportRanking(name, data)
		s.refreshAll()
		if err != nil {
			s.app.showError(err)
			return
		}
		clear(s.marked)
		dialog.ShowInformation(i18n.T("rts.import"), viewmodel.ImportDoneLabel(n, name), s.app.Window)
	}, s.app.Window)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".CSV", ".xlsx", ".XLSX"}))
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// minWidth is an invisible object that keeps a Stack at least w wide.
func minWidth(w float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(w, 0))
	return r
}
