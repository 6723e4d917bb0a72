package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
)

// binomeTab is the intern's binôme tab: the partner, the joint list (pairs
// of postes from the catalogue), what to tell the partner, sign and
// withdraw, and the status of the last signed link. Its logic is
// viewmodel.Binome's.
type binomeTab struct {
	s   *InternScreen
	vm  *viewmodel.Binome
	tab *container.TabItem

	partner        *widget.Entry
	mine, theirs   *widget.Entry
	pairs          *widget.List
	selected       int
	add, up, rm    *widget.Button
	sign, withdraw *widget.Button
	status, mirror *widget.Label
	errLabel       *widget.Label
	unavailable    *widget.Label
	form           *fyne.Container
	// proposals lists the other interns' links naming the intern, each
	// with its pairs and the accept and decline buttons; fetchBusy is set
	// while FetchLinks runs.
	proposals *fyne.Container
	fetch     *widget.Button
	fetchBusy bool
}

func newBinomeTab(s *InternScreen) *binomeTab {
	b := &binomeTab{s: s, vm: viewmodel.NewBinome(s.VM.Svc, s.VM.Catalogue), selected: -1}
	b.partner = widget.NewEntry()
	b.partner.SetPlaceHolder(i18n.T("binome.partner"))
	b.partner.OnChanged = func(v string) { b.vm.Partner = v }
	b.mine, b.theirs = widget.NewEntry(), widget.NewEntry()
	b.mine.SetPlaceHolder(i18n.T("binome.mine"))
	b.theirs.SetPlaceHolder(i18n.T("binome.theirs"))
	b.pairs = widget.NewList(func() int { return len(b.vm.Pairs) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(b.vm.PairLabel(i)) })
	b.pairs.OnSelected = func(i widget.ListItemID) { b.selected = i }
	b.add = widget.NewButtonWithIcon(i18n.T("binome.add"), theme.ContentAddIcon(), func() {
		if b.vm.AddPair(b.mine.Text, b.theirs.Text) == nil {
			b.mine.SetText("")
			b.theirs.SetText("")
		}
		b.refresh()
	})
	b.up = widget.NewButtonWithIcon(i18n.T("binome.up"), theme.MoveUpIcon(), func() { b.vm.MoveUp(b.selected); b.refresh() })
	b.rm = widget.NewButtonWithIcon(i18n.T("binome.remove"), theme.DeleteIcon(), func() { b.vm.Remove(b.selected); b.refresh() })
	b.sign = widget.NewButtonWithIcon(i18n.T("binome.sign"), theme.MailSendIcon(), func() { b.signWith(b.vm.Sign) })
	b.sign.Importance = widget.HighImportance
	b.withdraw = widget.NewButton(i18n.T("binome.withdraw"), func() { b.signWith(b.vm.Withdraw) })
	b.status, b.mirror = wrapLabel(""), wrapLabel("")
	b.errLabel = wrapLabel("")
	b.errLabel.Importance = widget.DangerImportance
	b.unavailable = wrapLabel(i18n.T("binome.unavailable"))
	add := container.NewBorder(nil, nil, nil, b.add, container.NewGridWithColumns(2, b.mine, b.theirs))
	b.proposals = container.NewVBox()
	b.fetch = widget.NewButtonWithIcon(i18n.T("binome.refresh"), theme.ViewRefreshIcon(), func() { b.fetchLinks(true) })
	received := container.NewBorder(nil, nil, nil, b.fetch,
		widget.NewLabelWithStyle(i18n.T("binome.proposals"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	// The proposals scroll within a bounded height: the editor below keeps its place.
	props := container.NewVScroll(b.proposals)
	props.SetMinSize(fyne.NewSize(0, 190))
	top := container.NewVBox(wrapLabel(i18n.T("binome.explain")), received, props, widget.NewSeparator(), b.partner, add,
		container.NewHBox(b.up, b.rm, layoutSpacer(), b.withdraw, b.sign))
	bottom := container.NewVBox(b.mirror, b.status, b.errLabel)
	b.form = container.NewBorder(top, bottom, nil, nil, b.pairs)
	b.tab = container.NewTabItemWithIcon(i18n.T("binome.title"), theme.AccountIcon(),
		container.NewPadded(container.NewStack(b.unavailable, b.form)))
	return b
}

// signWith asks the passphrase and signs (a link or its withdrawal) off
// the UI goroutine.
func (b *binomeTab) signWith(sign func(pass string) error) {
	askPassphrase(b.s.app.Window, i18n.T("binome.sign"), b.vm.MirrorText(), func(pass string) {
		b.sign.Disable()
		b.s.app.runAsync(func() { _ = sign(pass) }, func() {
			b.refresh()
			b.s.refreshLock()
			b.fetchLinks(false)
		})
	})
}

// load shows the current round.
func (b *binomeTab) load() {
	if err := b.vm.Load(b.s.VM.Round); err != nil {
		b.vm.Error = err.Error()
	}
	b.partner.SetText(b.vm.Partner)
	showTab(b.s.tabs, b.tab, b.vm.Offered()) // only in a round that offers binômes
	b.refresh()
	b.fetchLinks(false)
}

// fetchLinks fetches the signed links naming the intern off the UI
// goroutine (a signed read: skipped while the key is locked, unless ask,
// which asks the passphrase), then redraws the tab.
func (b *binomeTab) fetchLinks(ask bool) {
	if b.fetchBusy || !b.vm.Offered() {
		return
	}
	run := func(pass string) {
		b.fetchBusy = true
		b.fetch.Disable()
		var d viewmodel.BinomeLinksData
		b.s.app.runAsync(func() {
			if pass != "" {
				if err := b.s.app.session.Unlock(pass); err != nil {
					d.Err = err
					return
				}
			}
			ctx, cancel := context.WithTimeout(b.s.app.ctx, time.Minute)
			d = b.vm.FetchLinks(ctx)
			cancel()
		}, func() {
			b.fetchBusy = false
			b.fetch.Enable()
			if d.Err != nil && d.Round == "" {
				b.vm.Error = viewmodel.Message(d.Err)
			}
			b.vm.ApplyLinks(d)
			b.refresh()
			b.s.refreshLock()
		})
	}
	switch {
	case b.s.app.session.Unlocked():
		run("")
	case ask:
		askPassphrase(b.s.app.Window, i18n.T("binome.refresh"), i18n.T("binome.pass_help"), run)
	}
}

// showProposals redraws the proposals received: "X vous propose un
// binôme", the pairs from the intern's side, accept (sign the mirrored
// list) and decline (sign nothing).
func (b *binomeTab) showProposals() {
	b.proposals.RemoveAll()
	props := b.vm.Proposals()
	switch {
	case !b.vm.LinksFetched():
		b.proposals.Add(wrapLabel(i18n.T("binome.proposals.unknown")))
	case len(props) == 0:
		b.proposals.Add(wrapLabel(i18n.T("binome.proposals.none")))
	}
	for _, p := range props {
		title := widget.NewLabelWithStyle(b.vm.ProposalTitle(p), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		accept := widget.NewButtonWithIcon(i18n.T("binome.accept"), theme.ConfirmIcon(), func() {
			b.signWith(func(pass string) error { return b.vm.Accept(p, pass) })
		})
		accept.Importance = widget.HighImportance
		decline := widget.NewButtonWithIcon(i18n.T("binome.decline"), theme.CancelIcon(), func() {
			b.vm.Decline(p)
			b.refresh()
		})
		setEnabled(accept, b.vm.Available())
		b.proposals.Add(container.NewVBox(title, wrapLabel(b.vm.ProposalPairs(p)), container.NewHBox(accept, decline)))
	}
}

// refresh redraws the tab from the view model.
func (b *binomeTab) refresh() {
	if b.vm.Available() {
		b.unavailable.Hide()
		b.form.Show()
	} else {
		b.form.Hide()
		b.unavailable.Show()
	}
	b.pairs.Refresh()
	b.partner.SetText(b.vm.Partner)
	b.showProposals()
	b.status.SetText(b.vm.Status())
	b.mirror.SetText(b.vm.MirrorText())
	b.errLabel.SetText(b.vm.Error)
	if b.vm.Available() {
		b.sign.Enable()
	} else {
		b.sign.Disable()
	}
}

// delivered follows the outbox: a link it sent changes the status, and
// the partner's side may have changed meanwhile.
func (b *binomeTab) delivered() {
	if err := b.vm.Refresh(); err != nil {
		b.vm.Error = err.Error()
	}
	b.refresh()
	b.fetchLinks(false)
}
