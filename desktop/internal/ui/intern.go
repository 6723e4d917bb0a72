package ui

import (
	"context"
	"io"
	"slices"
	"time"

	"fyne.io/fyne/v2"
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
)

// InternScreen is an intern's main window: catalogue, wish list, candidate
// file and results in tabs, with the sync status at the bottom.
type InternScreen struct {
	Content fyne.CanvasObject
	VM      *viewmodel.Intern
	app     *App

	tabs                  *container.AppTabs
	wishTab               *container.TabItem
	roundSelect           *widget.Select
	roundWrap             *fyne.Container // sized to the longest round name (fitRoundSelect)
	roundInfo, lockStatus *widget.Label

	// Catalogue tab.
	search, etab                      *widget.Entry
	specSelect, subSelect, townSelect *widget.Select
	favOnly, showClosed               *widget.Check
	count                             *widget.Label
	list                              *widget.List
	detail                            *widget.Form
	detailBox                         *fyne.Container
	addButton, favButton              *widget.Button

	// Wish list tab.
	wishList                     *widget.List
	upButton, downButton, remove *widget.Button
	signButton                   *widget.Button
	// tieCheck is "ex aequo avec le vœu précédent", shown in a round that
	// allows wishes ex aequo.
	tieCheck               *widget.Check
	drawInfo               *widget.Label // the round's published draw, if any
	draftStatus, wishError *widget.Label
	versions               *fyne.Container

	// Candidate file tab.
	filesBox  *fyne.Container
	fileError *widget.Label

	// Results tab.
	resultsBox  *fyne.Container
	resultError *widget.Label
	fetchButton *widget.Button

	// Status bar.
	online, syncDetail *widget.Label
	progress           *widget.ProgressBar
	syncButton         *widget.Button
	unlockButton       *widget.Button

	// Choix au rang: simulation and call list tabs.
	choix *choixTabs

	// alarm is the banner of a forked log.
	alarm *alarmBanner

	// binome is the binôme tab (choix au rang with binômes).
	binome *binomeTab
}

// NewInternScreen builds the intern's screens on the view model.
func NewInternScreen(a *App, vm *viewmodel.Intern) *InternScreen {
	s := &InternScreen{VM: vm, app: a}
	s.roundSelect = widget.NewSelect(nil, nil)
	s.roundInfo = widget.NewLabel("")
	s.roundInfo.Truncation = fyne.TextTruncateEllipsis // the header never widens the window past the screen
	s.lockStatus = widget.NewLabel("")
	me := a.session.Me()
	who := widget.NewLabelWithStyle(me.FullName()+" — "+me.ID, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	s.roundWrap = roundSelectBox(s.roundSelect)
	header := container.NewBorder(nil, nil, container.NewHBox(widget.NewLabel(i18n.T("round.label")), s.roundWrap), who, s.roundInfo)

	s.wishTab = container.NewTabItemWithIcon(i18n.T("tab.wishes"), theme.ListIcon(), s.buildWishes())
	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(i18n.T("tab.catalogue"), theme.SearchIcon(), s.buildCatalogue()),
		s.wishTab,
		container.NewTabItemWithIcon(i18n.T("tab.files"), theme.MailAttachmentIcon(), s.buildFiles()),
		container.NewTabItemWithIcon(i18n.T("tab.results"), theme.ConfirmIcon(), s.buildResults()),
	)
	s.choix = newChoixTabs(s)
	s.tabs.Append(s.choix.simTab)
	s.tabs.Append(s.choix.callTab)
	s.tabs.Append(s.choix.liveTab)
	s.binome = newBinomeTab(s) // its tab is shown by load, in a round with binômes
	s.tabs.OnSelected = func(t *container.TabItem) {
		if t != s.choix.liveTab {
			s.choix.stopFollow() // the live follow-along polls only while shown
			return
		}
		s.choix.showLiveFollow() // the wish list may have changed meanwhile
	}
	s.alarm = newAlarmBanner()
	s.Content = container.NewBorder(container.NewVBox(s.alarm.Box, header, s.choix.w.Banner, widget.NewSeparator()), s.buildStatusBar(), nil, nil, s.tabs)
	s.refreshRounds()
	s.refreshAll()
	s.addShortcuts(a.Window)
	return s
}

func (s *InternScreen) refreshRounds() {
	if len(s.VM.Rounds) == 0 {
		s.roundSelect.PlaceHolder = i18n.T("round.none_yet")
	}
	fitRoundSelect(s.roundWrap, s.roundSelect, s.VM.RoundLabels())
	showRounds(s.roundSelect, s.VM.RoundLabels(), s.VM.Rounds, s.VM.RoundID(), func(i int) {
		if err := s.VM.SelectRound(i); err != nil {
			s.app.showError(err)
		}
		s.refreshAll()
		if s.VM.NeedsCatalogue() {
			s.syncNow() // fetch this round's postes rather than show an empty list
		}
	})
}

func (s *InternScreen) refreshAll() {
	s.roundInfo.SetText(s.VM.RoundInfo())
	s.refreshCatalogue()
	s.refreshWishes()
	s.refreshFiles()
	s.refreshResults()
	s.choix.refresh()
	s.binome.load()
	s.refreshStatus(s.app.session.Status())
	if s.alarm.refresh(s.VM.Alarm()) && s.Content != nil {
		s.Content.Refresh()
	}
}

// ---- Catalogue ----

func (s *InternScreen) buildCatalogue() fyne.CanvasObject {
	c := s.VM.Catalogue
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder(i18n.T("cat.search_placeholder"))
	s.search.OnChanged = func(t string) { c.SetText(t); s.refreshCatalogue() }
	// Start on the intern's own specialty and subdivision: the postes it
	// may wish. The filters stay open for browsing the rest.
	me := s.app.session.Me()
	specLabels, specCodes := viewmodel.SpecialtyOptions()
	s.specSelect = widget.NewSelect(specLabels, nil)
	s.specSelect.SetSelectedIndex(max(0, slices.Index(specCodes, me.Specialty)))
	c.SetSpecialty(specCodes[s.specSelect.SelectedIndex()])
	s.specSelect.OnChanged = func(string) {
		c.SetSpecialty(specCodes[max(0, s.specSelect.SelectedIndex())])
		s.refreshCatalogue()
	}
	subLabels, subCodes := viewmodel.SubdivisionOptions()
	s.subSelect = widget.NewSelect(subLabels, nil)
	s.subSelect.SetSelectedIndex(max(0, slices.Index(subCodes, me.Subdivision)))
	c.SetSubdivision(subCodes[s.subSelect.SelectedIndex()])
	s.subSelect.OnChanged = func(string) {
		c.SetSubdivision(subCodes[max(0, s.subSelect.SelectedIndex())])
		s.refreshCatalogue()
	}
	s.townSelect = widget.NewSelect(nil, func(t string) {
		if s.townSelect.SelectedIndex() == 0 {
			t = ""
		}
		c.SetTown(t)
		s.refreshCatalogue()
	})
	s.etab = widget.NewEntry()
	s.etab.SetPlaceHolder(i18n.T("cat.etab_placeholder"))
	s.etab.OnChanged = func(t string) { c.SetEtablissement(t); s.refreshCatalogue() }
	s.favOnly = widget.NewCheck(i18n.T("cat.favourites_only"), func(on bool) { c.SetFavouritesOnly(on); s.refreshCatalogue() })
	s.showClosed = widget.NewCheck(i18n.T("cat.show_closed"), func(on bool) { c.SetShowClosed(on); s.refreshCatalogue() })
	s.count = widget.NewLabel("")

	s.list = widget.NewList(c.Len,
		func() fyne.CanvasObject {
			title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			title.Truncation = fyne.TextTruncateEllipsis
			sub := widget.NewLabel("")
			sub.Truncation = fyne.TextTruncateEllipsis
			sub.SizeName = theme.SizeNameCaptionText
			return container.New(layout.NewCustomPaddedVBoxLayout(-14), title, sub)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			p := c.At(i)
			if p == nil {
				return
			}
			box := o.(*fyne.Container)
			title := c.RowTitle(p)
			if s.VM.Wishes.Contains(p.ID) {
				title = "✓ " + title
			}
			box.Objects[0].(*widget.Label).SetText(title)
			box.Objects[1].(*widget.Label).SetText(c.RowDetail(p))
		})
	s.list.OnSelected = func(i widget.ListItemID) { c.Select(i); s.refreshDetail() }

	filters := container.NewVBox(
		s.search,
		container.NewGridWithColumns(2, s.specSelect, s.subSelect),
		container.NewGridWithColumns(2, s.townSelect, s.etab),
		container.NewHBox(s.favOnly, s.showClosed, layoutSpacer(), s.count),
	)
	left := container.NewBorder(filters, nil, nil, nil, s.list)

	s.detail = widget.NewForm()
	s.addButton = widget.NewButtonWithIcon(i18n.T("cat.add"), theme.ContentAddIcon(), func() {
		if _, err := s.VM.Wishes.Add(c.Selected); err != nil {
			s.app.showError(err)
		}
		s.refreshWishes()
		s.refreshDetail()
		s.list.Refresh()
	})
	s.addButton.Importance = widget.HighImportance
	s.favButton = widget.NewButton("", func() {
		if err := c.ToggleFavourite(c.Selected); err != nil {
			s.app.showError(err)
		}
		s.refreshDetail()
		s.refreshCatalogue()
	})
	s.detailBox = container.NewVBox()
	right := container.NewBorder(widget.NewLabelWithStyle(i18n.T("cat.detail"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewGridWithColumns(2, s.favButton, s.addButton), nil, nil,
		container.NewVScroll(s.detailBox))
	split := container.NewHSplit(left, container.NewPadded(right))
	split.Offset = 0.6
	return split
}

func (s *InternScreen) refreshCatalogue() {
	c := s.VM.Catalogue
	towns := append([]string{i18n.T("cat.all_towns")}, c.Towns()...)
	if len(towns) != len(s.townSelect.Options) {
		sel := s.townSelect.Selected
		s.townSelect.OnChanged, s.townSelect.Options = nil, towns
		s.townSelect.SetSelected(sel)
		if s.townSelect.SelectedIndex() < 0 {
			s.townSelect.SetSelectedIndex(0)
		}
		s.townSelect.OnChanged = func(t string) {
			if s.townSelect.SelectedIndex() == 0 {
				t = ""
			}
			c.SetTown(t)
			s.refreshCatalogue()
		}
	}
	s.count.SetText(c.CountText())
	s.list.UnselectAll()
	s.list.Refresh()
	s.refreshDetail()
}

func (s *InternScreen) refreshDetail() {
	c := s.VM.Catalogue
	fields := c.Detail()
	s.detailBox.RemoveAll()
	if fields == nil {
		s.detailBox.Add(wrapLabel(i18n.T("cat.no_selection")))
		s.addButton.Disable()
		s.favButton.Disable()
		s.favButton.SetText(i18n.T("cat.favourite_add"))
		return
	}
	form := widget.NewForm()
	for _, f := range fields {
		if f.Value == "" {
			continue
		}
		v := widget.NewLabel(f.Value)
		if len(f.Value) > 40 {
			v.Wrapping = fyne.TextWrapWord
		}
		form.Append(f.Label, v)
	}
	s.detailBox.Add(form)
	if c.IsFavourite(c.Selected) {
		s.favButton.SetText(i18n.T("cat.favourite_remove"))
		s.favButton.SetIcon(theme.ContentRemoveIcon())
	} else {
		s.favButton.SetText(i18n.T("cat.favourite_add"))
		s.favButton.SetIcon(nil)
	}
	s.favButton.Enable()
	why := s.VM.Wishes.AddBlocked(c.Selected)
	if why != "" {
		// Said before the click: the button is disabled with its reason.
		reason := wrapLabel(why)
		reason.Importance = widget.WarningImportance
		s.detailBox.Add(reason)
	}
	switch {
	case s.VM.Wishes.Contains(c.Selected):
		s.addButton.SetText(i18n.T("cat.in_list"))
		s.addButton.Disable()
	case why != "" || !s.VM.Wishes.Editable():
		s.addButton.SetText(i18n.T("cat.add"))
		s.addButton.Disable()
	default:
		s.addButton.SetText(i18n.T("cat.add"))
		s.addButton.Enable()
	}
}

// ---- Wish list ----

func (s *InternScreen) buildWishes() fyne.CanvasObject {
	w := s.VM.Wishes
	s.wishList = widget.NewList(w.Len,
		func() fyne.CanvasObject {
			title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			title.Truncation = fyne.TextTruncateEllipsis
			sub := widget.NewLabel("")
			sub.Truncation = fyne.TextTruncateEllipsis
			sub.SizeName = theme.SizeNameCaptionText
			return container.New(layout.NewCustomPaddedVBoxLayout(-14), title, sub)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < w.Len() {
				box := o.(*fyne.Container)
				box.Objects[0].(*widget.Label).SetText(w.Label(i))
				box.Objects[1].(*widget.Label).SetText(w.Detail(i))
			}
		})
	s.wishList.OnSelected = func(i widget.ListItemID) { w.Selected = i; s.refreshWishButtons() }
	s.wishList.OnUnselected = func(widget.ListItemID) {}
	s.upButton = widget.NewButtonWithIcon(i18n.T("wish.up"), theme.MoveUpIcon(), func() { s.wishAction(func() error { return w.MoveSelected(-1) }) })
	s.downButton = widget.NewButtonWithIcon(i18n.T("wish.down"), theme.MoveDownIcon(), func() { s.wishAction(func() error { return w.MoveSelected(1) }) })
	s.remove = widget.NewButtonWithIcon(i18n.T("wish.remove"), theme.DeleteIcon(), func() { s.wishAction(w.RemoveSelected) })
	s.signButton = widget.NewButtonWithIcon(i18n.T("wish.sign"), theme.MailSendIcon(), s.sign)
	s.signButton.Importance = widget.HighImportance
	s.draftStatus = wrapLabel("")
	s.wishError = wrapLabel("")
	s.wishError.Importance = widget.DangerImportance
	s.versions = container.NewVBox()
	shortcuts := widget.NewLabel(i18n.T("wish.shortcuts"))
	shortcuts.SizeName = theme.SizeNameCaptionText
	s.tieCheck = widget.NewCheck(i18n.T("wish.tie"), nil)
	buttons := container.NewHBox(s.upButton, s.downButton, s.remove, s.tieCheck, layoutSpacer(), s.signButton)
	s.drawInfo = widget.NewLabel("")
	s.drawInfo.SizeName = theme.SizeNameCaptionText
	s.drawInfo.Truncation = fyne.TextTruncateEllipsis
	top := container.NewVBox(s.draftStatus, buttons, shortcuts, s.drawInfo)
	left := container.NewBorder(top, s.wishError, nil, nil, s.wishList)
	right := container.NewBorder(widget.NewLabelWithStyle(i18n.T("wish.versions"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
		container.NewVScroll(s.versions))
	split := container.NewHSplit(left, container.NewPadded(right))
	split.Offset = 0.58
	return split
}

func (s *InternScreen) wishAction(f func() error) {
	if err := f(); err != nil {
		s.app.showError(err)
	}
	s.refreshWishes()
	s.list.Refresh()
}

func (s *InternScreen) refreshWishes() {
	w := s.VM.Wishes
	s.wishList.Refresh()
	if sel := w.Selected; sel >= 0 && sel < w.Len() {
		s.wishList.Select(sel)
	} else {
		s.wishList.UnselectAll()
	}
	s.draftStatus.SetText(w.DraftStatus())
	s.wishError.SetText(w.Error)
	if d := s.VM.DrawInfo(); d != "" {
		s.drawInfo.SetText(d)
		s.drawInfo.Show()
	} else {
		s.drawInfo.Hide()
	}
	s.versions.RemoveAll()
	vs := w.Versions()
	if len(vs) == 0 {
		s.versions.Add(wrapLabel(i18n.T("wish.no_versions")))
	}
	for _, v := range vs {
		title := widget.NewLabelWithStyle(v.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		status := wrapLabel(v.Status)
		switch v.State {
		case "accepted":
			status.Importance = widget.SuccessImportance
		case viewmodel.Superseded:
			status.Importance = widget.MediumImportance
		case "refused":
			status.Importance = widget.DangerImportance
		default:
			status.Importance = widget.WarningImportance
		}
		s.versions.Add(container.NewVBox(title, status, widget.NewSeparator()))
	}
	s.refreshWishButtons()
}

func (s *InternScreen) refreshWishButtons() {
	w := s.VM.Wishes
	sel, n, ok := w.Selected, w.Len(), w.Editable()
	setEnabled(s.upButton, ok && sel > 0 && sel < n)
	setEnabled(s.downButton, ok && sel >= 0 && sel < n-1)
	setEnabled(s.remove, ok && sel >= 0 && sel < n)
	setEnabled(s.signButton, ok && n > 0)
	s.tieCheck.OnChanged = nil
	s.tieCheck.SetChecked(w.TiedWithPrevious(sel))
	s.tieCheck.OnChanged = func(bool) { s.wishAction(func() error { return w.ToggleTie(w.Selected) }) }
	setEnabled(s.tieCheck, ok && sel > 0 && sel < n)
	if w.TiesAllowed() {
		s.tieCheck.Show()
	} else {
		s.tieCheck.Hide()
	}
}

func setEnabled(b fyne.Disableable, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

func (s *InternScreen) addShortcuts(w fyne.Window) {
	onWishes := func() bool { return s.tabs.Selected() == s.wishTab }
	for _, sc := range []struct {
		key fyne.KeyName
		f   func() error
	}{
		{fyne.KeyUp, func() error { return s.VM.Wishes.MoveSelected(-1) }},
		{fyne.KeyDown, func() error { return s.VM.Wishes.MoveSelected(1) }},
		{fyne.KeyDelete, s.VM.Wishes.RemoveSelected},
	} {
		f := sc.f
		w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: sc.key, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
			if onWishes() {
				s.wishAction(f)
			}
		})
	}
}

func (s *InternScreen) sign() {
	help := i18n.T("wish.sign_help", i18n.N("count.postes", s.VM.Wishes.Len(), s.VM.Wishes.Len()))
	askPassphrase(s.app.Window, i18n.T("wish.sign_title"), help, func(pass string) {
		s.signButton.Disable()
		s.draftStatus.SetText(i18n.T("wish.signing"))
		var out viewmodel.SignOutcome
		s.app.runAsync(func() { out = s.VM.Wishes.Sign(s.app.ctx, pass) }, func() {
			s.VM.Wishes.SignDone(out)
			s.refreshWishes()
			s.refreshFiles()
			s.refreshLock()
		})
	})
}

// ---- Candidate file ----

func (s *InternScreen) buildFiles() fyne.CanvasObject {
	s.filesBox = container.NewVBox()
	s.fileError = wrapLabel("")
	s.fileError.Importance = widget.DangerImportance
	intro := wrapLabel(i18n.T("file.intro", api.MaxFileSize>>20))
	return container.NewPadded(container.NewBorder(intro, s.fileError, nil, nil, container.NewVScroll(s.filesBox)))
}

func (s *InternScreen) refreshFiles() {
	f := s.VM.Files
	s.filesBox.RemoveAll()
	for _, row := range f.Rows() {
		kind := row.Kind
		name := row.Name
		if name == "" {
			name = "—"
		}
		choose := widget.NewButtonWithIcon(i18n.T("file.choose"), theme.FolderOpenIcon(), func() { s.chooseFile(kind) })
		remove := widget.NewButtonWithIcon(i18n.T("file.remove"), theme.DeleteIcon(), func() {
			if err := f.Remove(kind); err != nil {
				s.app.showError(err)
			}
			s.refreshFiles()
			s.refreshWishes()
		})
		setEnabled(choose, f.Editable())
		setEnabled(remove, f.Editable() && row.Name != "")
		if row.Name != "" {
			choose.SetText(i18n.T("file.replace"))
		}
		info := container.New(layout.NewCustomPaddedVBoxLayout(-8),
			widget.NewLabelWithStyle(row.Label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true}),
			widget.NewLabel(row.Detail))
		buttons := container.NewVBox(layout.NewSpacer(), container.NewHBox(choose, remove), layout.NewSpacer())
		s.filesBox.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.DocumentIcon()), buttons, info))
		s.filesBox.Add(widget.NewSeparator())
	}
	s.fileError.SetText(f.Error)
}

func (s *InternScreen) chooseFile(kind string) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, api.MaxFileSize+1))
		if err != nil {
			s.app.showError(err)
			return
		}
		s.attach(kind, r.URI().Name(), data)
	}, s.app.Window)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".pdf", ".PDF"}))
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

func (s *InternScreen) attach(kind, name string, data []byte) {
	if err := s.VM.Files.Attach(kind, name, data); err != nil {
		s.app.showError(err)
	}
	s.refreshFiles()
	s.refreshWishes()
}

// ---- Results ----

func (s *InternScreen) buildResults() fyne.CanvasObject {
	s.resultsBox = container.NewVBox()
	s.resultError = wrapLabel("")
	s.resultError.Importance = widget.DangerImportance
	s.fetchButton = widget.NewButtonWithIcon(i18n.T("result.fetch"), theme.DownloadIcon(), s.fetchResults)
	intro := wrapLabel(i18n.T("result.intro"))
	return container.NewPadded(container.NewBorder(container.NewVBox(intro, container.NewHBox(s.fetchButton)), s.resultError, nil, nil,
		container.NewVScroll(s.resultsBox)))
}

func (s *InternScreen) refreshResults() {
	r := s.VM.Results
	s.resultsBox.RemoveAll()
	rows := r.Rows()
	if len(rows) == 0 {
		s.resultsBox.Add(wrapLabel(i18n.T("result.none")))
	}
	for _, row := range rows {
		status := wrapLabel(row.Status)
		var icon fyne.CanvasObject = widget.NewIcon(theme.WarningIcon())
		if row.Verified {
			status.Importance = widget.SuccessImportance
			icon = nil
		} else {
			status.Importance = widget.WarningImportance
		}
		body := container.New(layout.NewCustomPaddedVBoxLayout(-6),
			widget.NewLabelWithStyle(row.Round, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			widget.NewLabel(row.Assignment),
			container.NewBorder(nil, nil, icon, nil, status))
		for _, w := range row.WhyNot {
			body.Add(wrapLabel(w))
		}
		s.resultsBox.Add(body)
		s.resultsBox.Add(widget.NewSeparator())
	}
	s.resultError.SetText(r.Error)
	setEnabled(s.fetchButton, r.Published())
}

func (s *InternScreen) fetchResults() {
	run := func(pass string) {
		s.fetchButton.Disable()
		var err error
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, time.Minute)
			err = s.VM.Results.Fetch(ctx, pass)
			cancel()
		}, func() {
			s.VM.Results.FetchDone(err)
			s.refreshResults()
			s.refreshLock()
		})
	}
	if s.app.session.Unlocked() {
		run("")
		return
	}
	askPassphrase(s.app.Window, i18n.T("result.fetch"), i18n.T("result.pass_help"), run)
}

// ---- Status bar and background work ----

func (s *InternScreen) buildStatusBar() fyne.CanvasObject {
	s.online = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.syncDetail = widget.NewLabel("")
	s.syncDetail.Truncation = fyne.TextTruncateEllipsis
	s.progress = widget.NewProgressBar()
	s.syncButton = widget.NewButtonWithIcon(i18n.T("sync.now"), theme.ViewRefreshIcon(), func() { s.syncNow() })
	s.unlockButton = widget.NewButtonWithIcon(i18n.T("lock.unlock"), theme.LoginIcon(), func() {
		results := s.VM.ResultsToFetch() > 0 // a published result waits for the key
		help := i18n.T("lock.unlock_help")
		if results {
			help = i18n.T("lock.unlock_result_help")
		}
		askPassphrase(s.app.Window, i18n.T("lock.unlock"), help, func(pass string) {
			var err error
			s.app.runAsync(func() { err = s.app.session.Unlock(pass) }, func() {
				if err != nil {
					s.app.showError(err)
				}
				s.refreshStatus(s.app.session.Status())
				if err == nil && results {
					s.syncNow() // fetch it now rather than at the next poll
				}
			})
		})
	})
	s.unlockButton.Hide()
	bar := container.NewGridWrap(fyne.NewSize(180, s.progress.MinSize().Height), s.progress)
	return container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, container.NewHBox(s.online, s.lockStatus), container.NewHBox(s.unlockButton, bar, s.syncButton), s.syncDetail))
}

func (s *InternScreen) refreshLock() {
	if s.app.session.Unlocked() {
		s.lockStatus.SetText("· " + i18n.T("lock.unlocked"))
	} else {
		s.lockStatus.SetText("· " + i18n.T("lock.locked"))
	}
}

func (s *InternScreen) refreshStatus(st outbox.Status) {
	vs := s.VM.Status(st)
	s.online.SetText(vs.Online)
	if vs.Warning || (st.Checked && !st.Online) {
		s.online.Importance = widget.DangerImportance
	} else if st.Online {
		s.online.Importance = widget.SuccessImportance
	} else {
		s.online.Importance = widget.MediumImportance
	}
	s.online.Refresh()
	s.syncDetail.SetText(vs.Detail)
	s.progress.SetValue(vs.Progress)
	if vs.ShowProgress {
		s.progress.Show()
	} else {
		s.progress.Hide()
	}
	s.refreshLock()
	if vs.NeedsUnlock {
		s.unlockButton.Show()
	} else {
		s.unlockButton.Hide()
	}
	if s.VM.Observe(st) { // delivered: a synchronisation, and new versions to show
		s.syncDetail.SetText(s.VM.Status(st).Detail)
		if err := s.VM.Refresh(); err != nil {
			s.app.showError(err)
		}
		s.refreshWishes()
		s.refreshFiles()
		s.binome.delivered()
	}
}

func (s *InternScreen) syncNow() {
	s.syncButton.Disable()
	round := s.VM.SyncRound()
	var d viewmodel.SyncData
	s.app.runAsync(func() {
		ctx, cancel := context.WithTimeout(s.app.ctx, time.Minute)
		d = s.VM.Sync(ctx, round)
		cancel()
		s.app.session.Ping(s.app.ctx)
	}, func() {
		s.syncButton.Enable()
		s.synced(func() error { return s.VM.ApplySync(d) })
	})
}

// synced shows what a sync brought (apply, on the UI goroutine), whether
// the user asked for it or the screen followed the server by itself.
func (s *InternScreen) synced(apply func() error) {
	if err := apply(); err != nil {
		s.app.showError(err)
	}
	s.refreshRounds()
	s.refreshAll()
	s.choix.onSync()
	s.binome.fetchLinks(false)
	if s.VM.SyncError != "" {
		s.syncDetail.SetText(i18n.T("sync.failed", s.VM.SyncError))
	}
}

// startBackground follows the session's outbox status (the session runs
// the outbox, the pinger and the countdown), registers the choix-au-rang
// poller and the view model's Follow, whose first check, at the session's
// start, is the first sync.
func (s *InternScreen) startBackground() {
	s.app.session.OnStatus = func(st outbox.Status) { fyne.Do(func() { s.refreshStatus(st) }) }
	s.choix.start()
	// While online the screen follows the server's changes by itself.
	s.VM.Follow(s.app.session, func(apply func() error) { fyne.Do(func() { s.synced(apply) }) })
	if s.app.Opts.Synchronous {
		s.syncNow() // no session goroutine runs Follow: the first sync is the screen's
	}
}
