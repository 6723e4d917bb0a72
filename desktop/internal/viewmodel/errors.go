// Package viewmodel holds the state and behaviour of the desktop app's
// screens in plain Go, so that they can be tested without a window: the
// widgets of package ui only display what a view model says and forward
// the user's actions to it.
//
// View models are not safe for concurrent use: call them from the UI
// goroutine. Methods that talk to the network (Sync, Sign, Fetch…) are
// split in a part that may run in the background, returning data, and a
// part that applies it, to be called back on the UI goroutine.
package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/paris"
	"appariement/shared/translog"
)

// Message turns an error into a sentence for the user, in the selected
// language. The server's refusals keep the server's own words.
func Message(err error) string {
	if err == nil {
		return ""
	}
	if translog.IsFork(err) {
		return i18n.T("err.log_fork")
	}
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		return i18n.Pick(apiErr.Message, apiErr.MessageEN)
	}
	for e, key := range map[error]string{
		service.ErrWeakPassphrase:     "err.weak_passphrase",
		service.ErrPassphraseMismatch: "err.passphrase_mismatch",
		service.ErrServerKeyMismatch:  "err.server_key_mismatch",
		service.ErrInsecureServer:     "err.insecure_server",
		service.ErrServerNotChecked:   "err.server_not_checked",
		service.ErrLocked:             "err.locked",
		service.ErrNotEligible:        "err.not_eligible",
		service.ErrEmptyList:          "err.empty_list",
		service.ErrNotPDF:             "err.not_pdf",
		service.ErrFileTampered:       "err.file_tampered",
		service.ErrFileTooLarge:       "err.file_too_large",
		service.ErrFileEmpty:          "err.file_empty",
		service.ErrWindowClosed:       "err.window_closed",
		service.ErrMissingField:       "err.missing_field",
		service.ErrCallListDraw:       "err.call_list_draw",
		keystore.ErrWrongPassphrase:   "err.wrong_passphrase",
		keystore.ErrCorrupted:         "err.key_corrupted",
		context.DeadlineExceeded:      "err.unreachable",
	} {
		if errors.Is(err, e) {
			if key == "err.file_too_large" {
				return i18n.T(key, api.MaxFileSize>>20)
			}
			return i18n.T(key)
		}
	}
	if ok, _ := client.Retryable(err); ok {
		return i18n.T("err.unreachable")
	}
	var form *UserError
	if errors.As(err, &form) {
		return form.Msg
	}
	return i18n.T("err.generic", err.Error())
}

// FormatTime formats a time for the user: Paris time, to the minute,
// saying so (shared/paris), on every screen alike.
func FormatTime(t time.Time) string { return paris.Format(t, i18n.Language()) }

// FormatClock formats the time of day of t in Paris time, to the minute,
// saying so (shared/paris): "20 h 15 (heure de Paris)", for "nouvel essai
// à …" and the pace of a live reveal.
func FormatClock(t time.Time) string { return paris.Clock(t, i18n.Language()) }

// FormatWait writes a short wait as a person reads it, rounded to the
// second: "9 s", "1 min 30 s", "2 min" (not Go's "9s", "1m30s").
func FormatWait(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	m, s := s/60, s%60
	switch {
	case m == 0:
		return fmt.Sprintf("%d\u00a0s", s)
	case s == 0:
		return fmt.Sprintf("%d\u00a0min", m)
	}
	return fmt.Sprintf("%d\u00a0min %d\u00a0s", m, s)
}

// FormatSize formats a byte count.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f Mo", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d ko", n>>10)
	}
	return fmt.Sprintf("%d o", n)
}

// Thousands formats n with thin spaces between groups of three digits (French).
func Thousands(n int) string {
	s := fmt.Sprint(n)
	sep := "\u202f"
	if i18n.Language() == "en" {
		sep = ","
	}
	out := ""
	for len(s) > 3 {
		out = sep + s[len(s)-3:] + out
		s = s[:len(s)-3]
	}
	return s + out
}
