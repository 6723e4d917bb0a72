package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testPolicy is the policy of the fake applications.
const testPolicy = `allow MIT
allow BSD-3-Clause
allow Apache-2.0
allow Zlib
deny JSON The Software shall be used for Good, not Evil: not open source.
`

// jsonLicense is the text of the JSON license, as shipped in 2020.
func jsonLicense(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/mod/json/LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeApp writes a main module that imports the fake modules of
// testdata/mod named by deps (each replaced by its directory), with the
// given go.sum, and returns its directory. The module cache is an empty
// directory of the test, and the go command is kept offline.
func fakeApp(t *testing.T, goSum string, deps ...string) string {
	t.Helper()
	t.Setenv("GOMODCACHE", filepath.Join(t.TempDir(), "modcache"))
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOWORK", "off")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	root := t.TempDir()
	var mod, src strings.Builder
	mod.WriteString("module example.com/app\n\ngo 1.21\n\n")
	src.WriteString("// Command app is a fake application.\npackage main\n\nimport (\n")
	for _, d := range deps {
		abs, err := filepath.Abs(filepath.Join("testdata", "mod", d))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&mod, "require example.com/%s v1.0.0\nreplace example.com/%s v1.0.0 => %s\n", d, d, abs)
		fmt.Fprintf(&src, "\t_ %q\n", "example.com/"+d)
	}
	src.WriteString(")\n\nfunc main() {}\n")
	write(t, filepath.Join(root, "go.mod"), mod.String())
	write(t, filepath.Join(root, "main.go"), src.String())
	write(t, filepath.Join(root, "licenses.allow"), testPolicy)
	if goSum != "" {
		write(t, filepath.Join(root, "go.sum"), goSum)
	}
	return root
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runTool runs the command on root for linux/amd64 and returns its exit
// status and output.
func runTool(t *testing.T, root string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append([]string{"-root", root, "-platforms", "linux/amd64", "-offline"}, args...)
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestAuditBuild(t *testing.T) {
	tests := []struct {
		name       string
		deps       []string
		wantCode   int
		wantOut    []string // substrings of the table
		wantStderr []string // substrings of the diagnostics
	}{
		{"permissive licenses pass", []string{"mit", "bsd3", "apache2", "nested"}, 0,
			[]string{"example.com/mit", "MIT", "example.com/bsd3", "BSD-3-Clause", "LICENSE.md",
				"example.com/apache2", "Apache-2.0", "LICENSE.txt", "fonts/LICENSE", "Zlib", "std"},
			nil},
		{"JSON license refused", []string{"mit", "json"}, 1,
			[]string{"example.com/json", "JSON", "FAIL"},
			[]string{"FAIL example.com/json@v1.0.0 LICENSE (binary): JSON: JSON is refused: The Software shall be used for Good, not Evil"}},
		{"JSON clause under an MIT text refused", []string{"mitevil"}, 1, nil,
			[]string{"FAIL example.com/mitevil@v1.0.0 LICENSE (binary): MIT with extra terms", "Good, not Evil"}},
		{"GPL-3.0 refused", []string{"gpl3"}, 1, nil,
			[]string{"FAIL example.com/gpl3@v1.0.0 COPYING (binary): GPL-3.0: GPL-3.0 is not on the allow list"}},
		{"no license refused", []string{"none"}, 1, nil,
			[]string{"FAIL example.com/none@v1.0.0 (binary): no license file"}},
		{"unknown license refused", []string{"unknown"}, 1, nil,
			[]string{"FAIL example.com/unknown@v1.0.0 LICENSE (binary): unidentified", "license not identified"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fakeApp(t, "", tt.deps...)
			code, out, errs := runTool(t, root)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errs)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("table lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(errs, w) {
					t.Errorf("diagnostics lack %q:\n%s", w, errs)
				}
			}
		})
	}
}

func TestAuditGoSum(t *testing.T) {
	goSum := "example.com/Evil v1.2.3 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" +
		"example.com/Evil v1.2.3/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" +
		"example.com/graph v0.1.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	root := fakeApp(t, goSum, "mit")
	// The module cache escapes upper-case letters.
	write(t, filepath.Join(os.Getenv("GOMODCACHE"), "example.com", "!evil@v1.2.3", "LICENSE"), string(jsonLicense(t)))

	code, out, errs := runTool(t, root, "-md", "licenses.md")
	if code != 1 {
		t.Errorf("exit status %d, want 1\n%s%s", code, out, errs)
	}
	if want := "FAIL example.com/Evil@v1.2.3 LICENSE (go.sum): JSON: JSON is refused"; !strings.Contains(errs, want) {
		t.Errorf("diagnostics lack %q:\n%s", want, errs)
	}
	md, err := os.ReadFile(filepath.Join(root, "licenses.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## Compiled into the binaries", "| example.com/mit | v1.0.0 => ", "| MIT | LICENSE | ok |",
		"## Only in go.sum", "| example.com/Evil | v1.2.3 | JSON | LICENSE | FAIL: JSON is refused",
		"`example.com/graph@v0.1.0`", "## Failures",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestAuditMissingFromCacheOffline(t *testing.T) {
	root := fakeApp(t, "example.com/absent v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "mit")
	code, _, errs := runTool(t, root)
	if code != 2 || !strings.Contains(errs, "example.com/absent@v1.0.0") {
		t.Errorf("exit status %d, want 2 naming example.com/absent@v1.0.0:\n%s", code, errs)
	}
}

func TestAuditLoadError(t *testing.T) {
	root := fakeApp(t, "", "mit")
	write(t, filepath.Join(root, "broken", "broken.go"), "package broken\n\nimport _ \"example.com/nowhere\"\n")
	code, _, errs := runTool(t, root)
	if code != 2 || !strings.Contains(errs, "the build graph does not load") || !strings.Contains(errs, "example.com/nowhere") {
		t.Errorf("exit status %d, want 2 with the load error:\n%s", code, errs)
	}
}

func TestCheckReport(t *testing.T) {
	root := fakeApp(t, "", "mit", "bsd3")
	if code, out, errs := runTool(t, root, "-md", "docs/licenses.md", "-check"); code != 1 || !strings.Contains(errs, "is not up to date") {
		t.Errorf("check of a missing report: status %d, want 1 and a stale report:\n%s%s", code, out, errs)
	}
	if err := os.MkdirAll(filepath.Join(root, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runTool(t, root, "-md", "docs/licenses.md"); code != 0 {
		t.Fatalf("writing the report: status %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runTool(t, root, "-md", "docs/licenses.md", "-check"); code != 0 {
		t.Errorf("check of a fresh report: status %d\n%s%s", code, out, errs)
	}
	md := filepath.Join(root, "docs", "licenses.md")
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "cd tools/licenses && go run . -root ../.. -md docs/licenses.md -platforms linux/amd64") {
		t.Errorf("report lacks the command that regenerates it:\n%s", b)
	}
	write(t, md, strings.Replace(string(b), "BSD-3-Clause", "MIT", 1))
	if code, _, errs := runTool(t, root, "-md", "docs/licenses.md", "-check"); code != 1 || !strings.Contains(errs, "docs/licenses.md is not up to date") {
		t.Errorf("check of an edited report: status %d, want 1:\n%s", code, errs)
	}
}

func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-check"}, &stdout, &stderr); code != 2 {
		t.Errorf("-check without -md: status %d, want 2", code)
	}
	if code := run(context.Background(), []string{"-nope"}, &stdout, &stderr); code != 2 {
		t.Errorf("unknown flag: status %d, want 2", code)
	}
	if code := run(context.Background(), []string{"-root", t.TempDir()}, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "opening the policy") {
		t.Errorf("missing policy: status %d, want 2:\n%s", code, stderr.String())
	}
}

func TestEscapeModPath(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/BurntSushi/toml": "github.com/!burnt!sushi/toml",
		"golang.org/x/mod":           "golang.org/x/mod",
		"v1.0.0-RC1":                 "v1.0.0-!r!c1",
	} {
		if got := escapeModPath(in); got != want {
			t.Errorf("escapeModPath(%q) = %q, want %q", in, got, want)
		}
	}
}
