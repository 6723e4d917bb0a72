package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"appariement/assets"
)

func TestTranslationsComplete(t *testing.T) {
	if err := Load(assets.Translations, "translations"); err != nil {
		t.Fatal(err)
	}
	fr, en := Messages("fr"), Messages("en")
	if len(fr) == 0 {
		t.Fatal("no French messages")
	}
	for k := range fr {
		if _, ok := en[k]; !ok {
			t.Errorf("%s: missing in en.json", k)
		}
		if strings.Count(fr[k], "%") != strings.Count(en[k], "%") {
			t.Errorf("%s: fr and en take different arguments: %q / %q", k, fr[k], en[k])
		}
	}
	for k := range en {
		if _, ok := fr[k]; !ok {
			t.Errorf("%s: missing in fr.json", k)
		}
	}
	// Every key the code asks for exists (dynamic keys end with "." and
	// are listed here with their suffixes).
	dynamic := map[string][]string{
		"pass.score.":  {"0", "1", "2", "3", "4"},
		"round.state.": {"draft", "wishes_open", "wishes_closed", "rankings_open", "rankings_closed", "matched", "published"},
		"file.kind.":   {"cv", "lettre", "contrat", "autre"},
		"reminder.":    {"rts_no_key", "intern_no_wishes"},
		"role.":        {"intern", "rts", "coordinator", "admin"},
		"rts.state.":   {"todo", "draft", "sending", "signed", "refused"},
		"corr.count.":  {"requested", "accepted", "applied", "refused"},
		"corr.status.": {"requested", "accepted", "applied", "refused"},
		"notify.pref.": {"wishes-closing", "rankings-reminder", "call-list"},
		"schedule.":    {"wishes_open", "wishes_close", "rankings_open", "rankings_close"},
		"corr.field.": {"title", "service", "rts_name", "rts_email", "description", "capacity",
			"email", "last_name", "first_name", "specialty", "subdivision", "other"},
		"result.problem.": {"signature", "decode", "other_person", "missing", "digest", "inclusion", "checkpoint", "no_local_copy"},
	}
	re := regexp.MustCompile(`(?:i18n\.)?T\("([a-z_.0-9]+)"|"((?:err|pass|result\.problem)\.[a-z_]+)"`)
	reN := regexp.MustCompile(`\bN\("([a-z_.0-9]+)"`)
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			key := m[1] + m[2]
			if strings.HasSuffix(key, ".") {
				if _, ok := dynamic[key]; !ok {
					t.Errorf("%s: dynamic key %q not listed in this test", path, key)
				}
				continue
			}
			if _, ok := fr[key]; !ok {
				t.Errorf("%s: key %q missing from fr.json", path, key)
			}
		}
		for _, m := range reN.FindAllStringSubmatch(string(src), -1) {
			if strings.HasSuffix(m[1], ".") {
				if _, ok := dynamic[m[1]]; !ok {
					t.Errorf("%s: dynamic counted key %q not listed in this test", path, m[1])
				}
				continue
			}
			for _, form := range []string{One, Other} {
				if _, ok := fr[m[1]+"."+form]; !ok {
					t.Errorf("%s: counted key %q has no form %q in fr.json", path, m[1], form)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for prefix, suffixes := range dynamic {
		for _, s := range suffixes {
			_, plain := fr[prefix+s]
			_, counted := fr[prefix+s+"."+One]
			if !plain && !counted {
				t.Errorf("key %q missing from fr.json", prefix+s)
			}
		}
	}
}

func TestLanguage(t *testing.T) {
	if err := Load(assets.Translations, "translations"); err != nil {
		t.Fatal(err)
	}
	defer SetLanguage("fr")
	SetLanguage("en")
	if got := T("tab.wishes"); got != "My wishes" {
		t.Errorf("en: %q", got)
	}
	SetLanguage("de")
	if got := T("tab.wishes"); got != "Mes vœux" {
		t.Errorf("fallback to French: %q", got)
	}
	if got := T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key: %q", got)
	}
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "en_GB.UTF-8")
	if Detect("") != "en" || Detect("fr") != "fr" {
		t.Error("Detect with English system")
	}
	t.Setenv("LANG", "C")
	if Detect("") != "fr" {
		t.Error("Detect defaults to French")
	}
}
