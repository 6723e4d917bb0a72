// Command desktop is Appariement's desktop app for interns (and later RTS,
// coordinators and admins): browse the postes offline, prepare and sign a
// wish list, sync it when the network allows, verify the results.
//
//	desktop [-data DIR] [-server URL] [-lang fr|en] [-version]
//
// The version shown by -version and in Aide → À propos is FyneApp.toml's,
// stamped at link time by scripts/release (package version).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"appariement/assets"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/ui"
	"appariement/desktop/internal/version"
)

// appID is FyneApp.toml's Details.ID.
const appID = "fr.sante.appariement"

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
	showVersion := flag.Bool("version", false, "affiche la version et s'arrête (print the version)")
	flag.Parse()
	if *showVersion {
		fmt.Println("Appariement", version.Get())
		return nil
	}

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
	store, err := localstore.Open(filepath.Join(*dataDir, "appariement.db"))
	if err != nil {
		return err
	}
	defer store.Close()

	// Fyne's metadata (fyne package writes it; a go build with -ldflags
	// stamps package version): the same version as the À propos dialog.
	build, _ := strconv.Atoi(version.Build)
	app.SetMetadata(fyne.AppMetadata{ID: appID, Name: "Appariement", Version: version.Version, Build: build,
		Release: version.Version != "dev"})
	a := app.NewWithID(appID)
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
