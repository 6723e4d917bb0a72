// Command licenses audits the licenses of the Go modules that Appariement
// compiles into its binaries, and of every module whose source go.sum pins.
//
// It lists the packages built from the main module for each target platform
// (go list -deps), reads go.sum, finds each module's license files in the
// module cache (downloading what is missing), identifies them with
// github.com/google/licensecheck and judges them against the policy file
// licenses.allow. It prints a table (module, version, license, file, scope,
// status) and exits with status 1, naming each module, file and license at
// fault, when a module has no license file, a license that cannot be
// identified, or a license that the policy does not allow: the JSON license
// ("The Software shall be used for Good, not Evil") among them.
//
// The tool is a module of its own, so that its dependency stays out of the
// product. From the repository root:
//
//	cd tools/licenses && go run . -root ../..                          # audit
//	cd tools/licenses && go run . -root ../.. -md docs/licenses.md     # and write the report
//	cd tools/licenses && go run . -root ../.. -md docs/licenses.md -check  # CI: also fail if the report is stale
//
// File names given to -md and -policy are relative to -root. The tool's
// tests are outside the main module's ./..., so run them on their own:
//
//	cd tools/licenses && go vet ./... && go test ./...
//
// Exit status: 0 when every module complies, 1 when some module fails the
// policy (or, with -check, the report is stale), 2 when the audit cannot run.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"appariement/tools/licenses/internal/audit"
)

// defaultPlatforms are the targets of Appariement's binaries: the desktop
// app on the interns' and hospitals' machines, the sync server on Linux.
const defaultPlatforms = "linux/amd64,windows/amd64,darwin/amd64,darwin/arm64"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// config holds the command line.
type config struct {
	root, policy, md string
	check, offline   bool
	platforms        []string
	patterns         []string
}

// run is the command with its arguments and output streams; it returns the
// exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("licenses", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	var platforms string
	fs.StringVar(&cfg.root, "root", ".", "root `dir`ectory of the main module to audit")
	fs.StringVar(&cfg.policy, "policy", "licenses.allow", "policy `file`, relative to -root unless absolute")
	fs.StringVar(&cfg.md, "md", "", "write the Markdown report to `file`, relative to -root unless absolute")
	fs.BoolVar(&cfg.check, "check", false, "with -md: do not write the report, fail if it differs from the file")
	fs.BoolVar(&cfg.offline, "offline", false, "use only the module cache (GOPROXY=off)")
	fs.StringVar(&platforms, "platforms", defaultPlatforms, "comma-separated GOOS/GOARCH `list` of the builds to audit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: licenses [flags] [packages]   (packages default to ./...)\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.check && cfg.md == "" {
		fmt.Fprintln(stderr, "licenses: -check needs -md")
		return 2
	}
	cfg.platforms = strings.Split(platforms, ",")
	cfg.patterns = fs.Args()
	if len(cfg.patterns) == 0 {
		cfg.patterns = []string{"./..."}
	}

	report, err := runAudit(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "licenses: %v\n", err)
		return 2
	}
	if err := report.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "licenses: %v\n", err)
		return 2
	}
	for _, e := range report.Unused {
		fmt.Fprintf(stderr, "licenses: warning: %s matched nothing in this audit: stale?\n", e)
	}
	status := 0
	if cfg.md != "" {
		stale, err := writeMarkdown(report, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "licenses: %v\n", err)
			return 2
		}
		if stale {
			fmt.Fprintf(stderr, "licenses: %s is not up to date: regenerate it with\n\t%s\n", cfg.md, regenerateCommand(cfg))
			status = 1
		}
	}
	failures := report.Failures()
	for _, f := range failures {
		fmt.Fprintf(stderr, "licenses: FAIL %s\n", f)
	}
	if len(failures) > 0 {
		fmt.Fprintf(stderr, "licenses: %d license file(s) fail the policy %s\n", len(failures), cfg.policy)
		status = 1
	}
	return status
}

// runAudit lists the modules, finds and identifies their licenses, and judges
// them against the policy.
func runAudit(ctx context.Context, cfg config) (*audit.Report, error) {
	policyFile := inRoot(cfg.root, cfg.policy)
	pf, err := os.Open(policyFile)
	if err != nil {
		return nil, fmt.Errorf("opening the policy: %w", err)
	}
	policy, err := audit.ParsePolicy(pf, cfg.policy)
	pf.Close()
	if err != nil {
		return nil, err
	}

	var env []string
	if cfg.offline {
		env = append(env, "GOPROXY=off")
	}
	goenv, err := goEnv(ctx, cfg.root, env, "GOROOT", "GOVERSION", "GOMODCACHE")
	if err != nil {
		return nil, err
	}
	built, err := listBuild(ctx, cfg.root, env, goenv[0], goenv[1], cfg.platforms, cfg.patterns)
	if err != nil {
		return nil, err
	}
	sumSource, goModOnly, err := readGoSum(cfg.root)
	if err != nil {
		return nil, err
	}

	var sumOnly []modVer
	for _, mv := range sumSource {
		if built[mv.path+"@"+mv.version] == nil {
			sumOnly = append(sumOnly, mv)
		}
	}
	var modules []audit.Module
	for _, bm := range built {
		m, err := scanModule(bm.dir, slices.Collect(maps.Keys(bm.pkgDirs)), audit.Module{Path: bm.path, Version: bm.version,
			Replace: bm.replace, Build: true})
		if err != nil {
			return nil, err
		}
		modules = append(modules, m)
	}

	dirs, err := moduleDirs(ctx, goenv[2], env, sumOnly)
	if err != nil {
		return nil, err
	}
	for _, mv := range sumOnly {
		m, err := scanModule(dirs[mv.path+"@"+mv.version], nil, audit.Module{Path: mv.path, Version: mv.version})
		if err != nil {
			return nil, err
		}
		modules = append(modules, m)
	}
	return audit.NewReport(policy, cfg.policy, cfg.platforms, modules, goModOnly), nil
}

// scanModule fills m.Files with the license files of the module rooted at
// dir that apply to pkgDirs (nil: all of them), identified.
func scanModule(dir string, pkgDirs []string, m audit.Module) (audit.Module, error) {
	paths, err := audit.FindLicenseFiles(dir, pkgDirs)
	if err != nil {
		return m, fmt.Errorf("module %s@%s: %w", m.Path, m.Version, err)
	}
	for _, p := range paths {
		f, err := audit.ScanFile(dir, p)
		if err != nil {
			return m, fmt.Errorf("module %s@%s: %w", m.Path, m.Version, err)
		}
		m.Files = append(m.Files, f)
	}
	return m, nil
}

// writeMarkdown writes the report to cfg.md or, with cfg.check, compares it
// with the file and reports whether it is stale.
func writeMarkdown(r *audit.Report, cfg config) (stale bool, err error) {
	var buf bytes.Buffer
	if err := r.WriteMarkdown(&buf, regenerateCommand(cfg)); err != nil {
		return false, err
	}
	file := inRoot(cfg.root, cfg.md)
	if cfg.check {
		old, err := os.ReadFile(file)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("reading the report to check: %w", err)
		}
		return !bytes.Equal(old, buf.Bytes()), nil
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		return false, fmt.Errorf("writing the report: %w", err)
	}
	return false, nil
}

// regenerateCommand is the command, run from the repository root, that
// writes the report as cfg would.
func regenerateCommand(cfg config) string {
	cmd := "cd tools/licenses && go run . -root ../.. -md " + filepath.ToSlash(cfg.md)
	if cfg.policy != "licenses.allow" {
		cmd += " -policy " + filepath.ToSlash(cfg.policy)
	}
	if p := strings.Join(cfg.platforms, ","); p != defaultPlatforms {
		cmd += " -platforms " + p
	}
	if len(cfg.patterns) != 1 || cfg.patterns[0] != "./..." {
		cmd += " " + strings.Join(cfg.patterns, " ")
	}
	return cmd
}

// inRoot resolves a relative file name against the module root.
func inRoot(root, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(root, name)
}
