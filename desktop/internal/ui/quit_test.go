package ui

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
)

// quitApp records Quit (the test app's Quit does nothing).
type quitApp struct {
	fyne.App
	quits int
}

func (q *quitApp) Quit() { q.quits++ }

// TestCtrlQQuits: Ctrl+Q quits the app from the first screen.
func TestCtrlQQuits(t *testing.T) {
	a := &quitApp{App: test.NewTempApp(t)}
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	app := New(a, store, Options{KeyParams: keystore.TestParams, Synchronous: true})
	t.Cleanup(app.Stop)
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	sc, ok := app.Window.Canvas().(fyne.Shortcutable)
	if !ok {
		t.Fatal("the canvas takes no shortcuts")
	}
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault})
	if a.quits != 1 {
		t.Fatalf("Ctrl+Q: %d quits, want 1", a.quits)
	}
}
