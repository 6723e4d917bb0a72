package server_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
)

// TestEnrollReadsAsTyped (issue 17, point 6): the identifier is read as the
// code is (domain.NormalizeTyped): " i000038 " enrolled I000038, in lower
// case and with spaces, where it used to get the generic refusal while a
// lower-case code with spaces was accepted.
func TestEnrollReadsAsTyped(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 2, Configure: func(c *server.Config) { c.IdentityRate = rateInf }})
	people := []domain.Person{
		{ID: "I000038", Role: domain.RoleIntern, LastName: "DIALLO", FirstName: "Awa", Email: "awa@etu.example.fr",
			Specialty: servertest.Specialty, Subdivision: servertest.Subdivision},
		{ID: "I000039", Role: domain.RoleIntern, LastName: "MARTIN", FirstName: "Léa", Email: "lea@etu.example.fr",
			Specialty: servertest.Specialty, Subdivision: servertest.Subdivision},
	}
	b, _ := json.Marshal(people)
	if _, err := env.Admin.ImportPeople(ctx, api.FormatJSON, b, false); err != nil {
		t.Fatal(err)
	}
	issued, err := env.Admin.IssueCodes(ctx, api.IssueCodesRequest{People: []string{"I000038", "I000039"}})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, ic := range issued.Codes {
		codes[ic.Person] = ic.Code
	}
	spaced := func(code string) string { return " " + strings.ToLower(strings.ReplaceAll(code, "-", " ")) + " " }
	tests := []struct {
		name, typed, code, want string
	}{
		{"lower case and spaces", " i000038 ", spaced(codes["I000038"]), "I000038"},
		{"no-break and zero-width spaces", "\u00a0I000\u200b039\u202f", codes["I000039"], "I000039"},
		{"a lower-case identifier typed in capitals", " I01 ", env.Codes["i01"], "i01"},
		{"a lower-case identifier as it is", "i02", spaced(env.Codes["i02"]), "i02"},
	}
	anon := env.Anonymous()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, _, _ := ed25519.GenerateKey(nil)
			r, err := anon.Enroll(ctx, tt.typed, tt.code, pub)
			if err != nil || r.Person.ID != tt.want {
				t.Fatalf("enroll %q: %+v, %v; want %s", tt.typed, r, err, tt.want)
			}
		})
	}
	// Still one answer for an identifier nobody has, however typed.
	pub, _, _ := ed25519.GenerateKey(nil)
	wantCode(t, try(anon.Enroll(ctx, " nobody ", "0000", pub)), api.CodeBadCode)
}
