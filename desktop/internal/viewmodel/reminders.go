package viewmodel

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // Paris time on every OS (deadlines in reminders)

	"appariement/shared/domain"
	"appariement/shared/paris"
)

// Reminder is one e-mail to send: an RTS who never connected, or an
// intern who has not submitted a wish list.
type Reminder struct {
	Person domain.Person
	Kind   string // "rts_no_key" or "intern_no_wishes"
}

// Reminders lists the RTS without a key and the interns of the round's
// scope without any wish list in the log.
func (a *Admin) Reminders() []Reminder {
	var out []Reminder
	for _, ps := range a.People {
		p := ps.Person
		switch {
		case p.Role == domain.RoleRTS && !ps.Enrolled:
			out = append(out, Reminder{p, "rts_no_key"})
		case p.Role == domain.RoleIntern && a.Submitted != nil && !a.Submitted[p.ID] && a.inScope(p):
			out = append(out, Reminder{p, "intern_no_wishes"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind > out[j].Kind })
	return out
}

func (a *Admin) inScope(p domain.Person) bool {
	return a.Round == nil || a.Round.Covers(p.Specialty, p.Subdivision)
}

// reminderText is the French subject and body of a reminder.
func reminderText(rm Reminder, round *domain.Round) (string, string) {
	name := "Appariement"
	deadline := ""
	if round != nil {
		name = round.Name
		if !round.WishesClose.IsZero() && rm.Kind == "intern_no_wishes" {
			deadline = " avant le " + paris.Format(round.WishesClose, "fr")
		}
		if !round.RankingsClose.IsZero() && rm.Kind == "rts_no_key" {
			deadline = " avant le " + paris.Format(round.RankingsClose, "fr")
		}
	}
	hello := "Bonjour " + rm.Person.FullName() + ",\r\n\r\n"
	sign := "\r\n\r\nCordialement,\r\nL'équipe Appariement\r\n"
	if rm.Kind == "rts_no_key" {
		return "Rappel : activez votre accès à l'application Appariement",
			hello + "Vous êtes responsable d'au moins un terrain de stage du tour « " + name + " », mais vous ne vous êtes pas encore connecté à l'application Appariement.\r\n\r\n" +
				"Merci d'installer l'application et de l'activer avec votre identifiant (" + rm.Person.ID + ") et le code d'activation qui vous a été envoyé" + deadline + ", afin de vérifier les données de vos postes et de classer vos candidats. Si vous n'avez pas reçu de code, répondez à ce message." + sign
	}
	return "Rappel : votre liste de vœux n'a pas été reçue",
		hello + "Nous n'avons encore reçu aucune liste de vœux signée de votre part pour le tour « " + name + " ».\r\n\r\n" +
			"Merci de préparer, signer et envoyer votre liste dans l'application Appariement" + deadline + ". Un poste absent de votre liste ne pourra pas vous être attribué." + sign
}

// EML renders a reminder as an RFC 5322 message (UTF-8 text, quoted-
// printable, encoded-word headers), from the address from.
func EML(rm Reminder, round *domain.Round, from string, now time.Time) []byte {
	subject, body := reminderText(rm, round)
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from)
	to := rm.Person.Email
	if n := rm.Person.FullName(); n != "" {
		to = mime.QEncoding.Encode("utf-8", n) + " <" + rm.Person.Email + ">"
	}
	h("To", to)
	h("Subject", mime.QEncoding.Encode("utf-8", subject))
	h("Date", now.Format(time.RFC1123Z))
	var id [12]byte
	_, _ = rand.Read(id[:])
	dom := from
	if at := strings.LastIndexByte(from, '@'); at >= 0 {
		dom = strings.TrimSuffix(from[at+1:], ">")
	}
	h("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+dom+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(body))
	_ = qp.Close()
	return b.Bytes()
}

// WriteReminders writes one .eml file per reminder with an e-mail address
// into dir and returns how many were written and who was skipped.
func (a *Admin) WriteReminders(dir, from string, rms []Reminder) (int, []string, error) {
	n := 0
	var skipped []string
	now := a.Svc.Now()
	for _, rm := range rms {
		if rm.Person.Email == "" {
			skipped = append(skipped, rm.Person.ID)
			continue
		}
		name := fmt.Sprintf("relance-%s-%s.eml", rm.Kind, unsafeFile(rm.Person.ID))
		if err := os.WriteFile(filepath.Join(dir, name), EML(rm, a.Round, from, now), 0o644); err != nil {
			return n, skipped, err
		}
		n++
	}
	return n, skipped, nil
}

func unsafeFile(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}
