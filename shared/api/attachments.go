package api

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AttachmentKinds are the kinds of candidate documents, in display order.
var AttachmentKinds = []string{"cv", "lettre", "contrat"}

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// IsPDF reports whether data starts like a PDF file ("%PDF-").
func IsPDF(data []byte) bool { return bytes.HasPrefix(data, []byte("%PDF-")) }

// CheckFileName refuses a candidate file's name that is not a plain PDF
// name: empty, too long, with a directory part, "..", a leading dot,
// control or invisible characters, or another extension than ".pdf" (a
// file named "CV.bat" or "CV.pdf.hta" would be run, not read, by the
// computer of the RTS who opens it). The same rule holds for an upload and
// for every attachment of a signed wish list.
func CheckFileName(name string) error {
	bad := func(why, whyEN string) error {
		return Errorf(CodeBadRequest, "nom de fichier %q refusé : %s", "file name %q refused: %s", name, why+" / "+whyEN)
	}
	switch {
	case name == "":
		return bad("nom manquant", "missing name")
	case len(name) > 255 || !utf8.ValidString(name):
		return bad("trop long ou mal encodé", "too long or badly encoded")
	case strings.ContainsAny(name, `/\:`) || name == "." || strings.Contains(name, ".."):
		return bad("chemin interdit", "paths are not allowed")
	case strings.HasPrefix(name, "."):
		return bad("fichier caché", "hidden file")
	case strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }):
		return bad("caractères de contrôle", "control characters")
	case !strings.HasSuffix(strings.ToLower(name), ".pdf"):
		return bad("seuls les fichiers .pdf sont acceptés", "only .pdf files are accepted")
	}
	return nil
}

// Check refuses an attachment that is not a candidate document: an unknown
// kind, a name that CheckFileName refuses, a malformed SHA-256 or a size
// outside 1..MaxFileSize.
func (a *Attachment) Check() error {
	switch {
	case !slices.Contains(AttachmentKinds, a.Kind):
		return Errorf(CodeMalformed, "pièce jointe %q : type %q inconnu (%s)", "attachment %q: unknown kind %q (%s)",
			a.Name, a.Kind, strings.Join(AttachmentKinds, ", "))
	case !sha256RE.MatchString(a.SHA256):
		return Errorf(CodeMalformed, "pièce jointe %q : empreinte SHA-256 invalide", "attachment %q: invalid SHA-256", a.Name)
	case a.Size < 1 || a.Size > MaxFileSize:
		return Errorf(CodeMalformed, "pièce jointe %q : taille %d hors limites (1 à %d octets)",
			"attachment %q: size %d out of bounds (1 to %d bytes)", a.Name, a.Size, MaxFileSize)
	}
	return CheckFileName(a.Name)
}

// LocalName is the name under which an app saves a downloaded attachment:
// built from its kind and digest only, ending in ".pdf", whatever name its
// author gave it.
func (a *Attachment) LocalName() string {
	kind := a.Kind
	if !slices.Contains(AttachmentKinds, kind) {
		kind = "document"
	}
	sha := a.SHA256
	if !sha256RE.MatchString(sha) {
		sha = "0000000000000000"
	}
	return kind + "-" + sha[:16] + ".pdf"
}
