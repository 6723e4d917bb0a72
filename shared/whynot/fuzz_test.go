package whynot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"appariement/shared/match"
)

// FuzzExplain: for any instance file the decoder accepts, the procedure's
// result has a true reason for every wish above the one obtained, and
// Explain never panics on it.
func FuzzExplain(f *testing.F) {
	files, _ := filepath.Glob("../match/testdata/*.json")
	more, _ := filepath.Glob("testdata/*.json")
	for _, name := range append(files, more...) {
		if strings.HasSuffix(name, ".golden.json") || strings.Contains(name, "generated") {
			continue
		}
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inst, err := match.DecodeInstance(data)
		if err != nil {
			return
		}
		res, err := match.Solve(inst)
		if err != nil {
			t.Fatalf("decoded instance does not solve: %v", err)
		}
		ws, err := Explain(inst, res)
		if err != nil {
			t.Fatalf("the procedure's result is not explained: %v", err)
		}
		check := truth
		if len(inst.Binomes) > 0 {
			check = binomeTruth
		}
		if err := check(inst, res, ws); err != nil {
			t.Fatal(err)
		}
	})
}
