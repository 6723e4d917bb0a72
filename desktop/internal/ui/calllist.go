package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// callListWidgets are the widgets of the call list tab and of the notice
// banner shown above every tab.
type callListWidgets struct {
	Banner      *fyne.Container
	bannerText  *widget.Label
	clHeader    *widget.Label
	clDraw      *widget.Label // the call list's draw, checked (CallList.DrawInfo)
	clRank      *widget.Label
	clError     *widget.Label
	clSearch    *widget.Entry
	clList      *widget.List
	clRows      []viewmodel.CallRow
	clHistory   *fyne.Container
	liveList    *widget.List
	liveRows    []viewmodel.LiveRow
	clSync      *widget.Button
	liveJump    *widget.Button
	liveMore    *widget.Button
	clSyncBusy  bool
	liveLoading bool
}

func (c *choixTabs) buildCallList() fyne.CanvasObject {
	w := &c.w
	w.bannerText = wrapLabel("")
	w.bannerText.Importance = widget.WarningImportance
	seen := widget.NewButtonWithIcon(i18n.T("calllist.seen"), theme.ConfirmIcon(), func() {
		if err := c.CL.MarkSeen(); err != nil {
			c.s.app.showError(err)
		}
		c.showCallList()
	})
	w.Banner = container.NewVBox(container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), seen, w.bannerText))
	w.Banner.Hide()

	w.clHeader = wrapLabel("")
	w.clDraw = wrapLabel("")
	w.clRank = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.clError = wrapLabel("")
	w.clError.Importance = widget.DangerImportance
	w.clSearch = widget.NewEntry()
	w.clSearch.SetPlaceHolder(i18n.T("calllist.search"))
	w.clSearch.OnChanged = func(s string) {
		c.CL.Filter = s
		c.showCallList()
	}
	w.clSync = widget.NewButtonWithIcon(i18n.T("calllist.sync"), theme.ViewRefreshIcon(), func() {
		c.withKey(i18n.T("calllist.sync"), c.syncCallList)
	})
	w.clList = widget.NewList(func() int { return len(w.clRows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			r := w.clRows[i]
			l.Text = r.Text
			l.TextStyle = fyne.TextStyle{Bold: r.Me}
			switch {
			case r.Me:
				l.Importance = widget.HighImportance
			case r.Absent:
				l.Importance = widget.WarningImportance
			default:
				l.Importance = widget.MediumImportance
			}
			l.Refresh()
		})
	w.clHistory = container.NewVBox()
	w.liveList = widget.NewList(func() int { return len(w.liveRows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			r := w.liveRows[i]
			l.Text = r.Text
			l.TextStyle = fyne.TextStyle{Bold: r.Me}
			l.Importance = widget.MediumImportance
			if r.Me {
				l.Importance = widget.HighImportance
			}
			l.Refresh()
		})
	load := widget.NewButtonWithIcon(i18n.T("live.load"), theme.MediaPlayIcon(), func() {
		c.withKey(i18n.T("live.load"), func() { c.loadLive(1, false) })
	})
	w.liveJump = widget.NewButtonWithIcon(i18n.T("live.jump"), theme.NavigateNextIcon(), func() {
		if c.CL.LiveIndexOf() >= 0 {
			c.scrollToMe()
			return
		}
		c.loadLive(c.CL.LiveJumpFrom(), true)
	})
	w.liveMore = widget.NewButtonWithIcon(i18n.T("live.more"), theme.MoreVerticalIcon(), func() {
		if next, ok := c.CL.LiveNext(); ok {
			c.loadLive(next, false)
		}
	})
	top := container.NewVBox(container.NewBorder(nil, nil, nil, w.clSync, w.clHeader), w.clDraw, w.clRank, w.clError, w.clSearch)
	listPane := container.NewBorder(top, nil, nil, nil, w.clList)
	histPane := container.NewBorder(widget.NewLabelWithStyle(i18n.T("calllist.history"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
		container.NewVScroll(w.clHistory))
	livePane := container.NewBorder(container.NewVBox(widget.NewLabelWithStyle(i18n.T("live.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(load, w.liveJump, w.liveMore)), nil, nil, nil, w.liveList)
	right := container.NewVSplit(histPane, livePane)
	split := container.NewHSplit(listPane, right)
	split.Offset = 0.55
	return container.NewPadded(split)
}

func (c *choixTabs) showCallList() {
	w := &c.w
	cl := c.CL
	w.clHeader.SetText(cl.Header())
	w.clDraw.SetText(cl.DrawInfo())
	if r := cl.MyRank(); r > 0 {
		w.clRank.SetText(i18n.T("calllist.my_rank", r))
	} else {
		w.clRank.SetText("")
	}
	w.clError.SetText(cl.Error)
	w.clRows = cl.Rows()
	w.clList.Refresh()
	w.clHistory.RemoveAll()
	for _, h := range cl.History() {
		w.clHistory.Add(wrapLabel(h))
	}
	w.liveRows = cl.LiveRows()
	// A binôme's turn is on several lines: its row is taller (the others
	// are set too, as the rows shown change).
	single := widget.NewLabel("x").MinSize().Height
	for i, r := range w.liveRows {
		h := single
		if strings.Contains(r.Text, "\n") {
			h = widget.NewLabel(r.Text).MinSize().Height
		}
		w.liveList.SetItemHeight(i, h)
	}
	w.liveList.Refresh()
	setEnabled(w.liveJump, cl.LiveIndexOf() >= 0 || cl.MyRank() > 0)
	_, more := cl.LiveNext()
	setEnabled(w.liveMore, cl.Live != nil && more)
	was := w.Banner.Visible()
	if b := cl.Banner(); b != "" {
		w.bannerText.SetText(b)
		w.Banner.Show()
	} else {
		w.Banner.Hide()
	}
	if was != w.Banner.Visible() && c.s.Content != nil {
		// The header's height changed: lay the screen out again.
		c.s.Content.Refresh()
	}
}

// syncCallList fetches the notices and the call list of the current round
// (signed requests: skipped while the key is locked).
func (c *choixTabs) syncCallList() {
	w := &c.w
	round := c.s.VM.RoundID()
	if r := c.s.VM.Round; w.clSyncBusy || r == nil || r.Procedure != domain.ChoixAuRang || !c.s.app.session.Unlocked() {
		return
	}
	c.CL.Binomes = c.s.VM.Round.Binomes // the marks of the binômes in the list
	w.clSyncBusy = true
	w.clSync.Disable()
	var d viewmodel.CallListData
	c.s.app.runAsync(func() {
		ctx, cancel := context.WithTimeout(c.s.app.ctx, time.Minute)
		d = c.CL.Sync(ctx, round)
		cancel()
	}, func() {
		w.clSyncBusy = false
		w.clSync.Enable()
		c.CL.Apply(d)
		c.showCallList()
	})
}

func (c *choixTabs) scrollToMe() {
	if i := c.CL.LiveIndexOf(); i >= 0 {
		c.w.liveList.ScrollTo(i)
		c.w.liveList.Select(i)
	}
}

// loadLive fetches the replay from rank from, then scrolls to the
// intern's turn if jump is set.
func (c *choixTabs) loadLive(from int, jump bool) {
	w := &c.w
	round := c.s.VM.RoundID()
	if w.liveLoading || round == "" {
		return
	}
	w.liveLoading = true
	var res struct {
		replay *api.LiveReplay
		err    error
	}
	c.s.app.runAsync(func() {
		ctx, cancel := context.WithTimeout(c.s.app.ctx, time.Minute)
		res.replay, res.err = c.CL.FetchLive(ctx, round, from)
		cancel()
	}, func() {
		w.liveLoading = false
		c.CL.ApplyLive(res.replay, res.err)
		c.showCallList()
		if jump {
			c.scrollToMe()
		}
	})
}

// refresh shows the current round's call list and simulation from the
// view models (the cache when the round changed).
func (c *choixTabs) refresh() {
	if id := c.s.VM.RoundID(); c.CL.Round != id {
		if err := c.CL.Load(id); err != nil {
			c.s.app.showError(err)
		}
	}
	c.showTabs(c.s.VM.ChoixAuRang())
	c.showCallList()
	c.showSimulation()
	c.showLiveFollow()
}

// showTabs shows the simulation, call list and live tabs for a choix au
// rang only: in an appariement round they have nothing to say.
func (c *choixTabs) showTabs(on bool) {
	for _, t := range []*container.TabItem{c.simTab, c.callTab, c.liveTab} {
		showTab(c.s.tabs, t, on)
	}
}

// showTab adds t to tabs or removes it (selecting the first tab if t was
// the selected one).
func showTab(tabs *container.AppTabs, t *container.TabItem, on bool) {
	shown := slices.Contains(tabs.Items, t)
	switch {
	case on && !shown:
		tabs.Append(t)
	case !on && shown:
		if tabs.Selected() == t {
			tabs.SelectIndex(0)
		}
		tabs.Remove(t)
	}
}

// onSync follows a sync: the notices and call list are polled, and the
// simulation refreshed if due.
func (c *choixTabs) onSync() {
	c.syncCallList()
	c.refreshSimulation(false)
}

// start registers with the session a poller that refreshes the
// simulation when due (at most once a minute, while online and unlocked)
// and the notices missed while the key was locked; it runs while the
// session runs.
func (c *choixTabs) start() {
	c.s.app.session.Every(viewmodel.SimulationInterval/4, func(context.Context) {
		fyne.Do(func() {
			if n := c.CL.Notices; n == nil || c.s.app.session.Now().Sub(n.FetchedAt) > 5*time.Minute {
				c.syncCallList()
			}
			c.refreshSimulation(false)
		})
	})
}
