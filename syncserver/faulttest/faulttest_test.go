package faulttest

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// childEnv makes the test binary run as the child server of the clock family.
const childEnv = "APPARIEMENT_FAULTTEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" && len(os.Args) > 1 && os.Args[1] == "faulttest" {
		os.Exit(Run(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// testOptions runs the short version, with the test binary as the child.
func testOptions(logs *bytes.Buffer) Options {
	o := Options{Short: true, Logs: logs,
		Child: func(args ...string) []string {
			return append([]string{"env", childEnv + "=1", os.Args[0]}, args...)
		}}
	if v := os.Getenv("FAULTTEST_ONLY"); v != "" {
		o.Only = []string{v}
	}
	return o
}

// TestFaults runs the short version of the three families (the CI's
// "syncserver faulttest"): no loss, no double acknowledgement, no 500, no
// leak. The disk family needs to mount a tmpfs: without the right to, it
// is skipped with a message (it fails when CI is set).
func TestFaults(t *testing.T) {
	var logs bytes.Buffer
	rep, err := Do(context.Background(), testOptions(&logs))
	var out bytes.Buffer
	if rep != nil {
		rep.Print(&out)
	}
	t.Log("\n" + out.String())
	if err != nil {
		t.Log(logs.String())
		t.Fatal(err)
	}
	for _, f := range rep.Failed() {
		t.Error(f)
	}
	for _, r := range rep.Rows {
		if r.Skipped != "" {
			t.Logf("SKIPPED %s: %s", r.Fault, r.Skipped)
		}
	}
}
