package api

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckID(t *testing.T) {
	for _, c := range []struct {
		id   string
		code Code
		msg  string
	}{
		{"R1", "", ""},
		{strings.Repeat("a", MaxIDLength), "", ""},
		{"", CodeMalformed, "tour manquant"},
		{strings.Repeat("a", MaxIDLength+1), CodeTooLarge, "tour trop long (65 octets, maximum 64)"},
		{"a\nb", CodeMalformed, `tour "a\nb" contient des caractères interdits`},
		{"a\xffb", CodeMalformed, `tour "a\xffb" contient des caractères interdits`},
	} {
		err := CheckID("tour", c.id)
		if c.code == "" {
			if err != nil {
				t.Errorf("CheckID(%q) = %v, want nil", c.id, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != c.code || e.Message != c.msg {
			t.Errorf("CheckID(%q) = %#v, want %s %q", c.id, err, c.code, c.msg)
		}
	}
}
