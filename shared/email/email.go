// Package email writes the e-mails Appariement generates (activation
// codes and correction notices by the server, reminders by the desktop
// app) as RFC 5322 messages, with one rule for every header: addresses are
// built with net/mail and read back to be sure they name exactly one
// mailbox, and no header value can hold a line break. A display name such
// as "Rose <attacker@evil.example>, Clément" stays a name and never adds a
// recipient.
package email

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrHeader is returned (wrapped) when a message cannot be written safely:
// an address that is not exactly one mailbox, or a header value with a
// line break or a control character.
var ErrHeader = errors.New("email: unsafe header")

// Message is a plain-text e-mail to one recipient.
type Message struct {
	From    mail.Address // Name may be empty
	To      mail.Address // Name may be empty
	Subject string       // UTF-8, encoded as needed
	Date    time.Time
	// MessageID is the Message-ID without angle brackets; a random one at
	// the domain of From is made if empty.
	MessageID string
	// Body is UTF-8 text with "\n" or "\r\n" line ends; it is sent
	// quoted-printable with CRLF line ends.
	Body string
}

// Bytes renders m, or refuses it with an error wrapping ErrHeader.
func (m Message) Bytes() ([]byte, error) {
	from, err := Address(m.From)
	if err != nil {
		return nil, fmt.Errorf("From: %w", err)
	}
	to, err := Address(m.To)
	if err != nil {
		return nil, fmt.Errorf("To: %w", err)
	}
	if err := checkText(m.Subject); err != nil {
		return nil, fmt.Errorf("Subject: %w", err)
	}
	id := m.MessageID
	if id == "" {
		var rnd [12]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return nil, fmt.Errorf("email: Message-ID: %w", err)
		}
		dom := "appariement"
		if at := strings.LastIndexByte(m.From.Address, '@'); at >= 0 {
			dom = m.From.Address[at+1:]
		}
		id = hex.EncodeToString(rnd[:]) + "@" + dom
	}
	if strings.ContainsAny(id, "<> \t\r\n") || strings.Count(id, "@") != 1 {
		return nil, fmt.Errorf("Message-ID %q: %w", id, ErrHeader)
	}
	if m.Date.IsZero() {
		return nil, fmt.Errorf("Date: missing: %w", ErrHeader)
	}
	headers := [][2]string{
		{"From", from},
		{"To", to},
		{"Subject", encodeText(m.Subject)},
		{"Date", m.Date.Format(time.RFC1123Z)},
		{"Message-ID", "<" + id + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
	}
	var b bytes.Buffer
	for _, h := range headers {
		if err := checkText(h[1]); err != nil { // defence in depth: nothing above may break a line
			return nil, fmt.Errorf("%s: %w", h[0], err)
		}
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, fmt.Errorf("email: body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("email: body: %w", err)
	}
	return b.Bytes(), nil
}

// Address formats a as the value of an address header (encoding its name
// as needed) and checks that it reads back as exactly one mailbox, the
// same one: a bare e-mail address without display name, brackets, commas
// or groups, and a display name, whatever it holds, that stays a name.
func Address(a mail.Address) (string, error) {
	bare, err := mail.ParseAddress(a.Address)
	if err != nil || bare.Name != "" || bare.Address != a.Address {
		return "", fmt.Errorf("address %q: not one bare e-mail address: %w", a.Address, ErrHeader)
	}
	if err := checkText(a.Name); err != nil {
		return "", fmt.Errorf("name of %s: %w", a.Address, err)
	}
	s := a.String()
	if a.Name == "" {
		s = a.Address // no "<…>" around a bare address
	}
	back, err := mail.ParseAddressList(s)
	if err != nil || len(back) != 1 || back[0].Address != a.Address || back[0].Name != a.Name {
		return "", fmt.Errorf("address %q of %q does not read back as itself: %w", a.Address, a.Name, ErrHeader)
	}
	return s, nil
}

// encodeText encodes an unstructured header text as RFC 2047 words when
// it is not plain ASCII, and also when it looks like an encoded word
// already (which a reader would decode into something else).
func encodeText(s string) string {
	if !strings.Contains(s, "=?") {
		return mime.QEncoding.Encode("utf-8", s)
	}
	var words []string
	for len(s) > 0 {
		n := min(len(s), 45) // 45 bytes: a 75-character encoded word
		for n < len(s) && n > 1 && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// checkText refuses a header text holding a line break or another control
// character.
func checkText(s string) error {
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return fmt.Errorf("control character %U in %q: %w", r, s, ErrHeader)
		}
	}
	return nil
}
