package viewmodel

import "slices"

// The ex aequo of an ordered list (a ranking, a wish list) are kept as the
// ids tied with the one above them (the drafts' Tied). After a change of
// order, both the RTS's ranking and the intern's wish list settle them with
// the one rule below.

// tiedRanks is the rank each id of list shows: its place, or the place of
// the first of its tie group (tied: the ids ex aequo with the one above).
func tiedRanks(list, tied []string) map[string]int {
	out := make(map[string]int, len(list))
	for i, id := range list {
		out[id] = i + 1
		if i > 0 && slices.Contains(tied, id) {
			out[id] = out[list[i-1]]
		}
	}
	return out
}

// settleTies returns tied after list changed order: an id stays ex aequo
// with the one now above it only if that one shared its rank before the
// change (before, as tiedRanks gave it then); the loose ids (the ones the
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
