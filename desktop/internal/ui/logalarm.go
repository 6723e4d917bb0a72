package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
)

// alarmBanner is the red banner of a server that showed two incompatible
// histories of its log, with a button that copies the evidence.
type alarmBanner struct {
	Box      *fyne.Container
	text     *widget.Label
	evidence string
}

func newAlarmBanner() *alarmBanner {
	b := &alarmBanner{text: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}
	b.text.Wrapping = fyne.TextWrapWord
	b.text.Importance = widget.DangerImportance
	copyButton := widget.NewButtonWithIcon(i18n.T("log.copy_evidence"), theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(b.evidence)
	})
	b.Box = container.NewVBox(container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), copyButton, b.text), widget.NewSeparator())
	b.Box.Hide()
	return b
}

// refresh shows the alarm, or hides the banner when there is none. It
// reports whether the banner's visibility changed.
func (b *alarmBanner) refresh(a *viewmodel.LogAlarm) bool {
	was := b.Box.Visible()
	if a == nil {
		b.Box.Hide()
		return was
	}
	b.text.SetText(a.Text)
	b.evidence = a.Evidence
	b.Box.Show()
	return !was
}
