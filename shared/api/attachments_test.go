package api

import (
	"strings"
	"testing"
)

func TestAttachmentCheck(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	good := Attachment{Kind: "cv", Name: "CV Léa.pdf", SHA256: sha, Size: 1200}
	if err := good.Check(); err != nil {
		t.Fatalf("good attachment: %v", err)
	}
	for name, edit := range map[string]func(*Attachment){
		"bat":        func(a *Attachment) { a.Name = "CV.bat" },
		"hta":        func(a *Attachment) { a.Name = "cv.HTA" },
		"pdf.exe":    func(a *Attachment) { a.Name = "cv.pdf.exe" },
		"rtl":        func(a *Attachment) { a.Name = "cv\u202efdp.exe" },
		"dir":        func(a *Attachment) { a.Name = "a/cv.pdf" },
		"hidden":     func(a *Attachment) { a.Name = ".cv.pdf" },
		"kind":       func(a *Attachment) { a.Kind = "exe" },
		"sha":        func(a *Attachment) { a.SHA256 = strings.ToUpper(sha) },
		"empty":      func(a *Attachment) { a.Size = 0 },
		"too large":  func(a *Attachment) { a.Size = MaxFileSize + 1 },
		"no name":    func(a *Attachment) { a.Name = "" },
		"long name":  func(a *Attachment) { a.Name = strings.Repeat("x", 256) + ".pdf" },
		"control ch": func(a *Attachment) { a.Name = "cv\x07.pdf" },
	} {
		a := good
		edit(&a)
		if a.Check() == nil {
			t.Errorf("%s: accepted %+v", name, a)
		}
	}
	for _, a := range []Attachment{good, {Kind: "evil", Name: "x.hta", SHA256: "zz"}} {
		if n := a.LocalName(); !strings.HasSuffix(n, ".pdf") || strings.ContainsAny(n, `/\ `) || strings.Contains(n, "hta") {
			t.Errorf("LocalName(%+v) = %q", a, n)
		}
	}
	if !IsPDF([]byte("%PDF-1.7")) || IsPDF([]byte("MZ")) {
		t.Error("IsPDF")
	}
}
