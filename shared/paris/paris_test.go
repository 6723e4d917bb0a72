package paris

import (
	"testing"
	"time"
)

func TestFormatAndParse(t *testing.T) {
	winter := time.Date(2026, 12, 2, 13, 30, 59, 0, time.UTC)
	summer := time.Date(2026, 7, 1, 22, 5, 0, 0, time.UTC)
	for _, c := range []struct {
		t        time.Time
		lang     string
		want     string
		typedFmt string
	}{
		{winter, "fr", "2\u00a0déc.\u00a02026 à 14\u00a0h\u00a030 (heure de Paris)", "02/12/2026 14:30"},
		{winter, "en", "2\u00a0Dec\u00a02026, 14:30 (Paris time)", "2026-12-02 14:30"},
		{summer, "fr", "2\u00a0juil.\u00a02026 à 0\u00a0h\u00a005 (heure de Paris)", "02/07/2026 00:05"},
		{time.Time{}, "fr", "", ""},
	} {
		if got := Format(c.t, c.lang); got != c.want {
			t.Errorf("Format(%s, %s) = %q, want %q", c.t, c.lang, got, c.want)
		}
		if c.typedFmt == "" {
			continue
		}
		got, err := Parse(c.typedFmt)
		if err != nil || !got.Equal(c.t.Truncate(time.Minute)) {
			t.Errorf("Parse(%q) = %s, %v; want %s", c.typedFmt, got, err, c.t.Truncate(time.Minute))
		}
	}
	if got, err := Parse("2026-12-02T14:30:00+01:00"); err != nil || !got.Equal(winter.Truncate(time.Minute)) {
		t.Errorf("RFC 3339: %s %v", got, err)
	}
	for _, bad := range []string{"", "demain", "32/12/2026 10:00", "2026-13-01"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestClock(t *testing.T) {
	at := time.Date(2026, 3, 29, 1, 5, 7, 0, time.UTC) // the day summer time starts: 3 h 05 in Paris
	if got := Clock(at, "fr"); got != "3\u00a0h\u00a005 (heure de Paris)" {
		t.Errorf("fr: %q", got)
	}
	if got := Clock(at, "en"); got != "03:05 (Paris time)" {
		t.Errorf("en: %q", got)
	}
	if Clock(time.Time{}, "fr") != "" {
		t.Error("zero time")
	}
}

// TestTyped: the typed form of a time in winter and summer time, and the
// zero time.
func TestTyped(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 12, 2, 13, 30, 59, 0, time.UTC), "02/12/2026 14:30"},
		{time.Date(2026, 7, 1, 22, 5, 0, 0, time.UTC), "02/07/2026 00:05"},
		{time.Time{}, ""},
	} {
		if got := Typed(c.t); got != c.want {
			t.Errorf("Typed(%v) = %q, want %q", c.t, got, c.want)
		}
		if got, err := Parse(c.want); c.want != "" && (err != nil || !got.Equal(c.t.Truncate(time.Minute))) {
			t.Errorf("Parse(Typed(%v)) = %v, %v", c.t, got, err)
		}
	}
}
