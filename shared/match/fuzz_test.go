package match

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodeInstance feeds arbitrary bytes to the decoder: it must never panic, every error
// must be an instance error, and whatever decodes must run, re-encode, and pass Check with
// both procedures. The seed corpus is testdata/fuzz/FuzzDecodeInstance plus the instances
// of testdata/.
func FuzzDecodeInstance(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	more, _ := filepath.Glob("testdata/invalid/*.json")
	for _, file := range append(files, more...) {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(baseAppariement))
	f.Add([]byte(baseChoix))
	for _, inst := range tieSeeds() {
		data, _ := EncodeInstance(inst)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inst, err := DecodeInstance(data)
		if err != nil {
			if inst != nil {
				t.Fatal("instance returned with an error")
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "instance") && !strings.HasPrefix(line, "too many errors") {
					t.Fatalf("unexpected error line %q", line)
				}
			}
			return
		}
		res, err := Solve(inst)
		if err != nil {
			t.Fatalf("decoded instance does not solve: %v", err)
		}
		if err := Check(inst, res); err != nil {
			t.Fatalf("result fails Check: %v", err)
		}
		if _, err := CheckWeak(inst, res); err != nil {
			t.Fatalf("result fails CheckWeak: %v", err)
		}
		strict, err := BreakTies(inst)
		if err != nil {
			t.Fatalf("decoded instance: BreakTies: %v", err)
		}
		if strict.HasTies() {
			t.Fatal("BreakTies left a tie")
		}
		if resStrict, err := Solve(strict); err != nil || !reflect.DeepEqual(resStrict, res) {
			t.Fatalf("Solve(BreakTies) = %+v, %v; Solve = %+v", resStrict, err, res)
		}
		again, err := json.Marshal(inst)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeInstance(again); err != nil {
			t.Fatalf("re-encoded instance does not decode: %v\n%s", err, again)
		}
		other := otherProcedure(inst)
		res, err = Solve(other)
		if err != nil {
			t.Fatalf("%s variant does not solve: %v", other.EffectiveProcedure(), err)
		}
		if err := Check(other, res); err != nil {
			t.Fatalf("%s variant fails Check: %v", other.EffectiveProcedure(), err)
		}
	})
}

// otherProcedure turns an appariement into a choix au rang (call list in the order of the
// interns) and back (each poste ranks the interns who listed it, in call-list order), so that
// both algorithms run on every fuzzed instance.
func otherProcedure(inst *Instance) *Instance {
	out := &Instance{Postes: inst.Postes, Interns: inst.Interns, TieBreak: inst.TieBreak}
	if inst.EffectiveProcedure() == ProcedureAppariement {
		out.Procedure = ProcedureChoixAuRang
		out.CallList = []string{}
		for _, in := range inst.Interns {
			out.CallList = append(out.CallList, in.ID)
		}
		return out
	}
	listed := map[string][]string{}
	for _, id := range inst.CallList {
		for _, in := range inst.Interns {
			if in.ID == id {
				for _, w := range in.Wishes {
					listed[w] = append(listed[w], id)
				}
			}
		}
	}
	for _, p := range inst.Postes {
		out.Rankings = append(out.Rankings, Ranking{Poste: p.ID, Ranking: listed[p.ID]})
	}
	return out
}
