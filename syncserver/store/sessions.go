package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Session is another process that has the store open: a server node, a
// tool, an operator's SQL session.
type Session struct {
	Application string    // its application name ("appariement" for a server node or tool)
	Client      string    // its address (host:port), "" for a local socket
	Since       time.Time // when it connected
	State       string    // what it is doing (active, idle, idle in transaction…)
}

// String describes the session for an operator.
func (s Session) String() string {
	where := s.Client
	if where == "" {
		where = "socket locale / local socket"
	}
	app := s.Application
	if app == "" {
		app = "?"
	}
	return fmt.Sprintf("%s (%s), connecté depuis / connected since %s, %s", app, where, s.Since.UTC().Format(time.RFC3339), s.State)
}

// Sessions is part of every Tx: who else has the backend open now.
type Sessions interface {
	// OtherSessions returns the other processes that have the backend
	// open, oldest first: none for a backend that one process holds
	// alone (bbolt: its file lock), the database's other client
	// connections for a shared one (PostgreSQL), the connections of this
	// process's own Backend excluded. Operations that every node must see
	// at once, such as a rotation of the signing key (RotateKey), are
	// refused while there are any.
	OtherSessions() ([]Session, error)
}

// ErrOtherSessions is returned (wrapped in an *OtherSessionsError) by an
// operation refused because other processes have the store open.
var ErrOtherSessions = errors.New("store: other processes have the store open")

// OtherSessionsError lists the sessions that made an operation refuse.
type OtherSessionsError struct {
	Op, OpEn string // what was refused, in French and in English
	Sessions []Session
}

func (e *OtherSessionsError) Error() string {
	n := len(e.Sessions)
	fr, en := fmt.Sprintf("%d autre session ouverte", n), fmt.Sprintf("%d other session open", n)
	if n > 1 {
		fr, en = fmt.Sprintf("%d autres sessions ouvertes", n), fmt.Sprintf("%d other sessions open", n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s refusée : %s sur la base ; arrêtez chaque nœud (serve) et fermez ces sessions, puis recommencez "+
		"/ %s refused: %s on the database; stop every node (serve) and close these sessions, then try again:", e.Op, fr, e.OpEn, en)
	for _, s := range e.Sessions {
		b.WriteString("\n  - ")
		b.WriteString(s.String())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrOtherSessions) hold.
func (e *OtherSessionsError) Unwrap() error { return ErrOtherSessions }

// OtherSessions returns the other processes that have the store open
// (Sessions).
func (s *Store) OtherSessions() ([]Session, error) {
	var out []Session
	err := s.b.View(func(tx Tx) (err error) {
		out, err = tx.OtherSessions()
		return err
	})
	return out, err
}
