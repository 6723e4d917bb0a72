// Package audit finds the license files of Go modules, identifies them with
// github.com/google/licensecheck (the classifier used by pkg.go.dev), and
// judges the result against a written policy (see ParsePolicy).
package audit

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/google/licensecheck"
)

// maxLicenseSize bounds how much of a license file is read: real license
// texts are a few tens of kilobytes at most.
const maxLicenseSize = 1 << 20

// File is one license file of a module and what licensecheck recognised in it.
type File struct {
	// Path is the file's slash-separated path relative to the module root.
	Path string
	// IDs are the license identifiers found in the file (SPDX ids, or
	// licensecheck's own ids for the few non-SPDX licenses it knows), in
	// order of first appearance, without duplicates.
	IDs []string
	// Coverage is the percentage of the file's words covered by the matches.
	Coverage float64
	// Extra is text found outside the recognised license texts that reads
	// like an added term of use ("shall be used for Good, not Evil"), or ""
	// if there is none. A file with extra terms is not taken as identified.
	Extra string
}

// codeExt lists extensions that mark a file named like a license
// (license.go, licenses.json, ...) as something else than a license text.
var codeExt = map[string]bool{
	".go": true, ".s": true, ".c": true, ".h": true, ".cc": true, ".cpp": true,
	".hpp": true, ".m": true, ".py": true, ".js": true, ".ts": true, ".json": true,
	".yaml": true, ".yml": true, ".toml": true, ".xml": true, ".html": true,
	".htm": true, ".css": true, ".sh": true, ".bat": true, ".ps1": true,
	".tmpl": true, ".gotmpl": true, ".lre": true, ".mod": true, ".sum": true,
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".svg": true,
	".ico": true, ".pdf": true, ".gz": true, ".zip": true,
}

// licenseDirExt lists the extensions of license texts kept in a LICENSES
// directory (REUSE layout, or golang/freetype's licenses/ftl.txt).
var licenseDirExt = map[string]bool{"": true, ".txt": true, ".md": true, ".markdown": true, ".rst": true}

// IsLicenseFile reports whether a file named base, in a directory named
// dirName, holds a license text: LICENSE, LICENCE, COPYING and UNLICENSE
// with any extension or suffix (LICENSE.md, LICENSE-APACHE, LICENSE_Inter.txt,
// COPYING.txt), MIT-LICENSE, and any text file in a directory named LICENSES.
func IsLicenseFile(dirName, base string) bool {
	lower := strings.ToLower(base)
	ext := path.Ext(lower)
	if strings.EqualFold(dirName, "licenses") || strings.EqualFold(dirName, "licences") {
		return licenseDirExt[ext]
	}
	if codeExt[ext] {
		return false
	}
	lower = strings.TrimPrefix(strings.TrimPrefix(lower, "mit-"), "mit_")
	for _, stem := range []string{"license", "licence", "copying", "unlicense", "unlicence"} {
		if rest, ok := strings.CutPrefix(lower, stem); ok {
			if rest == "" || strings.ContainsRune(".-_", rune(rest[0])) {
				return true
			}
		}
	}
	return false
}

// FindLicenseFiles returns the slash-separated paths, relative to dir, of
// the license files that apply to the packages compiled from the module
// rooted at dir, sorted.
//
// pkgDirs are the slash-separated directories, relative to dir, of those
// packages; nil means the whole module (every license file counts). A
// license file applies to a package when it lies in the package directory or
// one of its parents, or in a subdirectory of it that holds no Go file of its
// own (such directories hold the package's embedded assets or cgo sources:
// fyne's theme/font, go-gl/glfw's C library). Directories that the go
// command ignores (testdata, names starting with "." or "_") are skipped.
func FindLicenseFiles(dir string, pkgDirs []string) ([]string, error) {
	compiled := make(map[string]bool, len(pkgDirs))
	for _, d := range pkgDirs {
		compiled[path.Clean(d)] = true
	}
	// ancestorOfPkg reports whether rel is a compiled package directory or
	// one of its parents.
	ancestorOfPkg := func(rel string) bool {
		if rel == "." {
			return true
		}
		for d := range compiled {
			if d == rel || strings.HasPrefix(d, rel+"/") {
				return true
			}
		}
		return false
	}

	var found []string
	// walk visits directory rel; owned tells whether rel belongs to a
	// compiled package (it is one, or it is a Go-less subdirectory of one).
	var walk func(rel string, owned bool) error
	walk = func(rel string, owned bool) error {
		entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("reading module directory: %w", err)
		}
		hasGo := false
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
				hasGo = true
				break
			}
		}
		if hasGo {
			owned = compiled[rel]
		}
		applies := pkgDirs == nil || owned || ancestorOfPkg(rel)
		for _, e := range entries {
			name := e.Name()
			child := path.Join(rel, name)
			if e.IsDir() {
				if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
					continue
				}
				if pkgDirs != nil && !owned && !ancestorOfPkg(child) {
					continue
				}
				if err := walk(child, owned); err != nil {
					return err
				}
				continue
			}
			if applies && e.Type().IsRegular() && IsLicenseFile(path.Base(rel), name) {
				found = append(found, child)
			}
		}
		return nil
	}
	if err := walk(".", false); err != nil {
		return nil, fmt.Errorf("finding license files in %s: %w", dir, err)
	}
	sort.Strings(found)
	return found, nil
}

// ScanFile reads the license file rel (slash-separated) of the module rooted
// at dir and identifies it with Identify.
func ScanFile(dir, rel string) (File, error) {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return File{}, fmt.Errorf("opening license file: %w", err)
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, maxLicenseSize))
	if err != nil {
		return File{}, fmt.Errorf("reading license file %s: %w", rel, err)
	}
	file := Identify(text)
	file.Path = rel
	return file, nil
}

// Identify runs licensecheck on a license text. The result's Path is empty.
func Identify(text []byte) File {
	cov := licensecheck.Scan(text)
	var file File
	file.Coverage = cov.Percent
	seen := make(map[string]bool)
	var outside strings.Builder
	pos := 0
	for _, m := range cov.Match {
		if !seen[m.ID] {
			seen[m.ID] = true
			file.IDs = append(file.IDs, m.ID)
		}
		if m.Start > pos {
			outside.Write(text[pos:m.Start])
			outside.WriteString("\n\n") // the gaps are separate paragraphs
		}
		pos = max(pos, m.End)
	}
	if pos < len(text) {
		outside.Write(text[pos:])
	}
	file.Extra = extraTerms(outside.String())
	return file
}

// blankLine separates paragraphs.
var blankLine = regexp.MustCompile(`\n\s*\n`)

// noticeLine matches the lines outside a license text that are expected and
// harmless: copyright notices and SPDX tags.
var noticeLine = regexp.MustCompile(`(?i)copyright|\(c\)|©|all rights reserved|spdx-license-identifier`)

// restriction matches words that, outside any recognised license text, read
// like an added condition of use: the JSON license's "The Software shall be
// used for Good, not Evil" appended to an MIT text is the case in point.
var restriction = regexp.MustCompile(`(?i)\bevil\b|\bfor good\b|\bharm(ful)?\b|\bmilitar|\bweapon|` +
	`\bnon-?commercial|\bcommercial (use|purpose)|\bprohibit|\bforbid|\brestrict|` +
	`\b(shall|must|may|should|can|will)( not| only| rather| never)? be used\b|` +
	`\b(shall|must|may) not\b|\bonly (be )?used\b|\bethic`)

// extraTerms returns the sentences of text, the part of a license file that
// licensecheck did not match, that carry a restriction word, or "".
// Sentences do not run across blank lines, so that a title ("MIT License")
// stays out of the sentence that follows it.
func extraTerms(text string) string {
	var hits []string
	for _, para := range blankLine.Split(text, -1) {
		var kept []string
		for _, line := range strings.Split(para, "\n") {
			if !noticeLine.MatchString(line) {
				kept = append(kept, line)
			}
		}
		for _, sentence := range splitSentences(strings.Join(strings.Fields(strings.Join(kept, " ")), " ")) {
			if restriction.MatchString(sentence) {
				hits = append(hits, sentence)
			}
		}
	}
	extra := strings.Join(hits, " ")
	const maxExtra = 200
	if len(extra) > maxExtra {
		extra = strings.ToValidUTF8(extra[:maxExtra], "") + "…"
	}
	return extra
}

// splitSentences cuts text after each '.', '!', '?' or ':' that ends a word.
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '.', '!', '?', ':':
			if i+1 == len(text) || text[i+1] == ' ' {
				if s := strings.TrimSpace(text[start : i+1]); s != "" {
					out = append(out, s)
				}
				start = i + 1
			}
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}
