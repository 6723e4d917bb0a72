package calllist

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// entries builds entries from "id:rank" or "id:rank:absent" items.
func entries(items ...string) []Entry {
	es := make([]Entry, len(items))
	for k, it := range items {
		f := strings.Split(it, ":")
		rank, err := strconv.Atoi(f[1])
		if err != nil {
			panic(err)
		}
		es[k] = Entry{Intern: f[0], Rank: rank, Absent: len(f) > 2}
	}
	return es
}

// mg returns eligible MG interns; an id ending in "!" has an absence prévue.
func mg(ids ...string) []EligibleIntern {
	el := make([]EligibleIntern, len(ids))
	for k, id := range ids {
		el[k] = EligibleIntern{Intern: strings.TrimSuffix(id, "!"), Specialty: "MG", Absent: strings.HasSuffix(id, "!")}
	}
	return el
}

func TestCheck(t *testing.T) {
	good := entries("a:1", "b:2", "c:3", "d:4")
	abcd := mg("a", "b", "c", "d")
	tests := []struct {
		name     string
		entries  []Entry
		eligible []EligibleIntern
		places   map[string]int
		want     []Problem
	}{
		{"valid", good, abcd, map[string]int{"MG": 4}, nil},
		{"valid, absent intern flagged and not counted", entries("a:1", "b:2:absent", "c:3", "d:4"),
			mg("a", "b!", "c", "d"), map[string]int{"MG": 3}, nil},
		{"empty list, nobody eligible", nil, nil, nil, nil},
		{"missing intern", good, mg("a", "b", "c", "d", "e"), nil, []Problem{
			{Severity: Error, Kind: KindMissing, Interns: []string{"e"}, Specialty: "MG"},
		}},
		{"unknown intern", entries("a:1", "b:2", "x:3", "c:4", "d:5"), abcd, nil, []Problem{
			{Severity: Error, Kind: KindUnknown, Interns: []string{"x"}, Ranks: []int{3}},
		}},
		{"intern listed twice", entries("a:1", "b:2", "a:3", "c:4", "d:5"), abcd, nil, []Problem{
			{Severity: Error, Kind: KindDuplicateIntern, Interns: []string{"a"}, Ranks: []int{1, 3}},
		}},
		{"eligible intern given twice and missing", good, mg("a", "b", "c", "d", "e", "e"), nil, []Problem{
			{Severity: Error, Kind: KindDuplicateEligible, Interns: []string{"e"}},
			{Severity: Error, Kind: KindMissing, Interns: []string{"e"}, Specialty: "MG"},
		}},
		{"rank given twice, rank skipped", entries("a:1", "b:2", "c:2", "d:4"), abcd, nil, []Problem{
			{Severity: Error, Kind: KindDuplicateRank, Interns: []string{"b", "c"}, Ranks: []int{2}},
			{Severity: Error, Kind: KindRankGap, Ranks: []int{3}},
		}},
		{"ranks out of range", entries("a:0", "b:2", "c:3", "d:7"), abcd, nil, []Problem{
			{Severity: Error, Kind: KindRankRange, Interns: []string{"a"}, Ranks: []int{0}, Count: 4},
			{Severity: Error, Kind: KindRankRange, Interns: []string{"d"}, Ranks: []int{7}, Count: 4},
			{Severity: Error, Kind: KindRankGap, Ranks: []int{1}},
			{Severity: Error, Kind: KindRankGap, Ranks: []int{4}},
		}},
		{"ranks out of order", entries("a:1", "c:3", "b:2", "d:4"), abcd, nil, []Problem{
			{Severity: Error, Kind: KindRankOrder, Interns: []string{"b"}, Ranks: []int{2}},
		}},
		{"absence prévue not flagged", good, mg("a", "b!", "c", "d"), nil, []Problem{
			{Severity: Error, Kind: KindAbsentNotFlagged, Interns: []string{"b"}, Ranks: []int{2}},
		}},
		{"flagged absent without absence prévue", entries("a:1", "b:2", "c:3:absent", "d:4"), abcd, nil, []Problem{
			{Severity: Error, Kind: KindFlaggedNotAbsent, Interns: []string{"c"}, Ranks: []int{3}},
		}},
		{"more interns than places", good, abcd, map[string]int{"MG": 3}, []Problem{
			{Severity: Error, Kind: KindTooFewPlaces, Specialty: "MG", Count: 4, Places: 3},
		}},
		{"places 25 % above interns: warning", good, abcd, map[string]int{"MG": 5}, []Problem{
			{Severity: Warning, Kind: KindTooManyPlaces, Specialty: "MG", Count: 4, Places: 5},
		}},
		{"places exactly 20 % above interns: fine", entries("a:1", "b:2", "c:3", "d:4", "e:5"),
			mg("a", "b", "c", "d", "e"), map[string]int{"MG": 6}, nil},
		{"specialty without places, places without interns", good,
			append(mg("a", "b", "c"), EligibleIntern{Intern: "d", Specialty: "PSY"}),
			map[string]int{"MG": 3, "PED": 2}, []Problem{
				{Severity: Warning, Kind: KindTooManyPlaces, Specialty: "PED", Count: 0, Places: 2},
				{Severity: Error, Kind: KindTooFewPlaces, Specialty: "PSY", Count: 1, Places: 0},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &List{ID: "l", Version: 1, Seed: seed, Entries: tt.entries}
			r := Check(l, tt.eligible, tt.places)
			want := tt.want
			if want == nil {
				want = []Problem{}
			}
			if !reflect.DeepEqual(r.Problems, want) {
				t.Errorf("problems\n got %+v\nwant %+v", r.Problems, want)
			}
			wantOK := true
			for _, p := range want {
				wantOK = wantOK && p.Severity != Error
			}
			if r.OK() != wantOK {
				t.Errorf("OK() = %v, want %v", r.OK(), wantOK)
			}
			for _, p := range r.Problems {
				for _, lang := range []string{"fr", "en"} {
					msg := p.Message(lang)
					for _, id := range p.Interns {
						if !strings.Contains(msg, strconv.Quote(id)) {
							t.Errorf("%s message %q does not name %q", lang, msg, id)
						}
					}
					for _, r := range p.Ranks {
						if !strings.Contains(msg, strconv.Itoa(r)) {
							t.Errorf("%s message %q does not give rank %d", lang, msg, r)
						}
					}
					if p.Specialty != "" && !strings.Contains(msg, strconv.Quote(p.Specialty)) {
						t.Errorf("%s message %q does not name specialty %q", lang, msg, p.Specialty)
					}
				}
				if p.Message("fr") == p.Message("en") {
					t.Errorf("same message in both languages: %q", p.Message("fr"))
				}
			}
		})
	}
}

// TestCheckGolden checks version 1 of the golden scenario against the interns who really
// had to choose in it, October 2020 style: two interns of the promo 2017 not counted, an
// absent intern not flagged, and far too many places for the interns on the list.
func TestCheckGolden(t *testing.T) {
	l := computeVersion(t, readCandidates(t), 1, "liste initiale")
	var eligible []EligibleIntern
	for _, e := range l.Entries {
		eligible = append(eligible, EligibleIntern{Intern: e.Intern, Specialty: "MG", Absent: e.Intern == "ines"})
	}
	eligible = append(eligible,
		EligibleIntern{Intern: "karim", Specialty: "MG"},
		EligibleIntern{Intern: "lea", Specialty: "MG"})
	r := Check(l, eligible, map[string]int{"MG": 14, "PED": 3})
	if r.OK() {
		t.Error("OK() with errors")
	}
	var out strings.Builder
	for _, lang := range []string{"fr", "en"} {
		for k, msg := range r.Messages(lang) {
			out.WriteString(string(r.Problems[k].Severity) + ": " + msg + "\n")
		}
	}
	golden(t, "check-v1.golden.txt", []byte(out.String()))
}
