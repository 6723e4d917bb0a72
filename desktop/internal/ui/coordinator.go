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
)

// CoordinatorScreen shows read-only dashboards of postes (and interns when
// the server allows) per specialty and subdivision.
type CoordinatorScreen struct {
	Content fyne.CanvasObject
	VM      *viewmodel.Coordinator
	app     *App

	body  *fyne.Container
	table *widget.List
	corr  *correctionsPanel
	form  *correctionForm // the last request form opened

	postes, interns       *widget.List
	posteRows, internRows []viewmodel.CoordRow
}

// NewCoordinatorScreen builds the coordinator's screen; data comes with reload.
func NewCoordinatorScreen(a *App, vm *viewmodel.Coordinator) *CoordinatorScreen {
	s := &CoordinatorScreen{VM: vm, app: a}
	me := a.session.Me()
	who := widget.NewLabelWithStyle(me.FullName()+" — "+i18n.T("role.coordinator"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	reloadB := widget.NewButtonWithIcon(i18n.T("sync.now"), theme.ViewRefreshIcon(), s.reload)
	s.body = container.NewVBox()
	s.table = widget.NewList(func() int {
		if vm.Quality == nil {
			return 0
		}
		return len(vm.Quality.Balances)
	}, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			b := vm.Quality.Balances[i]
			l := o.(*widget.Label)
			if vm.InternsKnown {
				l.SetText(i18n.T("coord.row", viewmodel.CellName(b.Specialty, b.Subdivision), i18n.N("count.postes", b.Postes, b.Postes), i18n.N("count.places", b.Places, viewmodel.Thousands(b.Places)), i18n.N("count.interns", b.Interns, b.Interns), b.Diff()))
			} else {
				l.SetText(i18n.T("coord.row_postes", viewmodel.CellName(b.Specialty, b.Subdivision), i18n.N("count.postes", b.Postes, b.Postes), i18n.N("count.places", b.Places, viewmodel.Thousands(b.Places))))
			}
			if b.Shortage() {
				l.Importance = widget.DangerImportance
			} else {
				l.Importance = widget.MediumImportance
			}
			l.Refresh()
		})
	rowList := func(rows func() []viewmodel.CoordRow) *widget.List {
		return widget.NewList(func() int { return len(rows()) },
			func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
			func(i widget.ListItemID, o fyne.CanvasObject) {
				if rs := rows(); i < len(rs) {
					l := o.(*widget.Label)
					l.SetText(rs[i].Text)
					l.Importance = widget.MediumImportance
					if rs[i].Alert {
						l.Importance = widget.WarningImportance
					}
					l.Refresh()
				}
			})
	}
	s.postes = rowList(func() []viewmodel.CoordRow { return s.posteRows })
	s.interns = rowList(func() []viewmodel.CoordRow { return s.internRows })
	lists := container.NewAppTabs(
		container.NewTabItem(i18n.T("coord.tab.postes"), s.postes),
		container.NewTabItem(i18n.T("coord.tab.interns"), s.interns),
		container.NewTabItem(i18n.T("coord.tab.balances"), s.table),
	)
	split := container.NewHSplit(container.NewVScroll(s.body), lists)
	flag := widget.NewButtonWithIcon(i18n.T("corr.flag"), theme.WarningIcon(), s.flag)
	s.corr = newCorrectionsPanel(a, a.session.Corrections(), false)
	tabs := container.NewAppTabs(
		container.NewTabItemWithIcon(i18n.T("coord.tab.dashboard"), theme.GridIcon(), split),
		container.NewTabItemWithIcon(i18n.T("coord.tab.flags"), theme.ListIcon(), s.corr.Content),
	)
	tabs.OnSelected = func(t *container.TabItem) {
		if t.Content == s.corr.Content {
			s.corr.reload()
		}
	}
	s.Content = container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(flag, who, reloadB)), widget.NewSeparator()), nil, nil, nil, tabs)
	s.refresh()
	return s
}

// flag opens the form to report a data error in the coordinator's scope.
func (s *CoordinatorScreen) flag() {
	round := ""
	if s.VM.Round != nil {
		round = s.VM.Round.ID
	}
	s.form = s.app.showCorrectionForm(i18n.T("corr.title.flag"), viewmodel.CorrectionScope{Round: round, Postes: s.VM.ScopePostes(), People: true, Cells: true,
		Specialty: s.VM.Scope.Specialty, Subdivision: s.VM.Scope.Subdivision}, s.corr.vm, s.corr.reload)
}

func (s *CoordinatorScreen) reload() {
	s.app.ensureUnlocked(func() {
		var d viewmodel.CoordData
		round := ""
		if s.VM.Round != nil {
			round = s.VM.Round.ID
		}
		s.app.runAsync(func() {
			ctx, cancel := context.WithTimeout(s.app.ctx, time.Minute)
			d = s.VM.Load(ctx, round)
			cancel()
		}, func() {
			if err := s.VM.Apply(d); err != nil {
				showMessage(s.app.Window, i18n.T("dialog.error"), s.VM.Message(err))
			}
			s.refresh()
		})
	})
}

func (s *CoordinatorScreen) refresh() {
	s.body.RemoveAll()
	q := s.VM.Quality
	if q == nil {
		s.body.Add(wrapLabel(i18n.T("admin.loading")))
		return
	}
	if s.VM.Round != nil {
		s.body.Add(bold(viewmodel.RoundLabel(s.VM.Round)))
	}
	s.body.Add(wrapLabel(s.VM.Note()))
	if s.VM.InternsKnown {
		s.body.Add(bold(viewmodel.QualityTotals(q)))
	} else {
		s.body.Add(bold(i18n.T("coord.totals", i18n.N("count.places", q.Places, viewmodel.Thousands(q.Places)), i18n.N("count.postes", q.Postes, q.Postes))))
	}
	s.body.Add(barChart(q.Balances, 60, s.VM.InternsKnown))
	s.body.Add(bold(i18n.T("coord.issues")))
	issues := s.VM.Issues()
	if len(issues) == 0 {
		s.body.Add(wrapLabel(i18n.T("coord.issue.none")))
	}
	for _, line := range issues {
		l := wrapLabel(line)
		l.Importance = widget.DangerImportance
		s.body.Add(l)
	}
	s.table.Refresh()
	s.posteRows, s.internRows = s.VM.PosteRows(), s.VM.InternRows()
	s.postes.Refresh()
	s.interns.Refresh()
}
