package audit

import (
	"os"
	"strings"
	"testing"
)

// testPolicy is a policy like the repository's, with exceptions for the
// exception tests.
const testPolicy = `
# comment
min-coverage 75
allow MIT
allow BSD-3-Clause
allow Apache-2.0
allow Zlib
deny JSON The Software shall be used for Good, not Evil.

exception example.com/gplok * GPL-3.0 Only a build tool, never shipped.
exception example.com/json * JSON Someone tried.
exception example.com/json * unknown Someone tried harder.
exception example.com/pinned@v1.0.0 LICENSE unknown Reviewed by hand for v1.0.0.
exception example.com/nolicense * none Public domain, stated in the README.
exception example.com/stale * MIT Matches nothing.
`

func parse(t *testing.T, text string) *Policy {
	t.Helper()
	p, err := ParsePolicy(strings.NewReader(text), "test.allow")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fixtureModule scans the license files of the fake module in
// testdata/mod/dir as if it were path@version with its root package compiled.
func fixtureModule(t *testing.T, dir, path, version string) Module {
	t.Helper()
	m := Module{Path: path, Version: version, Build: true}
	files, err := FindLicenseFiles(fixtures+dir, []string{"."})
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range files {
		f, err := ScanFile(fixtures+dir, rel)
		if err != nil {
			t.Fatal(err)
		}
		m.Files = append(m.Files, f)
	}
	return m
}

func TestJudgeFixtures(t *testing.T) {
	tests := []struct {
		dir, path, version string
		want               Status
		wantDetail         string // substring of the worst judgement's detail
	}{
		{"mit", "example.com/mit", "v1.0.0", OK, ""},
		{"bsd3", "example.com/bsd3", "v1.0.0", OK, ""},
		{"apache2", "example.com/apache2", "v1.0.0", OK, ""},
		{"nested", "example.com/nested", "v1.0.0", OK, ""},
		// The JSON license is refused, whatever the exceptions say.
		{"json", "example.com/json", "v1.0.0", Forbidden, "JSON is refused: The Software shall be used for Good, not Evil."},
		{"json", "example.com/other", "v1.0.0", Forbidden, "JSON is refused"},
		// Its clause appended to an MIT text is refused too.
		{"mitevil", "example.com/mitevil", "v1.0.0", Forbidden, `adds terms: "The Software shall be used for Good, not Evil."`},
		{"gpl3", "example.com/gpl3", "v1.0.0", Forbidden, "GPL-3.0 is not on the allow list"},
		{"gpl3", "example.com/gplok", "v1.0.0", Excepted, "Only a build tool"},
		{"none", "example.com/none", "v1.0.0", Forbidden, "no license file"},
		{"none", "example.com/nolicense", "v1.0.0", Excepted, "Public domain"},
		{"unknown", "example.com/unknown", "v1.0.0", Forbidden, "license not identified"},
		{"unknown", "example.com/pinned", "v1.0.0", Excepted, "Reviewed by hand"},
		// An exception pinned to a version does not cover the next one.
		{"unknown", "example.com/pinned", "v1.1.0", Forbidden, "license not identified"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"@"+tt.version, func(t *testing.T) {
			p := parse(t, testPolicy)
			js := p.Judge(fixtureModule(t, tt.dir, tt.path, tt.version))
			if got := Worst(js); got != tt.want {
				t.Fatalf("Worst = %v, want %v; judgements: %+v", got, tt.want, js)
			}
			var details []string
			for _, j := range js {
				details = append(details, j.Detail)
			}
			if d := strings.Join(details, "\n"); !strings.Contains(d, tt.wantDetail) {
				t.Errorf("details %q do not contain %q", d, tt.wantDetail)
			}
		})
	}
}

func TestUnusedExceptions(t *testing.T) {
	p := parse(t, testPolicy)
	p.Judge(fixtureModule(t, "gpl3", "example.com/gplok", "v1.0.0"))
	var unused []string
	for _, e := range p.Unused() {
		unused = append(unused, e.Module)
	}
	got := strings.Join(unused, " ")
	want := "example.com/json example.com/json example.com/pinned example.com/nolicense example.com/stale"
	if got != want {
		t.Errorf("Unused = %q, want %q", got, want)
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"permit MIT", `test.allow:1: unknown directive "permit"`},
		{"allow", "want: allow <license-id>"},
		{"allow MIT Apache-2.0", "want: allow <license-id>"},
		{"deny JSON", "want: deny <license-id> <reason>"},
		{"min-coverage 0", "want a percentage"},
		{"min-coverage lots", "want a percentage"},
		{"\n\nexception example.com/x * MIT", "test.allow:3: want: exception"},
		{"exception example.com/x LICENSE none No file.", "must name file *"},
		{"allow JSON\ndeny JSON bad", "JSON is both allowed and denied"},
	}
	for _, tt := range tests {
		_, err := ParsePolicy(strings.NewReader(tt.text), "test.allow")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParsePolicy(%q) error = %v, want %q", tt.text, err, tt.want)
		}
	}
}

// TestRepositoryPolicy checks the policy file the repository ships.
func TestRepositoryPolicy(t *testing.T) {
	f, err := os.Open("../../../../licenses.allow")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := ParsePolicy(f, "licenses.allow")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "ISC", "MPL-2.0", "Unlicense", "CC0-1.0", "Zlib"} {
		if !p.Allowed[id] {
			t.Errorf("%s is not allowed", id)
		}
	}
	for _, id := range []string{"GPL-2.0", "GPL-3.0", "AGPL-3.0", "LGPL-3.0", "SSPL-1.0", "CC-BY-NC-4.0"} {
		if p.Allowed[id] {
			t.Errorf("%s is allowed", id)
		}
	}
	if _, ok := p.Denied["JSON"]; !ok {
		t.Error("the JSON license is not denied")
	}
	for _, e := range p.Exceptions {
		if e.Reason == "" {
			t.Errorf("%s has no reason", e)
		}
	}
	js := p.Judge(fixtureModule(t, "json", "example.com/json", "v1.0.0"))
	if Worst(js) != Forbidden {
		t.Errorf("the repository policy lets the JSON license through: %+v", js)
	}
}
