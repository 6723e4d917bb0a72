package ui

import (
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
	top := container.NewVBox(wrapLabel(i18n.T("binome.explain")), b.partner, add,
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
	b.status.SetText(b.vm.Status())
	b.mirror.SetText(b.vm.MirrorText())
	b.errLabel.SetText(b.vm.Error)
	if b.vm.Available() {
		b.sign.Enable()
	} else {
		b.sign.Disable()
	}
}
