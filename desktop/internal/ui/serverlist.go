package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
)

// serverListView shows a viewmodel.ServerList: one row per address (its
// place and address, what the place means, buttons to move it up or down
// and to remove it), then an entry and an Add button; each address added
// is checked against the pinned key in the background before it joins the
// list. The enrollment and the settings both use it.
type serverListView struct {
	vm *viewmodel.ServerList
	// pinned is the key the addresses must publish.
	pinned func() api.ServerKey
	// status is the line under the list (vm.Status if nil).
	status func() string
	// changed is called after the list or its checks changed.
	changed func()

	box       *fyne.Container
	rows      *fyne.Container
	rowViews  []serverRowView
	entry     *widget.Entry
	add       *widget.Button
	statusBox *widget.Label
}

// serverRowView is one address's row.
type serverRowView struct {
	label, note      *widget.Label
	up, down, remove *widget.Button
}

func newServerListView(a *App, vm *viewmodel.ServerList, pinned func() api.ServerKey) *serverListView {
	v := &serverListView{vm: vm, pinned: pinned, rows: container.NewVBox()}
	v.entry = widget.NewEntry()
	v.entry.SetPlaceHolder(i18n.T("servers.add_placeholder"))
	v.add = widget.NewButtonWithIcon(i18n.T("servers.add"), theme.ContentAddIcon(), func() { v.doAdd(a) })
	v.entry.OnChanged = func(string) { v.refresh() }
	v.entry.OnSubmitted = func(string) { v.doAdd(a) }
	v.statusBox = wrapLabel("")
	v.box = container.NewVBox(v.rows, container.NewBorder(nil, nil, nil, v.add, v.entry), v.statusBox)
	v.refresh()
	return v
}

// doAdd checks the addresses typed in, each in the background.
func (v *serverListView) doAdd(a *App) {
	todo := v.vm.Add(v.entry.Text)
	if len(todo) == 0 {
		return
	}
	v.entry.SetText("")
	v.refresh()
	pinned := v.pinned()
	for _, addr := range todo {
		var err error
		a.runAsync(func() { err = viewmodel.CheckAddress(a.ctx, addr, pinned) }, func() {
			v.vm.Checked(addr, err)
			v.refresh()
		})
	}
}

// refresh shows the list again (a few rows: they are built anew).
func (v *serverListView) refresh() {
	v.rows.Objects, v.rowViews = nil, nil
	for i := range v.vm.Addresses {
		label, note := v.vm.Row(i)
		r := serverRowView{label: widget.NewLabel(label), note: widget.NewLabel(note)}
		r.label.Truncation = fyne.TextTruncateEllipsis
		r.note.Importance = widget.LowImportance
		r.up = widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { v.vm.MoveUp(i); v.refresh() })
		r.down = widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { v.vm.MoveDown(i); v.refresh() })
		r.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { v.vm.Remove(i); v.refresh() })
		setEnabled(r.up, v.vm.CanMoveUp(i))
		setEnabled(r.down, v.vm.CanMoveDown(i))
		setEnabled(r.remove, v.vm.CanRemove(i))
		v.rowViews = append(v.rowViews, r)
		right := container.NewHBox(r.note, r.up, r.down, r.remove)
		if i < v.vm.Locked {
			right = container.NewHBox(r.note) // fixed in place: no buttons to grey out
		}
		v.rows.Add(container.NewBorder(nil, nil, nil, right, r.label))
	}
	v.rows.Refresh()
	setEnabled(v.add, strings.TrimSpace(v.entry.Text) != "")
	text := v.vm.Status()
	if v.status != nil {
		text = v.status()
	}
	v.statusBox.SetText(text)
	if v.vm.Error != "" && len(v.vm.Checking) == 0 {
		v.statusBox.Importance = widget.DangerImportance
	} else {
		v.statusBox.Importance = widget.MediumImportance
	}
	v.statusBox.Refresh()
	if v.changed != nil {
		v.changed()
	}
}
