package ui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
)

// correctionsPanel lists the correction requests a person may see, with
// the selected one in detail; for an admin, the decision controls.
type correctionsPanel struct {
	Content fyne.CanvasObject
	app     *App
	vm      *viewmodel.Corrections
	admin   bool

	list          *widget.List
	detail        *fyne.Container // label, value pairs in a form layout
	summary       *widget.Label
	value, reason *widget.Entry
	accept, apply *widget.Button
	refuse        *widget.Button
	decisionBox   *fyne.Container
	onDecided     func() // after a decision, e.g. to reload the round
	loading       bool
	lastID        string // request whose proposed value is in the value entry
}

// newCorrectionsPanel builds the panel; tools are extra buttons shown above
// the list (e.g. "new request").
func newCorrectionsPanel(a *App, vm *viewmodel.Corrections, admin bool, tools ...fyne.CanvasObject) *correctionsPanel {
	p := &correctionsPanel{app: a, vm: vm, admin: admin}
	p.list = widget.NewList(func() int { return len(p.vm.Items) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(p.vm.Items) {
				return
			}
			it := &p.vm.Items[i]
			l := o.(*widget.Label)
			l.SetText(viewmodel.Label(it))
			switch it.Status {
			case api.CorrectionRequested, api.CorrectionAccepted:
				l.Importance = widget.WarningImportance
			case api.CorrectionRefused:
				l.Importance = widget.DangerImportance
			default:
				l.Importance = widget.SuccessImportance
			}
			l.Refresh()
		})
	p.list.OnSelected = func(i widget.ListItemID) {
		p.vm.Selected = i
		p.refreshDetail()
	}
	p.detail = container.New(layout.NewFormLayout())
	p.summary = widget.NewLabel("")
	openOnly := widget.NewCheck(i18n.T("corr.open_only"), nil)
	openOnly.Checked = vm.OpenOnly // before OnChanged: building the panel loads nothing
	openOnly.OnChanged = func(on bool) {
		p.vm.OpenOnly = on
		p.reload()
	}
	reloadB := widget.NewButtonWithIcon(i18n.T("sync.now"), theme.ViewRefreshIcon(), p.reload)
	top := container.NewVBox(container.NewHBox(append(tools, openOnly, reloadB)...), p.summary)
	right := fyne.CanvasObject(container.NewVScroll(p.detail))
	if admin {
		p.value = widget.NewEntry()
		p.value.SetPlaceHolder(i18n.T("corr.value_to_apply"))
		p.reason = widget.NewMultiLineEntry()
		p.reason.SetPlaceHolder(i18n.T("corr.reason_hint"))
		p.reason.Wrapping = fyne.TextWrapWord
		p.reason.SetMinRowsVisible(2)
		p.accept = widget.NewButtonWithIcon(i18n.T("corr.accept"), theme.ConfirmIcon(), func() { p.decide(api.CorrectionAccepted) })
		p.apply = widget.NewButtonWithIcon(i18n.T("corr.apply"), theme.DocumentSaveIcon(), func() { p.decide(api.CorrectionApplied) })
		p.apply.Importance = widget.HighImportance
		p.refuse = widget.NewButtonWithIcon(i18n.T("corr.refuse"), theme.CancelIcon(), func() { p.decide(api.CorrectionRefused) })
		p.refuse.Importance = widget.DangerImportance
		p.decisionBox = container.NewVBox(widget.NewSeparator(),
			widget.NewForm(widget.NewFormItem(i18n.T("corr.value_to_apply"), p.value), widget.NewFormItem(i18n.T("corr.reason"), p.reason)),
			container.NewHBox(p.accept, p.apply, p.refuse))
		right = container.NewBorder(nil, p.decisionBox, nil, nil, right)
	}
	split := container.NewHSplit(p.list, container.NewPadded(right))
	split.Offset = 0.5
	p.Content = container.NewBorder(top, nil, nil, nil, split)
	p.refresh()
	return p
}

// reload fetches the requests in the background.
func (p *correctionsPanel) reload() {
	if p.loading {
		return
	}
	p.app.ensureUnlocked(func() {
		p.loading = true
		var items []api.Correction
		var err error
		p.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(p.app.ctx, time.Minute)
			items, err = p.vm.Load(ctx)
			cancel()
		}, func() {
			p.loading = false
			_ = p.vm.Apply(items, err)
			p.refresh()
		})
	})
}

func (p *correctionsPanel) refresh() {
	if p.vm.Error != "" {
		p.summary.SetText(p.vm.Error)
		p.summary.Importance = widget.DangerImportance
	} else {
		p.summary.SetText(p.vm.Summary())
		p.summary.Importance = widget.MediumImportance
	}
	p.summary.Refresh()
	p.list.Refresh()
	if p.vm.Selected >= 0 {
		p.list.Select(p.vm.Selected)
	} else {
		p.list.UnselectAll()
	}
	p.refreshDetail()
}

func (p *correctionsPanel) refreshDetail() {
	p.detail.RemoveAll()
	rows := p.vm.Detail()
	if rows == nil {
		p.detail.Add(widget.NewLabel(""))
		p.detail.Add(widget.NewLabel(i18n.T("corr.select")))
	}
	for _, r := range rows {
		p.detail.Add(bold(r[0]))
		p.detail.Add(wrapLabel(r[1]))
	}
	p.detail.Refresh()
	if !p.admin {
		return
	}
	it := p.vm.Current()
	if it == nil {
		p.value.SetText("")
		p.lastID = ""
	}
	if it != nil && it.ID != p.lastID {
		p.value.SetText(it.Proposed)
		p.reason.SetText("")
		p.lastID = it.ID
	}
	setEnabled(p.accept, p.vm.CanDecide(api.CorrectionAccepted))
	setEnabled(p.apply, p.vm.CanDecide(api.CorrectionApplied))
	setEnabled(p.refuse, p.vm.CanDecide(api.CorrectionRefused))
	if it != nil && it.Field == api.FieldOther {
		p.value.Disable()
	} else {
		p.value.Enable()
	}
}

// decide sends the admin's decision on the selected request.
func (p *correctionsPanel) decide(to api.CorrectionStatus) {
	it := p.vm.Current()
	if it == nil {
		return
	}
	id, reason, value := it.ID, p.reason.Text, p.value.Text
	if it.Field == api.FieldOther {
		value = ""
	}
	var got *api.Correction
	var err error
	p.app.ensureUnlocked(func() {
		p.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(p.app.ctx, time.Minute)
			got, err = p.vm.Decide(ctx, id, to, reason, value)
			cancel()
		}, func() {
			if err != nil {
				p.app.showError(err)
				return
			}
			p.lastID = ""
			dialog.ShowInformation(i18n.T("admin.tab.corrections"), i18n.T("corr.decided", got.ID, viewmodel.StatusLabel(got.Status)), p.app.Window)
			p.reload()
			if p.onDecided != nil {
				p.onDecided()
			}
		})
	})
}

// correctionForm is an open request form (its widgets and view model,
// for tests).
type correctionForm struct {
	vm                *viewmodel.CorrectionForm
	kind              *widget.RadioGroup
	poste             *widget.SelectEntry
	person, spec, sub *widget.Entry
	field             *widget.Select
	current           *widget.Label
	proposed, message *widget.Entry
	send              *widget.Button
	errLabel          *widget.Label
	dialog            dialog.Dialog
}

// showCorrectionForm opens the form of a new request; done runs after it
// was filed. The form's view model decides which rows show, the fields of
// each kind, the current value and the validation; the widgets only show
// it and copy the user's input into it.
func (a *App) showCorrectionForm(title string, sc viewmodel.CorrectionScope, vm *viewmodel.Corrections, done func()) *correctionForm {
	fv := viewmodel.NewCorrectionForm(sc)
	kinds := fv.Kinds()
	kind := widget.NewRadioGroup(fv.KindLabels(), nil)
	kind.Horizontal = true
	posteE := widget.NewSelectEntry(fv.PosteIDs())
	personE := widget.NewEntry()
	personE.SetPlaceHolder("I000123")
	specE, subE := widget.NewEntry(), widget.NewEntry()
	specE.SetPlaceHolder("CARDIO")
	subE.SetPlaceHolder("LYON")
	specE.SetText(fv.Specialty)
	subE.SetText(fv.Subdivision)
	field := widget.NewSelect(nil, nil)
	field.PlaceHolder = i18n.T("corr.choose_field")
	current := wrapLabel("")
	proposed := widget.NewEntry()
	message := widget.NewMultiLineEntry()
	message.SetPlaceHolder(i18n.T("corr.message_hint"))
	message.Wrapping = fyne.TextWrapWord
	message.SetMinRowsVisible(3)
	errLabel := wrapLabel("")
	errLabel.Importance = widget.DangerImportance

	// read copies the widgets into the view model (on every change).
	read := func() {
		fv.Poste, fv.Person, fv.Specialty, fv.Subdivision = posteE.Text, personE.Text, specE.Text, subE.Text
		fv.Proposed, fv.Message = proposed.Text, message.Text
	}
	showCurrent := func() {
		read()
		current.SetText(fv.Current())
		setEntryEnabled(proposed, fv.ProposedEnabled())
	}
	// One form layout for every row, so that the labels line up; the rows
	// of the targets not chosen are hidden (the layout skips them).
	formLabel := func(key string) *widget.Label {
		return widget.NewLabelWithStyle(i18n.T(key), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	}
	targetRows := map[viewmodel.CorrectionKind][]fyne.CanvasObject{
		viewmodel.KindPoste:  {formLabel("corr.poste_id"), posteE},
		viewmodel.KindPerson: {formLabel("corr.person_id"), personE},
		viewmodel.KindCell:   {formLabel("corr.field.specialty"), specE, formLabel("corr.field.subdivision"), subE},
	}
	var rows []fyne.CanvasObject
	for _, k := range []viewmodel.CorrectionKind{viewmodel.KindPoste, viewmodel.KindPerson, viewmodel.KindCell} {
		rows = append(rows, targetRows[k]...)
	}
	rows = append(rows, formLabel("corr.field"), field, formLabel("corr.current"), current,
		formLabel("corr.proposed"), proposed, formLabel("corr.message"), message)
	form := container.New(layout.NewFormLayout(), rows...)
	showKind := func() {
		for k, objs := range targetRows {
			for _, o := range objs {
				if k == fv.Kind {
					o.Show()
				} else {
					o.Hide()
				}
			}
		}
		field.OnChanged = nil
		field.Options = fv.FieldLabels()
		field.ClearSelected()
		if i := fv.FieldIndex(); i >= 0 {
			field.SetSelectedIndex(i)
		}
		field.OnChanged = func(string) { fv.SetFieldIndex(field.SelectedIndex()); showCurrent() }
		field.Refresh()
		form.Refresh()
		showCurrent()
	}
	kind.OnChanged = func(string) {
		// The radio group gives a label: its index in the view model's
		// list is the kind.
		if i := slices.Index(kind.Options, kind.Selected); i >= 0 && i < len(kinds) {
			fv.SetKind(kinds[i])
		}
		showKind()
	}
	posteE.OnChanged = func(string) { showCurrent() }
	for _, e := range []*widget.Entry{personE, specE, subE, proposed, message} {
		e.OnChanged = func(string) { read() }
	}
	posteE.SetText(fv.Poste)
	if sc.Fixed {
		posteE.Disable()
	}
	kind.SetSelected(kinds[0].Label())

	var d dialog.Dialog
	send := widget.NewButtonWithIcon(i18n.T("corr.send"), theme.MailSendIcon(), nil)
	send.Importance = widget.HighImportance
	cancelB := widget.NewButtonWithIcon(i18n.T("dialog.cancel"), theme.CancelIcon(), func() { d.Hide() })
	send.OnTapped = func() {
		errLabel.SetText("")
		read()
		f, err := fv.Form()
		if err != nil {
			errLabel.SetText(viewmodel.Message(err))
			return
		}
		send.Disable()
		var c *api.Correction
		a.ensureUnlocked(func() {
			a.runAsync(func() {
				ctx, cancel := context.WithTimeout(a.ctx, time.Minute)
				c, err = vm.File(ctx, f)
				cancel()
			}, func() {
				send.Enable()
				if err != nil {
					errLabel.SetText(viewmodel.Message(err))
					return
				}
				d.Hide()
				dialog.ShowInformation(title, i18n.T("corr.filed", c.ID), a.Window)
				if done != nil {
					done()
				}
			})
		})
	}
	note := widget.NewLabel(i18n.T("corr.online"))
	note.SizeName = theme.SizeNameCaptionText
	content := container.NewVBox(kind, form, errLabel, note, container.NewHBox(layout.NewSpacer(), cancelB, send))
	if len(kinds) == 1 {
		kind.Hide()
	}
	d = dialog.NewCustomWithoutButtons(title, content, a.Window)
	d.Resize(fyne.NewSize(620, 520))
	d.Show()
	return &correctionForm{vm: fv, kind: kind, poste: posteE, person: personE, spec: specE, sub: subE, field: field, current: current,
		proposed: proposed, message: message, send: send, errLabel: errLabel, dialog: d}
}

// setEntryEnabled enables or disables an entry.
func setEntryEnabled(e *widget.Entry, on bool) {
	if on {
		e.Enable()
	} else {
		e.Disable()
	}
}
