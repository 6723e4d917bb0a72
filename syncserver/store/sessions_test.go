package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestOtherSessionsMessage: the refusal counts the sessions in French then
// English, singular and plural (0 is never refused), and lists each.
func TestOtherSessionsMessage(t *testing.T) {
	s := Session{Application: "appariement", Client: "10.0.0.2:5000", Since: time.Unix(1_800_000_000, 0), State: "idle"}
	for _, tc := range []struct {
		n      int
		fr, en string
	}{
		{1, "1 autre session ouverte sur la base", "1 other session open on the database"},
		{2, "2 autres sessions ouvertes sur la base", "2 other sessions open on the database"},
	} {
		e := &OtherSessionsError{Op: "Rotation de la clé du serveur", OpEn: "server key rotation", Sessions: make([]Session, tc.n)}
		for i := range e.Sessions {
			e.Sessions[i] = s
		}
		msg := e.Error()
		fr, en := strings.Index(msg, tc.fr), strings.Index(msg, tc.en)
		if fr < 0 || en < fr || !strings.HasPrefix(msg, "Rotation de la clé du serveur refusée") ||
			strings.Count(msg, "appariement (10.0.0.2:5000), connecté depuis / connected since 2027-01-15T08:00:00Z, idle") != tc.n {
			t.Errorf("%d sessions: %s", tc.n, msg)
		}
		if !errors.Is(e, ErrOtherSessions) {
			t.Error("not ErrOtherSessions")
		}
	}
}
