package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/assets"
	"appariement/desktop/internal/cache"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
)

// EnrollScreen is the first-run screen.
type EnrollScreen struct {
	Content fyne.CanvasObject
	VM      *viewmodel.Enrollment

	server, id, code, pass, confirm *widget.Entry
	strength                        *strengthMeter
	strengthText, confirmText       *widget.Label
	errorText                       *widget.Label
	submit                          *widget.Button
	activity                        *widget.Activity
}

// NewEnrollScreen builds the first-run screen; done is called on success.
func NewEnrollScreen(a *App, done func(*cache.Profile)) *EnrollScreen {
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

	for _, e := range []*widget.Entry{s.server, s.id, s.code, s.pass, s.confirm} {
		e.OnChanged = func(string) { s.refresh() }
	}
	s.confirm.OnSubmitted = func(string) {
		if s.VM.CanSubmit() {
			s.doSubmit(a, done)
		}
	}

	form := widget.NewForm(
		widget.NewFormItem(i18n.T("enroll.server"), s.server),
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
	body := container.NewVBox(header, widget.NewSeparator(), form, s.errorText,
		container.NewHBox(s.activity, layoutSpacer(), s.submit))
	s.Content = container.NewCenter(container.NewGridWrap(fyne.NewSize(660, 620), container.NewPadded(body)))
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
	s.strength.set(vm.StrengthValue())
	s.strengthText.SetText(vm.StrengthText())
	s.confirmText.SetText(vm.ConfirmText())
	if vm.CanSubmit() {
		s.submit.Enable()
	} else {
		s.submit.Disable()
	}
}

func (s *EnrollScreen) doSubmit(a *App, done func(*cache.Profile)) {
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
	var p *cache.Profile
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
