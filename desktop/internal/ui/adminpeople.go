package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
)

// maxPeopleRows bounds the people listed at once (the national list has
// tens of thousands): the search narrows it.
const maxPeopleRows = 500

// peopleTab is the admin's list of people: search, enrollment status,
// activation codes and key resets.
type peopleTab struct {
	s        *AdminScreen
	filter   *widget.Entry
	list     *widget.List
	rows     []viewmodel.PersonRow
	count    *widget.Label
	sel      int
	issue    *widget.Button
	issueAll *widget.Button
	reset    *widget.Button
	Content  fyne.CanvasObject
}

func (s *AdminScreen) buildPeople() fyne.CanvasObject {
	t := &peopleTab{s: s, sel: -1}
	s.people = t
	t.filter = widget.NewEntry()
	t.filter.SetPlaceHolder(i18n.T("people.filter"))
	t.filter.OnChanged = func(string) { t.refresh() }
	t.count = widget.NewLabel("")
	t.list = widget.NewList(func() int { return len(t.rows) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(t.rows) {
				l := o.(*widget.Label)
				l.SetText(t.rows[i].Label)
				if t.rows[i].Status.Enrolled {
					l.Importance = widget.MediumImportance
				} else {
					l.Importance = widget.WarningImportance
				}
				l.Refresh()
			}
		})
	t.list.OnSelected = func(i widget.ListItemID) { t.sel = i; t.refreshButtons() }
	t.issue = widget.NewButtonWithIcon(i18n.T("people.issue"), theme.MailSendIcon(), func() {
		if p := t.selected(); p != nil {
			t.issueCodes([]string{p.Person.ID}, false)
		}
	})
	t.issueAll = widget.NewButtonWithIcon(i18n.T("people.issue_all"), theme.MailSendIcon(), func() {
		s.app.confirmThen(i18n.T("people.issue_all"), i18n.N("people.confirm_all", s.VM.WithoutKey(), s.VM.WithoutKey()),
			func(context.Context) error { return nil }, func() { t.issueCodes(nil, true) })
	})
	t.reset = widget.NewButtonWithIcon(i18n.T("people.reset"), theme.ContentUndoIcon(), t.resetKey)
	t.reset.Importance = widget.DangerImportance
	t.Content = container.NewBorder(
		container.NewVBox(t.filter, container.NewHBox(t.issue, t.reset, t.issueAll), t.count), nil, nil, nil, t.list)
	t.refresh()
	return t.Content
}

func (t *peopleTab) selected() *api.PersonStatus {
	if t.sel < 0 || t.sel >= len(t.rows) {
		return nil
	}
	return &t.rows[t.sel].Status
}

// refresh filters the people again.
func (t *peopleTab) refresh() {
	var n int
	t.rows, n = t.s.VM.PeopleRows(t.filter.Text, maxPeopleRows)
	text := i18n.T("people.count", i18n.N("people.found", n, n), t.s.VM.WithoutKey())
	if n > len(t.rows) {
		text += " " + i18n.N("people.more", n-len(t.rows), n-len(t.rows))
	}
	t.count.SetText(text)
	t.sel = -1
	t.list.UnselectAll()
	t.list.Refresh()
	t.refreshButtons()
}

func (t *peopleTab) refreshButtons() {
	p := t.selected()
	setEnabled(t.issue, p != nil && !p.Enrolled)
	setEnabled(t.reset, p != nil && p.Enrolled)
	setEnabled(t.issueAll, t.s.VM.WithoutKey() > 0)
}

// issueCodes issues the codes and shows them once.
func (t *peopleTab) issueCodes(ids []string, all bool) {
	a := t.s.app
	a.ensureUnlocked(func() {
		var codes []api.IssuedCode
		var err error
		a.runAsync(func() {
			ctx, cancel := context.WithTimeout(a.ctx, 10*time.Minute)
			codes, err = t.s.VM.IssueCodes(ctx, ids, all)
			cancel()
		}, func() {
			if err != nil {
				a.showError(err)
				return
			}
			t.showCodes(codes)
			t.s.reloadCurrent()
		})
	})
}

// showCodes shows issued codes once, to copy.
func (t *peopleTab) showCodes(codes []api.IssuedCode) {
	text := widget.NewMultiLineEntry()
	text.SetText(viewmodel.CodesText(codes))
	text.Wrapping = fyne.TextWrapOff
	text.SetMinRowsVisible(min(12, len(codes)+1))
	cp := widget.NewButtonWithIcon(i18n.T("people.copy"), theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(text.Text)
	})
	d := dialog.NewCustom(i18n.T("people.codes_title"), i18n.T("dialog.close"),
		container.NewBorder(wrapLabel(i18n.T("people.codes_help")), cp, nil, nil, text), t.s.app.Window)
	d.Resize(fyne.NewSize(760, 420))
	d.Show()
}

// resetKey asks the reason, then revokes the key and shows the new code.
func (t *peopleTab) resetKey() {
	p := t.selected()
	if p == nil {
		return
	}
	a := t.s.app
	reason := widget.NewEntry()
	form := container.NewVBox(wrapLabel(i18n.T("people.reset_help", p.Person.FullName()+" ("+p.Person.ID+")")), reason)
	dialog.ShowCustomConfirm(i18n.T("people.reset"), i18n.T("dialog.confirm"), i18n.T("dialog.cancel"), form, func(ok bool) {
		if !ok {
			return
		}
		a.ensureUnlocked(func() {
			var code *api.IssuedCode
			var err error
			a.runAsync(func() {
				ctx, cancel := context.WithTimeout(a.ctx, time.Minute)
				code, err = t.s.VM.ResetKey(ctx, p.Person.ID, reason.Text)
				cancel()
			}, func() {
				if err != nil {
					a.showError(err)
					return
				}
				t.showCodes([]api.IssuedCode{*code})
				t.s.reloadCurrent()
			})
		})
	}, a.Window)
}

// showSchedule opens the windows of the current round for editing.
func (s *AdminScreen) showSchedule() {
	if s.VM.Round == nil {
		return
	}
	cur := s.VM.Windows()
	var entries [4]*widget.Entry
	form := widget.NewForm()
	for i, name := range viewmodel.WindowNames {
		e := widget.NewEntry()
		e.SetPlaceHolder("JJ/MM/AAAA HH:MM")
		e.SetText(cur[i])
		entries[i] = e
		form.Append(i18n.T("schedule."+name), e)
	}
	reason := widget.NewEntry()
	reason.SetPlaceHolder(i18n.T("admin.reason"))
	form.Append(i18n.T("corr.reason"), reason)
	errLabel := wrapLabel("")
	errLabel.Importance = widget.DangerImportance
	var d dialog.Dialog
	save := widget.NewButtonWithIcon(i18n.T("dialog.confirm"), theme.ConfirmIcon(), func() {
		var typed [4]string
		for i, e := range entries {
			typed[i] = e.Text
		}
		if _, err := viewmodel.ParseWindows(typed); err != nil {
			errLabel.SetText(viewmodel.Message(err))
			return
		}
		if err := viewmodel.CheckScheduleReason(reason.Text); err != nil {
			errLabel.SetText(viewmodel.Message(err))
			return
		}
		errLabel.SetText("")
		round := s.VM.RoundID()
		s.app.ensureUnlocked(func() {
			var err error
			s.app.runAsync(func() {
				ctx, cancel := context.WithTimeout(s.app.ctx, time.Minute)
				err = s.VM.Schedule(ctx, typed, reason.Text)
				cancel()
			}, func() {
				if err != nil {
					errLabel.SetText(s.VM.Message(err))
					return
				}
				d.Hide()
				dialog.ShowInformation(i18n.T("schedule.title"), i18n.T("schedule.saved", round), s.app.Window)
				s.reloadCurrent()
			})
		})
	})
	save.Importance = widget.HighImportance
	cancelB := widget.NewButtonWithIcon(i18n.T("dialog.cancel"), theme.CancelIcon(), func() { d.Hide() })
	content := container.NewVBox(wrapLabel(i18n.T("schedule.help")), form, errLabel, container.NewHBox(cancelB, save))
	d = dialog.NewCustomWithoutButtons(i18n.T("schedule.title"), content, s.app.Window)
	d.Resize(fyne.NewSize(620, 420))
	d.Show()
	s.schedule = entries
	s.scheduleSave = save
	s.scheduleErr = errLabel
	s.scheduleReason = reason
}
