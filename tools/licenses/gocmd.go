package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// goCmd runs the go command in dir with env added to the environment and
// returns its standard output.
func goCmd(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		return nil, fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, msg)
	}
	return out, nil
}

// goEnv returns the values of the named go env variables, in order.
func goEnv(ctx context.Context, dir string, env []string, names ...string) ([]string, error) {
	out, err := goCmd(ctx, dir, env, append([]string{"env"}, names...)...)
	if err != nil {
		return nil, err
	}
	vals := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(vals) != len(names) {
		return nil, fmt.Errorf("go env %s: got %d values, want %d", strings.Join(names, " "), len(vals), len(names))
	}
	return vals, nil
}

// listedModule is the part of a go list module record the audit needs.
type listedModule struct {
	Path    string
	Version string
	Dir     string
	Main    bool
	Replace *listedModule
}

// listedPackage is the part of a go list package record the audit needs.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *listedModule
	Error      *struct{ Err string }
}

// buildModule is a module that provides packages to a build.
type buildModule struct {
	path, version string
	replace       string // as shown in reports, "" if not replaced
	dir           string // root directory of the code compiled
	pkgDirs       map[string]bool
}

// stdPath names the standard library in reports and exceptions.
const stdPath = "std"

// listBuild lists, for each platform ("GOOS/GOARCH"), the packages that
// patterns build in the main module at root with the toolchain at goroot
// (of version goversion). It returns the modules providing them, the
// standard library (stdPath) included, keyed by the path@version of the code
// compiled (the replacement's, if any) as go.sum names it. Any package that
// fails to load is an error: a partial graph would give a partial audit.
func listBuild(ctx context.Context, root string, env []string, goroot, goversion string, platforms, patterns []string) (map[string]*buildModule, error) {
	if v := regexp.MustCompile(`^go\d+\.\d+`).FindString(goversion); v != "" {
		goversion = v // the license does not change within a release
	}
	mods := map[string]*buildModule{
		stdPath: {path: stdPath, version: goversion, dir: goroot, pkgDirs: map[string]bool{}},
	}
	loadErrs := map[string][]string{} // error -> platforms
	for _, platform := range platforms {
		goos, goarch, ok := strings.Cut(platform, "/")
		if !ok {
			return nil, fmt.Errorf("platform %q: want GOOS/GOARCH", platform)
		}
		// cgo on, as in the desktop builds, so that cgo-only files count.
		penv := append(append([]string{}, env...), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=1")
		args := append([]string{"list", "-e", "-deps", "-json=ImportPath,Dir,Standard,Module,Error", "--"}, patterns...)
		out, err := goCmd(ctx, root, penv, args...)
		if err != nil {
			return nil, fmt.Errorf("listing the build of %s: %w", platform, err)
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			var p listedPackage
			if err := dec.Decode(&p); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("decoding go list output for %s: %w", platform, err)
			}
			if p.Error != nil {
				msg := p.ImportPath + ": " + p.Error.Err
				loadErrs[msg] = append(loadErrs[msg], platform)
				continue
			}
			if err := addPackage(mods, p, goroot); err != nil {
				return nil, err
			}
		}
	}
	if len(mods[stdPath].pkgDirs) == 0 {
		delete(mods, stdPath) // nothing built: no part of GOROOT applies
	}
	if len(loadErrs) > 0 {
		var lines []string
		for msg, ps := range loadErrs {
			lines = append(lines, fmt.Sprintf("[%s] %s", strings.Join(ps, " "), strings.ReplaceAll(msg, "\n", "\n\t\t")))
		}
		sort.Strings(lines)
		if len(lines) > 10 {
			lines = append(lines[:10], fmt.Sprintf("and %d more", len(lines)-10))
		}
		return nil, fmt.Errorf("the build graph does not load, so it cannot be audited:\n\t%s", strings.Join(lines, "\n\t"))
	}
	return mods, nil
}

// addPackage records package p into the module that provides it.
func addPackage(mods map[string]*buildModule, p listedPackage, goroot string) error {
	var m *buildModule
	switch {
	case p.Standard:
		m = mods[stdPath]
	case p.Module == nil:
		return fmt.Errorf("package %s belongs to no module", p.ImportPath)
	case p.Module.Main:
		return nil // our own code
	default:
		lm := p.Module
		key, dir, replace := lm.Path+"@"+lm.Version, lm.Dir, ""
		if r := lm.Replace; r != nil {
			dir = r.Dir
			if r.Version != "" {
				key, replace = r.Path+"@"+r.Version, r.Path+" "+r.Version
			} else {
				key, replace = lm.Path+"@"+r.Path, r.Path
			}
		}
		if m = mods[key]; m == nil {
			if dir == "" {
				return fmt.Errorf("module %s of package %s is not in the module cache", key, p.ImportPath)
			}
			m = &buildModule{path: lm.Path, version: lm.Version, replace: replace, dir: dir, pkgDirs: map[string]bool{}}
			mods[key] = m
		}
	}
	rel, err := filepath.Rel(m.dir, p.Dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("package %s: directory %s is outside its module %s", p.ImportPath, p.Dir, m.dir)
	}
	m.pkgDirs[filepath.ToSlash(rel)] = true
	return nil
}

// modVer is a module version named in go.sum.
type modVer struct{ path, version string }

// readGoSum returns the module versions whose source go.sum hashes, and
// (as path@version) those of which it only hashes the go.mod file. A missing
// go.sum is an empty one.
func readGoSum(root string) (source []modVer, goModOnly []string, err error) {
	f, err := os.Open(filepath.Join(root, "go.sum"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, fmt.Errorf("opening go.sum: %w", err)
	}
	defer f.Close()
	hasSource := map[modVer]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, nil, fmt.Errorf("go.sum:%d: malformed line", n)
		}
		ver, isGoMod := strings.CutSuffix(fields[1], "/go.mod")
		mv := modVer{fields[0], ver}
		hasSource[mv] = hasSource[mv] || !isGoMod
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading go.sum: %w", err)
	}
	for mv, src := range hasSource {
		if src {
			source = append(source, mv)
		} else {
			goModOnly = append(goModOnly, mv.path+"@"+mv.version)
		}
	}
	sort.Slice(source, func(i, k int) bool {
		return source[i].path+"@"+source[i].version < source[k].path+"@"+source[k].version
	})
	sort.Strings(goModOnly)
	return source, goModOnly, nil
}

// escapeModPath escapes a module path or version as the module cache does:
// each upper-case letter becomes '!' and its lower-case form.
func escapeModPath(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// moduleDirs returns the module cache directory of each module version,
// keyed by path@version. Versions missing from the cache are downloaded with
// "go mod download", run outside the main module so that its go.sum is left
// alone (the checksum database still vouches for what is fetched).
func moduleDirs(ctx context.Context, modcache string, env []string, mvs []modVer) (map[string]string, error) {
	dirs := make(map[string]string, len(mvs))
	var missing []string
	for _, mv := range mvs {
		dir := filepath.Join(modcache, filepath.FromSlash(escapeModPath(mv.path)+"@"+escapeModPath(mv.version)))
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			dirs[mv.path+"@"+mv.version] = dir
		} else {
			missing = append(missing, mv.path+"@"+mv.version)
		}
	}
	if len(missing) == 0 {
		return dirs, nil
	}
	tmp, err := os.MkdirTemp("", "licenses-download-")
	if err != nil {
		return nil, fmt.Errorf("creating a directory to download modules from: %w", err)
	}
	defer os.RemoveAll(tmp)
	denv := append(append([]string{}, env...), "GOWORK=off", "GO111MODULE=on")
	// go mod download reports per-module errors in its JSON and exits 1.
	out, cmdErr := goCmd(ctx, tmp, denv, append([]string{"mod", "download", "-json"}, missing...)...)
	if cmdErr != nil && len(out) == 0 {
		return nil, fmt.Errorf("downloading %d module(s) missing from the module cache: %w", len(missing), cmdErr)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	var errs []string
	for {
		var d struct{ Path, Version, Dir, Error string }
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decoding go mod download output: %w", err)
		}
		if d.Error != "" || d.Dir == "" {
			errs = append(errs, fmt.Sprintf("%s@%s: %s", d.Path, d.Version, d.Error))
			continue
		}
		dirs[d.Path+"@"+d.Version] = d.Dir
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("downloading modules missing from the module cache:\n\t%s", strings.Join(errs, "\n\t"))
	}
	if cmdErr != nil {
		return nil, fmt.Errorf("downloading modules missing from the module cache: %w", cmdErr)
	}
	return dirs, nil
}
