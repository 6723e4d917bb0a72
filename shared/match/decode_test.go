package match

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baseAppariement is a valid instance laid out one element per line, so that each case
// below knows the line of the element it breaks.
const baseAppariement = `{
  "postes": [
    {"id": "P1", "capacity": 2},
    {"id": "P2", "capacity": 1},
    {"id": "P3", "capacity": 1}
  ],
  "interns": [
    {"id": "I1", "wishes": ["P1", "P2"]},
    {"id": "I2", "wishes": ["P2", "P3"]},
    {"id": "I3", "wishes": ["P3"]}
  ],
  "rankings": [
    {"poste": "P1", "ranking": ["I1"]},
    {"poste": "P2", "ranking": ["I2", "I1"]},
    {"poste": "P3", "ranking": ["I3", "I2"]}
  ]
}
`

const baseChoix = `{
  "procedure": "choix-au-rang",
  "postes": [
    {"id": "P1", "capacity": 1},
    {"id": "P2", "capacity": 1}
  ],
  "interns": [
    {"id": "I1", "wishes": ["P1", "P2"]},
    {"id": "I2", "wishes": ["P1"]},
    {"id": "I3", "wishes": ["P2", "P1"]}
  ],
  "call_list": [
    "I2",
    "I1",
    "I3"
  ]
}
`

func TestDecodeValidBases(t *testing.T) {
	for _, base := range []string{baseAppariement, baseChoix} {
		inst, err := DecodeInstance([]byte(base))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Solve(inst)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(inst, res); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDecodeErrors breaks a valid instance in one way per case and asserts that the exact
// error line, naming the id and the line, is among the errors reported.
func TestDecodeErrors(t *testing.T) {
	long := strings.Repeat("x", MaxIDBytes+1)
	tests := []struct {
		name     string
		base     string
		old, new string // replaced once in base
		want     string // one line of the error
	}{
		{"unknown poste in wish", baseAppariement, `["P2", "P3"]`, `["P2", "P9"]`,
			`instance line 9: intern "I2": wish "P9": unknown poste`},
		{"unknown intern in ranking", baseAppariement, `["I1"]`, `["I1", "I9"]`,
			`instance line 13: ranking of poste "P1": intern "I9": unknown intern`},
		{"ranking for unknown poste", baseAppariement, `{"poste": "P3"`, `{"poste": "P9"`,
			`instance line 15: ranking of poste "P9": unknown poste`},
		{"duplicate poste id", baseAppariement, `{"id": "P3", "capacity": 1}`, `{"id": "P1", "capacity": 1}`,
			`instance line 5: poste "P1": duplicate poste id (first at line 3)`},
		{"duplicate intern id", baseAppariement, `{"id": "I3"`, `{"id": "I1"`,
			`instance line 10: intern "I1": duplicate intern id (first at line 8)`},
		{"capacity zero", baseAppariement, `{"id": "P2", "capacity": 1}`, `{"id": "P2", "capacity": 0}`,
			`instance line 4: poste "P2": capacity 0 out of range (1 to 100000)`},
		{"capacity negative", baseAppariement, `{"id": "P2", "capacity": 1}`, `{"id": "P2", "capacity": -3}`,
			`instance line 4: poste "P2": capacity -3 out of range (1 to 100000)`},
		{"capacity huge", baseAppariement, `{"id": "P2", "capacity": 1}`, `{"id": "P2", "capacity": 99999999999999999999}`,
			`instance line 4: poste "P2": capacity 100001 out of range (1 to 100000)`},
		{"poste twice in a wish list", baseAppariement, `["P3"]`, `["P3", "P3"]`,
			`instance line 10: intern "I3": wish "P3": poste listed twice`},
		{"intern twice in a ranking", baseAppariement, `["I2", "I1"]`, `["I2", "I1", "I2"]`,
			`instance line 14: ranking of poste "P2": intern "I2": ranked twice`},
		{"two rankings for one poste", baseAppariement, `{"poste": "P3"`, `{"poste": "P2"`,
			`instance line 15: ranking of poste "P2": second ranking for this poste (first at line 14)`},
		{"empty intern id", baseAppariement, `{"id": "I2"`, `{"id": ""`,
			`instance line 9: intern #2: empty id`},
		{"empty poste id", baseAppariement, `{"id": "P1"`, `{"id": ""`,
			`instance line 3: poste #1: empty id`},
		{"id too long", baseAppariement, `{"id": "I3"`, `{"id": "` + long + `"`,
			`instance line 10: intern "` + long[:MaxIDBytes] + `"…: id longer than 64 bytes`},
		{"control character in id", baseAppariement, `{"id": "I3"`, `{"id": "I\u00073"`,
			`instance line 10: intern "I\a3": id holds invalid or control characters`},
		{"unknown procedure", baseAppariement, "{\n  \"postes\"", "{\n  \"procedure\": \"tirage\",\n  \"postes\"",
			`instance line 2: unknown procedure "tirage" (want "appariement" or "choix-au-rang")`},
		{"call list in appariement", baseAppariement, "  ]\n}", "  ],\n  \"call_list\": [\"I1\"]\n}",
			`instance line 17: a call_list is given but the procedure is "appariement" (a call list belongs to "choix-au-rang")`},
		{"unknown field", baseAppariement, `{"id": "I1", "wishes"`, `{"id": "I1", "extra": 1, "wishes"`,
			`instance line 8: interns[0]: unknown field "extra"`},
		{"unknown top-level field", baseAppariement, "{\n  \"postes\"", "{\n  \"poste\": [],\n  \"postes\"",
			`instance line 2: unknown field "poste" in the instance`},
		{"duplicate field", baseAppariement, `{"id": "I1", "wishes"`, `{"id": "I1", "id": "I4", "wishes"`,
			`instance line 8: interns[0]: duplicate field "id"`},
		{"missing field", baseAppariement, `{"id": "P2", "capacity": 1}`, `{"id": "P2"}`,
			`instance line 4: postes[1]: missing field "capacity"`},
		{"missing interns", baseAppariement, `"interns"`, `"internes"`,
			`instance line 7: unknown field "internes" in the instance`},
		{"wrong type", baseAppariement, `{"id": "P2", "capacity": 1}`, `{"id": "P2", "capacity": "1"}`,
			`instance line 4: postes[1].capacity: expected an integer, got a string`},
		{"fractional capacity", baseAppariement, `{"id": "P2", "capacity": 1}`, `{"id": "P2", "capacity": 1.5}`,
			`instance line 4: postes[1].capacity: expected an integer, got 1.5`},
		{"number as id", baseAppariement, `["P2", "P3"]`, `["P2", 3]`,
			`instance line 9: interns[1].wishes[1]: expected a string, got a number`},
		{"object as list", baseAppariement, `["P3"]`, `{"a": ["P3"]}`,
			`instance line 10: interns[2].wishes: expected an array, got an object`},
		{"not an object", baseAppariement, baseAppariement, `["P1"]`,
			`instance line 1: the instance must be a JSON object, not an array`},
		{"syntax error", baseAppariement, `{"id": "I2", "wishes"`, `{"id": "I2" "wishes"`,
			`instance line 9 column 17: invalid JSON: invalid character '"' after object key:value pair`},
		{"trailing comma", baseAppariement, `["P3"]`, `["P3",]`,
			`instance line 10 column 34: invalid JSON: invalid character ']' looking for beginning of value`},
		{"truncated", baseAppariement, baseAppariement, baseAppariement[:200],
			`instance line 9 column 25: invalid JSON: unexpected end of JSON input`},
		{"empty input", baseAppariement, baseAppariement, ``,
			`instance line 1 column 1: invalid JSON: unexpected end of JSON input`},
		{"trailing data", baseAppariement, baseAppariement, baseAppariement + `{}`,
			`instance line 18 column 1: invalid JSON: invalid character '{' after top-level value`},
		{"rankings in choix au rang", baseChoix, "  \"call_list\"", "  \"rankings\": [{\"poste\": \"P1\", \"ranking\": [\"I1\"]}],\n  \"call_list\"",
			`instance line 12: rankings are given but the procedure is "choix-au-rang", which has none (ranking of poste "P1")`},
		{"intern missing from call list", baseChoix, "    \"I1\",\n", "",
			`instance line 8: intern "I1": missing from the call_list`},
		{"unknown intern in call list", baseChoix, "    \"I1\",\n", "    \"I9\",\n",
			`instance line 14: call_list: intern "I9": unknown intern`},
		{"intern called twice", baseChoix, "    \"I3\"\n", "    \"I3\",\n    \"I2\"\n",
			`instance line 16: call_list: intern "I2": called twice`},
		{"no call list", baseChoix, ",\n  \"call_list\": [\n    \"I2\",\n    \"I1\",\n    \"I3\"\n  ]", "",
			`instance: procedure "choix-au-rang" needs a call_list naming every intern`},
		{"unknown poste in choix au rang", baseChoix, `["P1"]`, `["P7"]`,
			`instance line 9: intern "I2": wish "P7": unknown poste`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := strings.Replace(tt.base, tt.old, tt.new, 1)
			if input == tt.base && tt.old != tt.new {
				t.Fatalf("replacement of %q did not apply", tt.old)
			}
			inst, err := DecodeInstance([]byte(input))
			if err == nil {
				t.Fatalf("no error; decoded %+v", inst)
			}
			if inst != nil {
				t.Error("an instance was returned with the error")
			}
			lines := strings.Split(err.Error(), "\n")
			for _, line := range lines {
				if line == tt.want {
					return
				}
			}
			t.Errorf("want the error line\n  %s\ngot\n  %s", tt.want, strings.Join(lines, "\n  "))
		})
	}
}

// TestDecodeCollectsAllErrors checks that every problem is reported at once, sorted by line,
// and that every one is an *InputError with its line.
func TestDecodeCollectsAllErrors(t *testing.T) {
	input := strings.NewReplacer(
		`{"id": "P2", "capacity": 1}`, `{"id": "P2", "capacity": 0}`,
		`["P2", "P3"]`, `["P2", "P9"]`,
		`["I2", "I1"]`, `["I2", "I8"]`,
	).Replace(baseAppariement)
	_, err := DecodeInstance([]byte(input))
	want := strings.Join([]string{
		`instance line 4: poste "P2": capacity 0 out of range (1 to 100000)`,
		`instance line 9: intern "I2": wish "P9": unknown poste`,
		`instance line 14: ranking of poste "P2": intern "I8": unknown intern`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Fatalf("got\n%v\nwant\n%s", err, want)
	}
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 4 {
		t.Errorf("errors.As: %+v", ie)
	}
}

func TestDecodeCapsErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"postes": [], "interns": [`)
	for i := range 2 * MaxErrors {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`{"id": "I` + string(rune('a'+i%26)) + strings.Repeat("z", i/26) + `", "wishes": ["nowhere"]}`)
	}
	b.WriteString("]}")
	_, err := DecodeInstance([]byte(b.String()))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != MaxErrors+1 || !strings.HasPrefix(lines[MaxErrors], "too many errors") {
		t.Errorf("got %d lines, last %q", len(lines), lines[len(lines)-1])
	}
}

func TestDecodeEscapesAndUnicode(t *testing.T) {
	input := `{"postes": [{"id": "CHU Lyon – cardio \u00e9", "capacity": 1}],
"interns": [{"id": "Zoé", "wishes": ["CHU Lyon \u2013 cardio é"]}],
"rankings": [{"poste": "CHU Lyon – cardio é", "ranking": ["Zo\u00e9"]}]}`
	inst, err := DecodeInstance([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Solve(inst)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Assignments) != 1 || res.Assignments[0] != a("Zoé", "CHU Lyon – cardio é") {
		t.Errorf("got %+v", res)
	}
}

func TestDecodeNullLists(t *testing.T) {
	inst, err := DecodeInstance([]byte(`{"postes": null, "interns": [{"id": "I1", "wishes": null}], "rankings": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(inst.Interns) != 1 || inst.Interns[0].Wishes != nil {
		t.Errorf("got %+v", inst)
	}
}

// TestDecodeInvalidGolden decodes each file of testdata/invalid/ and compares the whole error
// text with its .golden.txt file; go test -update rewrites them.
func TestDecodeInvalidGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in testdata/invalid: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, derr := DecodeInstance(data)
			if derr == nil {
				t.Fatal("decoded without error")
			}
			got := derr.Error() + "\n"
			golden := strings.TrimSuffix(file, ".json") + ".golden.txt"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestDecodeResult(t *testing.T) {
	tests := []struct{ input, want string }{
		{`{"assignments": [], "unmatched": []}`, ""},
		{`{"assignments": null}`, ""},
		{"{\n\"assignments\": [],\n\"extra\": 1}", `result: json: unknown field "extra"`},
		{"{\n\"assignments\": [\n{\"intern\": 3}]}", "result line 3: json: cannot unmarshal"},
		{"{\n\"assignments\": [,]}", "result line 2 column 17: invalid JSON"},
		{`{"assignments": []} {}`, "unexpected data after the result"},
		{``, "unexpected end of input"},
	}
	for _, tt := range tests {
		res, err := DecodeResult([]byte(tt.input))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.input, err)
		case tt.want == "" && (res.Assignments == nil || res.Unmatched == nil):
			t.Errorf("%q: nil lists in %+v", tt.input, res)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: got %v, want %q", tt.input, err, tt.want)
		}
	}
}
