package api

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckID refuses an identifier that is empty, too long or holds control
// characters (identifiers are keys of the server's store); what names the
// identifier in the refusal ("tour / round", "poste"…).
func CheckID(what, id string) error {
	switch {
	case id == "":
		return Errorf(CodeMalformed, "%s manquant", "missing %s", what)
	case len(id) > MaxIDLength:
		return Errorf(CodeTooLarge, "%s trop long (%d octets, maximum %d)",
			"%s too long (%d bytes, at most %d)", what, len(id), MaxIDLength)
	case !utf8.ValidString(id) || strings.ContainsFunc(id, unicode.IsControl):
		return Errorf(CodeMalformed, "%s %q contient des caractères interdits",
			"%s %q holds forbidden characters", what, id)
	}
	return nil
}
