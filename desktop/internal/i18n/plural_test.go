package i18n

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"appariement/assets"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestPluralForm(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"fr", 0, One}, {"fr", 1, One}, {"fr", 2, Other}, {"fr", 1000, Other},
		{"en", 0, Other}, {"en", 1, One}, {"en", 2, Other}, {"en", 1000, Other},
		{"de", 0, One}, // anything but English follows French
	} {
		if got := PluralForm(c.lang, c.n); got != c.want {
			t.Errorf("PluralForm(%s, %d) = %s, want %s", c.lang, c.n, got, c.want)
		}
	}
}

// verbs are the formatting verbs of a message, %% excepted.
var verbs = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0-9.]*[a-zA-Z%]`)

// sampleArgs fills a counted message's arguments: n for every integer
// verb and for a first string verb (a count the caller formatted, such as
// Thousands), a word for the others.
func sampleArgs(msg string, n int) []any {
	var args []any
	seen := map[string]bool{}
	for _, v := range verbs.FindAllString(msg, -1) {
		if v == "%%" {
			continue
		}
		if strings.HasPrefix(v, "%[") { // explicit index: count each once
			idx := v[:strings.Index(v, "]")+1]
			if seen[idx] {
				continue
			}
			seen[idx] = true
		}
		switch {
		case strings.HasSuffix(v, "d"):
			args = append(args, n)
		case len(args) == 0: // the count, formatted by the caller
			args = append(args, fmt.Sprint(n))
		default:
			args = append(args, "X")
		}
	}
	return args
}

// TestCountedMessages renders every counted message of the catalogue
// (keys with the forms ".one" and ".other") with 0, 1 and 2 in French and
// English, checks both forms exist in both languages, take the same
// arguments, never write "(s)", and compares the whole with
// testdata/counted.golden (go test -update rewrites it).
func TestCountedMessages(t *testing.T) {
	if err := Load(assets.Translations, "translations"); err != nil {
		t.Fatal(err)
	}
	defer SetLanguage("fr")
	fr := Messages("fr")
	var bases []string
	for k := range fr {
		if base, ok := strings.CutSuffix(k, "."+One); ok {
			bases = append(bases, base)
		}
	}
	sort.Strings(bases)
	if len(bases) == 0 {
		t.Fatal("no counted message in the catalogue")
	}
	var out strings.Builder
	for _, lang := range Languages {
		m := Messages(lang)
		SetLanguage(lang)
		for _, base := range bases {
			one, other := m[base+"."+One], m[base+"."+Other]
			if one == "" || other == "" {
				t.Errorf("%s/%s: a form is missing", lang, base)
				continue
			}
			if len(sampleArgs(one, 0)) != len(sampleArgs(other, 0)) {
				t.Errorf("%s/%s: the forms take different arguments: %q / %q", lang, base, one, other)
			}
			for _, n := range []int{0, 1, 2} {
				want := other
				if PluralForm(lang, n) == One {
					want = one
				}
				args := sampleArgs(want, n)
				got := N(base, n, args...)
				if got != fmt.Sprintf(want, args...) {
					t.Errorf("%s/%s/%d: N = %q, want the form %q", lang, base, n, got, want)
				}
				if strings.Contains(got, "(s)") || strings.Contains(got, "%!") {
					t.Errorf("%s/%s/%d: %q", lang, base, n, got)
				}
				fmt.Fprintf(&out, "%s %s %d: %s\n", lang, base, n, got)
			}
		}
	}
	golden := filepath.Join("testdata", "counted.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != out.String() {
		t.Errorf("counted messages differ from %s (go test -update rewrites it):\n%s", golden, out.String())
	}
}

func TestNFallback(t *testing.T) {
	if err := Load(assets.Translations, "translations"); err != nil {
		t.Fatal(err)
	}
	if got := N("no.such.counted", 2); got != "no.such.counted" {
		t.Errorf("missing key: %q", got)
	}
}

// TestNoParenthesisedPlural: no message of the catalogue writes a plural
// as "(s)": a counted message has plural forms.
func TestNoParenthesisedPlural(t *testing.T) {
	if err := Load(assets.Translations, "translations"); err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for k, v := range Messages(lang) {
			if strings.Contains(v, "(s)") || strings.Contains(v, "(es)") {
				t.Errorf("%s/%s: %q writes a plural in parentheses: use plural forms (i18n.N)", lang, k, v)
			}
		}
	}
}

// TestNoBreakAfterNumero: "n° 221" never breaks between the sign and the
// number (a non-breaking space), nor "14 h 05".
func TestNoBreakAfterNumero(t *testing.T) {
	if err := Load(assets.Translations, "translations"); err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for k, v := range Messages(lang) {
			if strings.Contains(v, "n° ") || strings.Contains(v, "N° ") {
				t.Errorf("%s/%s: %q: « n° » followed by a breaking space", lang, k, v)
			}
		}
	}
}
