package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // Paris time on every OS (deadlines in reminders)

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/email"
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
// printable, encoded-word headers), from the address from (an address,
// with or without a display name). It goes through package email, like
// the server's e-mails: an address that is not one mailbox, or a header
// holding a line break, is refused.
func EML(rm Reminder, round *domain.Round, from string, now time.Time) ([]byte, error) {
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("reminder: From %q: %w", from, err)
	}
	subject, body := reminderText(rm, round)
	msg, err := email.Message{From: *sender, To: mail.Address{Name: rm.Person.FullName(), Address: rm.Person.Email},
		Subject: subject, Date: now, Body: body}.Bytes()
	if err != nil {
		return nil, fmt.Errorf("reminder to %s: %w", rm.Person.ID, err)
	}
	return msg, nil
}

// WriteReminders writes one .eml file per reminder with an e-mail address
// into dir and returns how many were written and who was skipped (no
// address, or one no e-mail can be written to safely). A From that is not
// an address is an error.
func (a *Admin) WriteReminders(dir, from string, rms []Reminder) (int, []string, error) {
	n := 0
	var skipped []string
	if _, err := mail.ParseAddress(from); err != nil {
		return 0, nil, fmt.Errorf("reminders: From %q: %w", from, err)
	}
	now := a.Svc.Now()
	for _, rm := range rms {
		if rm.Person.Email == "" {
			skipped = append(skipped, rm.Person.ID)
			continue
		}
		name := fmt.Sprintf("relance-%s-%s.eml", rm.Kind, unsafeFile(rm.Person.ID))
		msg, err := EML(rm, a.Round, from, now)
		if errors.Is(err, email.ErrHeader) { // no safe e-mail for this person
			skipped = append(skipped, rm.Person.ID)
			continue
		}
		if err != nil {
			return n, skipped, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), msg, 0o644); err != nil {
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

// SendReminders has the server enqueue the round's reminders in its mail
// queue (POST /v1/admin/rounds/{round}/reminders): the server decides who
// is reminded from its own records and sends the e-mails itself. It
// blocks.
func (a *Admin) SendReminders(ctx context.Context) (*api.RemindersResponse, error) {
	c, err := a.Svc.Signed()
	if err != nil {
		return nil, err
	}
	return c.SendReminders(ctx, a.RoundID())
}
