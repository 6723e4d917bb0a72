package calllist

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const seed = "choix-2020-10-14"

// Draw keys for seed "choix-2020-10", in increasing order:
// david 12ba… < emma 2eae… < chloe 5962… < alice 5e2b… < farid 7798… < gaelle 866a… < bruno dded….

// key is the draw key of intern, computed here without shared/draw: the
// HMAC-SHA256 keyed by the seed's bytes of the intern prefix and the id
// (docs/matching §10).
func key(intern string) string {
	m := hmac.New(sha256.New, []byte(seed))
	m.Write([]byte("appariement/draw/intern/v1\x00" + intern))
	return hex.EncodeToString(m.Sum(nil))
}

func order(l *List) []string {
	ids := make([]string, len(l.Entries))
	for k, e := range l.Entries {
		ids[k] = e.Intern
		if e.Rank != k+1 {
			panic("rank out of place")
		}
	}
	return ids
}

func TestComputeOrder(t *testing.T) {
	tests := []struct {
		name  string
		cands []Candidate
		want  []string
		ties  []Tie
	}{
		{
			name: "empty",
			want: []string{},
			ties: []Tie{},
		},
		{
			name: "seniority first, then classement",
			cands: []Candidate{
				{Intern: "alice", Seniority: 2, Classement: 100},
				{Intern: "bruno", Seniority: 4, Classement: 5000},
				{Intern: "chloe", Seniority: 2, Classement: 10},
				{Intern: "david", Seniority: 0, Classement: 1},
			},
			want: []string{"bruno", "chloe", "alice", "david"},
			ties: []Tie{},
		},
		{
			name: "three-way tie broken by the draw, not by id",
			cands: []Candidate{
				{Intern: "alice", Seniority: 2, Classement: 40},
				{Intern: "bruno", Seniority: 2, Classement: 40},
				{Intern: "chloe", Seniority: 2, Classement: 40},
				{Intern: "farid", Seniority: 2, Classement: 39},
			},
			want: []string{"farid", "chloe", "alice", "bruno"},
			ties: []Tie{{Seniority: 2, Classement: 40, Entries: []TieEntry{
				{"chloe", 2, key("chloe")}, {"alice", 3, key("alice")}, {"bruno", 4, key("bruno")},
			}}},
		},
		{
			name: "two separate ties, equal classement at different seniority is no tie",
			cands: []Candidate{
				{Intern: "gaelle", Seniority: 4, Classement: 7},
				{Intern: "emma", Seniority: 4, Classement: 7},
				{Intern: "david", Seniority: 4, Classement: 7},
				{Intern: "farid", Seniority: 3, Classement: 7},
				{Intern: "bruno", Seniority: 1, Classement: 2},
				{Intern: "alice", Seniority: 1, Classement: 2},
			},
			want: []string{"david", "emma", "gaelle", "farid", "alice", "bruno"},
			ties: []Tie{
				{Seniority: 4, Classement: 7, Entries: []TieEntry{
					{"david", 1, key("david")}, {"emma", 2, key("emma")}, {"gaelle", 3, key("gaelle")},
				}},
				{Seniority: 1, Classement: 2, Entries: []TieEntry{
					{"alice", 5, key("alice")}, {"bruno", 6, key("bruno")},
				}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, rep, err := Compute(tt.cands, seed)
			if err != nil {
				t.Fatal(err)
			}
			if got := order(l); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("order %v, want %v", got, tt.want)
			}
			if l.Seed != seed || rep.Seed != seed {
				t.Errorf("seed not recorded: list %q, report %q", l.Seed, rep.Seed)
			}
			if !reflect.DeepEqual(rep.Ties, tt.ties) {
				t.Errorf("ties\n got %+v\nwant %+v", rep.Ties, tt.ties)
			}
		})
	}
}

// TestComputeInputOrder checks that the order of the candidates does not matter.
func TestComputeInputOrder(t *testing.T) {
	cands := []Candidate{
		{Intern: "alice", Seniority: 2, Classement: 40},
		{Intern: "bruno", Seniority: 2, Classement: 40},
		{Intern: "chloe", Seniority: 3, Classement: 40},
		{Intern: "david", Seniority: 2, Classement: 40},
	}
	a, ra, _ := Compute(cands, seed)
	rev := []Candidate{cands[3], cands[2], cands[1], cands[0]}
	b, rb, _ := Compute(rev, seed)
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(ra, rb) {
		t.Errorf("input order changes the list:\n%v\n%v", order(a), order(b))
	}
	c, _, _ := Compute(cands, "another seed")
	if reflect.DeepEqual(order(a), order(c)) {
		t.Log("another seed gives the same draw (possible, but unlikely)")
	}
}

func TestComputeCopiesAbsenceAndNote(t *testing.T) {
	l, _, err := Compute([]Candidate{
		{Intern: "alice", Seniority: 2, Classement: 1, Absent: true, Note: "disponibilité"},
		{Intern: "bruno", Seniority: 2, Classement: 2},
	}, seed)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{Rank: 1, Intern: "alice", Absent: true, Note: "disponibilité"}, {Rank: 2, Intern: "bruno"}}
	if !reflect.DeepEqual(l.Entries, want) {
		t.Errorf("entries %+v, want %+v", l.Entries, want)
	}
}

func TestComputeErrors(t *testing.T) {
	tests := []struct {
		name  string
		cands []Candidate
		seed  string
		want  string
	}{
		{"empty seed", []Candidate{{Intern: "a", Classement: 1}}, "", "empty tie seed"},
		{"empty id", []Candidate{{Intern: "", Classement: 1}}, seed, "candidate #1: empty id"},
		{"duplicate", []Candidate{{Intern: "a", Classement: 1}, {Intern: "a", Classement: 2}}, seed, `intern "a": listed twice`},
		{"negative seniority", []Candidate{{Intern: "a", Seniority: -1, Classement: 1}}, seed, `intern "a": negative seniority -1`},
		{"no classement", []Candidate{{Intern: "a"}}, seed, `intern "a": classement 0, must be 1 or more`},
		{"control character", []Candidate{{Intern: "a\nb", Classement: 1}}, seed, "control character U+000A"},
		{"long id", []Candidate{{Intern: strings.Repeat("x", 65), Classement: 1}}, seed, "65 bytes, more than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, rep, err := Compute(tt.cands, tt.seed)
			if err == nil || l != nil || rep != nil {
				t.Fatalf("got %v, %v, %v; want an error", l, rep, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "calllist: compute: ") {
				t.Errorf("error %q, want it to hold %q", err, tt.want)
			}
		})
	}
}

// golden compares got with testdata/name; go test -update rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("differs from %s:\n%s", file, got)
	}
}

// TestComputeGolden computes the list of testdata/candidates.json and compares its
// canonical encoding and the messages of its tie report with golden files.
func TestComputeGolden(t *testing.T) {
	cands := readCandidates(t)
	l, rep, err := Compute(cands, seed)
	if err != nil {
		t.Fatal(err)
	}
	l.ID, l.Version, l.Subdivision, l.Specialty, l.Reason = "idf-mg-2020-10", 1, "IDF", "MG", "liste initiale"
	golden(t, "list-v1.golden.json", Encode(l))
	var msgs strings.Builder
	for _, tie := range rep.Ties {
		msgs.WriteString(tie.Message("fr") + "\n" + tie.Message("en") + "\n")
	}
	golden(t, "ties.golden.txt", []byte(msgs.String()))
}
