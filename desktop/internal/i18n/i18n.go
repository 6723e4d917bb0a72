// Package i18n translates the desktop app's messages. Messages are looked up
// by key in flat JSON files (assets/translations/fr.json, en.json). French is
// the default language and the fallback for a missing key.
//
// A counted message has its plural forms in the catalogue as keys with the
// suffixes ".one" and ".other" ("wishes.count.one", "wishes.count.other"),
// chosen by N with the language's rule (PluralForm): in French 0 and 1 are
// singular, in English only 1 is.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	"appariement/shared/plural"
)

// Languages supported, default first.
var Languages = []string{"fr", "en"}

var (
	mu       sync.RWMutex
	messages = map[string]map[string]string{}
	current  = "fr"
)

// Load reads every <lang>.json of dir in fsys.
func Load(fsys fs.FS, dir string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range entries {
		lang, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("load translations %s: %w", e.Name(), err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("load translations %s: %w", e.Name(), err)
		}
		messages[lang] = m
	}
	return nil
}

// Messages returns a copy of the messages of lang, for tests.
func Messages(lang string) map[string]string {
	mu.RLock()
	defer mu.RUnlock()
	out := make(map[string]string, len(messages[lang]))
	for k, v := range messages[lang] {
		out[k] = v
	}
	return out
}

// SetLanguage selects the language of T ("fr" or "en"; anything else is
// French).
func SetLanguage(lang string) {
	mu.Lock()
	defer mu.Unlock()
	if lang != "en" {
		lang = "fr"
	}
	current = lang
}

// Language returns the selected language.
func Language() string {
	mu.RLock()
	defer mu.RUnlock()
	return current
}

// Detect chooses the language: the flag if set, else English when the
// system's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) is English, else
// French.
func Detect(flag string) string {
	switch strings.ToLower(flag) {
	case "fr", "en":
		return strings.ToLower(flag)
	}
	for _, v := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		val := os.Getenv(v)
		if val == "" || val == "C" || val == "POSIX" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(val), "en") {
			return "en"
		}
		return "fr"
	}
	return "fr"
}

// T returns the message of key in the selected language, formatted with
// args as by fmt.Sprintf when args are given. A key missing from the
// language falls back to French, then to the key itself.
func T(key string, args ...any) string {
	mu.RLock()
	msg, ok := messages[current][key]
	if !ok {
		msg, ok = messages["fr"][key]
	}
	mu.RUnlock()
	if !ok {
		msg = key
	}
	return format(msg, args)
}

// format formats msg with args as by fmt.Sprintf, when args are given.
func format(msg string, args []any) string {
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Plural forms of a counted message, the suffixes of its keys.
const (
	One   = "one"
	Other = "other"
)

// PluralForm returns the plural form (One or Other) of the count n in
// lang: French takes the singular for 0 and 1 (« 0 poste affiché »),
// English only for 1 ("0 postes shown", "1 poste shown").
func PluralForm(lang string, n int) string {
	if plural.One(lang, n) {
		return One
	}
	return Other
}

// N returns the counted message key in the selected language: the form
// key+".one" or key+".other" chosen by n (PluralForm), formatted with args
// as by fmt.Sprintf (the count is usually the first argument, passed again
// by the caller). A missing form falls back to French, then to key+".other",
// then to the key itself.
func N(key string, n int, args ...any) string {
	mu.RLock()
	lang := current
	msg, ok := messages[lang][key+"."+PluralForm(lang, n)]
	if !ok {
		msg, ok = messages["fr"][key+"."+PluralForm("fr", n)]
	}
	if !ok {
		msg, ok = messages["fr"][key+"."+Other]
	}
	mu.RUnlock()
	if !ok {
		msg = key
	}
	return format(msg, args)
}

// Pick returns fr or en depending on the selected language: for texts that
// come in both languages from elsewhere (the server's refusals).
func Pick(fr, en string) string {
	if Language() == "en" && en != "" {
		return en
	}
	if fr == "" {
		return en
	}
	return fr
}
