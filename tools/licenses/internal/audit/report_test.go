package audit

import (
	"strings"
	"testing"
)

func testReport(t *testing.T) *Report {
	t.Helper()
	p := parse(t, `
allow MIT
allow BSD-3-Clause
deny JSON Good, not Evil.
exception example.com/odd * unknown Read by hand | see the ticket.
exception example.com/unused * MIT Stale.
`)
	modules := []Module{
		{Path: "example.com/evil", Version: "v1.0.0",
			Files: []File{{Path: "LICENSE", IDs: []string{"JSON"}, Coverage: 100}}},
		{Path: "example.com/odd", Version: "v0.1.0", Build: true,
			Files: []File{{Path: "COPYING", Coverage: 10}}},
		{Path: "example.com/mit", Version: "v1.2.0", Replace: "../mit", Build: true,
			Files: []File{{Path: "LICENSE", IDs: []string{"MIT"}, Coverage: 100}}},
		{Path: "std", Version: "go1.26", Build: true,
			Files: []File{{Path: "LICENSE", IDs: []string{"BSD-3-Clause"}, Coverage: 100}}},
	}
	return NewReport(p, "test.allow", []string{"linux/amd64"}, modules, []string{"example.com/old@v0.0.1"})
}

func TestReportFailures(t *testing.T) {
	r := testReport(t)
	if r.Modules[0].Path != "std" || r.Modules[1].Path != "example.com/evil" {
		t.Errorf("modules not sorted, std first: %v", r.Modules)
	}
	got := r.Failures()
	want := []string{"example.com/evil@v1.0.0 LICENSE (go.sum): JSON: JSON is refused: Good, not Evil."}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Failures = %q, want %q", got, want)
	}
	if len(r.Unused) != 1 || r.Unused[0].Module != "example.com/unused" {
		t.Errorf("Unused = %v, want the example.com/unused exception", r.Unused)
	}
}

func TestReportTable(t *testing.T) {
	var b strings.Builder
	if err := testReport(t).WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("table has %d lines, want 5:\n%s", len(lines), b.String())
	}
	for i, want := range [][]string{
		{"MODULE", "VERSION", "LICENSE", "FILE", "SCOPE", "STATUS"},
		{"std", "go1.26", "BSD-3-Clause", "LICENSE", "binary", "ok"},
		{"example.com/evil", "v1.0.0", "JSON", "LICENSE", "go.sum", "FAIL"},
		{"example.com/mit", "v1.2.0 => ../mit", "MIT", "LICENSE", "binary", "ok"},
		{"example.com/odd", "v0.1.0", "unidentified (10% recognised)", "COPYING", "binary", "exception"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
}

func TestReportMarkdown(t *testing.T) {
	var b strings.Builder
	if err := testReport(t).WriteMarkdown(&b, "go run . -md x.md"); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"go run . -md x.md",
		"Builds listed for: linux/amd64.",
		"3 modules compiled into the binaries (the Go standard library included), 1 more with source in go.sum: **1 license file(s) fail the policy**.",
		"| std | go1.26 | BSD-3-Clause | LICENSE | ok |",
		"| example.com/mit | v1.2.0 => ../mit | MIT | LICENSE | ok |",
		"| example.com/odd | v0.1.0 | unidentified (10% recognised) | COPYING | exception |",
		"| example.com/evil | v1.0.0 | JSON | LICENSE | FAIL: JSON is refused: Good, not Evil. |",
		"`example.com/old@v0.0.1`",
		`| example.com/odd | * | unknown | Read by hand \| see the ticket. |`,
		"## Failures\n\n- example.com/evil@v1.0.0 LICENSE (go.sum): JSON",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "Stale.") {
		t.Error("report lists an exception that nothing used")
	}
	// The binary table comes before the go.sum one.
	if strings.Index(md, "example.com/mit") > strings.Index(md, "example.com/evil") {
		t.Error("go.sum-only module listed among the binaries")
	}
}
