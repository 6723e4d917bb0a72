package matchcmd

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The instances and golden results of the engine's own tests.
const testdata = "../../shared/match/testdata"

type outcome struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin string, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return outcome{code, stdout.String(), stderr.String()}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// dirEntries lists the names in dir, to prove that a failed run left nothing behind.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestGolden runs the command on every instance of the engine's testdata and compares the
// written file with the golden result.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdata, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no instances: %v", err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, ".golden.json") {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := readFile(t, strings.TrimSuffix(file, ".json")+".golden.json")
			out := filepath.Join(t.TempDir(), "result.json")
			o := runCmd(t, "", "-in", file, "-out", out)
			if o.code != 0 {
				t.Fatalf("exit %d: %s", o.code, o.stderr)
			}
			if got := readFile(t, out); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
				t.Errorf("result file mode: %v %v", fi.Mode(), err)
			}
			// Standard output gives the same bytes.
			o = runCmd(t, "", "-in", file)
			if o.code != 0 || o.stdout != want {
				t.Errorf("stdout: exit %d, %q", o.code, o.stdout)
			}
			// And the checker accepts the result it wrote.
			o = runCmd(t, "", "-in", file, "-check", out)
			if o.code != 0 || !strings.Contains(o.stdout, "valid") {
				t.Errorf("-check: exit %d: %s%s", o.code, o.stdout, o.stderr)
			}
		})
	}
}

func TestStdin(t *testing.T) {
	instance := readFile(t, filepath.Join(testdata, "hospitals-residents.json"))
	want := readFile(t, filepath.Join(testdata, "hospitals-residents.golden.json"))
	o := runCmd(t, instance, "-in", "-", "-out", "-")
	if o.code != 0 || o.stdout != want {
		t.Fatalf("exit %d, stdout %q, stderr %q", o.code, o.stdout, o.stderr)
	}
	if !strings.Contains(o.stderr, "stdin: appariement of 4 interns and 2 postes: 3 assigned, 1 unmatched") {
		t.Errorf("summary: %q", o.stderr)
	}
	// A result can be checked from standard input too.
	o = runCmd(t, want, "-in", filepath.Join(testdata, "hospitals-residents.json"), "-check", "-")
	if o.code != 0 {
		t.Fatalf("-check -: exit %d: %s", o.code, o.stderr)
	}
}

// TestInvalidInstanceWritesNothing runs bad instances with an output file that already
// exists: the command must fail with code 1, name the id and line on stderr, leave the old
// output untouched and leave no temporary file.
func TestInvalidInstanceWritesNothing(t *testing.T) {
	tests := []struct {
		name, instance, want string
	}{
		{"unknown poste", "{\n\"postes\": [{\"id\": \"P1\", \"capacity\": 1}],\n\"interns\": [{\"id\": \"I4\", \"wishes\": [\"P9\"]}]\n}",
			`match: bad.json: instance line 3: intern "I4": wish "P9": unknown poste`},
		{"syntax", "{\n\"postes\": [,]}",
			`match: bad.json: instance line 2 column 12: invalid JSON: invalid character ',' looking for beginning of value`},
		{"empty", "", `match: bad.json: instance line 1 column 1: invalid JSON: unexpected end of JSON input`},
		{"capacity", "{\"postes\": [{\"id\": \"P1\", \"capacity\": 0}], \"interns\": []}",
			`match: bad.json: instance line 1: poste "P1": capacity 0 out of range (1 to 100000)`},
		{"missing from call list", "{\"procedure\": \"choix-au-rang\", \"postes\": [],\n\"interns\": [{\"id\": \"I1\"}, {\"id\": \"I2\"}],\n\"call_list\": [\"I2\"]}",
			`match: bad.json: instance line 2: intern "I1": missing from the call_list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := writeFile(t, dir, "bad.json", tt.instance)
			out := writeFile(t, dir, "result.json", "previous round\n")
			o := runCmd(t, "", "-in", in, "-out", out)
			o.stderr = strings.ReplaceAll(o.stderr, dir+string(filepath.Separator), "")
			if o.code != 1 {
				t.Errorf("exit %d, want 1", o.code)
			}
			if !strings.Contains(o.stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", o.stderr, tt.want)
			}
			if o.stdout != "" {
				t.Errorf("stdout: %q", o.stdout)
			}
			if got := readFile(t, out); got != "previous round\n" {
				t.Errorf("output overwritten: %q", got)
			}
			if names := dirEntries(t, dir); len(names) != 2 {
				t.Errorf("files left behind: %v", names)
			}
			// Without a previous file, no output file appears at all.
			fresh := filepath.Join(dir, "new.json")
			if o := runCmd(t, "", "-in", in, "-out", fresh); o.code != 1 {
				t.Errorf("exit %d, want 1", o.code)
			}
			if _, err := os.Stat(fresh); !os.IsNotExist(err) {
				t.Errorf("%s exists after a failed run", fresh)
			}
			if names := dirEntries(t, dir); len(names) != 2 {
				t.Errorf("files left behind: %v", names)
			}
		})
	}
}

func TestCheckFailures(t *testing.T) {
	dir := t.TempDir()
	instance := filepath.Join(testdata, "gale-shapley-3x3.json")
	tests := []struct {
		name, result, want string
	}{
		{"other stable matching", `{"assignments": [{"intern": "A", "poste": "Y"}, {"intern": "B", "poste": "X"}, {"intern": "C", "poste": "Z"}], "unmatched": []}`,
			`match: result.json: result: intern "A": got poste "Y", but the intern-optimal stable matching (deferred acceptance) gives it poste "X"`},
		{"missing intern", `{"assignments": [{"intern": "A", "poste": "X"}, {"intern": "B", "poste": "Y"}], "unmatched": []}`,
			`match: result.json: result: intern "C" is missing (neither assigned nor unmatched)`},
		{"blocking pair", `{"assignments": [{"intern": "A", "poste": "X"}, {"intern": "B", "poste": "Y"}], "unmatched": ["C"]}`,
			`match: result.json: result: blocking pair: intern "C" prefers poste "Z" to nothing, and the poste ranked it and has a free place`},
		{"malformed", "{\n\"assignments\": [}",
			`match: result.json: result line 2 column 17: invalid JSON`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := writeFile(t, dir, "result.json", tt.result)
			o := runCmd(t, "", "-in", instance, "-check", res)
			o.stderr = strings.ReplaceAll(o.stderr, dir+string(filepath.Separator), "")
			if o.code != 1 || !strings.Contains(o.stderr, tt.want) || o.stdout != "" {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant %q", o.code, o.stdout, o.stderr, tt.want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(testdata, "empty.json")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no -in", nil, "-in is required"},
		{"unknown flag", []string{"-in", in, "-fast"}, "flag provided but not defined: -fast"},
		{"extra argument", []string{"-in", in, "extra"}, `unexpected argument "extra"`},
		{"check and out", []string{"-in", in, "-check", in, "-out", filepath.Join(dir, "r.json")}, "-check and -out cannot be used together"},
		{"both stdin", []string{"-in", "-", "-check", "-"}, "cannot both read standard input"},
		{"overwrite instance", []string{"-in", in, "-out", in}, "would overwrite the instance"},
		{"empty out", []string{"-in", in, "-out", ""}, "-out needs a file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := runCmd(t, "", tt.args...)
			if o.code != 2 || !strings.Contains(o.stderr, tt.want) || o.stdout != "" {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant %q", o.code, o.stdout, o.stderr, tt.want)
			}
		})
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Errorf("files written: %v", names)
	}
	if o := runCmd(t, "", "-h"); o.code != 0 || !strings.Contains(o.stderr, "usage: match") {
		t.Errorf("-h: exit %d, %q", o.code, o.stderr)
	}
}

func TestIOErrors(t *testing.T) {
	dir := t.TempDir()
	o := runCmd(t, "", "-in", filepath.Join(dir, "absent.json"))
	if o.code != 1 || !strings.Contains(o.stderr, "absent.json") {
		t.Errorf("missing input: exit %d, %q", o.code, o.stderr)
	}
	in := filepath.Join(testdata, "empty.json")
	o = runCmd(t, "", "-in", in, "-out", filepath.Join(dir, "no", "such", "dir", "r.json"))
	if o.code != 1 || !strings.Contains(o.stderr, "writing result") {
		t.Errorf("unwritable output: exit %d, %q", o.code, o.stderr)
	}
	o = runCmd(t, "", "-in", in, "-check", filepath.Join(dir, "absent.json"))
	if o.code != 1 || !strings.Contains(o.stderr, "absent.json") {
		t.Errorf("missing result: exit %d, %q", o.code, o.stderr)
	}
}

// TestGenerate writes instances with -gen, the same for the same seed, and runs them.
func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	inst := filepath.Join(dir, "gen.json")
	if o := runCmd(t, "", "-gen", "300x120x8", "-seed", "7", "-out", inst); o.code != 0 {
		t.Fatalf("gen: %+v", o)
	}
	again := runCmd(t, "", "-gen", "300x120x8", "-seed", "7")
	if again.code != 0 || again.stdout != readFile(t, inst) {
		t.Fatal("-gen is not deterministic, or stdout differs from the file")
	}
	res := filepath.Join(dir, "res.json")
	if o := runCmd(t, "", "-in", inst, "-out", res); o.code != 0 {
		t.Fatalf("run: %+v", o)
	}
	if o := runCmd(t, "", "-in", inst, "-check", res); o.code != 0 {
		t.Fatalf("check: %+v", o)
	}
	choix := filepath.Join(dir, "choix.json")
	if o := runCmd(t, "", "-gen", "50x20x5", "-choix-au-rang", "-out", choix); o.code != 0 ||
		!strings.Contains(readFile(t, choix), `"call_list"`) {
		t.Fatalf("choix au rang: %+v", o)
	}
	for _, args := range [][]string{{"-gen", "300x120"}, {"-gen", "axbxc"}, {"-gen", "1x1x1", "-in", inst}} {
		if o := runCmd(t, "", args...); o.code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, o.code, exitUsage)
		}
	}
}

// TestLargeFileMapped runs the command on an instance file above mapMin, which is mapped
// rather than read where the system allows it, and on the same bytes from standard input
// (always read): the same result, the same check, and the same error naming the line on
// a corrupted copy.
func TestLargeFileMapped(t *testing.T) {
	dir := t.TempDir()
	inst := filepath.Join(dir, "large.json")
	if o := runCmd(t, "", "-gen", "5000x1500x12", "-seed", "3", "-out", inst); o.code != 0 {
		t.Fatalf("gen: %+v", o)
	}
	data := readFile(t, inst)
	if len(data) < mapMin {
		t.Fatalf("instance of %d bytes, want at least %d", len(data), mapMin)
	}
	res := filepath.Join(dir, "res.json")
	if o := runCmd(t, "", "-in", inst, "-out", res); o.code != 0 {
		t.Fatalf("run: %+v", o)
	}
	fromStdin := runCmd(t, data, "-in", "-")
	if fromStdin.code != 0 || fromStdin.stdout != readFile(t, res) {
		t.Fatalf("the mapped file and standard input give different results: %+v", fromStdin.stderr)
	}
	if o := runCmd(t, "", "-in", inst, "-check", res); o.code != 0 {
		t.Fatalf("check: %+v", o)
	}
	bad := writeFile(t, dir, "bad.json", strings.Replace(data, `"P0042"`, `"P9999"`, 1))
	o := runCmd(t, "", "-in", bad, "-out", filepath.Join(dir, "bad-res.json"))
	fromStdin = runCmd(t, readFile(t, bad), "-in", "-")
	want := strings.Replace(fromStdin.stderr, "match: stdin: ", "match: "+bad+": ", -1)
	if o.code != exitInvalid || !strings.Contains(o.stderr, "line ") || o.stderr != want {
		t.Fatalf("corrupted file: exit %d\n%s\nwant\n%s", o.code, o.stderr, want)
	}
}

// TestGenerateTies: -ranking-ties and -wish-ties give an instance with tie
// groups and a tie_break, the same for the same seed; its run (the golden
// testdata/gen-ties.result.golden.json) passes -check; bad probabilities
// and rankings ties in a choix au rang are usage errors.
func TestGenerateTies(t *testing.T) {
	dir := t.TempDir()
	inst := filepath.Join(dir, "ties.json")
	if o := runCmd(t, "", "-gen", "40x12x4", "-seed", "3", "-ranking-ties", "0.5", "-wish-ties", "0.3", "-out", inst); o.code != 0 {
		t.Fatalf("gen: %+v", o)
	}
	data := readFile(t, inst)
	if !strings.Contains(data, `"tie_break": "`) || !strings.Contains(data, `"ranks":[1,1`) {
		t.Fatalf("no ties in the generated instance:\n%.400s", data)
	}
	if again := runCmd(t, "", "-gen", "40x12x4", "-seed", "3", "-ranking-ties", "0.5", "-wish-ties", "0.3"); again.stdout != data {
		t.Fatal("-gen with ties is not deterministic")
	}
	res := filepath.Join(dir, "res.json")
	if o := runCmd(t, "", "-in", inst, "-out", res); o.code != 0 {
		t.Fatalf("run: %+v", o)
	}
	golden := filepath.Join("testdata", "gen-ties.result.golden.json")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(readFile(t, res)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := readFile(t, res); got != readFile(t, golden) {
		t.Errorf("result differs from %s (go test -update to accept):\n%s", golden, got)
	}
	if o := runCmd(t, "", "-in", inst, "-check", res); o.code != 0 {
		t.Fatalf("check: %+v", o)
	}
	for _, args := range [][]string{
		{"-gen", "5x2x1", "-ranking-ties", "1.5"},
		{"-gen", "5x2x1", "-wish-ties", "-0.1"},
		{"-gen", "5x2x1", "-choix-au-rang", "-ranking-ties", "0.5"},
	} {
		if o := runCmd(t, "", args...); o.code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, o.code, exitUsage)
		}
	}
	if o := runCmd(t, "", "-gen", "20x5x3", "-choix-au-rang", "-wish-ties", "0.5"); o.code != 0 || !strings.Contains(o.stdout, `"call_list"`) {
		t.Errorf("choix au rang with wish ties: %+v", o)
	}
}
