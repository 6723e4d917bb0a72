// Package ui is the desktop app's Fyne screens. The screens are thin: they
// show what the view models of package viewmodel say and forward the user's
// actions to them. Work that blocks (key derivation, network) runs in
// goroutines and comes back to the UI through fyne.Do.
package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/domain"
)

// Options configure the app.
type Options struct {
	// ServerURL is the default server address (first run) or an override.
	ServerURL string
	// KeyParams are the Argon2id parameters for a new key (zero: default).
	KeyParams keystore.Params
	// PingInterval is how often the server is pinged
	// (viewmodel.DefaultPingInterval if zero).
	PingInterval time.Duration
	// Synchronous runs background work inline and does not start the
	// session's background work (outbox, pinger, pollers): for headless
	// tests that drive everything.
	Synchronous bool
}

// App is the running desktop app: one window whose content follows the
// user's state (first run, then the screens of the user's role).
type App struct {
	FyneApp fyne.App
	Window  fyne.Window
	Store   *localstore.Store
	Opts    Options

	ctx    context.Context
	cancel context.CancelFunc
	// session is the signed-in user's background work (nil before).
	session *viewmodel.Session
	// jobs are the one-shot works of runAsync, waited for by Stop.
	jobs   sync.WaitGroup
	intern *InternScreen
	rts    *RTSScreen
	admin  *AdminScreen
	coord  *CoordinatorScreen
	enroll *EnrollScreen
	// servers is the settings' server list, once opened.
	servers *ServerSettingsScreen
}

// New builds the app's window on store. Call Start, then ShowAndRun.
func New(a fyne.App, store *localstore.Store, opts Options) *App {
	ctx, cancel := context.WithCancel(context.Background())
	w := a.NewWindow(i18n.T("app.title"))
	w.Resize(fyne.NewSize(1100, 720))
	app := &App{FyneApp: a, Window: w, Store: store, Opts: opts, ctx: ctx, cancel: cancel}
	w.SetMainMenu(app.mainMenu())
	w.SetOnClosed(app.Stop)
	// Ctrl+Q (Cmd+Q on macOS) quits on every screen, as the window's close
	// button does: main stops the session once the app's loop returns.
	w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { a.Quit() })
	return app
}

// Start shows the enrollment screen on first run, else the main screen.
func (a *App) Start() error {
	if _, err := a.Store.Profile(); errors.Is(err, localstore.ErrNotFound) {
		a.showEnroll()
		return nil
	} else if err != nil {
		return err
	}
	return a.openSession()
}

// Stop ends the background work and waits for it to return (quit or
// sign-out). Pending items stay in the cache. Stopping twice does nothing.
func (a *App) Stop() {
	a.cancel()
	if a.session != nil {
		a.session.Stop()
	}
	a.jobs.Wait()
}

func (a *App) showEnroll() {
	a.enroll = NewEnrollScreen(a, func(p *localstore.Profile) {
		a.showFingerprint(p)
	})
	a.Window.SetContent(a.enroll.Content)
}

func (a *App) showFingerprint(p *localstore.Profile) {
	vm := &viewmodel.Enrollment{Profile: p}
	title := widget.NewLabelWithStyle(i18n.T("enroll.done_title", p.Person.FullName()), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	text := widget.NewLabel(i18n.T("enroll.fingerprint_help"))
	text.Wrapping = fyne.TextWrapWord
	fp := widget.NewLabelWithStyle(fingerprintLines(vm.Fingerprint()), fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	next := widget.NewButton(i18n.T("enroll.continue"), func() {
		if err := a.openSession(); err != nil {
			a.showError(err)
		}
	})
	next.Importance = widget.HighImportance
	a.Window.SetContent(container.NewCenter(container.NewGridWrap(fyne.NewSize(640, 300),
		container.NewVBox(title, text, widget.NewCard("", i18n.T("enroll.server_key"), fp), next))))
}

func (a *App) openSession() error {
	if a.session != nil {
		a.session.Stop() // a session opened again (never two at once)
	}
	sess, err := viewmodel.OpenSession(a.Store, a.overrideURL())
	if err != nil {
		return err
	}
	a.session = sess
	sess.PingInterval = a.Opts.PingInterval
	me := sess.Me()
	switch me.Role {
	case domain.RoleIntern:
		vm, err := sess.Intern()
		if err != nil {
			return err
		}
		a.intern = NewInternScreen(a, vm)
		a.Window.SetContent(a.intern.Content)
		a.intern.startBackground()
	case domain.RoleRTS:
		vm, err := sess.RTS()
		if err != nil {
			return err
		}
		a.rts = NewRTSScreen(a, vm)
		a.Window.SetContent(a.rts.Content)
		a.rts.startBackground()
	case domain.RoleAdmin:
		a.admin = NewAdminScreen(a, sess.Admin())
		a.Window.SetContent(a.admin.Content)
		a.admin.reload("")
	case domain.RoleCoordinator:
		a.coord = NewCoordinatorScreen(a, sess.Coordinator())
		a.Window.SetContent(a.coord.Content)
		a.coord.reload()
	case domain.RoleAuditor:
		// Auditors verify rounds with the command line, on a bundle.
		msg := widget.NewLabel(i18n.T("role.auditor_screen", sess.ServerURL(), me.ID))
		msg.Wrapping = fyne.TextWrapWord
		a.Window.SetContent(container.NewPadded(msg))
	default:
		msg := widget.NewLabel(i18n.T("role.not_yet", i18n.T("role."+string(me.Role))))
		a.Window.SetContent(container.NewCenter(msg))
	}
	// Fichier and Aide stay; the settings menu comes between them.
	a.Window.SetMainMenu(a.mainMenu(fyne.NewMenu(i18n.T("notify.menu"),
		fyne.NewMenuItem(i18n.T("notify.menu_item"), a.showNotificationSettings),
		fyne.NewMenuItem(i18n.T("servers.menu_item"), a.showServerSettings))))
	a.watchNotices()
	if !a.Opts.Synchronous {
		a.session.Start(a.ctx)
	}
	return nil
}

// overrideURL is the -server flag once enrolled (empty: the profile's).
func (a *App) overrideURL() string {
	p, err := a.Store.Profile()
	if err != nil || a.Opts.ServerURL == "" || a.Opts.ServerURL == p.ServerURL {
		return ""
	}
	return a.Opts.ServerURL
}

// runAsync runs work in the background, then done on the UI goroutine.
// Work that blocks on the network uses a context of a.ctx, which Stop
// cancels before waiting for it.
func (a *App) runAsync(work func(), done func()) {
	if a.Opts.Synchronous {
		work()
		done()
		return
	}
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		work()
		fyne.Do(done)
	}()
}

func (a *App) showError(err error) {
	showMessage(a.Window, i18n.T("dialog.error"), viewmodel.Message(err))
}
