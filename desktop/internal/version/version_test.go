package version

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	for _, c := range []struct {
		in   Info
		want string
	}{
		{Info{Version: "0.1.0", Build: "3", Commit: "6db881f", Go: "go1.26.8", Platform: "windows/amd64"},
			"0.1.0 (build 3, 6db881f, windows/amd64, go1.26.8)"},
		{Info{Version: "dev", Commit: "6db881f", Modified: true, Go: "go1.26.8", Platform: "linux/amd64"},
			"dev (6db881f+modifié, linux/amd64, go1.26.8)"},
		{Info{Version: "dev", Go: "go1.26.8", Platform: "linux/amd64"}, "dev (linux/amd64, go1.26.8)"},
	} {
		if got := c.in.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.in, got, c.want)
		}
	}
	if g := Get(); g.Version != Version || !strings.Contains(g.Platform, "/") || g.Go == "" {
		t.Errorf("Get: %+v", g)
	}
}
