// Package rounds holds what the server does with a round beyond its rules
// (shared/rules): the freezing of its input from the transparency log, the
// matching and the derivation of round 2 and round 3 from the round before.
package rounds

import "fmt"

// errorf wraps an internal error with the round's id.
func errorf(round, format string, args ...any) error {
	return fmt.Errorf("rounds: %s: "+format, append([]any{round}, args...)...)
}
