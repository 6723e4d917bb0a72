package domain

import (
	"testing"
	"unicode/utf8"
)

func TestNormalizeTyped(t *testing.T) {
	tests := []struct{ typed, want string }{
		{"I000038", "I000038"},
		{" i000038 ", "I000038"},
		{"\ti000038\r\n", "I000038"},
		{"i 000 038", "I000038"},
		{"\u00a0I000038\u202f", "I000038"},            // no-break and narrow no-break spaces (a copy from an e-mail)
		{"\u200bI000038\ufeff", "I000038"},            // zero-width space, byte order mark
		{"I000\u00ad038", "I000038"},                  // soft hyphen
		{"Ｉ０００038", "I000038"},                        // full-width
		{"abcd-efgh jkmn-pqrs", "ABCD-EFGHJKMN-PQRS"}, // a code: dashes are the code's reading
		{"admin", "ADMIN"},
		{"", ""},
		{"   ", ""},
		{"P-IDF-é", "P-IDF-É"},
	}
	for _, tt := range tests {
		if got := NormalizeTyped(tt.typed); got != tt.want {
			t.Errorf("NormalizeTyped(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func FuzzNormalizeTyped(f *testing.F) {
	f.Add(" i000038 ")
	f.Add("abcd-efgh\u00a0jkmn")
	f.Fuzz(func(t *testing.T, s string) {
		got := NormalizeTyped(s)
		if NormalizeTyped(got) != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, NormalizeTyped(got))
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("%q → invalid %q", s, got)
		}
	})
}
