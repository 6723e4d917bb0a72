package match

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func a(intern, poste string) Assignment { return Assignment{Intern: intern, Poste: poste} }

func readInstance(t testing.TB, path string) *Instance {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := DecodeInstance(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return inst
}

// TestTextbook runs hand-made cases whose answers are known.
func TestTextbook(t *testing.T) {
	tests := []struct {
		file string
		want Result
	}{
		// The classic 3×3 example has two stable matchings, {A-X, B-Y, C-Z} (best for the
		// interns) and {A-Y, B-X, C-Z} (best for the postes): DA must give the first.
		{"gale-shapley-3x3.json", Result{[]Assignment{a("A", "X"), a("B", "Y"), a("C", "Z")}, []string{}}},
		// H1 has two places: R3 displaces R2, who goes to H2 and displaces R4; H1 prefers
		// R1 and R3 to R4, so R4 is left out.
		{"hospitals-residents.json", Result{[]Assignment{a("R1", "H1"), a("R2", "H2"), a("R3", "H1")}, []string{"R4"}}},
		// P1 has room but did not rank I1; P2 ranked I1 but I1 did not list it.
		{"unranked.json", Result{[]Assignment{a("I2", "P1"), a("I3", "P2")}, []string{"I1"}}},
		{"empty-lists.json", Result{[]Assignment{a("I3", "P2")}, []string{"I1", "I2"}}},
		// No poste ranked anyone: nobody is acceptable.
		{"all-unmatched.json", Result{[]Assignment{}, []string{"I1", "I2"}}},
		{"empty.json", Result{[]Assignment{}, []string{}}},
		// I3 takes P1; I1 finds P1 gone and takes P2; I2 wanted only P1; I4 takes P3; I5
		// wished for nothing.
		{"choix-au-rang.json", Result{[]Assignment{a("I1", "P2"), a("I3", "P1"), a("I4", "P3")}, []string{"I2", "I5"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			inst := readInstance(t, filepath.Join("testdata", tt.file))
			got, err := Solve(inst)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if err := Check(inst, got); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// TestGolden compares the result of every instance of testdata/ with its .golden.json file;
// go test -update rewrites them.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, file := range files {
		if strings.HasSuffix(file, ".golden.json") {
			continue
		}
		n++
		t.Run(filepath.Base(file), func(t *testing.T) {
			inst := readInstance(t, file)
			res, err := Solve(inst)
			if err != nil {
				t.Fatal(err)
			}
			got, err := EncodeResult(res)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".json") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s:\n%s", golden, got)
			}
			back, err := DecodeResult(want)
			if err != nil {
				t.Fatal(err)
			}
			if err := Check(inst, back); err != nil {
				t.Errorf("golden result does not pass Check: %v", err)
			}
		})
	}
	if n == 0 {
		t.Fatal("no instance in testdata/")
	}
}

func TestEncodeResultEmptyLists(t *testing.T) {
	got, err := EncodeResult(Result{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"assignments\": [],\n  \"unmatched\": []\n}\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestProcedureMismatch(t *testing.T) {
	inst := readInstance(t, "testdata/choix-au-rang.json")
	if _, err := DeferredAcceptance(inst); err == nil || !strings.Contains(err.Error(), `"choix-au-rang"`) {
		t.Errorf("DeferredAcceptance on a choix au rang: got %v", err)
	}
	inst = readInstance(t, "testdata/gale-shapley-3x3.json")
	if _, err := SerialDictatorship(inst); err == nil || !strings.Contains(err.Error(), `"appariement"`) {
		t.Errorf("SerialDictatorship on an appariement: got %v", err)
	}
}

func TestCompileReportsWithoutLines(t *testing.T) {
	inst := &Instance{
		Postes:  []Poste{{ID: "P1", Capacity: 1}},
		Interns: []Intern{{ID: "I1", Wishes: []string{"P9"}}},
	}
	_, err := Compile(inst)
	if err == nil || err.Error() != `instance: intern "I1": wish "P9": unknown poste` {
		t.Errorf("got %v", err)
	}
}

func TestCompiledAccessors(t *testing.T) {
	c, err := Compile(readInstance(t, "testdata/hospitals-residents.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c.NumInterns() != 4 || c.NumPostes() != 2 || c.Procedure() != ProcedureAppariement {
		t.Fatalf("got %d interns, %d postes, %q", c.NumInterns(), c.NumPostes(), c.Procedure())
	}
	i, ok := c.InternIndex("R3")
	if !ok || c.InternID(i) != "R3" {
		t.Errorf("InternIndex(R3) = %d, %v", i, ok)
	}
	p, ok := c.PosteIndex("H1")
	if !ok || c.PosteID(p) != "H1" || c.Capacity(p) != 2 {
		t.Errorf("PosteIndex(H1) = %d, %v", p, ok)
	}
	if _, ok := c.PosteIndex("nope"); ok {
		t.Error("PosteIndex(nope) found")
	}
	m := c.Run()
	if m[i] != int32(p) {
		t.Errorf("R3 got %d, want H1 (%d)", m[i], p)
	}
	// Repeated runs on one Compiled give the same matching.
	if again := c.DeferredAcceptance(); !reflect.DeepEqual(m, again) {
		t.Errorf("second run differs: %v vs %v", m, again)
	}
}
