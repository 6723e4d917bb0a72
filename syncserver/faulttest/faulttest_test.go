package faulttest

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// TestFaults runs the short version of the three families.
func TestFaults(t *testing.T) {
	var logs bytes.Buffer
	rep, err := Do(context.Background(), Options{Short: true, Logs: &logs, Only: onlyFromEnv()})
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

func onlyFromEnv() []string {
	if v := os.Getenv("FAULTTEST_ONLY"); v != "" {
		return []string{v}
	}
	return nil
}
