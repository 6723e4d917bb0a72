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

// Format writes t in Paris time for a reader of lang ("fr" or "en"), to
// the minute, the same way on every screen, e-mail and command:
// "3 déc. 2026 à 14 h 05 (heure de Paris)" or "3 Dec 2026, 14:05 (Paris
// time)". The spaces inside the date and the hour are non-breaking, so a
// wrapped label never cuts "14 h 05". The zero time is "".
func Format(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(Location)
	if lang == "en" {
		return fmt.Sprintf("%d\u00a0%s\u00a0%d, %s", t.Day(), t.Month().String()[:3], t.Year(), Clock(t, lang))
	}
	return fmt.Sprintf("%d\u00a0%s\u00a0%d à %s", t.Day(), moisCourts[t.Month()-1], t.Year(), Clock(t, lang))
}

// Clock writes the time of day of t in Paris time, to the minute, saying
// so: "14 h 05 (heure de Paris)" or "14:05 (Paris time)". The zero time
// is "".
func Clock(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(Location)
	if lang == "en" {
		return t.Format("15:04") + " (Paris time)"
	}
	return fmt.Sprintf("%d\u00a0h\u00a0%02d (heure de Paris)", t.Hour(), t.Minute())
}

// moisCourts are the months as French abbreviates them.
var moisCourts = [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}

// Typed writes t in Paris time the way a person types it in a form
// (Layout); the zero time is "".
func Typed(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Location).Format(Layout)
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
