package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
)

// ServerSettingsScreen is the settings' list of the server's addresses
// (Paramètres › Adresses du serveur…): the list, then Save, which checks
// every address against the pinned key again, saves the list in the
// app's settings and uses it at once.
type ServerSettingsScreen struct {
	Content fyne.CanvasObject
	VM      *viewmodel.ServerSettings

	list *serverListView
	save *widget.Button
}

// NewServerSettingsScreen builds the settings' server list of the
// signed-in session.
func NewServerSettingsScreen(a *App) *ServerSettingsScreen {
	s := &ServerSettingsScreen{VM: viewmodel.NewServerSettings(a.session)}
	s.save = widget.NewButton(i18n.T("servers.save"), func() { s.doSave(a) })
	s.save.Importance = widget.HighImportance
	s.list = newServerListView(a, &s.VM.ServerList, func() api.ServerKey { return s.VM.Pinned })
	s.list.status = s.VM.Status
	s.list.changed = func() { setEnabled(s.save, s.VM.CanSave()) }
	s.list.refresh()
	// The dialog's title names the list.
	s.Content = container.NewVBox(wrapLabel(i18n.T("servers.help")), widget.NewSeparator(), s.list.box,
		container.NewHBox(layoutSpacer(), s.save))
	return s
}

// doSave checks and saves the list in the background, then pings the
// server through it, so that the status line says which address answers.
func (s *ServerSettingsScreen) doSave(a *App) {
	if !s.VM.CanSave() {
		return
	}
	s.VM.Busy = true
	s.list.refresh()
	var err error
	a.runAsync(func() {
		ctx, cancel := context.WithTimeout(a.ctx, time.Minute)
		defer cancel()
		if err = s.VM.Save(ctx, a.session); err == nil {
			a.session.Ping(ctx)
		}
	}, func() {
		s.VM.Done(err)
		s.list.refresh()
	})
}

// showServerSettings opens the server's addresses in a dialog.
func (a *App) showServerSettings() {
	if a.session == nil {
		return
	}
	a.servers = NewServerSettingsScreen(a)
	d := dialog.NewCustom(i18n.T("servers.title"), i18n.T("servers.close"),
		container.NewVScroll(container.NewPadded(a.servers.Content)), a.Window)
	d.Resize(fyne.NewSize(820, 480))
	d.Show()
}
