package notify

import (
	"errors"
	"fmt"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/shared/paris"
	"appariement/syncserver/auditing"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Reminders enqueues actor's (an admin's) reminders of round id at now:
// to every RTS of its postes without
// a key, and to every eligible intern without a wish list; audited with
// the people reminded. Each call sends them again: it is the admin's
// decision.
func (m *Mailer) Reminders(actor, id string, now time.Time) (api.RemindersResponse, error) {
	if m.q == nil {
		return api.RemindersResponse{}, api.Errorf(api.CodeInvalidState, "ce serveur n'envoie pas d'e-mails (lancez-le avec -mail)",
			"this server sends no e-mail (start it with -mail)")
	}
	out := api.RemindersResponse{Round: id, Enqueued: []string{}, Skipped: []string{}}
	err := m.st.Update(func(tx store.Tx) error {
		out.Enqueued, out.Skipped = out.Enqueued[:0], out.Skipped[:0]
		rec, err := tx.Round(id)
		if store.IsNotFound(err) {
			return rounds.UnknownRound(id)
		}
		if err != nil {
			return err
		}
		r := rec.Round
		postes, err := tx.Postes(id, 0)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		remind := func(pid, kind, subject, body string) error {
			p, err := tx.Person(pid)
			if err != nil || p.Email == "" {
				out.Skipped = append(out.Skipped, pid)
				return nil
			}
			ml, err := m.Enqueue(tx, p, "reminder", "", subject, fmt.Sprintf(body, p.FullName()), now)
			switch {
			case errors.Is(err, email.ErrHeader):
				out.Skipped = append(out.Skipped, pid)
			case err != nil:
				return err
			case ml != nil:
				out.Enqueued = append(out.Enqueued, pid)
			}
			return nil
		}
		for _, po := range postes {
			if po.Closed || po.RTS == "" || seen[po.RTS] {
				continue
			}
			seen[po.RTS] = true
			if _, err := tx.PublicKey(po.RTS); err == nil {
				continue
			}
			deadline := ""
			if !r.RankingsClose.IsZero() {
				deadline = " avant le " + paris.Format(r.RankingsClose, "fr")
			}
			if err := remind(po.RTS, "rts_no_key", "Rappel : activez votre accès à l'application Appariement",
				"Bonjour %s,\n\nVous êtes responsable d'au moins un terrain de stage du tour « "+r.Name+
					" », mais vous n'avez pas encore activé votre accès à l'application Appariement.\n\n"+
					"Merci d'installer l'application et de l'activer avec votre identifiant et le code d'activation qui vous a été envoyé"+
					deadline+", afin de vérifier les données de vos postes et de classer vos candidats.\n"); err != nil {
				return err
			}
		}
		if r.State.Index() <= domain.StateWishesOpen.Index() {
			ids, err := tx.Eligible(id)
			if err != nil {
				return err
			}
			deadline := ""
			if !r.WishesClose.IsZero() {
				deadline = " avant le " + paris.Format(r.WishesClose, "fr")
			}
			for _, pid := range ids {
				if _, err := store.CurrentOfAuthor(tx, id, pid, api.WishListType); err == nil {
					continue
				} else if !store.IsNotFound(err) {
					return err
				}
				if err := remind(pid, "intern_no_wishes", "Rappel : votre liste de vœux n'a pas été reçue",
					"Bonjour %s,\n\nNous n'avons encore reçu aucune liste de vœux signée de votre part pour le tour « "+r.Name+" ».\n\n"+
						"Merci de préparer, signer et envoyer votre liste dans l'application Appariement"+deadline+
						". Un poste absent de votre liste ne pourra pas vous être attribué.\n"); err != nil {
					return err
				}
			}
		}
		return tx.Audit(auditing.Entry(now, actor, "reminders", id, "", "", map[string]any{"enqueued": out.Enqueued, "skipped": out.Skipped}))
	})
	if err != nil {
		return out, err
	}
	m.Enqueued()
	return out, nil
}
