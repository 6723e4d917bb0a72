package calllist

import (
	"reflect"
	"strings"
	"testing"
)

// TestPairTurns: a binôme chooses at the later of its two ranks; one with an absent intern
// does not choose together; a pair naming an intern off the list or linked twice is refused.
func TestPairTurns(t *testing.T) {
	l := &List{ID: "R1", Version: 1, Entries: []Entry{
		{Rank: 1, Intern: "a"}, {Rank: 2, Intern: "b"}, {Rank: 3, Intern: "c", Absent: true},
		{Rank: 4, Intern: "d"}, {Rank: 5, Intern: "e"}, {Rank: 6, Intern: "f"},
	}}
	tests := []struct {
		name  string
		pairs [][2]string
		want  []PairTurn
		err   string
	}{
		{"none", nil, []PairTurn{}, ""},
		{"later rank, sorted by turn", [][2]string{{"f", "b"}, {"d", "a"}}, []PairTurn{
			{Interns: [2]string{"a", "d"}, Ranks: [2]int{1, 4}, ChoosesAt: 4},
			{Interns: [2]string{"b", "f"}, Ranks: [2]int{2, 6}, ChoosesAt: 6},
		}, ""},
		{"absent", [][2]string{{"c", "e"}, {"a", "b"}}, []PairTurn{
			{Interns: [2]string{"a", "b"}, Ranks: [2]int{1, 2}, ChoosesAt: 2},
			{Interns: [2]string{"c", "e"}, Ranks: [2]int{3, 5}, ChoosesAt: 0},
		}, ""},
		{"off the list", [][2]string{{"a", "z"}}, nil, "binôme a + z : l'interne z n'est pas dans la liste d'appel R1"},
		{"linked twice", [][2]string{{"a", "b"}, {"b", "d"}}, nil, "binôme b + d : un interne est déjà lié"},
		{"self", [][2]string{{"a", "a"}}, nil, "binôme a + a : un interne est déjà lié"},
	}
	for _, tt := range tests {
		got, err := l.PairTurns(tt.pairs)
		switch {
		case tt.err != "":
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("%s: got %v, want %q", tt.name, err, tt.err)
			}
		case err != nil || !reflect.DeepEqual(got, tt.want):
			t.Errorf("%s: got %+v, %v, want %+v", tt.name, got, err, tt.want)
		}
	}
}

// TestPairMarks: each intern of a binôme is marked with the partner and
// the later rank of the two (0 with an absent intern); pairs off the list,
// repeated or linking an intern twice mark nothing more.
func TestPairMarks(t *testing.T) {
	l := &List{ID: "R1", Version: 1, Entries: []Entry{
		{Rank: 1, Intern: "a"}, {Rank: 2, Intern: "b"}, {Rank: 3, Intern: "c", Absent: true},
		{Rank: 4, Intern: "d"}, {Rank: 5, Intern: "e"},
	}}
	for _, tt := range []struct {
		name  string
		pairs [][2]string
		want  map[string]PairMark
	}{
		{"none", nil, map[string]PairMark{}},
		{"one pair", [][2]string{{"d", "a"}}, map[string]PairMark{"a": {"d", 4}, "d": {"a", 4}}},
		{"absent", [][2]string{{"c", "e"}}, map[string]PairMark{"c": {"e", 0}, "e": {"c", 0}}},
		{"the same pair twice", [][2]string{{"a", "b"}, {"b", "a"}}, map[string]PairMark{"a": {"b", 2}, "b": {"a", 2}}},
		{"off the list, self, linked twice", [][2]string{{"a", "z"}, {"e", "e"}, {"a", "b"}, {"b", "d"}},
			map[string]PairMark{"a": {"b", 2}, "b": {"a", 2}}},
	} {
		if got := l.PairMarks(tt.pairs); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
