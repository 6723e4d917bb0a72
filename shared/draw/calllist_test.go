package draw

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestCallListGolden pins the call-list draw: testdata/call-list-seed.golden was computed
// independently (Python's hashlib, from the description of CallListSeed and CommitCallList),
// so a change of a prefix or of the layout, which would change every published call list,
// fails here.
func TestCallListGolden(t *testing.T) {
	f, err := os.Open("testdata/call-list-seed.golden")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("golden line %q", sc.Text())
		}
		g[k] = v
	}
	seed := CallListSeed([]byte(g["secret"]), g["round"])
	if seed != g["seed"] {
		t.Errorf("CallListSeed = %s, want %s", seed, g["seed"])
	}
	c, err := CommitCallList(seed)
	if err != nil || c != g["commitment"] {
		t.Errorf("CommitCallList = %s, %v, want %s", c, err, g["commitment"])
	}
	if err := CheckDraw(g["commitment"], g["seed"]); err != nil {
		t.Errorf("CheckDraw of the golden values: %v", err)
	}
}

// TestCheckDraw: the right seed verifies; a wrong seed, another round's seed, a wrong or
// malformed commitment are refused in French, then English.
func TestCheckDraw(t *testing.T) {
	secret := []byte("0123456789abcdef-call-list-secret")
	seed := CallListSeed(secret, "C1")
	commitment, err := CommitCallList(seed)
	if err != nil {
		t.Fatal(err)
	}
	otherRound := CallListSeed(secret, "C2")
	otherCommitment, _ := CommitCallList(otherRound)
	tests := []struct {
		name, commitment, seed string
		want                   string // "" accepted, else a piece of the French message
	}{
		{"good", commitment, seed, ""},
		{"upper-case", strings.ToUpper(commitment), strings.ToUpper(seed), ""},
		{"wrong seed", commitment, CallListSeed([]byte("0123456789abcdef-other"), "C1"), "ne correspond pas"},
		{"other round's seed", commitment, otherRound, "ne correspond pas"},
		{"wrong commitment", otherCommitment, seed, "ne correspond pas"},
		{"appariement commitment", Commit(secret), seed, "ne correspond pas"},
		{"chosen seed", commitment, "tirage-2026", "invalide"},
		{"empty seed", commitment, "", "invalide"},
		{"malformed commitment", "zz", seed, "engagement du tirage de la liste d'appel"},
		{"empty commitment", "", seed, "engagement du tirage de la liste d'appel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckDraw(tt.commitment, tt.seed)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("CheckDraw = %v, want accepted", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), " / ")):
				t.Fatalf("CheckDraw = %v, want an error with %q, French then English", err, tt.want)
			}
		})
	}
}

// TestCallListSeedSeparation: the seed depends on the secret and the round, splits them
// unambiguously, and differs from the appariement's seed of the same secret.
func TestCallListSeedSeparation(t *testing.T) {
	s := []byte("0123456789abcdef")
	if CallListSeed(s, "C1") == CallListSeed(s, "C2") {
		t.Fatal("CallListSeed ignores the round")
	}
	if CallListSeed([]byte("ab"), "c") == CallListSeed([]byte("a"), "bc") {
		t.Fatal("CallListSeed does not separate the secret from the round")
	}
	if CallListSeed(s, "C1") == Seed(s, "C1") {
		t.Fatal("the call-list seed is the appariement's seed")
	}
	if err := CheckSeed(CallListSeed(s, "C1")); err != nil {
		t.Fatal(err)
	}
	if _, err := CommitCallList("not-hex"); err == nil {
		t.Fatal("CommitCallList of a malformed seed accepted")
	}
}
