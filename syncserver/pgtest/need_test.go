//go:build unix

package pgtest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of
// stopping the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) { r.skipped = fmt.Sprint(args...); panic(r) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r)
}

func need(t *testing.T) (r *recorder) {
	r = &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
	}()
	Need(r)
	return r
}

// TestNeedWithoutPostgres: missing programs skip the test with the way to
// install them, except under CI, where they fail it.
func TestNeedWithoutPostgres(t *testing.T) {
	t.Setenv("PG_BIN", t.TempDir()) // a folder without PostgreSQL's programs
	tests := []struct {
		ci                string
		wantSkip, wantErr bool
	}{
		{"", true, false},
		{"true", false, true},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := need(t)
			if got := r.skipped != ""; got != tt.wantSkip {
				t.Fatalf("skipped %q, want skipped: %v", r.skipped, tt.wantSkip)
			}
			if got := r.failed != ""; got != tt.wantErr {
				t.Fatalf("failed %q, want failed: %v", r.failed, tt.wantErr)
			}
			msg := r.skipped + r.failed
			if !strings.Contains(msg, "PG_BIN") || !strings.Contains(msg, "apt-get install postgresql") {
				t.Errorf("message %q does not say how to install PostgreSQL", msg)
			}
		})
	}
	t.Setenv("PG_BIN", "")
	t.Setenv("CI", "")
	if _, err := BinDir(); err == nil {
		if r := need(t); r.skipped != "" || r.failed != "" {
			t.Fatalf("PostgreSQL is installed, yet Need skipped (%q) or failed (%q)", r.skipped, r.failed)
		}
	}
}

// TestInstallAdvice: the advice names the package in French then English.
func TestInstallAdvice(t *testing.T) {
	fr, en := strings.Index(Install, "installez"), strings.Index(Install, "install it")
	if fr < 0 || en < fr || !strings.Contains(Install, "apt-get install postgresql") {
		t.Fatalf("advice %q: want French then English, naming apt-get install postgresql", Install)
	}
}
