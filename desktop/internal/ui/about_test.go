package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/version"
)

// TestAboutShowsStampedVersion: the menu bar has Aide → À propos, and the
// dialog shows the version and build stamped by the release build.
func TestAboutShowsStampedVersion(t *testing.T) {
	v, b, c := version.Version, version.Build, version.Commit
	t.Cleanup(func() { version.Version, version.Build, version.Commit = v, b, c })
	version.Version, version.Build, version.Commit = "9.8.7", "42", "abcdef1"

	app, _ := newApp(t, "http://127.0.0.1:1")
	menu := app.Window.MainMenu()
	if menu == nil || len(menu.Items) != 2 || menu.Items[1].Label != "Aide" ||
		len(menu.Items[1].Items) != 1 || menu.Items[1].Items[0].Label != "À propos d'Appariement" {
		t.Fatalf("main menu: %+v", menu)
	}
	menu.Items[1].Items[0].Action()

	var texts []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			texts = append(texts, w.Text)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	for _, o := range app.Window.Canvas().Overlays().List() {
		walk(o)
		if p, ok := o.(*widget.PopUp); ok {
			walk(p.Content)
		}
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "Version 9.8.7 (build 42, abcdef1, ") {
		t.Fatalf("about dialog shows:\n%s", all)
	}
}

// TestMenusKeptAfterSignIn: once signed in, the menu bar still has
// Fichier first and Aide last, with the settings menu between them.
func TestMenusKeptAfterSignIn(t *testing.T) {
	srv := realServer(t)
	app, _ := newApp(t, srv.url)
	enrollThroughUI(t, app, srv.code)
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	if app.intern == nil {
		t.Fatal("no intern screen")
	}
	menu := app.Window.MainMenu()
	var labels []string
	for _, m := range menu.Items {
		labels = append(labels, m.Label)
	}
	if got := strings.Join(labels, ", "); got != "Fichier, Paramètres, Aide" {
		t.Fatalf("menus after sign-in: %s", got)
	}
	if it := menu.Items[2].Items; len(it) != 1 || it[0].Label != "À propos d'Appariement" {
		t.Fatalf("Aide: %+v", it)
	}
}

// TestInternRoundSelectFitsName: the intern's round selector is as wide as
// its longest round name (it cut "Appariement — tour 1 (démonstration)
// (vœux ouverts)" to "… (…").
func TestInternRoundSelectFitsName(t *testing.T) {
	srv := realServer(t)
	app, _ := newApp(t, srv.url)
	enrollThroughUI(t, app, srv.code)
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	s := app.intern
	if s == nil || len(s.VM.RoundLabels()) == 0 {
		t.Fatal("no intern screen or no round")
	}
	s.VM.Rounds[0].Name = "Appariement — tour 1 (démonstration nationale de novembre)"
	s.refreshRounds()
	probe := widget.NewSelect(nil, nil)
	probe.PlaceHolder = s.VM.RoundLabels()[0]
	if got, want := s.roundWrap.MinSize().Width, probe.MinSize().Width; got < want {
		t.Fatalf("round selector %v wide, its name needs %v", got, want)
	}
}
