package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/shared/domain"
)

// showMessage shows a dialog with a wrapped message.
func showMessage(w fyne.Window, title, msg string) {
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(title, i18n.T("dialog.ok"), container.NewGridWrap(fyne.NewSize(420, 80), l), w)
	d.Show()
}

// askPassphrase asks the passphrase, then calls ok with it.
func askPassphrase(w fyne.Window, title, help string, ok func(pass string)) *widget.Entry {
	entry := widget.NewPasswordEntry()
	entry.SetPlaceHolder(i18n.T("pass.placeholder"))
	content := container.NewVBox(wrapLabel(help), widget.NewForm(widget.NewFormItem(i18n.T("pass.label"), entry)))
	var d *dialog.ConfirmDialog
	done := false
	submit := func() {
		if done || entry.Text == "" {
			return
		}
		done = true
		d.Hide()
		ok(entry.Text)
	}
	d = dialog.NewCustomConfirm(title, i18n.T("dialog.confirm"), i18n.T("dialog.cancel"), content, func(confirmed bool) {
		if confirmed {
			submit()
		}
	}, w)
	d.Resize(fyne.NewSize(480, 250))
	entry.OnSubmitted = func(string) { submit() }
	d.Show()
	w.Canvas().Focus(entry)
	return entry
}

// wrapLabel returns a word-wrapped label.
func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// showRounds fills a round selector: the labels, the current round (by id)
// selected, and onSelect called with the index the user picks. Filling it
// does not call onSelect.
// roundSelectBox holds a round selector at its default width (320 points)
// until fitRoundSelect sizes it to the rounds' names.
func roundSelectBox(sel *widget.Select) *fyne.Container {
	return container.NewGridWrap(fyne.NewSize(320, sel.MinSize().Height), sel)
}

// fitRoundSelect widens a round selector's box to its longest name (up to
// 640 points), so that no round is cut to "Tour 1 (démo) …".
func fitRoundSelect(box *fyne.Container, sel *widget.Select, labels []string) {
	w := float32(320)
	for _, l := range labels {
		// Measured by a selector of Fyne's own showing that name, so that
		// its padding and drop-down icon are counted as Fyne draws them.
		probe := widget.NewSelect(nil, nil)
		probe.PlaceHolder = l
		w = max(w, probe.MinSize().Width+theme.Padding())
	}
	box.Layout = layout.NewGridWrapLayout(fyne.NewSize(min(w, 640), sel.MinSize().Height))
	box.Refresh()
}

func showRounds(sel *widget.Select, labels []string, rounds []domain.Round, current string, onSelect func(i int)) {
	sel.OnChanged = nil
	sel.PlaceHolder = i18n.T("round.choose")
	sel.Options = labels
	for i := range rounds {
		if rounds[i].ID == current {
			sel.SetSelectedIndex(i)
		}
	}
	sel.Refresh()
	sel.OnChanged = func(string) { onSelect(sel.SelectedIndex()) }
}
