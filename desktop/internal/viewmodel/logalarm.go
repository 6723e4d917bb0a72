package viewmodel

import (
	"time"

	"fmt"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/service"
	"appariement/shared/translog"
)

// LogAlarm is the alarm of a server that showed this app two incompatible
// histories of its log: the banner's text and the evidence kept (both
// signed checkpoints, in the local cache).
type LogAlarm struct {
	Text     string // the banner, in the selected language
	Evidence string // both signed checkpoints, for "copy the evidence"
}

// Alarm returns the alarm of the latest fork the app saw, nil if none.
func Alarm(svc *service.Service) *LogAlarm {
	f, err := svc.Alarm()
	if err != nil || f == nil {
		return nil
	}
	var older, newer int64
	if t, err := svc.Verifier.OpenCheckpoint(f.Trusted); err == nil {
		older = t.N
	}
	if t, err := svc.Verifier.OpenCheckpoint(f.Offered); err == nil {
		newer = t.N
	}
	return &LogAlarm{
		Text:     i18n.T("log.fork", FormatTime(f.DetectedAt), i18n.N("count.entries", int(older), older), i18n.N("count.entries", int(newer), newer)),
		Evidence: evidence(f),
	}
}

func evidence(f *translog.Fork) string {
	return fmt.Sprintf("Appariement — fork evidence (%s, %s)\nreason: %s\n\n-- trusted checkpoint --\n%s\n-- offered checkpoint --\n%s",
		f.Source, f.DetectedAt.UTC().Format(time.RFC3339), f.Reason, f.Trusted, f.Offered)
}

// Alarm returns the alarm of a forked log, nil if none (see Alarm).
func (a *Intern) Alarm() *LogAlarm { return Alarm(a.Svc) }

// Cosigned says how many known witnesses cosigned the checkpoint behind a
// receipt or a result (" — cosigné par 2 sur 3 témoins connus"), "" when the app
// knows no witness.
func Cosigned(svc *service.Service, checkpoint string) string {
	k, n := svc.Cosigners(checkpoint)
	if n == 0 {
		return ""
	}
	return " — " + i18n.T("log.cosigned", k, i18n.N("count.known_witnesses", n, n))
}
