package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/domain"
)

// liveFollowWidgets are the widgets of the "Direct" tab: the intern
// follows the live reveal of a matched choix au rang.
type liveFollowWidgets struct {
	status, current, mine *widget.Label
	toggle                *widget.Button
	openBox, goneBox      *fyne.Container
	goneTitle             *widget.Label
	wishScroll            *container.Scroll
	last                  *widget.List
	lastRows              []viewmodel.LiveRow
	// cancel stops the session's poller (nil when not following).
	cancel func()
}

// liveLastRows is the number of latest choices listed.
const liveLastRows = 60

func (c *choixTabs) buildLiveFollow() fyne.CanvasObject {
	w := &c.lf
	w.status = wrapLabel("")
	w.current = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.current.SizeName = theme.SizeNameSubHeadingText
	w.mine = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.mine.Importance = widget.HighImportance
	w.mine.Wrapping = fyne.TextWrapWord
	w.toggle = widget.NewButtonWithIcon(i18n.T("follow.start"), theme.MediaPlayIcon(), func() {
		if w.cancel != nil {
			c.stopFollow()
			return
		}
		c.withKey(i18n.T("follow.start"), c.startFollow)
	})
	w.toggle.Importance = widget.HighImportance
	w.openBox = container.NewVBox()
	w.goneBox = container.NewVBox()
	w.goneTitle = widget.NewLabelWithStyle(i18n.T("follow.gone"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.last = widget.NewList(func() int { return len(w.lastRows) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if i >= len(w.lastRows) {
				return
			}
			r := w.lastRows[i]
			l.Text = r.Text
			l.TextStyle = fyne.TextStyle{Bold: r.Me || i == 0}
			l.Importance = widget.MediumImportance
			if r.Me {
				l.Importance = widget.HighImportance
			}
			l.Refresh()
		})
	top := container.NewVBox(container.NewBorder(nil, nil, nil, w.toggle, w.status), w.current, w.mine, widget.NewSeparator())
	w.wishScroll = container.NewVScroll(container.NewVBox(w.openBox, widget.NewSeparator(), w.goneTitle, w.goneBox))
	wishes := container.NewBorder(bold(i18n.T("follow.open")), nil, nil, nil, w.wishScroll)
	last := container.NewBorder(bold(i18n.T("follow.last")), nil, nil, nil, w.last)
	split := container.NewHSplit(wishes, last)
	split.Offset = 0.55
	return container.NewPadded(container.NewBorder(top, nil, nil, nil, split))
}

// startFollow polls the live reveal of the current round every
// viewmodel.LiveFollowEvery until stopFollow, the round changes, the tab
// is left, the window closes, or every turn is shown. In synchronous mode
// (tests) it polls once; pollFollow polls again.
func (c *choixTabs) startFollow() {
	round := c.s.VM.RoundID()
	if c.lf.cancel != nil || round == "" {
		return
	}
	if c.LF.Round != round {
		c.LF.Reset(round)
	}
	c.lf.toggle.SetText(i18n.T("follow.stop"))
	c.lf.toggle.SetIcon(theme.MediaStopIcon())
	if c.s.app.Opts.Synchronous {
		c.lf.cancel = func() {}
		c.pollFollow()
		return
	}
	c.lf.cancel = c.s.app.session.EveryFromNow(viewmodel.LiveFollowEvery, c.followStep(round)).Stop
}

// pollFollow polls once, on the UI goroutine (synchronous mode, tests).
func (c *choixTabs) pollFollow() {
	if c.lf.cancel == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.s.app.ctx, time.Minute)
	defer cancel()
	c.applyFollow(c.LF.Poll(ctx, c.LF.Round, c.LF.Next()))
}

// applyFollow shows a poll's outcome, and stops following once every
// turn is shown.
func (c *choixTabs) applyFollow(p viewmodel.LivePoll) {
	c.LF.Apply(p)
	if c.LF.Finished() {
		c.stopFollow()
	}
	c.showLiveFollow()
}

// followStep is one poll of the session's poller: the network on the
// session's goroutine, the view model and widgets on the UI goroutine.
// It never waits for the UI goroutine without also watching ctx, so that
// stopping the poller from the UI goroutine cannot deadlock.
func (c *choixTabs) followStep(round string) func(context.Context) {
	return func(ctx context.Context) {
		next := make(chan int, 1)
		fyne.Do(func() { next <- c.LF.Next() })
		var from int
		select {
		case <-ctx.Done():
			return
		case from = <-next:
		}
		pctx, cancel := context.WithTimeout(ctx, time.Minute)
		p := c.LF.Poll(pctx, round, from)
		cancel()
		fyne.Do(func() {
			if ctx.Err() != nil {
				return // stopped meanwhile: a newer poller may run
			}
			c.applyFollow(p)
		})
	}
}

// stopFollow stops the poller, if any.
func (c *choixTabs) stopFollow() {
	w := &c.lf
	if w.cancel == nil {
		return
	}
	stop := w.cancel
	w.cancel = nil
	stop()
	w.toggle.SetText(i18n.T("follow.start"))
	w.toggle.SetIcon(theme.MediaPlayIcon())
}

// showLiveFollow shows the live follow-along from the view model.
func (c *choixTabs) showLiveFollow() {
	w := &c.lf
	lf := c.LF
	if id := c.s.VM.RoundID(); lf.Round != id {
		c.stopFollow()
		lf.Reset(id)
	}
	status := lf.StatusText()
	if r := c.s.VM.Round; !lf.Started && !lf.Waiting && lf.Error == "" && w.cancel == nil &&
		r != nil && r.State == domain.StateMatched && !r.LiveStart.IsZero() {
		status = i18n.T("follow.running")
	}
	applies := viewmodel.LiveApplies(c.s.VM.Round)
	if !applies {
		status = i18n.T("follow.not_choix")
	}
	setEnabled(w.toggle, applies || w.cancel != nil)
	w.status.SetText(status)
	if lf.Error != "" || lf.Waiting {
		w.status.Importance = widget.WarningImportance
	} else {
		w.status.Importance = widget.MediumImportance
	}
	w.status.Refresh()
	w.current.SetText(lf.CurrentText())
	w.mine.SetText(lf.MineText())
	open, gone := lf.WishRows()
	w.openBox.RemoveAll()
	if !applies {
		open, gone = nil, nil
	} else if len(open)+len(gone) == 0 {
		w.openBox.Add(wrapLabel(i18n.T("follow.no_wishes")))
	}
	for _, x := range open {
		l := wrapLabel(lf.WishText(x))
		icon := widget.NewIcon(theme.RadioButtonIcon())
		if x.Got {
			l.Importance = widget.SuccessImportance
			l.TextStyle = fyne.TextStyle{Bold: true}
			icon = widget.NewIcon(theme.ConfirmIcon())
		}
		w.openBox.Add(container.NewBorder(nil, nil, icon, nil, l))
	}
	w.goneBox.RemoveAll()
	for _, x := range gone {
		l := wrapLabel(lf.WishText(x))
		l.Importance = widget.LowImportance
		l.TextStyle = fyne.TextStyle{Italic: true}
		w.goneBox.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.CancelIcon()), nil, l))
	}
	if len(gone) == 0 {
		w.goneTitle.Hide()
	} else {
		w.goneTitle.Show()
	}
	// The rows' heights changed: lay the scrolled column out again.
	w.wishScroll.Content.Refresh()
	w.wishScroll.Refresh()
	w.lastRows = lf.LastRows(liveLastRows)
	w.last.Refresh()
}
