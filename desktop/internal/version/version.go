// Package version tells which build of the desktop app is running: the
// version and build number of FyneApp.toml, stamped at link time by
// scripts/release (and make release), and the source revision.
//
//	go build -ldflags "-X appariement/desktop/internal/version.Version=0.1.0 \
//	    -X appariement/desktop/internal/version.Build=1 \
//	    -X appariement/desktop/internal/version.Commit=6db881f" ./desktop
//
// A plain go build says "dev" and takes the revision from the Go build
// information when the module is built from a git checkout.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set with -ldflags -X by the release build; see the package comment.
var (
	// Version is FyneApp.toml's Details.Version ("dev" when not stamped).
	Version = "dev"
	// Build is FyneApp.toml's Details.Build ("" when not stamped).
	Build = ""
	// Commit is the source revision ("" when unknown).
	Commit = ""
)

// Info is what the "À propos" dialog shows.
type Info struct {
	Version, Build, Commit string
	Modified               bool   // built from a tree with uncommitted changes
	Go, Platform           string // go1.26.8, windows/amd64
}

// Get returns the running build's information.
func Get() Info {
	in := Info{Version: Version, Build: Build, Commit: Commit, Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if in.Commit == "" && len(s.Value) >= 12 {
					in.Commit = s.Value[:12]
				}
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
	}
	return in
}

// String is one line: "0.1.0 (build 1, 6db881f, windows/amd64, go1.26.8)".
func (i Info) String() string {
	s := i.Version
	if i.Build != "" {
		s += " (build " + i.Build
	} else {
		s += " ("
	}
	if i.Commit != "" {
		if i.Build != "" {
			s += ", "
		}
		s += i.Commit
		if i.Modified {
			s += "+modifié"
		}
	}
	if i.Build != "" || i.Commit != "" {
		s += ", "
	}
	return s + fmt.Sprintf("%s, %s)", i.Platform, i.Go)
}
