package audit

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Findings that are not license ids, as written in exceptions.
const (
	// FindingNone is a module without any license file.
	FindingNone = "none"
	// FindingUnknown is a license file licensecheck could not identify:
	// coverage under the policy's minimum, or extra terms of use.
	FindingUnknown = "unknown"
)

// DefaultMinCoverage is the share of a license file, in percent, that must be
// recognised for the file to count as identified: pkg.go.dev's threshold.
const DefaultMinCoverage = 75

// Policy is the parsed content of a licenses.allow file.
//
// The file holds one directive per line; blank lines and lines starting with
// '#' are ignored:
//
//	allow <license-id>                 the license is acceptable
//	deny <license-id> <reason>         never acceptable, whatever the exceptions
//	min-coverage <percent>             see DefaultMinCoverage
//	exception <module>[@<version>] <file|*> <finding> <reason>
//
// An exception accepts one finding for one module (any version unless one is
// given): a license id that is not allowed, "unknown" for an unidentified
// license file, or "none" (with file "*") for a module without license file.
// Its file is a path relative to the module root, or "*" for any file. The
// reason is mandatory: it is the written justification shown in the report.
type Policy struct {
	// Allowed holds the acceptable license ids.
	Allowed map[string]bool
	// Denied maps refused license ids to the reason of the refusal.
	Denied map[string]string
	// MinCoverage is the minimum coverage, in percent, of an identified file.
	MinCoverage float64
	// Exceptions are the per-module exceptions, in file order.
	Exceptions []*Exception
}

// Exception accepts one finding for one module; see Policy.
type Exception struct {
	Module  string // module path
	Version string // module version, "" for any
	File    string // license file path relative to the module root, or "*"
	Finding string // license id, FindingUnknown or FindingNone
	Reason  string // written justification
	Line    int    // line in the policy file

	used bool
}

// String returns the exception as written in the policy file, less its reason.
func (e *Exception) String() string {
	mod := e.Module
	if e.Version != "" {
		mod += "@" + e.Version
	}
	return fmt.Sprintf("exception %s %s %s (line %d)", mod, e.File, e.Finding, e.Line)
}

// ParsePolicy reads a policy file; name is used in error messages.
func ParsePolicy(r io.Reader, name string) (*Policy, error) {
	p := &Policy{
		Allowed:     make(map[string]bool),
		Denied:      make(map[string]string),
		MinCoverage: DefaultMinCoverage,
	}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := p.parseLine(line, n); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	for id := range p.Denied {
		if p.Allowed[id] {
			return nil, fmt.Errorf("%s: %s is both allowed and denied", name, id)
		}
	}
	return p, nil
}

// parseLine adds one directive to p.
func (p *Policy) parseLine(line string, n int) error {
	fields := strings.Fields(line)
	switch fields[0] {
	case "allow":
		if len(fields) != 2 {
			return fmt.Errorf("want: allow <license-id>")
		}
		p.Allowed[fields[1]] = true
	case "deny":
		if len(fields) < 3 {
			return fmt.Errorf("want: deny <license-id> <reason>")
		}
		p.Denied[fields[1]] = strings.Join(fields[2:], " ")
	case "min-coverage":
		if len(fields) != 2 {
			return fmt.Errorf("want: min-coverage <percent>")
		}
		v, err := strconv.ParseFloat(fields[1], 64)
		if err != nil || v <= 0 || v > 100 {
			return fmt.Errorf("min-coverage %q: want a percentage in (0, 100]", fields[1])
		}
		p.MinCoverage = v
	case "exception":
		if len(fields) < 5 {
			return fmt.Errorf("want: exception <module>[@<version>] <file|*> <finding> <reason>")
		}
		mod, ver, _ := strings.Cut(fields[1], "@")
		e := &Exception{Module: mod, Version: ver, File: fields[2], Finding: fields[3],
			Reason: strings.Join(fields[4:], " "), Line: n}
		if e.Finding == FindingNone && e.File != "*" {
			return fmt.Errorf("an exception for %q must name file *", FindingNone)
		}
		p.Exceptions = append(p.Exceptions, e)
	default:
		return fmt.Errorf("unknown directive %q (want allow, deny, min-coverage or exception)", fields[0])
	}
	return nil
}

// Module is one module version under audit and its license files.
type Module struct {
	Path    string // module path, or "std" for the standard library
	Version string // module version as shown in reports
	// Replace, if not empty, names the replacement actually compiled: a
	// directory, or a module path and version.
	Replace string
	// Build tells whether packages of the module are compiled into the
	// audited binaries; otherwise the module is only listed in go.sum.
	Build bool
	// Files are the license files that apply, sorted by path.
	Files []File
}

// Status is the policy's judgement on one finding.
type Status int

// The statuses, from best to worst.
const (
	OK        Status = iota // allowed license
	Excepted                // accepted by an exception
	Forbidden               // fails the policy
)

// Judgement is the policy's decision on one license file of a module, or on
// the absence of any.
type Judgement struct {
	File    string // license file path, "" for a module without any
	License string // what was found, as shown in reports
	Status  Status
	Detail  string // for Excepted, the exception's reason; for Forbidden, why
}

// Judge applies the policy to a module's license files and returns one
// judgement per file (one for the whole module if it has none). It records
// which exceptions were used, for Unused.
func (p *Policy) Judge(m Module) []Judgement {
	if len(m.Files) == 0 {
		j := Judgement{License: "no license file", Status: Forbidden,
			Detail: "no license file found"}
		if e := p.exception(m, "", FindingNone); e != nil {
			j.Status, j.Detail = Excepted, e.Reason
		}
		return []Judgement{j}
	}
	var out []Judgement
	for _, f := range m.Files {
		out = append(out, p.judgeFile(m, f))
	}
	return out
}

// judgeFile applies the policy to one license file of m.
func (p *Policy) judgeFile(m Module, f File) Judgement {
	j := Judgement{File: f.Path, License: strings.Join(f.IDs, ", ")}
	var why string
	switch {
	case len(f.IDs) == 0 || f.Coverage < p.MinCoverage:
		j.License = fmt.Sprintf("unidentified (%.0f%% recognised", f.Coverage)
		if len(f.IDs) > 0 {
			j.License += ": " + strings.Join(f.IDs, ", ")
		}
		j.License += ")"
		why = fmt.Sprintf("license not identified: %.1f%% of the text recognised, %.0f%% required", f.Coverage, p.MinCoverage)
	case f.Extra != "":
		j.License = strings.Join(f.IDs, ", ") + " with extra terms"
		why = fmt.Sprintf("text outside the recognised license adds terms: %q", f.Extra)
	}
	for _, id := range f.IDs {
		if reason, denied := p.Denied[id]; denied {
			// Deny wins over any exception, and over a partial match.
			j.Status, j.Detail = Forbidden, fmt.Sprintf("%s is refused: %s", id, reason)
			return j
		}
	}
	if why != "" {
		j.Status, j.Detail = Forbidden, why
		if e := p.exception(m, f.Path, FindingUnknown); e != nil {
			j.Status, j.Detail = Excepted, e.Reason
		}
		return j
	}
	var excepted []string
	for _, id := range f.IDs {
		if p.Allowed[id] {
			continue
		}
		e := p.exception(m, f.Path, id)
		if e == nil {
			j.Status, j.Detail = Forbidden, fmt.Sprintf("%s is not on the allow list", id)
			return j
		}
		excepted = append(excepted, e.Reason)
	}
	if len(excepted) > 0 {
		j.Status, j.Detail = Excepted, strings.Join(excepted, " / ")
	}
	return j
}

// exception returns the first exception accepting finding in file of m (file
// "" only matches "*"), and marks it used; or nil.
func (p *Policy) exception(m Module, file, finding string) *Exception {
	for _, e := range p.Exceptions {
		if e.Module != m.Path || (e.Version != "" && e.Version != m.Version) || e.Finding != finding {
			continue
		}
		if e.File != "*" && e.File != file {
			continue
		}
		e.used = true
		return e
	}
	return nil
}

// Unused returns the exceptions that no judgement needed since p was parsed:
// stale entries to remove from the policy file.
func (p *Policy) Unused() []*Exception {
	var out []*Exception
	for _, e := range p.Exceptions {
		if !e.used {
			out = append(out, e)
		}
	}
	return out
}

// Worst returns the worst status of js.
func Worst(js []Judgement) Status {
	w := OK
	for _, j := range js {
		w = max(w, j.Status)
	}
	return w
}

// SortModules orders modules by path then version, the standard library first.
func SortModules(ms []Module) {
	sort.Slice(ms, func(i, k int) bool {
		a, b := ms[i], ms[k]
		if (a.Path == "std") != (b.Path == "std") {
			return a.Path == "std"
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Version < b.Version
	})
}
