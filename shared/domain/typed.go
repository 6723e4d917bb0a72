package domain

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeTyped is what a person typed in the identifier or the
// activation code field of the enrollment, as both are compared: the app
// sends it and the server applies it again, so that " i000038 " is
// I000038 as " abcd efgh " is ABCDEFGH. Every space (no-break and thin
// spaces, tabs and line breaks included, as a copy from an e-mail brings
// them) and every invisible format character (zero-width space, byte order
// mark, soft hyphen) is removed, full-width and other compatibility forms
// are read as the plain letters and digits (NFKC), and letters are made
// upper case. The activation code is then read further (store.NormalizeCode:
// dashes ignored, O as 0, I and L as 1); an identifier is looked up as it
// is, then in lower case (identifiers made by hand, such as "admin").
func NormalizeTyped(typed string) string {
	clean := func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return unicode.ToUpper(r)
	}
	// NFKC may make spaces ("´" is a space and an accent) and removing
	// them may leave accents to compose: twice gives a fixed point.
	s := norm.NFKC.String(strings.Map(clean, norm.NFKC.String(typed)))
	return norm.NFKC.String(strings.Map(clean, s))
}
