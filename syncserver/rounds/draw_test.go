package rounds_test

import (
	"testing"

	"appariement/shared/draw"
	"appariement/syncserver/rounds"
	"appariement/syncserver/rounds/roundstest"
	"appariement/syncserver/store"
)

// TestCallListDrawIsRandom: the call-list secret is drawn at random, not
// derived from the server's key and the round's id: the same store
// committing the same round id twice gets two commitments (so the key's
// holder cannot search round ids for a seed it likes), and the seed kept
// for the round matches the commitment it returned.
func TestCallListDrawIsRandom(t *testing.T) {
	st := roundstest.Open(t)
	commit := func() (string, string) {
		var c, seed string
		if err := st.Update(func(tx store.Tx) error {
			var err error
			if c, err = rounds.CommitCallListDraw(st, tx, "C9"); err != nil {
				return err
			}
			seed, err = rounds.CallListSeed(st, tx, "C9")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return c, seed
	}
	c1, s1 := commit()
	c2, s2 := commit()
	if c1 == c2 || s1 == s2 {
		t.Fatalf("the same round id drew the same call-list draw twice (%s): it is derived, not drawn", c1)
	}
	for _, p := range [][2]string{{c1, s1}, {c2, s2}} {
		if err := draw.CheckDraw(p[0], p[1]); err != nil {
			t.Errorf("the kept seed does not match its commitment: %v", err)
		}
	}
}
