// Command desktop is Appariement's desktop app for interns (and later RTS,
// coordinators and admins): browse the postes offline, prepare and sign a
// wish list, sync it when the network allows, verify the results.
//
//	desktop [-data DIR] [-server URL] [-lang fr|en]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"appariement/assets"
	"appariement/desktop/internal/cache"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/ui"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "appariement:", err)
		os.Exit(1)
	}
}

func run() error {
	dataDir := flag.String("data", defaultDataDir(), "dossier des données locales (local data directory)")
	server := flag.String("server", "", "adresse du serveur, ex. https://appariement.example.fr (server address)")
	language := flag.String("lang", "", "langue de l'interface : fr ou en (interface language; default: French unless the system is English)")
	flag.Parse()

	if err := i18n.Load(assets.Translations, "translations"); err != nil {
		return err
	}
	l := i18n.Detect(*language)
	i18n.SetLanguage(l)
	// Fyne's own strings (file dialog…) follow LANGUAGE; reload them.
	os.Setenv("LANGUAGE", l)
	if err := lang.AddTranslationsForLocale([]byte("{}"), fyne.Locale(l)); err != nil {
		return fmt.Errorf("fyne translations: %w", err)
	}

	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	store, err := cache.Open(filepath.Join(*dataDir, "appariement.db"))
	if err != nil {
		return err
	}
	defer store.Close()

	a := app.NewWithID("fr.sante.appariement")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	w := ui.New(a, store, ui.Options{ServerURL: *server})
	if err := w.Start(); err != nil {
		return err
	}
	w.Window.ShowAndRun()
	w.Stop()
	return nil
}

func defaultDataDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "appariement-data"
	}
	return filepath.Join(dir, "appariement")
}
