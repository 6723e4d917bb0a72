package calllist

// Move is the change of one intern between two published versions of a call list: a new
// rank, an addition, a removal, or a change of its absence flag. It becomes the intern's
// notice (see Move.Message).
type Move struct {
	// Intern is the intern's id.
	Intern string `json:"intern"`
	// OldRank is the intern's rank in the old version; 0 when it was added.
	OldRank int `json:"old_rank"`
	// NewRank is the intern's rank in the new version; 0 when it was removed.
	NewRank int `json:"new_rank"`
	// Delta is OldRank − NewRank when the intern is on both versions: positive when it
	// moves up (chooses earlier), negative when it moves down; 0 otherwise.
	Delta int `json:"delta"`
	// WasAbsent is the intern's absence flag in the old version.
	WasAbsent bool `json:"was_absent,omitempty"`
	// Absent is the intern's absence flag in the new version.
	Absent bool `json:"absent,omitempty"`
	// Reason explains the change: the note of the intern's new entry when it has one,
	// otherwise the new version's Reason.
	Reason string `json:"reason,omitempty"`
}

// Added reports whether the intern was not on the old version.
func (m Move) Added() bool { return m.OldRank == 0 }

// Removed reports whether the intern is not on the new version.
func (m Move) Removed() bool { return m.NewRank == 0 }

// Diff returns the changes from version from to version to of a call list: one Move for
// every intern whose rank or absence flag changed, who was added or who was removed;
// interns left unchanged are omitted. Moves come in the order of the new version, then the
// removed interns in the order of the old one. The lists are expected to pass Check; an
// intern listed twice counts at its first entry.
func Diff(from, to *List) []Move {
	old := make(map[string]Entry, len(from.Entries))
	for _, e := range from.Entries {
		if _, dup := old[e.Intern]; !dup {
			old[e.Intern] = e
		}
	}
	seen := make(map[string]bool, len(to.Entries))
	moves := []Move{}
	for _, e := range to.Entries {
		if seen[e.Intern] {
			continue
		}
		seen[e.Intern] = true
		reason := to.Reason
		if e.Note != "" {
			reason = e.Note
		}
		o, ok := old[e.Intern]
		switch {
		case !ok:
			moves = append(moves, Move{Intern: e.Intern, NewRank: e.Rank, Absent: e.Absent, Reason: reason})
		case o.Rank != e.Rank || o.Absent != e.Absent:
			moves = append(moves, Move{Intern: e.Intern, OldRank: o.Rank, NewRank: e.Rank,
				Delta: o.Rank - e.Rank, WasAbsent: o.Absent, Absent: e.Absent, Reason: reason})
		}
	}
	for _, e := range from.Entries {
		if !seen[e.Intern] {
			seen[e.Intern] = true
			moves = append(moves, Move{Intern: e.Intern, OldRank: e.Rank, WasAbsent: e.Absent, Reason: to.Reason})
		}
	}
	return moves
}
