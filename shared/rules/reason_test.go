package rules

import (
	"errors"
	"strings"
	"testing"

	"appariement/shared/api"
)

func TestCheckReason(t *testing.T) {
	long := strings.Repeat("x", MaxReason+1)
	for _, c := range []struct {
		reason        string
		required, opt string // expected messages ("" = accepted)
	}{
		{"", "motif obligatoire", ""},
		{"ab", "motif obligatoire", ""},
		{"abc", "", ""},
		{strings.Repeat("x", MaxReason), "", ""},
		{long, "motif trop long (2000 caractères au plus)", "motif trop long (2000 caractères au plus)"},
	} {
		for _, k := range []struct {
			fn   func(string) error
			want string
		}{{CheckReason, c.required}, {CheckOptionalReason, c.opt}} {
			err := k.fn(c.reason)
			var e *api.Error
			switch {
			case k.want == "" && err != nil:
				t.Errorf("reason of %d bytes: %v, want accepted", len(c.reason), err)
			case k.want != "" && (!errors.As(err, &e) || e.Code != api.CodeBadRequest || e.Message != k.want):
				t.Errorf("reason of %d bytes: %v, want %q", len(c.reason), err, k.want)
			}
		}
	}
}
