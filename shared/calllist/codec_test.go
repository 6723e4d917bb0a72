package calllist

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const canonical = `{"id":"l1","version":2,"subdivision":"IDF","specialty":"MG","seed":"s","reason":"ajout <promo 2017> & co","entries":[{"rank":1,"intern":"a","absent":true,"note":"dispo"},{"rank":2,"intern":"é"}]}` + "\n"

func TestEncodeDecodeRoundTrip(t *testing.T) {
	l, err := Decode([]byte(canonical))
	if err != nil {
		t.Fatal(err)
	}
	want := &List{ID: "l1", Version: 2, Subdivision: "IDF", Specialty: "MG", Seed: "s", Reason: "ajout <promo 2017> & co",
		Entries: []Entry{{Rank: 1, Intern: "a", Absent: true, Note: "dispo"}, {Rank: 2, Intern: "é"}}}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("decoded %+v, want %+v", l, want)
	}
	if got := Encode(l); string(got) != canonical {
		t.Errorf("encoded\n%s\nwant\n%s", got, canonical)
	}
	empty := &List{ID: "l", Version: 1, Seed: "s"}
	if got := string(Encode(empty)); got != `{"id":"l","version":1,"seed":"s","entries":[]}`+"\n" {
		t.Errorf("nil entries encode as %s", got)
	}
}

func TestDecodeRefuses(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "EOF"},
		{"null", "null\n", "list id: empty id"},
		{"syntax", `{"id":`, "unexpected EOF"},
		{"unknown field", strings.Replace(canonical, `"seed"`, `"graine":"x","seed"`, 1), `unknown field "graine"`},
		{"unknown entry field", strings.Replace(canonical, `"intern":"a"`, `"intern":"a","score":3`, 1), `unknown field "score"`},
		{"wrong type", strings.Replace(canonical, `"version":2`, `"version":"2"`, 1), "cannot unmarshal"},
		{"version 0", strings.Replace(canonical, `"version":2`, `"version":0`, 1), "version 0, must be 1 or more"},
		{"rank 0", strings.Replace(canonical, `"rank":2`, `"rank":0`, 1), `entry #2: intern "é": rank 0`},
		{"unknown subdivision", strings.Replace(canonical, `"IDF"`, `"PARIS"`, 1), `unknown subdivision "PARIS"`},
		{"unknown specialty", strings.Replace(canonical, `"MG"`, `"XX"`, 1), `unknown specialty "XX"`},
		{"empty intern", strings.Replace(canonical, `"intern":"a"`, `"intern":""`, 1), "entry #1: intern: empty id"},
		{"control character", strings.Replace(canonical, `"dispo"`, `"dis\tpo"`, 1), "control character U+0009"},
		{"long note", strings.Replace(canonical, `"dispo"`, `"`+strings.Repeat("x", MaxNoteBytes+1)+`"`, 1), "note: 501 bytes"},
		{"duplicate field", strings.Replace(canonical, `"version":2`, `"version":3,"version":2`, 1), "not in canonical form from byte 21"},
		{"field order", `{"version":2,"id":"l1"` + canonical[len(`{"id":"l1","version":2`):], "not in canonical form from byte 2"},
		{"other case", strings.Replace(canonical, `"version"`, `"Version"`, 1), "not in canonical form"},
		{"spaces", strings.Replace(canonical, `"version":2`, `"version": 2`, 1), "not in canonical form"},
		{"explicit default", strings.Replace(canonical, `"intern":"é"`, `"intern":"é","absent":false`, 1), "not in canonical form"},
		{"escaped", strings.Replace(canonical, `"é"`, `"\u00e9"`, 1), "not in canonical form"},
		{"no final newline", strings.TrimSuffix(canonical, "\n"), "not in canonical form"},
		{"trailing data", canonical + "{}", "not in canonical form"},
		{"invalid UTF-8", strings.Replace(canonical, `"é"`, "\"\xff\"", 1), "not in canonical form"},
		{"too large", canonical + strings.Repeat(" ", MaxEncodedBytes), "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Decode([]byte(tt.data))
			if err == nil || l != nil {
				t.Fatalf("decoded %+v", l)
			}
			if !strings.HasPrefix(err.Error(), "calllist: decode: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to hold %q", err, tt.want)
			}
		})
	}
}

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic, and whatever it accepts
// must be valid, re-encode to exactly the same bytes, and pass Check against its own
// interns when its ranks are in order. The seed corpus is testdata/fuzz/FuzzDecode plus the
// golden lists of testdata/.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.golden.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(canonical))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Decode(data)
		if err != nil {
			if l != nil {
				t.Fatal("list returned with an error")
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("decoded list fails Validate: %v", err)
		}
		if got := Encode(l); !bytes.Equal(got, data) {
			t.Fatalf("decoded list re-encodes differently:\n%q\n%q", data, got)
		}
		var eligible []EligibleIntern
		for _, e := range l.Entries {
			eligible = append(eligible, EligibleIntern{Intern: e.Intern, Absent: e.Absent})
		}
		r := Check(l, eligible, nil)
		inOrder := true
		seen := map[string]bool{}
		for k, e := range l.Entries {
			inOrder = inOrder && e.Rank == k+1 && !seen[e.Intern]
			seen[e.Intern] = true
		}
		if r.OK() != inOrder {
			t.Fatalf("Check OK() = %v for a list whose ranks in order and ids distinct is %v: %v", r.OK(), inOrder, r.Messages("en"))
		}
	})
}
