package rules

import (
	"fmt"
	"regexp"
	"strconv"
)

// roundNumber finds the number of a round in its name: "Tour 1 (démo)",
// "Appariement — tour 1 (démonstration)", "Round 2".
var roundNumber = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:tour|round)\s+(\d+)`)

// NextRoundName names round n derived from a round named name: the
// round's number in the name is replaced ("Tour 1 (démo)" gives "Tour 2
// (démo)", "Appariement — tour 2 (démonstration)" gives "Appariement —
// tour 3 (démonstration)"); a name without one gets " — tour n"; an empty
// name gives "Tour n".
func NextRoundName(name string, n int) string {
	if name == "" {
		return fmt.Sprintf("Tour %d", n)
	}
	if loc := roundNumber.FindStringSubmatchIndex(name); loc != nil {
		return name[:loc[2]] + strconv.Itoa(n) + name[loc[3]:]
	}
	return fmt.Sprintf("%s — tour %d", name, n)
}
