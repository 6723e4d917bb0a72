// Package paris writes and reads times as the procedure states them: in
// Paris time (Europe/Paris, from the tzdata embedded in the binary, so a
// server in UTC or a laptop abroad shows the same hour), to the minute,
// saying so. Every screen, e-mail and command uses it.
package paris

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris even without the system's zoneinfo
)

// Location is Europe/Paris.
var Location = mustLoad()

func mustLoad() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic("paris: " + err.Error()) // the embedded tzdata has it
	}
	return l
}

// Format writes t in Paris time for a reader of lang ("fr" or "en"):
// "02/12/2026 à 14:30 (heure de Paris)" or "2026-12-02 14:30 (Paris time)".
// The zero time is "".
func Format(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(Location)
	if lang == "en" {
		return t.Format("2006-01-02 15:04") + " (Paris time)"
	}
	return t.Format("02/01/2006 à 15:04") + " (heure de Paris)"
}

// Layout is how a person types a time in a form: "02/01/2006 15:04",
// Paris time.
const Layout = "02/01/2006 15:04"

// Parse reads a time typed by a person, Paris time: the form's Layout,
// "2026-09-01 00:01" (or with a T, or seconds), a date alone, or RFC 3339
// with its own offset.
func Parse(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{Layout, "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, Location); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q illisible : « 01/09/2026 00:01 », « 2026-09-01 00:01 » heure de Paris, ou RFC 3339 (unreadable time)", s)
}
