package audit

import (
	"slices"
	"strings"
	"testing"
)

// fixtures is the directory of the fake modules, shared with the command's
// end-to-end test.
const fixtures = "../../testdata/mod/"

func TestIsLicenseFile(t *testing.T) {
	tests := []struct {
		dir, name string
		want      bool
	}{
		{".", "LICENSE", true},
		{".", "license", true},
		{".", "LICENSE.md", true},
		{".", "LICENSE.txt", true},
		{".", "LICENCE", true},
		{".", "COPYING", true},
		{".", "COPYING.txt", true},
		{".", "UNLICENSE", true},
		{".", "LICENSE-APACHE", true},
		{".", "LICENSE-MIT", true},
		{".", "LICENSE_Inter.txt", true},
		{".", "MIT-LICENSE.txt", true},
		{"licenses", "ftl.txt", true},
		{"LICENSES", "MIT", true},
		{".", "license.go", false},
		{".", "licenses.json", false},
		{".", "licensecheck", false},
		{".", "README.md", false},
		{"licenses", "MIT.lre", false},
		{"licenses", "data.go", false},
	}
	for _, tt := range tests {
		if got := IsLicenseFile(tt.dir, tt.name); got != tt.want {
			t.Errorf("IsLicenseFile(%q, %q) = %v, want %v", tt.dir, tt.name, got, tt.want)
		}
	}
}

func TestIdentifyFixtures(t *testing.T) {
	tests := []struct {
		file      string
		wantIDs   []string
		minCover  float64 // lower bound of the coverage
		maxCover  float64 // upper bound of the coverage
		wantExtra string  // substring of File.Extra, "" for none
	}{
		{"mit/LICENSE", []string{"MIT"}, 99, 100, ""},
		{"bsd3/LICENSE.md", []string{"BSD-3-Clause"}, 99, 100, ""},
		{"apache2/LICENSE.txt", []string{"Apache-2.0"}, 99, 100, ""},
		{"json/LICENSE", []string{"JSON"}, 99, 100, ""},
		{"gpl3/COPYING", []string{"GPL-3.0"}, 99, 100, ""},
		// The JSON clause added to a plain MIT text: licensecheck sees MIT
		// at high coverage, the leftover sentence gives it away.
		{"mitevil/LICENSE", []string{"MIT"}, 75, 99, "The Software shall be used for Good, not Evil."},
		{"unknown/LICENSE", nil, 0, 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			dir, rel, _ := strings.Cut(tt.file, "/")
			f, err := ScanFile(fixtures+dir, rel)
			if err != nil {
				t.Fatal(err)
			}
			if f.Path != rel {
				t.Errorf("Path = %q, want %q", f.Path, rel)
			}
			if !slices.Equal(f.IDs, tt.wantIDs) {
				t.Errorf("IDs = %q, want %q", f.IDs, tt.wantIDs)
			}
			if f.Coverage < tt.minCover || f.Coverage > tt.maxCover {
				t.Errorf("Coverage = %.1f, want in [%.0f, %.0f]", f.Coverage, tt.minCover, tt.maxCover)
			}
			if tt.wantExtra == "" && f.Extra != "" {
				t.Errorf("Extra = %q, want none", f.Extra)
			}
			if !strings.Contains(f.Extra, tt.wantExtra) {
				t.Errorf("Extra = %q, want it to contain %q", f.Extra, tt.wantExtra)
			}
		})
	}
}

func TestExtraTerms(t *testing.T) {
	tests := []struct {
		outside, want string
	}{
		{"MIT License\n\n", ""},
		{"BSD 3-Clause License\n", ""},
		{"Copyright (c) 2024 Someone. All rights reserved.\nCopyright © 2010 Google, Inc.\n", ""},
		{"SPDX-License-Identifier: Unlicense OR BSD-3-Clause\nYou may use the project under the terms of either license.", ""},
		{"Gocheck - A rich testing framework for Go\n", ""},
		{"The Software shall be used for Good, not Evil.", "The Software shall be used for Good, not Evil."},
		{"This software may only be used for peaceful purposes.", "This software may only be used for peaceful purposes."},
		{"Title.\nIt must not be used by any military organisation. Thanks.", "It must not be used by any military organisation."},
		{"Non-commercial use only.", "Non-commercial use only."},
		{"Licensee shall hold the authors harmless.", ""},
		// A notice line does not hide a term on another line.
		{"Copyright 2020 X\nThe software shall not be used to harm.", "The software shall not be used to harm."},
	}
	for _, tt := range tests {
		if got := extraTerms(tt.outside); got != tt.want {
			t.Errorf("extraTerms(%q) = %q, want %q", tt.outside, got, tt.want)
		}
	}
}

func TestFindLicenseFiles(t *testing.T) {
	tests := []struct {
		name    string
		pkgDirs []string
		want    []string
	}{
		// Root package: its own license and the one of its Go-less fonts
		// directory; not tool/ (another package) nor testdata/.
		{"root package", []string{"."}, []string{"LICENSE", "fonts/LICENSE"}},
		// The tool package: its own license and its parent's.
		{"tool package", []string{"tool"}, []string{"LICENSE", "tool/COPYING"}},
		{"both", []string{".", "tool"}, []string{"LICENSE", "fonts/LICENSE", "tool/COPYING"}},
		// The whole module, as for a module only in go.sum.
		{"whole module", nil, []string{"LICENSE", "fonts/LICENSE", "tool/COPYING"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindLicenseFiles(fixtures+"nested", tt.pkgDirs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("FindLicenseFiles = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindLicenseFilesNone(t *testing.T) {
	got, err := FindLicenseFiles(fixtures+"none", []string{"."})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("FindLicenseFiles = %q, want none", got)
	}
	if _, err := FindLicenseFiles(fixtures+"does-not-exist", nil); err == nil {
		t.Error("FindLicenseFiles of a missing directory: no error")
	}
}
