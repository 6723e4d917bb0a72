package viewmodel

import (
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/outbox"
)

// syncMark is a screen's last synchronisation with the server, for its
// status line; the intern's and the RTS's view models embed it.
type syncMark struct {
	// LastSync is when the last sync finished or the outbox last
	// delivered.
	LastSync time.Time
	// delivered is how many items the outbox had delivered (accepted or
	// refused) when Observe last saw its status.
	delivered int
}

// Observe takes the outbox's status (on each OnStatus) and reports
// whether the outbox delivered or had refused something since the last
// call: the versions (and an intern's files) are then to reload
// (Refresh). A delivery counts as a synchronisation.
func (m *syncMark) Observe(st outbox.Status) bool {
	n := st.Accepted + st.Refused
	if n == m.delivered {
		return false
	}
	if n > m.delivered {
		m.LastSync = time.Now()
	}
	m.delivered = n
	return true
}

// lastSync is the status line's " — dernière synchronisation le …", or ""
// before the first one.
func (m *syncMark) lastSync() string {
	if m.LastSync.IsZero() {
		return ""
	}
	return " — " + i18n.T("sync.last", FormatTime(m.LastSync))
}
