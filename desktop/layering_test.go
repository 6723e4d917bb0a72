package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestLayering: the app links nothing of the server (what both sides need
// lives in shared/), and shared/ links nothing of the server or the app.
func TestLayering(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	for _, c := range []struct {
		pkgs      string
		forbidden []string
	}{
		{".", []string{"appariement/syncserver"}},
		{"../shared/...", []string{"appariement/syncserver", "appariement/desktop"}},
	} {
		out, err := exec.Command(gobin, "list", "-deps", c.pkgs).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", c.pkgs, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range c.forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s links %s", c.pkgs, dep)
				}
			}
		}
	}
}
