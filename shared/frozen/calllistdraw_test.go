package frozen

import (
	"strings"
	"testing"

	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/draw"
)

// TestCallListDrawChecked: a document that carries the round's
// commitment to its call list's seed is run only if the list's seed
// matches it (draw.CheckDraw); a document without a commitment keeps its
// former behaviour.
func TestCallListDrawChecked(t *testing.T) {
	seed := draw.CallListSeed([]byte("0123456789abcdef-call-list"), "R1")
	commitment, err := draw.CommitCallList(seed)
	if err != nil {
		t.Fatal(err)
	}
	wishes := map[string][]string{"i1": {"P1"}, "i2": {"P2"}}
	for _, tt := range []struct {
		name, commitment, seed, want string
	}{
		{"matching seed", commitment, seed, ""},
		{"no commitment", "", "graine", ""},
		{"chosen seed", commitment, "graine-choisie", "published call list (version 1) of round R1"},
		{"other seed", commitment, draw.CallListSeed([]byte("0123456789abcdef-other"), "R1"), "does not match"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := sample()
			in.Round.Procedure = domain.ChoixAuRang
			in.Round.CallListCommitment = tt.commitment
			in.CallList = &calllist.List{ID: "R1", Version: 1, Seed: tt.seed,
				Entries: []calllist.Entry{{Rank: 1, Intern: "i2"}, {Rank: 2, Intern: "i1"}}}
			_, err := in.Instance(wishes, nil)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Instance = %v, want accepted", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Instance = %v, want an error with %q", err, tt.want)
			}
		})
	}
}
