package match

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// sameCompiled reports how two compiled instances differ, "" when they are the same (a nil
// list and an empty one are the same).
func sameCompiled(a, b *Compiled) string {
	switch {
	case a.procedure != b.procedure:
		return fmt.Sprintf("procedure %q vs %q", a.procedure, b.procedure)
	case !slices.Equal(a.posteIDs, b.posteIDs):
		return "poste ids"
	case !slices.Equal(a.internIDs, b.internIDs):
		return "intern ids"
	case !slices.Equal(a.capacity, b.capacity):
		return "capacities"
	case !slices.Equal(a.wishStart, b.wishStart), !slices.Equal(a.wishPoste, b.wishPoste):
		return "wish lists"
	case !slices.Equal(a.wishRank, b.wishRank):
		return "ranks of the wishes"
	case !slices.Equal(a.rankStart, b.rankStart), !slices.Equal(a.rankIntern, b.rankIntern):
		return "rankings"
	case !slices.Equal(a.callOrder, b.callOrder):
		return "call list"
	case a.tieBreak != b.tieBreak:
		return fmt.Sprintf("tie break %q vs %q", a.tieBreak, b.tieBreak)
	case !slices.Equal(a.wishLevel, b.wishLevel), !slices.Equal(a.rankLevel, b.rankLevel):
		return "ranks given (ties)"
	}
	for i, id := range a.internIDs {
		if k, ok := b.InternIndex(id); !ok || k != i {
			return "intern index of " + id
		}
	}
	for p, id := range a.posteIDs {
		if k, ok := b.PosteIndex(id); !ok || k != p {
			return "poste index of " + id
		}
	}
	return ""
}

// compareDecoders runs the fast path and the strict decoder on data and fails the test when
// they disagree: the fast path may give up, but whatever it accepts the strict decoder must
// accept and compile identically, and DecodeCompiled must give the strict decoder's errors.
// It reports whether the fast path accepted data.
func compareDecoders(t *testing.T, data []byte) bool {
	t.Helper()
	fast := fastCompile(data)
	inst, strictErr := DecodeInstance(data)
	var strict *Compiled
	if strictErr == nil {
		var err error
		if strict, err = Compile(inst); err != nil {
			t.Fatalf("DecodeInstance accepted what Compile refuses: %v", err)
		}
	}
	if fast != nil {
		if strictErr != nil {
			t.Fatalf("fast path accepted an instance the strict decoder refuses (%v):\n%s", strictErr, data)
		}
		if d := sameCompiled(fast, strict); d != "" {
			t.Fatalf("fast path and strict decoder differ in %s:\n%s", d, data)
		}
	}
	c, err := DecodeCompiled(data)
	switch {
	case (err == nil) != (strictErr == nil):
		t.Fatalf("DecodeCompiled error %v, DecodeInstance error %v", err, strictErr)
	case err != nil && err.Error() != strictErr.Error():
		t.Fatalf("DecodeCompiled error\n%v\nDecodeInstance error\n%v", err, strictErr)
	case err == nil:
		if d := sameCompiled(c, strict); d != "" {
			t.Fatalf("DecodeCompiled and the strict decoder differ in %s", d)
		}
		if !slices.Equal(c.Run(), strict.Run()) {
			t.Fatal("different matchings")
		}
	}
	return fast != nil
}

// mutate breaks or bends an encoded instance in one random way: a byte changed, inserted or
// removed, an id replaced by another, a list element duplicated, a field renamed.
func mutate(rng *rand.Rand, data []byte) []byte {
	out := slices.Clone(data)
	if len(out) == 0 {
		return out
	}
	at := rng.IntN(len(out))
	const alphabet = `{}[],:" \n0123456789-.eIP\\a"`
	switch rng.IntN(6) {
	case 0:
		out[at] = alphabet[rng.IntN(len(alphabet))]
	case 1:
		out = slices.Insert(out, at, alphabet[rng.IntN(len(alphabet))])
	case 2:
		out = slices.Delete(out, at, at+1)
	case 3: // an id becomes another one, known or not
		from := fmt.Sprintf(`"%c%d"`, "IP"[rng.IntN(2)], rng.IntN(8))
		to := fmt.Sprintf(`"%c%d"`, "IP"[rng.IntN(2)], rng.IntN(10))
		out = bytes.Replace(out, []byte(from), []byte(to), 1+rng.IntN(2))
	case 4:
		for _, kv := range [][2]string{{`"id"`, `"ID"`}, {`"wishes"`, `"wish"`}, {`"capacity":`, `"capacity":0`},
			{`"ranking"`, `"rankings"`}, {`[]`, `null`}, {`"I1"`, `"I\u0031"`}, {`"P1"`, `"P1\u00e9"`},
			{`"procedure": "choix-au-rang"`, `"procedure": ""`}, {`"call_list"`, `"callList"`}} {
			if rng.IntN(3) == 0 {
				out = bytes.Replace(out, []byte(kv[0]), []byte(kv[1]), 1)
			}
		}
	case 5: // a list element twice
		if i := bytes.IndexByte(out[at:], ','); i > 0 {
			j := at + i
			k := bytes.LastIndexByte(out[:j], '"')
			if l := bytes.LastIndexByte(out[:max(k, 0)], '"'); l >= 0 && k > l {
				out = slices.Insert(out, j, append([]byte{','}, out[l:k+1]...)...)
			}
		}
	}
	return out
}

// TestFastPathMatchesStrict compares the fast path with the strict decoder (encoding/json
// for the syntax) on random valid instances in three layouts, and on random mutations of
// them, valid or not.
func TestFastPathMatchesStrict(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2026))
	accepted, mutants, mutantsAccepted := 0, 0, 0
	for n := range 600 {
		proc := ProcedureAppariement
		if n%3 == 0 {
			proc = ProcedureChoixAuRang
		}
		inst := randomInstance(rng, 12, 8, 3, proc)
		compact, _ := json.Marshal(inst)
		indented, _ := json.MarshalIndent(inst, "", "  ")
		lines, _ := EncodeInstance(inst)
		for _, data := range [][]byte{compact, indented, lines} {
			if !compareDecoders(t, data) {
				t.Fatalf("fast path gave up on a valid instance:\n%s", data)
			}
			accepted++
			for range 10 {
				mutants++
				if compareDecoders(t, mutate(rng, data)) {
					mutantsAccepted++
				}
			}
		}
	}
	t.Logf("%d valid instances, %d mutants (%d accepted by the fast path)", accepted, mutants, mutantsAccepted)
}

// TestFastPathGivesUp lists valid inputs outside the fast path's subset: DecodeCompiled
// still accepts them, through the strict decoder.
func TestFastPathGivesUp(t *testing.T) {
	for _, data := range []string{
		`{"interns":[],"postes":[]}`,
		`{"postes":[{"id":"P\u0031","capacity":1}],"interns":[{"id":"I1","wishes":["P1"]}]}`,
		`{"postes":[{"id":"Pé","capacity":1}],"interns":[{"id":"I1","wishes":["Pé"]}]}`,
	} {
		if fastCompile([]byte(data)) != nil {
			t.Errorf("fast path accepted %s", data)
		}
		if _, err := DecodeCompiled([]byte(data)); err != nil {
			t.Errorf("%s: %v", data, err)
		}
		compareDecoders(t, []byte(data))
	}
}

// TestFastPathGolden runs DecodeCompiled on the golden and invalid files.
func TestFastPathGolden(t *testing.T) {
	for _, pattern := range []string{"testdata/*.json", "testdata/invalid/*.json"} {
		files, _ := filepathGlob(pattern)
		for _, file := range files {
			compareDecoders(t, readBytes(t, file))
		}
	}
}

// FuzzFastPath compares the fast path with the strict decoder on arbitrary bytes.
func FuzzFastPath(f *testing.F) {
	for _, pattern := range []string{"testdata/*.json", "testdata/invalid/*.json"} {
		files, _ := filepathGlob(pattern)
		for _, file := range files {
			f.Add(readBytes(f, file))
		}
	}
	f.Add([]byte(baseAppariement))
	f.Add([]byte(baseChoix))
	lines, _ := EncodeInstance(GenerateInstance(1, 20, 8, 4))
	f.Add(lines)
	for _, inst := range tieSeeds() {
		data, _ := EncodeInstance(inst)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareDecoders(t, data)
	})
}

func filepathGlob(pattern string) ([]string, error) { return filepath.Glob(pattern) }

func readBytes(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// strictResult is DecodeResult without its fast path.
func strictResult(data []byte) (Result, error) {
	var res Result
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		return Result{}, err
	}
	if _, err := dec.Token(); err == nil {
		return Result{}, fmt.Errorf("trailing data")
	}
	return res, nil
}

// compareResultDecoders fails when the fast result decoder accepts data differently from
// encoding/json.
func compareResultDecoders(t *testing.T, data []byte) {
	t.Helper()
	fast, ok := fastResult(data)
	if !ok {
		return
	}
	strict, err := strictResult(data)
	if err != nil {
		t.Fatalf("fast result decoder accepted what encoding/json refuses (%v):\n%s", err, data)
	}
	if !slices.Equal(fast.Assignments, strict.Assignments) || !slices.Equal(fast.Unmatched, strict.Unmatched) {
		t.Fatalf("fast result decoder and encoding/json differ:\n%s", data)
	}
}

// TestFastResultMatchesStrict compares the fast result decoder with encoding/json on the
// encoded results of random instances and on mutations of them.
func TestFastResultMatchesStrict(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2027))
	for range 300 {
		inst := randomInstance(rng, 12, 8, 3, ProcedureAppariement)
		res, err := Solve(inst)
		if err != nil {
			t.Fatal(err)
		}
		canonical, _ := EncodeResult(res)
		compact, _ := json.Marshal(res)
		for _, data := range [][]byte{canonical, compact} {
			if _, ok := fastResult(data); !ok {
				t.Fatalf("fast result decoder gave up on\n%s", data)
			}
			compareResultDecoders(t, data)
			for range 20 {
				compareResultDecoders(t, mutate(rng, data))
			}
		}
	}
}

// FuzzFastResult compares the fast result decoder with encoding/json on arbitrary bytes.
func FuzzFastResult(f *testing.F) {
	files, _ := filepathGlob("testdata/*.golden.json")
	for _, file := range files {
		f.Add(readBytes(f, file))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareResultDecoders(t, data)
	})
}

// TestScanWord compares the 8-bytes-at-once scan of an id with a byte-by-byte reference, on
// random words biased towards the bytes it must tell apart.
func TestScanWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2))
	special := []byte{'"', '\\', 0, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xfe, 0xff, 'P', '0'}
	for range 200_000 {
		var b [8]byte
		for j := range b {
			if rng.IntN(3) == 0 {
				b[j] = special[rng.IntN(len(special))]
			} else {
				b[j] = byte(rng.IntN(256))
			}
		}
		want, wantOK := 8, true
		for j, c := range b {
			if c == '"' {
				want = j
				break
			}
			if c < 0x20 || c >= 0x7f || c == '\\' {
				wantOK = false
				break
			}
		}
		n, ok := scanWord(load8(b[:], 0))
		if ok != wantOK || (ok && n != want) {
			t.Fatalf("scanWord(%q) = %d, %v; want %d, %v", b, n, ok, want, wantOK)
		}
	}
}

// TestIDSetMatchesMap compares IDSet with a map on random ids, short and long, with
// duplicates, NUL bytes and look-ups of absent ids.
func TestIDSetMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 3))
	id := func() string {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = "PI0123\x00é"[rng.IntN(9)]
		}
		return string(b)
	}
	for range 50 {
		set, want := NewIDSet(rng.IntN(20)), map[string]bool{}
		for range rng.IntN(2000) {
			s := id()
			set.Add(s)
			want[s] = true
		}
		for range 2000 {
			if s := id(); set.Has(s) != want[s] {
				t.Fatalf("Has(%q) = %v, want %v", s, set.Has(s), want[s])
			}
		}
		for s := range want {
			if !set.Has(s) {
				t.Fatalf("Has(%q) = false after Add", s)
			}
		}
	}
}
