package viewmodel

import (
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// TestEnrollmentRequestReadsAsTyped (issue 17, point 6): the identifier
// and the code go to the server read the same way (domain.NormalizeTyped),
// and a field of spaces only is empty.
func TestEnrollmentRequestReadsAsTyped(t *testing.T) {
	tests := []struct {
		identifier, code, wantID, wantCode string
	}{
		{" i000038 ", " abcd efgh jkmn pqrs ", "I000038", "ABCDEFGHJKMNPQRS"},
		{"\u00a0I000038\u200b", "ABCD-EFGH-JKMN-PQRS\n", "I000038", "ABCD-EFGH-JKMN-PQRS"},
		{"i01", "c0de", "I01", "C0DE"},
	}
	for _, tt := range tests {
		r := (&Enrollment{ServerURL: " http://x ", Identifier: tt.identifier, Code: tt.code}).Request()
		if r.Identifier != tt.wantID || r.Code != tt.wantCode || r.ServerURL != "http://x" {
			t.Errorf("%q, %q sent as %q, %q, want %q, %q", tt.identifier, tt.code, r.Identifier, r.Code, tt.wantID, tt.wantCode)
		}
		if r.Identifier != domain.NormalizeTyped(tt.identifier) {
			t.Errorf("not the shared reading: %q", r.Identifier)
		}
	}
	e := &Enrollment{ServerURL: "http://x", CheckedURL: "http://x", ServerKey: &api.ServerKey{}, FingerprintConfirmed: true,
		Identifier: "\u00a0 \u200b", Code: "ABCD", Passphrase: pass, Confirm: pass}
	if e.CanSubmit() {
		t.Error("an identifier of spaces only can be sent")
	}
	e.Identifier, e.Code = " i000038 ", " \t"
	if e.CanSubmit() {
		t.Error("a code of spaces only can be sent")
	}
	e.Code = "abcd"
	if !e.CanSubmit() {
		t.Error("a filled form cannot be sent")
	}
}
