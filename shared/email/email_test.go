package email

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

var date = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// TestNameCannotAddRecipient: whatever a display name holds (brackets,
// commas, quotes, encoded words, accents), the To header names exactly one
// mailbox, the person's own.
func TestNameCannotAddRecipient(t *testing.T) {
	for _, name := range []string{
		"Rose <attacker@evil.example>, Clément",
		"Rose <attacker@evil.example>, Clement",
		`Rose" <attacker@evil.example>, "Clément`,
		"=?utf-8?q?a=40evil.example?= <x@evil.example>",
		"Rose (commentaire) ; Clément : groupe",
		"Élodie LECLERCQ",
		"",
	} {
		raw, err := Message{From: mail.Address{Address: "ars@sante.example.fr"}, To: mail.Address{Name: name, Address: "rose@chu.example.fr"},
			Subject: "Rappel : " + name, Date: date, Body: "Bonjour " + name + ",\n"}.Bytes()
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		to, err := m.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "rose@chu.example.fr" || to[0].Name != name {
			t.Errorf("%q: To %q parses as %v, %v", name, m.Header.Get("To"), to, err)
		}
		if s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil || s != strings.TrimSpace("Rappel : "+name) {
			t.Errorf("subject %q, %v", s, err)
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
		if string(body) != "Bonjour "+name+",\r\n" {
			t.Errorf("body %q", body)
		}
	}
}

// TestUnsafeHeadersRefused: line breaks and addresses that are not one
// bare mailbox are refused, not cleaned up.
func TestUnsafeHeadersRefused(t *testing.T) {
	ok := Message{From: mail.Address{Name: "ARS", Address: "ars@sante.example.fr"}, To: mail.Address{Name: "Léa", Address: "lea@etu.example.fr"},
		Subject: "Sujet", Date: date, Body: "x"}
	if _, err := ok.Bytes(); err != nil {
		t.Fatal(err)
	}
	for what, mod := range map[string]func(*Message){
		"name CRLF":        func(m *Message) { m.To.Name = "Léa\r\nBcc: x@evil.example" },
		"name LF":          func(m *Message) { m.To.Name = "Léa\nBcc: x@evil.example" },
		"subject CRLF":     func(m *Message) { m.Subject = "Sujet\r\nBcc: x@evil.example" },
		"address list":     func(m *Message) { m.To.Address = "lea@etu.example.fr, x@evil.example" },
		"address brackets": func(m *Message) { m.To.Address = "lea@etu.example.fr>, <x@evil.example" },
		"address named":    func(m *Message) { m.To.Address = "Léa <lea@etu.example.fr>" },
		"address empty":    func(m *Message) { m.To.Address = "" },
		"address CRLF":     func(m *Message) { m.To.Address = "lea@etu.example.fr\r\nBcc: x@evil.example" },
		"from list":        func(m *Message) { m.From.Address = "a@b.example, c@d.example" },
		"from name NUL":    func(m *Message) { m.From.Name = "ARS\x00" },
		"message id":       func(m *Message) { m.MessageID = "a@b>\r\nBcc: x@evil.example" },
		"no date":          func(m *Message) { m.Date = time.Time{} },
	} {
		m := ok
		mod(&m)
		if raw, err := m.Bytes(); !errors.Is(err, ErrHeader) {
			t.Errorf("%s: %v\n%s", what, err, raw)
		}
	}
}

// TestCRLF: every line of the output ends with CRLF.
func TestCRLF(t *testing.T) {
	raw, err := Message{From: mail.Address{Address: "a@b.example"}, To: mail.Address{Address: "c@d.example"}, Subject: "s", Date: date,
		Body: "un\ndeux\r\ntrois\n"}.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) || !bytes.Contains(raw, []byte("un\r\ndeux\r\ntrois\r\n")) {
		t.Fatalf("%q", raw)
	}
}
