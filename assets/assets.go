// Package assets embeds what the desktop app ships besides code: the
// application icon and the translations of its user interface.
package assets

import "embed"

//go:generate go run gen_icon.go

// IconPNG is the 512×512 application icon (drawn by gen_icon.go).
//
//go:embed icon.png
var IconPNG []byte

// Translations holds translations/fr.json and translations/en.json: flat
// JSON objects from message key to text, French first.
//
//go:embed translations/*.json
var Translations embed.FS
