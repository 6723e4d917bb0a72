package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/assets"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
)

// EnrollScreen is the first-run screen: the server is checked and its
// fingerprint confirmed before the identifier and code can be typed.
type EnrollScreen struct {
	Content fyne.CanvasObject
	VM      *viewmodel.Enrollment

	server, id, code, pass, confirm *widget.Entry
	strength                        *strengthMeter
	strengthText, confirmText       *widget.Label
	errorText                       *widget.Label
	submit                          *widget.Button
	activity                        *widget.Activity

	// The server check: button, then the fingerprint to compare with the
	// activation e-mail, an entry to paste the e-mail's, and the box the
	// user ticks to confirm.
	checkServer              *widget.Button
	checkFirst               *widget.Label
	fingerprintBox           *fyne.Container
	fingerprint, typedStatus *widget.Label
	typedFingerprint         *widget.Entry
	confirmFingerprint       *widget.Check
	// Once confirmed, the box folds into one line (with a button to look
	// again) and the form of the identifier, code and passphrase appears.
	confirmedBox, formBox *fyne.Container
	confirmedText         *widget.Label
	review                *widget.Button
	body                  *fyne.Container
	form                  *widget.Form
	// servers are more addresses of the same server, added once the
	// fingerprint is confirmed and checked against its key.
	servers *serverListView
}

// NewEnrollScreen builds the first-run screen; done is called on success.
func NewEnrollScreen(a *App, done func(*localstore.Profile)) *EnrollScreen {
	s := &EnrollScreen{VM: &viewmodel.Enrollment{ServerURL: a.Opts.ServerURL, Params: a.Opts.KeyParams}}
	s.server = widget.NewEntry()
	s.server.SetText(a.Opts.ServerURL)
	s.server.SetPlaceHolder("https://appariement.example.fr")
	s.id = widget.NewEntry()
	s.id.SetPlaceHolder(i18n.T("enroll.identifier_placeholder"))
	s.code = widget.NewEntry()
	s.code.SetPlaceHolder(i18n.T("enroll.code_placeholder"))
	s.pass = widget.NewPasswordEntry()
	s.confirm = widget.NewPasswordEntry()
	s.strength = newStrengthMeter()
	s.strengthText = wrapLabel("")
	s.confirmText = widget.NewLabel("")
	s.errorText = wrapLabel("")
	s.errorText.Importance = widget.DangerImportance
	s.activity = widget.NewActivity()
	s.activity.Hide()
	s.submit = widget.NewButton(i18n.T("enroll.submit"), func() { s.doSubmit(a, done) })
	s.submit.Importance = widget.HighImportance
	s.checkServer = widget.NewButton(i18n.T("enroll.check_server"), func() { s.doCheck(a) })
	s.checkFirst = wrapLabel(i18n.T("enroll.check_first"))
	s.fingerprint = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	s.typedFingerprint = widget.NewEntry()
	s.typedFingerprint.SetPlaceHolder(i18n.T("enroll.fingerprint_typed_placeholder"))
	s.typedStatus = wrapLabel("")
	s.confirmFingerprint = widget.NewCheck(i18n.T("enroll.fingerprint_confirm"), func(on bool) {
		s.VM.FingerprintConfirmed = on
		s.refresh()
	})
	s.fingerprintBox = container.NewVBox(wrapLabel(i18n.T("enroll.fingerprint_compare")),
		widget.NewCard("", i18n.T("enroll.server_key"), s.fingerprint),
		widget.NewForm(widget.NewFormItem(i18n.T("enroll.fingerprint_typed"), s.typedFingerprint)),
		s.typedStatus, s.confirmFingerprint)

	s.confirmedText = wrapLabel("")
	s.review = widget.NewButton(i18n.T("enroll.fingerprint_review"), func() {
		s.VM.ReviewFingerprint()
		s.typedFingerprint.SetText("")
		s.refresh()
	})
	s.confirmedBox = container.NewBorder(nil, nil, nil, s.review, s.confirmedText)

	for _, e := range []*widget.Entry{s.server, s.id, s.code, s.pass, s.confirm, s.typedFingerprint} {
		e.OnChanged = func(string) { s.refresh() }
	}
	s.server.OnSubmitted = func(string) {
		if s.VM.CanCheckServer() {
			s.doCheck(a)
		}
	}
	s.confirm.OnSubmitted = func(string) {
		if s.VM.CanSubmit() {
			s.doSubmit(a, done)
		}
	}

	serverForm := widget.NewForm(widget.NewFormItem(i18n.T("enroll.server"),
		container.NewBorder(nil, nil, nil, s.checkServer, s.server)))
	s.form = widget.NewForm(
		widget.NewFormItem(i18n.T("enroll.identifier"), s.id),
		widget.NewFormItem(i18n.T("enroll.code"), s.code),
		widget.NewFormItem(i18n.T("enroll.passphrase"), s.pass),
		widget.NewFormItem("", container.NewVBox(s.strength.box, s.strengthText)),
		widget.NewFormItem(i18n.T("enroll.confirm"), s.confirm),
		widget.NewFormItem("", s.confirmText),
	)
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.IconPNG))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(72, 72))
	title := widget.NewLabelWithStyle(i18n.T("enroll.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := wrapLabel(i18n.T("enroll.intro"))
	header := container.NewBorder(nil, nil, icon, nil, container.NewVBox(title, intro))
	s.servers = newServerListView(a, &s.VM.Servers, func() api.ServerKey {
		if s.VM.ServerKey == nil {
			return api.ServerKey{}
		}
		return *s.VM.ServerKey
	})
	// The other addresses are optional: folded under the form, so that the
	// form and its button stay in view on a 720-pixel screen.
	others := widget.NewAccordion(widget.NewAccordionItem(i18n.T("servers.enroll_title"),
		container.NewVBox(wrapLabel(i18n.T("servers.enroll_help")), s.servers.box)))
	s.formBox = container.NewVBox(widget.NewSeparator(), s.form, others)
	s.servers.changed = func() {
		if s.body != nil {
			s.body.Refresh() // rows come and go: lay out again
		}
	}
	s.body = container.NewVBox(header, widget.NewSeparator(), serverForm, s.checkFirst, s.fingerprintBox,
		s.confirmedBox, s.formBox, s.errorText, container.NewHBox(s.activity, layoutSpacer(), s.submit))
	s.Content = container.NewCenter(container.NewGridWrap(fyne.NewSize(680, 680), container.NewVScroll(container.NewPadded(s.body))))
	s.refresh()
	return s
}

func layoutSpacer() fyne.CanvasObject { return layout.NewSpacer() }

// strengthMeter is five segments coloured by the passphrase's score.
type strengthMeter struct {
	box  *fyne.Container
	segs []*canvas.Rectangle
}

func newStrengthMeter() *strengthMeter {
	m := &strengthMeter{box: container.NewGridWithColumns(5)}
	for range 5 {
		r := canvas.NewRectangle(theme.Color(theme.ColorNameInputBorder))
		r.CornerRadius = 3
		r.SetMinSize(fyne.NewSize(40, 8))
		m.segs = append(m.segs, r)
		m.box.Add(r)
	}
	return m
}

// set lights value×5 segments (value in 0..1).
func (m *strengthMeter) set(value float64) {
	n := int(value*5 + 0.5)
	colors := []color.Color{
		theme.Color(theme.ColorNameError), theme.Color(theme.ColorNameError),
		theme.Color(theme.ColorNameWarning), theme.Color(theme.ColorNameSuccess), theme.Color(theme.ColorNameSuccess),
	}
	for i, r := range m.segs {
		if i < n {
			r.FillColor = colors[n-1]
		} else {
			r.FillColor = theme.Color(theme.ColorNameInputBorder)
		}
		r.Refresh()
	}
}

func (s *EnrollScreen) refresh() {
	vm := s.VM
	vm.ServerURL, vm.Identifier, vm.Code = s.server.Text, s.id.Text, s.code.Text
	vm.Passphrase, vm.Confirm = s.pass.Text, s.confirm.Text
	vm.TypedFingerprint = s.typedFingerprint.Text
	if !vm.Checked() && vm.FingerprintConfirmed {
		vm.FingerprintConfirmed = false // another address: confirm again
	}
	if s.confirmFingerprint.Checked != vm.FingerprintConfirmed {
		s.confirmFingerprint.SetChecked(vm.FingerprintConfirmed)
	}
	s.fingerprint.SetText(fingerprintLines(vm.ServerFingerprint()))
	s.typedStatus.SetText(vm.FingerprintText())
	s.confirmedText.SetText(i18n.T("enroll.fingerprint_confirmed", vm.ServerFingerprint()))
	show(s.checkFirst, !vm.Checked())
	show(s.fingerprintBox, vm.Checked() && !vm.FingerprintOK())
	show(s.confirmedBox, vm.FingerprintOK())
	show(s.formBox, vm.FingerprintOK())
	if s.body != nil {
		s.body.Refresh() // the box and wrapped texts change height: lay out again
	}
	setEnabled(s.checkServer, vm.CanCheckServer())
	// The code cannot even be typed before the server is confirmed.
	if s.code.Disabled() == vm.FingerprintOK() {
		for _, e := range []*widget.Entry{s.id, s.code} {
			if vm.FingerprintOK() {
				e.Enable()
			} else {
				e.Disable()
			}
		}
		s.form.Refresh() // the items' labels follow their entries' state
	}
	s.strength.set(vm.StrengthValue())
	s.strengthText.SetText(vm.StrengthText())
	s.confirmText.SetText(vm.ConfirmText())
	setEnabled(s.submit, vm.CanSubmit())
}

func show(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// fingerprintLines shows a fingerprint's 16 groups on two lines.
func fingerprintLines(fp string) string {
	groups := strings.Fields(fp)
	if len(groups) > 8 {
		return strings.Join(groups[:8], " ") + "\n" + strings.Join(groups[8:], " ")
	}
	return fp
}

// doCheck fetches the server's key (nothing secret is sent) and shows its
// fingerprint for the user to compare with their activation e-mail.
func (s *EnrollScreen) doCheck(a *App) {
	s.refresh()
	if !s.VM.CanCheckServer() {
		return
	}
	s.VM.Busy = true
	s.checkServer.Disable()
	s.activity.Start()
	s.activity.Show()
	s.errorText.SetText(i18n.T("enroll.checking"))
	url := strings.TrimSpace(s.VM.ServerURL)
	var k *api.ServerKey
	var err error
	a.runAsync(func() { k, err = viewmodel.CheckServer(a.ctx, url) }, func() {
		s.activity.Stop()
		s.activity.Hide()
		s.VM.ServerChecked(url, k, err)
		s.errorText.SetText(s.VM.Error)
		s.servers.refresh()
		s.refresh()
	})
}

func (s *EnrollScreen) doSubmit(a *App, done func(*localstore.Profile)) {
	s.refresh()
	if !s.VM.CanSubmit() {
		return
	}
	s.VM.Busy = true
	s.submit.Disable()
	s.activity.Start()
	s.activity.Show()
	s.errorText.SetText(i18n.T("enroll.working"))
	req := s.VM.Request()
	var p *localstore.Profile
	var err error
	a.runAsync(func() { p, err = viewmodel.Submit(a.ctx, a.Store, req) }, func() {
		s.activity.Stop()
		s.VM.Done(p, err)
		s.errorText.SetText(s.VM.Error)
		if err != nil {
			s.refresh()
			return
		}
		done(p)
	})
}
