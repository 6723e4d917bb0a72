package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"appariement/assets"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/version"
)

// mainMenu is the window's menu bar: Fichier (with Fyne's Quitter), the
// menus of the signed-in screens (extra), and Aide → À propos, last.
func (a *App) mainMenu(extra ...*fyne.Menu) *fyne.MainMenu {
	about := fyne.NewMenuItem(i18n.T("about.menu"), func() { a.ShowAbout() })
	menus := append([]*fyne.Menu{fyne.NewMenu(i18n.T("menu.file"))}, extra...)
	return fyne.NewMainMenu(append(menus, fyne.NewMenu(i18n.T("menu.help"), about))...)
}

// ShowAbout opens the "À propos" dialog: the app's version and build (from
// FyneApp.toml, stamped by the release build), the source revision, the
// platform, and how to check a download.
func (a *App) ShowAbout() dialog.Dialog {
	info := version.Get()
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.IconPNG))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(96, 96))
	name := widget.NewLabelWithStyle("Appariement", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	ver := widget.NewLabelWithStyle(i18n.T("about.version", info.String()), fyne.TextAlignCenter, fyne.TextStyle{})
	ver.Wrapping = fyne.TextWrapWord
	text := wrapLabel(i18n.T("about.text"))
	verify := wrapLabel(i18n.T("about.verify"))
	content := container.NewGridWrap(fyne.NewSize(460, 330), container.NewVBox(
		container.NewCenter(icon), name, ver, widget.NewSeparator(), text, verify))
	d := dialog.NewCustom(i18n.T("about.title"), i18n.T("dialog.ok"), content, a.Window)
	d.Show()
	return d
}
