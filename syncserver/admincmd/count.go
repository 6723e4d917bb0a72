package admincmd

import (
	"fmt"

	"appariement/shared/plural"
)

// count writes the count n with its French word, one or other by the
// plural rule (« 0 erreur », « 1 erreur », « 2 erreurs »).
func count(n int, one, other string) string {
	return fmt.Sprintf("%d %s", n, plural.FR(n, one, other))
}
