package viewmodel

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
)

// The admin's side of the live reveal (issue 6, point 4): start it on a
// matched choix au rang, at a pace, and see where it stands.

// DefaultLivePace is the pace proposed for a live reveal, in ranks a minute.
const DefaultLivePace = 60

// CanStartLive reports whether the live reveal of the current round may
// start (or change pace): a matched, unpublished online choix au rang.
func (a *Admin) CanStartLive() bool {
	r := a.Round
	return r != nil && r.Procedure == domain.ChoixAuRang && r.Number < 3 && r.State == domain.StateMatched &&
		a.Detail != nil && a.Detail.Preview != nil && !a.published()
}

// liveTotal is the number of turns of the previewed result.
func (a *Admin) liveTotal() int {
	if a.Detail == nil || a.Detail.Preview == nil {
		return 0
	}
	return len(a.Detail.Preview.Assignments) + len(a.Detail.Preview.Unmatched)
}

// LiveStatus says where the live reveal of the current round stands at
// now (server time as the app knows it), "" when none was started.
func (a *Admin) LiveStatus(now time.Time) string {
	if a.Round == nil || a.Round.LiveStart.IsZero() || a.published() {
		return ""
	}
	total := a.liveTotal()
	revealed, _ := rules.LiveCursor(a.Round.LiveStart, a.Round.LivePace, total, now)
	if revealed >= total {
		return i18n.T("admin.live_done", total, FormatTime(a.Round.LiveStart))
	}
	return i18n.T("admin.live_status", FormatTime(a.Round.LiveStart), revealed, total, i18n.N("count.ranks", a.Round.LivePace, a.Round.LivePace))
}

// ParsePace reads a pace in ranks a minute, 1 to api.MaxLivePace.
func ParsePace(text string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 1 || n > api.MaxLivePace {
		return 0, fmt.Errorf("%s", i18n.T("admin.live_bad_pace"))
	}
	return n, nil
}

// StartLive starts the live reveal of the current round at pace ranks a
// minute (or changes its pace). It blocks.
func (a *Admin) StartLive(ctx context.Context, pace int) error {
	c, err := a.Svc.Signed()
	if err != nil {
		return err
	}
	if _, err := c.StartLive(ctx, a.RoundID(), pace, ""); err != nil {
		return fmt.Errorf("start the live reveal of %s: %w", a.RoundID(), err)
	}
	return nil
}
