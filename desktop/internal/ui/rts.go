package ui

import (
	"context"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
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
	postes                   *widget.List
	detail, detail2          *widget.Form
	ranked, unranked         *widget.List
	up, down, reject, revive *widget.Button
	fetch, sign              *widget.Button
	status, errLabel, outbox *widget.Label
	files, versions          *fyne.Container
	unrankedSel              int
	lastDone                 int
	corr                     *viewmodel.Corrections
	corrSummary              *widget.Label
	askCorr                  *widget.Button
	form                     *correctionForm // the last request form opened
}

// NewRTSScreen builds the RTS screens on the view model.
func NewRTSScreen(a *App, vm *viewmodel.RTS) *RTSScreen {
	s := &RTSScreen{VM: vm, app: a, unrankedSel: -1}
	s.roundSelect = widget.NewSelect(nil, nil)
	me := a.session.Me()
	who := widget.NewLabelWithStyle(me.FullName()+" — "+i18n.T("role.rts"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	syncB := widget.NewButtonWithIcon(i18n.T("sync.now"), theme.ViewRefreshIcon(), s.syncNow)
	header := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewLabel(i18n.T("round.label")), container.NewGridWrap(fyne.NewSize(320, s.roundSelect.MinSize().Height), s.roundSelect)),
		container.NewHBox(who, syncB))

	s.postes = widget.NewList(func() int { return len(s.VM.Postes) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if ls := s.VM.PosteLabels(); i < len(ls) {
				o.(*widget.Label).SetText(ls[i])
			}
		})
	s.postes.OnSelected = func(i widget.ListItemID) {
		if i != s.VM.Selected {
			s.action(func() error { return s.VM.SelectPoste(i) })
		}
	}
	s.detail, s.detail2 = widget.NewForm(), widget.NewForm()

	s.ranked = widget.NewList(func() int { return len(s.VM.Ranked()) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if r := s.VM.Ranked(); i < len(r) {
				o.(*widget.Label).SetText(r[i])
			}
		})
	s.ranked.OnSelected = func(i widget.ListItemID) { s.VM.Cursor = i; s.refreshButtons(); s.refreshFiles() }
	s.unranked = widget.NewList(func() int { return len(s.VM.Unranked()) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if r := s.VM.Unranked(); i < len(r) {
				o.(*widget.Label).SetText(r[i])
			}
		})
	s.unranked.OnSelected = func(i widget.ListItemID) { s.unrankedSel = i; s.refreshButtons(); s.refreshFiles() }

	s.up = widget.NewButtonWithIcon(i18n.T("wish.up"), theme.MoveUpIcon(), func() { s.action(func() error { return s.VM.Move(s.VM.Cursor, -1) }) })
	s.down = widget.NewButtonWithIcon(i18n.T("wish.down"), theme.MoveDownIcon(), func() { s.action(func() error { return s.VM.Move(s.VM.Cursor, 1) }) })
	s.reject = widget.NewButtonWithIcon(i18n.T("rts.reject"), theme.ContentRemoveIcon(), func() { s.action(func() error { return s.VM.MarkUnacceptable(s.VM.Cursor) }) })
	s.revive = widget.NewButtonWithIcon(i18n.T("rts.restore"), theme.ContentUndoIcon(), func() {
		s.action(func() error { err := s.VM.Restore(s.unrankedSel); s.unrankedSel = -1; return err })
	})
	s.fetch = widget.NewButtonWithIcon(i18n.T("rts.fetch"), theme.DownloadIcon(), s.fetchCandidates)
	s.sign = widget.NewButtonWithIcon(i18n.T("rts.sign"), theme.MailSendIcon(), s.signRanking)
	s.sign.Importance = widget.HighImportance
	s.status = wrapLabel("")
	s.errLabel = wrapLabel("")
	s.errLabel.Importance = widget.DangerImportance
	s.outbox = widget.NewLabel("")
	s.files = container.NewVBox()
	s.versions = container.NewVBox()

	shortcuts := widget.NewLabel(i18n.T("rts.shortcuts"))
	shortcuts.SizeName = theme.SizeNameCaptionText
	rankBox := container.NewBorder(
		container.NewVBox(bold(i18n.T("rts.ranking")), container.NewHBox(s.up, s.down, s.reject), shortcuts), nil, nil, nil, s.ranked)
	unrankBox := container.NewBorder(
		container.NewVBox(bold(i18n.T("rts.unranked")), container.NewHBox(s.revive)), nil, nil, nil, s.unranked)
	side := container.NewVScroll(container.NewVBox(bold(i18n.T("rts.files")), s.files, widget.NewSeparator(), bold(i18n.T("wish.versions")), s.versions))
	rightCol := container.NewVSplit(unrankBox, side)
	rightCol.Offset = 0.4
	lists := container.NewHSplit(rankBox, rightCol)
	lists.Offset = 0.58
	editor := container.NewBorder(container.NewVBox(s.status, container.NewHBox(s.fetch, s.sign)), s.errLabel, nil, nil, lists)
	s.corr = a.session.Corrections()
	s.corrSummary = widget.NewLabel("")
	s.askCorr = widget.NewButtonWithIcon(i18n.T("corr.request"), theme.DocumentCreateIcon(), s.requestCorrection)
	mine := widget.NewButtonWithIcon(i18n.T("corr.mine"), theme.ListIcon(), s.showCorrections)
	corrBar := container.NewHBox(s.askCorr, mine, s.corrSummary)
	right := container.NewVSplit(container.NewVScroll(container.NewVBox(container.NewGridWithColumns(2, s.detail, s.detail2), corrBar)), editor)
	right.Offset = 0.34
	left := container.NewBorder(bold(i18n.T("rts.my_postes")), nil, nil, nil, s.postes)
	split := container.NewHSplit(left, container.NewPadded(right))
	split.Offset = 0.28
	s.Content = container.NewBorder(container.NewVBox(header, widget.NewSeparator()), container.NewVBox(widget.NewSeparator(), s.outbox), nil, nil, split)
	s.refreshRounds()
	s.refreshAll()
	s.addShortcuts(a.Window)
	return s
}

func (s *RTSScreen) refreshRounds() {
	showRounds(s.roundSelect, s.VM.RoundLabels(), s.VM.Rounds, s.VM.RoundID(), func(i int) {
		s.action(func() error { return s.VM.SelectRound(i) })
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
	s.outbox.SetText(i18n.T("rts.outbox", st.Pending, st.Accepted, st.Refused))
	if n := st.Accepted + st.Refused; n != s.lastDone {
		s.lastDone = n
		_ = s.VM.Refresh()
		s.refreshAll()
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
	} {
		f := sc.f
		w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: sc.key, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { s.action(f) })
	}
}

func (s *RTSScreen) fetchCandidates() {
	s.app.ensureUnlocked(func() {
		s.fetch.Disable()
		var o viewmodel.CandidatesOutcome
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, time.Minute)
			o = s.VM.FetchCandidates(ctx)
			cancel()
		}, func() {
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
	help := i18n.T("rts.sign_help", len(s.VM.RankedIDs()), len(s.VM.UnrankedIDs()))
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
	}, func() {
		if err := s.VM.ApplySync(d); err != nil {
			s.app.showError(err)
		}
		s.refreshRounds()
		s.refreshAll()
		s.loadCorrections()
	})
}

// startBackground follows the session's outbox status (the session runs
// the outbox and the pinger) and syncs once.
func (s *RTSScreen) startBackground() {
	s.app.session.OnStatus = func(st outbox.Status) { fyne.Do(func() { s.refreshOutbox(st) }) }
	s.syncNow()
}
