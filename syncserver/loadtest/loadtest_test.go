package loadtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestSmallLoad: a few hundred interns over a short window; every receipt
// verifies, nothing is lost, and the report says so.
func TestSmallLoad(t *testing.T) {
	var log bytes.Buffer
	rep, err := Do(context.Background(), Options{Interns: 300, Postes: 400, Window: time.Second, Concurrency: 32,
		Catalogue: true}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	// BatchCount comes from the own server's metrics listener.
	if rep.Accepted != 300 || rep.Verified != 300 || rep.Lost != 0 || rep.CataloguePostes != 400 || rep.BatchCount == 0 {
		t.Fatalf("report %+v", rep)
	}
	var out bytes.Buffer
	rep.Print(&out)
	if !strings.Contains(out.String(), "0 perdu") {
		t.Fatalf("report:\n%s", out.String())
	}
	t.Log(out.String())
}

// TestRunFlags: bad flags are refused with status 2.
func TestRunFlags(t *testing.T) {
	var out, errw bytes.Buffer
	if code := Run([]string{"-interns", "0"}, &out, &errw); code != 2 {
		t.Fatalf("-interns 0: status %d", code)
	}
	if code := Run([]string{"-seed"}, &out, &errw); code != 2 {
		t.Fatalf("-seed without -db: status %d", code)
	}
}
