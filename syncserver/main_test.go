package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"appariement/syncserver/cmdrun"
)

// TestProductionBinaryHasNoTestBench: the server binary links none of the
// demo generator and the load, crash and fault testers (syncserver/lab).
func TestProductionBinaryHasNoTestBench(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bench := range []string{"/democmd", "/demodata", "/loadtest", "/crashtest", "/faulttest", "/servertest"} {
			if strings.HasSuffix(dep, bench) {
				t.Errorf("syncserver links %s", dep)
			}
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"demo"}, cmdrun.IO{Stdout: &out, Stderr: &errOut}); code != 2 || !strings.Contains(errOut.String(), "lab") {
		t.Fatalf("syncserver demo: exit %d, %q", code, errOut.String())
	}
}
