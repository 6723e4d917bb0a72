//go:build !unix

package loadtest

import "errors"

// launchPG is unix-only (pgtest starts PostgreSQL as an unprivileged user).
func launchPG() (string, func(), error) {
	return "", func() {}, errors.New("loadtest -pg : Unix seulement / Unix only; use -store postgres://…")
}
