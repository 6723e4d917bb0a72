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

// notifyEvery is how often a running app asks the server for a published
// result or a decided correction, to show as a desktop notification.
const notifyEvery = 2 * time.Minute

// startNotifications polls the server while the app runs and shows a
// desktop notification (fyne.App.SendNotification) for each notice.
func (a *App) startNotifications(ctx context.Context) {
	if a.Opts.Synchronous || a.svc == nil {
		return
	}
	w := viewmodel.NewWatcher(a.svc)
	go func() {
		t := time.NewTicker(notifyEvery)
		defer t.Stop()
		for {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			notices, _ := w.Check(cctx) // offline: try again at the next tick
			cancel()
			for _, n := range notices {
				title, body := noticeText(n)
				fyne.Do(func() { a.FyneApp.SendNotification(fyne.NewNotification(title, body)) })
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
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
	if a.svc == nil {
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
		if p, err := viewmodel.Preferences(ctx, a.svc); err == nil {
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
			_, err = viewmodel.SetPreferences(ctx, a.svc, off)
		}, func() {
			if err != nil {
				a.showError(err)
			}
		})
	}, a.Window)
}
