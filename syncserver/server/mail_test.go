package server_test

import (
	"context"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestMailNameCannotAddRecipient: a person imported with a name holding
// brackets and a comma gets an activation e-mail addressed to them alone
// (issue 11, point 8: mime.QEncoding left "<", ">" and "," alone, so the
// name below added attacker@evil.example as a recipient).
func TestMailNameCannotAddRecipient(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 1})
	rose := domain.Person{ID: "i99", Role: domain.RoleIntern, FirstName: "Rose <attacker@evil.example>,", LastName: "Clément",
		Email: "rose@etu.example.fr", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, Rank: 99}
	data, _ := json.Marshal([]domain.Person{rose})
	if _, err := env.Admin.ImportPeople(ctx, api.FormatJSON, data, false); err != nil {
		t.Fatal(err)
	}
	codes, err := env.Admin.IssueCodes(ctx, api.IssueCodesRequest{People: []string{"i99"}})
	if err != nil || len(codes.Codes) != 1 || codes.Codes[0].Outbox == "" {
		t.Fatalf("codes %+v, %v", codes, err)
	}
	f, err := os.Open(filepath.Join(filepath.Dir(env.DBPath), "outbox", codes.Codes[0].Outbox))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "rose@etu.example.fr" || to[0].Name != rose.FullName() {
		t.Fatalf("To %q reads as %v (%v): want only %s", m.Header.Get("To"), to, err, rose.Email)
	}
	for _, h := range []string{"Cc", "Bcc"} {
		if v := m.Header.Get(h); v != "" {
			t.Errorf("%s: %q", h, v)
		}
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if !strings.Contains(string(body), "Bonjour "+rose.FullName()) {
		t.Errorf("body:\n%s", body)
	}
}
