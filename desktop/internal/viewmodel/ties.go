package viewmodel

import "slices"

// The ex aequo of an ordered list (a ranking, a wish list) are kept as the
// ids tied with the one above them (the drafts' Tied). After a change of
// order, both the RTS's ranking and the intern's wish list settle them with
// the one rule below.

// rankByID maps each id of list to its rank in ranks, the draft's Ranks()
// (equal for ex aequo; nil when nothing is tied: each id's place).
func rankByID(list []string, ranks []int) map[string]int {
	out := make(map[string]int, len(list))
	for i, id := range list {
		out[id] = i + 1
		if ranks != nil {
			out[id] = ranks[i]
		}
	}
	return out
}

// settleTies returns tied after list changed order: an id stays ex aequo
// with the one now above it only if that one shared its rank before the
// change (before, rankByID of the draft's ranks then); the loose ids (the ones the
// user moved alone) and an id now first or gone leave their group. So a
// tie group moved together stays a group, and the id that followed one
// moved away does not join the group of its new neighbour.
func settleTies(list, tied []string, before map[string]int, loose ...string) []string {
	pos := make(map[string]int, len(list))
	for i, id := range list {
		pos[id] = i
	}
	return slices.DeleteFunc(tied, func(id string) bool {
		i, ok := pos[id]
		return !ok || i == 0 || slices.Contains(loose, id) || before[list[i-1]] != before[id]
	})
}
