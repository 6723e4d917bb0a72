package ui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
)

// watchNotices shows a desktop notification (fyne.App.SendNotification)
// for each notice the session finds while it runs.
func (a *App) watchNotices() {
	a.session.OnNotice = func(n viewmodel.Notice) {
		title, body := noticeText(n)
		fyne.Do(func() { a.FyneApp.SendNotification(fyne.NewNotification(title, body)) })
	}
}

// noticeText is the notification's title and text in the app's language.
func noticeText(n viewmodel.Notice) (string, string) {
	if n.Kind == "correction" {
		return i18n.T("notify.correction_title"), i18n.T("notify.correction", n.ID, i18n.T("corr.status."+string(n.State)))
	}
	return i18n.T("notify.result_title"), i18n.T("notify.result", n.Round)
}

// showNotificationSettings lets the user turn off the optional e-mails
// (stored on the server, PUT /v1/me/preferences).
func (a *App) showNotificationSettings() {
	if a.session == nil {
		return
	}
	checks := map[string]*widget.Check{}
	items := []*widget.FormItem{}
	for _, k := range api.OptionalNotifications {
		c := widget.NewCheck(i18n.T("notify.pref."+k), nil)
		c.SetChecked(true)
		checks[k] = c
		items = append(items, widget.NewFormItem("", c))
	}
	a.runAsync(func() {
		ctx, cancel := context.WithTimeout(a.ctx, 20*time.Second)
		defer cancel()
		if p, err := a.session.Preferences(ctx); err == nil {
			fyne.Do(func() {
				for k, c := range checks {
					c.SetChecked(!slices.Contains(p.Off, k))
				}
			})
		}
	}, func() {})
	dialog.ShowForm(i18n.T("notify.settings"), i18n.T("notify.save"), i18n.T("notify.cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		off := []string{}
		for _, k := range api.OptionalNotifications {
			if !checks[k].Checked {
				off = append(off, k)
			}
		}
		var err error
		a.runAsync(func() {
			ctx, cancel := context.WithTimeout(a.ctx, 20*time.Second)
			defer cancel()
			_, err = a.session.SetPreferences(ctx, off)
		}, func() {
			if err != nil {
				a.showError(err)
			}
		})
	}, a.Window)
}
