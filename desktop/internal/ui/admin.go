package ui

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// AdminScreen is an admin's window: data quality, round operations,
// imports, reminders and the audit log in tabs.
type AdminScreen struct {
	Content fyne.CanvasObject
	VM      *viewmodel.Admin
	app     *App

	Tabs        *container.AppTabs
	roundSelect *widget.Select
	roundWrap   *fyne.Container // sized to the longest round's name
	errLabel    *widget.Label

	quality *fyne.Container

	summary                        *widget.Label
	transition, run, publish, next *widget.Button
	// runNote says why the run button is disabled (rules.RunStatusOf).
	runNote                 *widget.Label
	liveStart               *widget.Button
	livePace                *widget.Entry
	liveStatus              *widget.Label
	paceBox                 *fyne.Container // live reveal controls, choix au rang only
	exportCSV, exportXLSX   *widget.Button
	remaining, free         *widget.List
	remainingSel, freeSel   int
	remainingRows           []domain.Person // round-3 interns matching the search
	remainingFilter         *widget.Entry
	freeRows                []viewmodel.FreePoste
	reason                  *widget.Entry
	assign                  *widget.Button
	round3                  *fyne.Container
	round3Counters          *widget.Label
	preview                 *widget.List
	roundTab                *fyne.Container
	actions                 *fyne.Container
	previewRows             []string
	previewBox              *fyne.Container
	importKind              *widget.RadioGroup
	importRows              []string
	importList              *widget.List
	importReal              *widget.Button
	importName              string
	importData              []byte
	reminders               []viewmodel.Reminder
	reminderList, auditList *widget.List
	reminderCount           *widget.Label
	corr                    *correctionsPanel
	people                  *peopleTab
	scheduleB, scheduleSave *widget.Button
	schedule                [4]*widget.Entry // the open schedule dialog's entries
	scheduleErr             *widget.Label
	scheduleReason          *widget.Entry
	form                    *correctionForm       // the last request form opened
	confirm, second         *dialog.ConfirmDialog // the last confirmations asked (for tests)
	liveRound               atomic.Value          // string: the round whose counts the poller follows, "" for none
	shownRound              atomic.Value          // string: the round the screen shows, for the rounds poller (VM.Follow)
}

// NewAdminScreen builds the admin screens; the data comes with reload.
func NewAdminScreen(a *App, vm *viewmodel.Admin) *AdminScreen {
	s := &AdminScreen{VM: vm, app: a, remainingSel: -1, freeSel: -1}
	s.roundSelect = widget.NewSelect(nil, nil)
	s.roundWrap = roundSelectBox(s.roundSelect)
	s.errLabel = widget.NewLabel("")
	s.errLabel.Importance = widget.DangerImportance
	me := a.session.Me()
	who := widget.NewLabelWithStyle(me.FullName()+" — "+i18n.T("role.admin"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	reloadB := widget.NewButtonWithIcon(i18n.T("sync.now"), theme.ViewRefreshIcon(), func() { s.reload(s.VM.RoundID()) })
	header := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewLabel(i18n.T("round.label")), s.roundWrap),
		container.NewHBox(who, reloadB), s.errLabel)
	s.quality = container.NewVBox()
	queue := a.session.Corrections()
	queue.OpenOnly = true
	s.corr = newCorrectionsPanel(a, queue, true,
		widget.NewButtonWithIcon(i18n.T("corr.new"), theme.DocumentCreateIcon(), s.newCorrection))
	s.corr.onDecided = s.reloadCurrent
	corrTab := container.NewTabItemWithIcon(i18n.T("admin.tab.corrections"), theme.DocumentCreateIcon(),
		container.NewBorder(wrapLabel(i18n.T("corr.queue_help")), nil, nil, nil, s.corr.Content))
	s.Tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(i18n.T("admin.tab.quality"), theme.WarningIcon(), container.NewVScroll(s.quality)),
		corrTab,
		container.NewTabItemWithIcon(i18n.T("admin.tab.round"), theme.MediaPlayIcon(), s.buildRound()),
		container.NewTabItemWithIcon(i18n.T("admin.tab.import"), theme.UploadIcon(), s.buildImport()),
		container.NewTabItemWithIcon(i18n.T("admin.tab.people"), theme.AccountIcon(), s.buildPeople()),
		container.NewTabItemWithIcon(i18n.T("admin.tab.reminders"), theme.MailComposeIcon(), s.buildReminders()),
		container.NewTabItemWithIcon(i18n.T("admin.tab.audit"), theme.HistoryIcon(), s.buildAudit()),
	)
	s.Tabs.OnSelected = func(t *container.TabItem) {
		if t == corrTab {
			s.corr.reload()
		}
	}
	s.Content = container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil, s.Tabs)
	s.refreshAll()
	s.followCounts()
	// The rounds changed on the server (another admin, the schedule, a
	// publication): the screen loads again by itself.
	vm.Follow(a.session, func() string { r, _ := s.shownRound.Load().(string); return r }, func(apply func() error) {
		fyne.Do(func() {
			_ = apply()
			s.refreshAll()
		})
	})
	return s
}

// newCorrection opens the form of a request filed by the admin (about a
// poste of the current round, a person or a specialty × subdivision).
func (s *AdminScreen) newCorrection() {
	s.form = s.app.showCorrectionForm(i18n.T("corr.title.new"), viewmodel.CorrectionScope{Round: s.VM.RoundID(), Postes: s.VM.Postes, People: true, Cells: true},
		s.corr.vm, s.corr.reload)
}

// reload fetches everything for round (key unlocked first).
func (s *AdminScreen) reload(round string) {
	s.app.ensureUnlocked(func() {
		var d viewmodel.AdminData
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, 2*time.Minute)
			d = s.VM.Load(ctx, round)
			cancel()
		}, func() {
			_ = s.VM.Apply(d)
			s.refreshAll()
		})
	})
}

func (s *AdminScreen) refreshAll() {
	s.shownRound.Store(s.VM.RoundID())
	s.errLabel.Wrapping = fyne.TextWrapWord
	showRounds(s.roundSelect, s.VM.RoundLabels(), s.VM.Rounds, s.VM.RoundID(), func(i int) {
		if i >= 0 && i < len(s.VM.Rounds) {
			s.reload(s.VM.Rounds[i].ID)
		}
	})
	s.fitRoundSelect()
	s.errLabel.SetText(s.VM.Error)
	s.refreshQuality()
	s.refreshRound()
	s.reminders = s.VM.Reminders()
	s.reminderCount.SetText(i18n.N("admin.reminders_count", len(s.reminders), len(s.reminders)))
	s.reminderList.Refresh()
	s.auditList.Refresh()
	s.people.refresh()
	setEnabled(s.scheduleB, s.VM.Round != nil && s.VM.Round.Number < 3 && s.VM.Round.State.Index() < domain.StateMatched.Index())
}

// ---- Data quality ----

func (s *AdminScreen) refreshQuality() {
	s.quality.RemoveAll()
	q := s.VM.Quality
	if q == nil {
		s.quality.Add(wrapLabel(i18n.T("admin.loading")))
		return
	}
	s.quality.Add(bold(viewmodel.QualityTotals(q)))
	issues := container.NewVBox()
	section := func(title string, n int, lines []string) {
		l := bold(fmt.Sprintf("%s (%d)", title, n))
		if n > 0 {
			l.Importance = widget.DangerImportance
		} else {
			l.Importance = widget.SuccessImportance
		}
		issues.Add(l)
		for i, s := range lines {
			if i == 12 {
				issues.Add(widget.NewLabel(i18n.N("quality.more", len(lines)-12, len(lines)-12)))
				break
			}
			lab := widget.NewLabel("• " + s)
			lab.Wrapping = fyne.TextWrapWord // the malformed address is the thing to read: never cut
			issues.Add(lab)
		}
	}
	var sh []string
	for _, b := range q.Shortages() {
		sh = append(sh, i18n.T("quality.shortage_line", viewmodel.CellName(b.Specialty, b.Subdivision), i18n.N("count.interns", b.Interns, b.Interns), i18n.N("count.places", b.Places, viewmodel.Thousands(b.Places)), b.Diff()))
	}
	section(i18n.T("quality.shortages"), len(sh), sh)
	postes := func(ps []domain.Poste) []string {
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%s — %s — %s <%s>", p.ID, p.Title, p.RTSName, p.RTSEmail))
		}
		return out
	}
	section(i18n.T("quality.missing_email"), len(q.MissingEmail), postes(q.MissingEmail))
	section(i18n.T("quality.bad_emails"), len(q.BadEmail), postes(q.BadEmail))
	var bp []string
	for _, p := range q.BadPeople {
		bp = append(bp, fmt.Sprintf("%s — %s — %s <%s>", p.ID, p.FullName(), i18n.T("role."+string(p.Role)), p.Email))
	}
	section(i18n.T("quality.bad_people"), len(bp), bp)
	var du []string
	for _, d := range q.Duplicates {
		du = append(du, fmt.Sprintf("%s <%s> : %s", d.Name, d.Email, strings.Join(d.IDs, ", ")))
	}
	section(i18n.T("quality.duplicates"), len(du), du)
	var nk []string
	for _, p := range q.NoKey {
		nk = append(nk, fmt.Sprintf("%s — %s (%s)", p.Person.ID, p.Person.FullName(), i18n.T("role."+string(p.Person.Role))))
	}
	section(i18n.T("quality.no_key", q.RTSWithoutKey), len(nk), nk)
	if q.WishesKnown {
		section(i18n.T("quality.unwished"), len(q.Unwished), postes(q.Unwished))
	}
	chart := container.NewVBox(bold(i18n.T("quality.chart")), barChart(q.Balances, 40, true))
	s.quality.Add(container.NewGridWithColumns(2, chart, issues))
}

// ---- Round ----

func (s *AdminScreen) buildRound() fyne.CanvasObject {
	s.summary = widget.NewLabel("")
	s.transition = widget.NewButtonWithIcon("", theme.MediaSkipNextIcon(), func() {
		s.confirmStep(s.VM.ConfirmTransition(s.VM.NextState()), i18n.T("admin.working"),
			func(ctx context.Context) error { return s.VM.Transition(ctx, "") }, s.reloadCurrent)
	})
	s.run = widget.NewButtonWithIcon(i18n.T("admin.run"), theme.MediaPlayIcon(), func() {
		s.confirmStep(s.VM.ConfirmRun(), i18n.T("admin.running"),
			func(ctx context.Context) error { _, err := s.VM.Run(ctx); return err }, s.reloadCurrent)
	})
	s.publish = widget.NewButtonWithIcon(i18n.T("admin.publish"), theme.ConfirmIcon(), func() {
		s.confirmStep(s.VM.ConfirmPublish(), i18n.T("admin.working"),
			func(ctx context.Context) error { return s.VM.Publish(ctx) }, s.reloadCurrent)
	})
	s.publish.Importance = widget.HighImportance
	s.next = widget.NewButtonWithIcon(i18n.T("admin.next_round"), theme.ContentAddIcon(), func() {
		var r *domain.Round
		s.confirmStep(s.VM.ConfirmNextRound(), i18n.T("admin.working"),
			func(ctx context.Context) (err error) { r, err = s.VM.NextRound(ctx); return err },
			func() {
				if r != nil {
					s.reload(r.ID)
				}
			})
	})
	s.exportCSV = widget.NewButtonWithIcon(i18n.T("admin.export", "CSV"), theme.DocumentSaveIcon(), func() { s.export(api.FormatCSV) })
	s.exportXLSX = widget.NewButtonWithIcon(i18n.T("admin.export", "XLSX"), theme.DocumentSaveIcon(), func() { s.export(api.FormatXLSX) })

	// Round 3: remaining interns (with a search), free postes, reason.
	s.remainingFilter = widget.NewEntry()
	s.remainingFilter.SetPlaceHolder(i18n.T("admin.remaining_filter"))
	s.remainingFilter.OnChanged = func(string) { s.refreshRemaining() }
	s.remaining = widget.NewList(func() int { return len(s.remainingRows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(s.remainingRows) {
				p := s.remainingRows[i]
				o.(*widget.Label).SetText(fmt.Sprintf("%s — %s (%s, %s)", p.ID, p.FullName(), viewmodel.CellName(p.Specialty, p.Subdivision), i18n.T("rts.intern_rank", p.Rank)))
			}
		})
	s.remaining.OnSelected = func(i widget.ListItemID) {
		s.remainingSel = i
		if i < len(s.remainingRows) {
			s.freeRows = s.VM.FreePostes(&s.remainingRows[i])
		}
		s.freeSel = -1
		s.free.UnselectAll()
		s.free.Refresh()
		s.refreshAssign()
	}
	s.free = widget.NewList(func() int { return len(s.freeRows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(s.freeRows) {
				f := s.freeRows[i]
				// The count first: a narrow column cuts the end, never the places.
				o.(*widget.Label).SetText(fmt.Sprintf("%s — %s — %s, %s", i18n.N("count.free_places", f.Free, viewmodel.Thousands(f.Free)), f.Poste.ID, f.Poste.Title, f.Poste.Town))
			}
		})
	s.free.OnSelected = func(i widget.ListItemID) { s.freeSel = i; s.refreshAssign() }
	s.reason = widget.NewEntry()
	s.reason.SetPlaceHolder(i18n.T("admin.reason"))
	s.reason.OnChanged = func(string) { s.refreshAssign() }
	s.assign = widget.NewButtonWithIcon(i18n.T("admin.assign"), theme.ConfirmIcon(), func() {
		if s.remainingSel < 0 || s.remainingSel >= len(s.remainingRows) || s.freeSel < 0 || s.freeSel >= len(s.freeRows) {
			return
		}
		in := s.remainingRows[s.remainingSel]
		p := s.freeRows[s.freeSel].Poste
		reason := s.reason.Text
		s.confirmStep(viewmodel.Confirmation{Title: i18n.T("admin.assign"), Text: i18n.T("admin.confirm_assign", in.FullName(), p.ID, p.Title, reason)},
			i18n.T("admin.working"),
			func(ctx context.Context) error { return s.VM.Assign(ctx, in.ID, p.ID, reason) },
			func() { s.reason.SetText(""); s.reloadCurrent() })
	})
	lists := container.NewGridWithColumns(2,
		container.NewBorder(container.NewVBox(bold(i18n.T("admin.remaining")), s.remainingFilter), nil, nil, nil, s.remaining),
		container.NewBorder(bold(i18n.T("admin.free_postes")), container.NewBorder(nil, nil, nil, s.assign, s.reason), nil, nil, s.free))
	s.round3Counters = bold("")
	s.round3 = container.NewBorder(s.round3Counters, nil, nil, nil, lists)
	s.preview = widget.NewList(func() int { return len(s.previewRows) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(s.previewRows) {
				o.(*widget.Label).SetText(s.previewRows[i])
			}
		})
	s.previewBox = container.NewBorder(bold(i18n.T("admin.result")), nil, nil, nil, s.preview)
	s.livePace = widget.NewEntry()
	s.livePace.SetText(strconv.Itoa(viewmodel.DefaultLivePace))
	s.livePace.SetPlaceHolder(i18n.T("admin.live_pace"))
	s.liveStart = widget.NewButtonWithIcon(i18n.T("admin.live"), theme.MediaRecordIcon(), func() {
		pace, err := viewmodel.ParsePace(s.livePace.Text)
		if err != nil {
			s.showError(err)
			return
		}
		s.app.confirmThen(i18n.T("admin.live"), i18n.T("admin.confirm_live", i18n.N("count.ranks", pace, pace)),
			func(ctx context.Context) error { return s.VM.StartLive(ctx, pace) }, s.reloadCurrent)
	})
	s.liveStatus = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.paceBox = container.NewHBox(widget.NewLabel(i18n.T("admin.live_pace")),
		container.NewGridWrap(fyne.NewSize(90, s.livePace.MinSize().Height), s.livePace), s.liveStart)
	s.scheduleB = widget.NewButtonWithIcon(i18n.T("schedule.title"), theme.HistoryIcon(), s.showSchedule)
	s.actions = container.NewHBox(s.scheduleB, s.transition, s.run, s.paceBox, s.publish, s.next)
	s.runNote = widget.NewLabel("")
	s.runNote.Wrapping = fyne.TextWrapWord
	s.runNote.Hide()
	top := container.NewVBox(s.summary, s.liveStatus,
		s.actions, s.runNote,
		container.NewHBox(s.exportCSV, s.exportXLSX), widget.NewSeparator())
	s.roundTab = container.NewBorder(top, nil, nil, nil, container.NewStack(s.previewBox, s.round3))
	return s.roundTab
}

func (s *AdminScreen) reloadCurrent() { s.reload(s.VM.RoundID()) }

// followCounts registers the poller that keeps the round tab's counts
// current while one of the round's windows is open: refreshRound says
// which round to follow (liveRound), the poller fetches its detail in the
// session's goroutine and shows it back on the UI's.
func (s *AdminScreen) followCounts() {
	s.app.session.Every(viewmodel.CountsPollInterval, func(ctx context.Context) {
		round, _ := s.liveRound.Load().(string)
		if round == "" {
			return
		}
		d, err := s.VM.FetchCounts(ctx, round)
		if err != nil {
			return // the status bar says when the server cannot be reached
		}
		fyne.Do(func() {
			if s.VM.ApplyCounts(round, d) {
				s.reload(round)
				return
			}
			s.refreshRound()
		})
	})
}

func (s *AdminScreen) refreshRound() {
	s.summary.SetText(s.VM.RoundSummary())
	if s.VM.CountsLive() {
		s.liveRound.Store(s.VM.RoundID())
	} else {
		s.liveRound.Store("")
	}
	if to := s.VM.NextState(); to != "" {
		s.transition.SetText(i18n.T("admin.go_to", i18n.T("round.state."+string(to))))
		s.transition.Enable()
	} else {
		s.transition.SetText(i18n.T("admin.transition"))
		s.transition.Disable()
	}
	s.actions.Refresh()
	label, on, note := s.VM.RunButton()
	s.run.SetText(label)
	setEnabled(s.run, on && s.VM.CanRun())
	s.runNote.SetText(note)
	if note == "" {
		s.runNote.Hide()
	} else {
		s.runNote.Show()
	}
	setEnabled(s.publish, s.VM.CanPublish())
	setEnabled(s.liveStart, s.VM.CanStartLive())
	if s.VM.CanStartLive() {
		s.livePace.Enable()
	} else {
		s.livePace.Disable()
	}
	s.liveStatus.SetText(s.VM.LiveStatus(s.app.session.Now()))
	if s.VM.Round != nil && s.VM.Round.Procedure == domain.ChoixAuRang {
		s.paceBox.Show()
	} else {
		s.paceBox.Hide()
	}
	setEnabled(s.next, s.VM.CanNextRound())
	pub := s.VM.Detail != nil && s.VM.Detail.Published
	setEnabled(s.exportCSV, pub)
	setEnabled(s.exportXLSX, pub)
	s.previewRows = s.VM.PreviewRows()
	s.preview.Refresh()
	s.round3Counters.SetText(s.VM.Round3Counters())
	if s.VM.Round3Open() {
		s.round3.Show()
		s.previewBox.Hide()
	} else {
		s.round3.Hide()
		s.previewBox.Show()
	}
	s.refreshRemaining()
	s.roundTab.Refresh()
}

// refreshRemaining lists the round-3 interns matching the search again.
func (s *AdminScreen) refreshRemaining() {
	s.remainingRows = s.VM.RemainingMatching(s.remainingFilter.Text)
	s.remainingSel, s.freeSel, s.freeRows = -1, -1, nil
	s.remaining.UnselectAll()
	s.remaining.Refresh()
	s.free.Refresh()
	s.refreshAssign()
}

func (s *AdminScreen) refreshAssign() {
	setEnabled(s.assign, s.remainingSel >= 0 && s.freeSel >= 0 && strings.TrimSpace(s.reason.Text) != "")
}

func (s *AdminScreen) export(format string) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		var werr error
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, 2*time.Minute)
			werr = s.VM.Export(ctx, format, w)
			if cerr := w.Close(); werr == nil {
				werr = cerr
			}
			cancel()
		}, func() {
			if werr != nil {
				s.showError(werr)
				return
			}
			showMessage(s.app.Window, i18n.T("admin.export_done_title"), i18n.T("admin.export_done", w.URI().Path()))
		})
	}, s.app.Window)
	d.SetFileName(fmt.Sprintf("resultat-%s.%s", s.VM.RoundID(), format))
	d.Show()
}

// ---- Import ----

func (s *AdminScreen) buildImport() fyne.CanvasObject {
	s.importKind = widget.NewRadioGroup([]string{i18n.T("admin.import_people"), i18n.T("admin.import_postes")}, nil)
	s.importKind.Horizontal = true
	s.importKind.SetSelected(i18n.T("admin.import_postes"))
	s.importList = widget.NewList(func() int { return len(s.importRows) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(s.importRows) {
				o.(*widget.Label).SetText(s.importRows[i])
			}
		})
	choose := widget.NewButtonWithIcon(i18n.T("admin.import_choose"), theme.FolderOpenIcon(), func() {
		dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			data, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				s.showError(err)
				return
			}
			s.importName, s.importData = r.URI().Name(), data
			s.runImport(true)
		}, s.app.Window)
	})
	s.importReal = widget.NewButtonWithIcon(i18n.T("admin.import_real"), theme.ConfirmIcon(), func() {
		s.app.confirmThen(i18n.T("admin.import_real"), i18n.T("admin.confirm_import", s.importName), func(context.Context) error { return nil }, func() { s.runImport(false) })
	})
	s.importReal.Importance = widget.HighImportance
	s.importReal.Disable()
	top := container.NewVBox(wrapLabel(i18n.T("admin.import_help")), s.importKind, container.NewHBox(choose, s.importReal))
	return container.NewBorder(top, nil, nil, nil, s.importList)
}

func (s *AdminScreen) runImport(dry bool) {
	kind := "postes"
	if s.importKind.Selected == i18n.T("admin.import_people") {
		kind = "people"
	}
	name, data := s.importName, s.importData
	s.app.ensureUnlocked(func() {
		var rep *api.ImportReport
		var err error
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, 2*time.Minute)
			rep, err = s.VM.Import(ctx, kind, viewmodel.FormatFromName(name), data, dry)
			cancel()
		}, func() {
			s.importRows = append([]string{name}, viewmodel.ReportRows(rep)...)
			s.importList.Refresh()
			setEnabled(s.importReal, dry && err == nil && rep != nil && rep.Valid)
			if err != nil {
				s.showError(err)
				return
			}
			if !dry {
				s.importData = nil
				s.reloadCurrent()
			}
		})
	})
}

// ---- Reminders and audit ----

func (s *AdminScreen) buildReminders() fyne.CanvasObject {
	s.reminderCount = bold("")
	s.reminderList = widget.NewList(func() int { return len(s.reminders) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(s.reminders) {
				r := s.reminders[i]
				o.(*widget.Label).SetText(fmt.Sprintf("%s — %s — %s <%s>", i18n.T("reminder."+r.Kind), r.Person.ID, r.Person.FullName(), r.Person.Email))
			}
		})
	send := widget.NewButtonWithIcon(i18n.T("admin.reminders_send"), theme.MailSendIcon(), func() {
		var r *api.RemindersResponse
		var err error
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, 30*time.Second)
			defer cancel()
			r, err = s.VM.SendReminders(ctx)
		}, func() {
			if err != nil {
				s.showError(err)
				return
			}
			showMessage(s.app.Window, i18n.T("admin.reminders_send"), i18n.T("admin.reminders_sent", i18n.N("admin.reminders_queued", len(r.Enqueued), len(r.Enqueued)), i18n.N("admin.reminders_skipped", len(r.Skipped), len(r.Skipped))))
		})
	})
	top := container.NewVBox(s.reminderCount, container.NewBorder(nil, nil, nil, send))
	return container.NewBorder(top, nil, nil, nil, s.reminderList)
}

func (s *AdminScreen) buildAudit() fyne.CanvasObject {
	s.auditList = widget.NewList(func() int { return len(s.VM.Audit) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if rows := s.VM.AuditRows(); i < len(rows) {
				o.(*widget.Label).SetText(rows[i])
			}
		})
	return s.auditList
}

// showError shows a refusal as staff read it (viewmodel.Admin.Message:
// names, Paris times, a capital).
func (s *AdminScreen) showError(err error) {
	showMessage(s.app.Window, i18n.T("dialog.error"), s.VM.Message(err))
}

// confirmStep asks c (and its second confirmation, if any, with its own
// "publish anyway" button), then runs work in the background behind an
// infinite progress bar saying busy, then done.
func (s *AdminScreen) confirmStep(c viewmodel.Confirmation, busy string, work func(ctx context.Context) error, done func()) {
	w := s.app.Window
	start := func() {
		bar := widget.NewProgressBarInfinite()
		progress := dialog.NewCustomWithoutButtons(c.Title, container.NewVBox(widget.NewLabel(busy), bar), w)
		progress.Show()
		var err error
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, 10*time.Minute)
			defer cancel()
			err = work(ctx)
		}, func() {
			bar.Stop()
			progress.Hide()
			if err != nil {
				s.showError(err)
			}
			done()
		})
	}
	first := dialog.NewConfirm(c.Title, c.Text, func(ok bool) {
		if !ok {
			return
		}
		if c.Second == "" {
			start()
			return
		}
		second := dialog.NewConfirm(c.Title, c.Second, func(ok bool) {
			if ok {
				start()
			}
		}, w)
		second.SetConfirmText(i18n.T("admin.publish_anyway"))
		second.SetConfirmImportance(widget.DangerImportance)
		second.Show()
		s.second = second
	}, w)
	first.Show()
	s.confirm = first
}

// fitRoundSelect widens the round selector to its longest name.
func (s *AdminScreen) fitRoundSelect() {
	fitRoundSelect(s.roundWrap, s.roundSelect, s.VM.RoundLabels())
}
