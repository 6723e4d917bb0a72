package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
)

// choixTabs are the intern's choix-au-rang tabs: the simulation of the
// choices, the call list (with its notices and the live replay) and the
// live follow-along of the reveal.
type choixTabs struct {
	s   *InternScreen
	Sim *viewmodel.Simulation
	CL  *viewmodel.CallList
	LF  *viewmodel.LiveFollow

	simTab, callTab, liveTab *container.TabItem

	// Simulation tab.
	simStatus, simRank, simPoste *widget.Label
	simWishes, amphiBox          *fyne.Container
	amphiTitle                   *widget.Label
	amphiRank                    *widget.Entry
	simRefresh                   *widget.Button
	busy                         bool

	w  callListWidgets
	lf liveFollowWidgets
}

func newChoixTabs(s *InternScreen) *choixTabs {
	name := func(id string) string {
		if p, ok := s.VM.Catalogue.Poste(id); ok {
			return fmt.Sprintf("%s — %s (%s)", p.Title, p.Town, id)
		}
		return id
	}
	c := &choixTabs{s: s, Sim: s.app.session.Simulation(name), CL: s.app.session.CallList(name)}
	c.simTab = container.NewTabItemWithIcon(i18n.T("tab.simulation"), theme.MediaPlayIcon(), c.buildSimulation())
	c.callTab = container.NewTabItemWithIcon(i18n.T("tab.calllist"), theme.ListIcon(), c.buildCallList())
	c.LF = s.app.session.LiveFollow()
	c.LF.PosteName, c.LF.MyRank, c.LF.Wishes = name, c.CL.MyRank, s.VM.Wishes.Counted
	c.LF.Capacity = func(id string) (int, bool) {
		if p, ok := s.VM.Catalogue.Poste(id); ok {
			return p.Capacity, true
		}
		return 0, false
	}
	c.liveTab = container.NewTabItemWithIcon(i18n.T("tab.live"), theme.MediaRecordIcon(), c.buildLiveFollow())
	if err := c.CL.Load(s.VM.RoundID()); err != nil {
		s.app.showError(err)
	}
	return c
}

// ---- Simulation ----

func (c *choixTabs) buildSimulation() fyne.CanvasObject {
	c.simStatus = wrapLabel("")
	c.simRank = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.simPoste = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	warn := wrapLabel(i18n.T("sim.warning"))
	warn.Importance = widget.WarningImportance
	c.simRefresh = widget.NewButtonWithIcon(i18n.T("sim.refresh"), theme.ViewRefreshIcon(), func() {
		c.withKey(i18n.T("sim.refresh"), func() { c.refreshSimulation(true) })
	})
	c.simWishes = container.NewVBox()
	c.amphiTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.amphiRank = widget.NewEntry()
	c.amphiRank.SetPlaceHolder(i18n.T("sim.amphi.rank"))
	c.amphiRank.OnSubmitted = func(string) { c.refreshSimulation(true) }
	show := widget.NewButton(i18n.T("sim.amphi.show"), func() { c.refreshSimulation(true) })
	c.amphiBox = container.NewVBox()
	rankBox := container.NewGridWrap(fyne.NewSize(200, c.amphiRank.MinSize().Height), c.amphiRank)
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(c.simRefresh), c.simStatus),
		warn, wrapLabel(i18n.T("sim.auto")), widget.NewSeparator(), c.simRank, c.simPoste)
	left := container.NewBorder(widget.NewLabelWithStyle(i18n.T("sim.wishes"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
		container.NewVScroll(c.simWishes))
	right := container.NewBorder(container.NewVBox(
		widget.NewLabelWithStyle(i18n.T("sim.amphi"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(rankBox, show), c.amphiTitle), nil, nil, nil, container.NewVScroll(c.amphiBox))
	split := container.NewHSplit(left, right)
	split.Offset = 0.6
	return container.NewPadded(container.NewBorder(top, nil, nil, nil, split))
}

// refreshSimulation fetches the simulation in the background; auto runs
// are skipped unless due, online and unlocked.
func (c *choixTabs) refreshSimulation(force bool) {
	round := c.s.VM.Round
	if c.busy || !viewmodel.SimulationApplies(round) {
		c.showSimulation()
		return
	}
	if !force && (!c.Sim.Due() || !c.s.app.session.Unlocked() || !c.s.app.session.Status().Online) {
		return
	}
	rank, err := viewmodel.ParseRank(c.amphiRank.Text)
	if err != nil {
		c.simStatus.SetText(err.Error())
		return
	}
	c.busy = true
	c.simRefresh.Disable()
	c.Sim.Start()
	var d viewmodel.SimulationData
	id := round.ID
	c.s.app.runAsync(func() {
		ctx, cancel := context.WithTimeout(c.s.app.ctx, time.Minute)
		d = c.Sim.Fetch(ctx, id, rank)
		cancel()
	}, func() {
		c.busy = false
		c.simRefresh.Enable()
		c.Sim.Apply(d)
		c.showSimulation()
	})
}

func (c *choixTabs) showSimulation() {
	sim := c.Sim
	if !viewmodel.SimulationApplies(c.s.VM.Round) {
		sim.Me, sim.Amphi, sim.Closed = nil, nil, true
	} else if sim.Round != c.s.VM.RoundID() {
		sim.Me, sim.Amphi, sim.Closed = nil, nil, false
	}
	c.simStatus.SetText(sim.Status())
	if sim.Closed || sim.Error != "" {
		c.simStatus.Importance = widget.WarningImportance
	} else {
		c.simStatus.Importance = widget.MediumImportance
	}
	c.simStatus.Refresh()
	c.simRank.SetText(sim.RankText())
	c.simPoste.SetText(sim.PosteText())
	c.simWishes.RemoveAll()
	for _, w := range sim.WishRows() {
		name := widget.NewLabelWithStyle(fmt.Sprintf("%d. %s", w.Order, w.Name), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		name.Wrapping = fyne.TextWrapWord
		figures := widget.NewLabel(w.Places + " · " + w.Demand + " · " + w.Taken)
		figures.Wrapping = fyne.TextWrapWord
		row := container.NewVBox(name, figures)
		if w.Marker != "" {
			m := widget.NewLabelWithStyle(w.Marker, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			icon := widget.NewIcon(theme.ConfirmIcon())
			m.Importance = widget.SuccessImportance
			if w.OutOfReach {
				m.Importance = widget.DangerImportance
				icon = widget.NewIcon(theme.CancelIcon())
			}
			row.Add(container.NewHBox(icon, m))
		}
		c.simWishes.Add(row)
		c.simWishes.Add(widget.NewSeparator())
	}
	c.amphiTitle.SetText(sim.AmphiTitle())
	c.amphiBox.RemoveAll()
	for _, p := range sim.AmphiRows() {
		l := widget.NewLabel(p.Name + " : " + p.Text)
		l.Wrapping = fyne.TextWrapWord
		if p.Free == 0 {
			l.Importance = widget.LowImportance
		}
		c.amphiBox.Add(l)
	}
}

// withKey runs f once the key is unlocked, asking for the passphrase if
// needed (the simulation and the call list are signed requests).
func (c *choixTabs) withKey(title string, f func()) {
	if c.s.app.session.Unlocked() {
		f()
		return
	}
	askPassphrase(c.s.app.Window, title, i18n.T("sim.pass_help"), func(pass string) {
		var err error
		c.s.app.runAsync(func() { err = c.s.app.session.Unlock(pass) }, func() {
			c.s.refreshLock()
			if err != nil {
				c.s.app.showError(err)
				return
			}
			c.syncCallList()
			f()
		})
	})
}
