package ui

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
)

var (
	colInterns  = color.NRGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff}
	colPlaces   = color.NRGBA{R: 0x2e, G: 0x9e, B: 0x4f, A: 0xff}
	colShortage = color.NRGBA{R: 0xd0, G: 0x30, B: 0x30, A: 0xff}
)

// barChart draws interns and places per specialty and subdivision as
// horizontal bars (canvas rectangles), shortages in red, at most limit rows.
func barChart(bs []viewmodel.Balance, limit int, interns bool) fyne.CanvasObject {
	if len(bs) > limit {
		bs = bs[:limit]
	}
	maxV := 1
	for _, b := range bs {
		maxV = max(maxV, b.Interns, b.Places)
	}
	const width = 240
	bar := func(v int, c color.Color) fyne.CanvasObject {
		r := canvas.NewRectangle(c)
		r.SetMinSize(fyne.NewSize(float32(max(1, v*width/maxV)), 9))
		return container.NewHBox(r, canvasText(fmt.Sprint(v), c))
	}
	rows := container.NewVBox(container.NewHBox(legend(colPlaces, i18n.T("quality.places"))))
	if interns {
		rows = container.NewVBox(container.NewHBox(
			legend(colInterns, i18n.T("quality.interns")), legend(colPlaces, i18n.T("quality.places")), legend(colShortage, i18n.T("quality.shortage"))))
	}
	for _, b := range bs {
		name := widget.NewLabel(b.Name())
		name.Wrapping = fyne.TextWrapWord
		ic := color.Color(colInterns)
		if b.Shortage() {
			ic = colShortage
			name.Importance = widget.DangerImportance
			name.TextStyle.Bold = true
		}
		if !interns {
			rows.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(300, 30), name), nil, container.NewCenter(bar(b.Places, colPlaces))))
			continue
		}
		diff := canvasText(fmt.Sprintf("%+d", b.Diff()), ic)
		rows.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(300, 40), name), diff,
			container.NewVBox(bar(b.Interns, ic), bar(b.Places, colPlaces))))
	}
	return rows
}

func canvasText(s string, c color.Color) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = 10
	return t
}

func legend(c color.Color, s string) fyne.CanvasObject {
	r := canvas.NewRectangle(c)
	r.SetMinSize(fyne.NewSize(14, 14))
	return container.NewHBox(container.NewCenter(r), widget.NewLabel(s))
}

// confirmThen asks to confirm an action, runs it in the background and
// shows the server's error on failure, then calls done.
func (a *App) confirmThen(title, msg string, work func(ctx context.Context) error, done func()) {
	dialog.ShowConfirm(title, msg, func(ok bool) {
		if !ok {
			return
		}
		var err error
		a.runAsync(func() {
			ctx, cancel := context.WithTimeout(a.ctx, 2*time.Minute)
			defer cancel()
			err = work(ctx)
		}, func() {
			if err != nil {
				a.showError(err)
			}
			done()
		})
	}, a.Window)
}

// ensureUnlocked runs f at once if the key is open, else after asking the
// passphrase.
func (a *App) ensureUnlocked(f func()) {
	if a.session.Unlocked() {
		f()
		return
	}
	askPassphrase(a.Window, i18n.T("lock.unlock"), i18n.T("lock.sign_help"), func(pass string) {
		var err error
		a.runAsync(func() { err = a.session.Unlock(pass) }, func() {
			if err != nil {
				a.showError(err)
				return
			}
			f()
		})
	})
}

func bold(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}
