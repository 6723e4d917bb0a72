package notify

import (
	"errors"
	"fmt"
	"time"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/shared/paris"
	"appariement/syncserver/store"
)

// Result enqueues, in the publishing transaction, the "result
// published" e-mail of every participant of res (assigned or not), each
// once (key result/ROUND/PERSON: publishing again sends nothing more). The
// e-mail says where the person is assigned and points to the signed result
// in the app, which is what counts.
func (m *Mailer) Result(tx store.Tx, res *domain.Result, now time.Time) error {
	if m.q == nil {
		return nil
	}
	where := map[string]string{}
	for _, a := range res.Assignments {
		where[a.Intern] = a.Poste
	}
	ids := make([]string, 0, len(res.Assignments)+len(res.Unmatched))
	for _, a := range res.Assignments {
		ids = append(ids, a.Intern)
	}
	ids = append(ids, res.Unmatched...)
	for _, id := range ids {
		once := "result/" + res.Round + "/" + id
		if tx.MailOnce(once) {
			continue
		}
		p, err := tx.Person(id)
		if store.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		line := "Vous n'êtes affecté(e) à aucun poste à ce tour."
		if pid, ok := where[id]; ok {
			line = "Votre affectation : poste " + pid
			if po, err := tx.Poste(res.Round, pid); err == nil {
				line += fmt.Sprintf(" — %s, %s (%s)", po.Service, po.Etablissement, po.Town)
			}
			line += "."
		}
		body := fmt.Sprintf(`Bonjour %s,

Les résultats du tour %s sont publiés.

%s

Ouvrez l'application Appariement pour voir le résultat signé par le
serveur et vérifier qu'il tient compte de votre dernière liste de vœux :
c'est ce résultat signé qui fait foi, pas cet e-mail.
`, p.FullName(), res.Round, line)
		_, err = m.Enqueue(tx, p, "result", once, "Appariement : résultats du tour "+res.Round, body, now)
		switch {
		case errors.Is(err, email.ErrHeader):
			m.log.Warn("server: no result e-mail", "person", id, "err", err)
		case err != nil:
			return err
		}
	}
	return nil
}

// closingSoon is how long before a window closes its reminders go.
const closingSoon = 24 * time.Hour

// Schedule enqueues, in one transaction, the reminders due at
// now: to every eligible intern without a wish list when the wishes window
// closes within 24 h (wishes-closing/ROUND/PERSON), and to every RTS of
// the round's postes without a ranking when the rankings window closes
// within 24 h (rankings-reminder/ROUND/PERSON).
func (m *Mailer) Schedule(now time.Time) error {
	if m.q == nil {
		return nil
	}
	enqueued := 0
	err := m.st.Update(func(tx store.Tx) error {
		rounds, err := tx.Rounds()
		if err != nil {
			return err
		}
		for _, rec := range rounds {
			r := rec.Round
			if r.State == domain.StateWishesOpen && r.Number != 3 && (r.WishesClose.IsZero() || now.Before(r.WishesClose)) {
				n, err := m.announceWishes(tx, &r, now)
				if err != nil {
					return err
				}
				enqueued += n
			}
			switch {
			case r.State == domain.StateWishesOpen && soon(now, r.WishesClose):
				n, err := m.remindInterns(tx, &r, now)
				if err != nil {
					return err
				}
				enqueued += n
			case r.State == domain.StateRankingsOpen && soon(now, r.RankingsClose):
				n, err := m.remindRTS(tx, &r, now)
				if err != nil {
					return err
				}
				enqueued += n
			}
		}
		return nil
	})
	if err == nil && enqueued > 0 {
		m.Enqueued()
	}
	return err
}

func soon(now, close time.Time) bool {
	return !close.IsZero() && now.Before(close) && !now.Before(close.Add(-closingSoon))
}

// announceWishes tells every eligible intern of r, once, that its wishes
// window is open and until when (wishes-opening/ROUND/PERSON).
func (m *Mailer) announceWishes(tx store.Tx, r *domain.Round, now time.Time) (int, error) {
	ids, err := tx.Eligible(r.ID)
	if err != nil {
		return 0, err
	}
	until := "sans date de fermeture annoncée pour l'instant"
	if !r.WishesClose.IsZero() {
		until = "jusqu'au " + paris.Format(r.WishesClose, "fr")
	}
	n := 0
	for _, id := range ids {
		once := api.NotifyWishesOpening + "/" + r.ID + "/" + id
		if tx.MailOnce(once) {
			continue
		}
		p, err := tx.Person(id)
		if err != nil {
			continue
		}
		body := fmt.Sprintf(`Bonjour %s,

La saisie des vœux du tour %s (%s) est ouverte, %s.

Ouvrez l'application Appariement pour consulter les postes, préparer votre
liste (même hors ligne), la signer et l'envoyer avant la fermeture.
`, p.FullName(), r.ID, r.Name, until)
		if err := m.enqueueOnce(tx, p, api.NotifyWishesOpening, once, "Appariement : les vœux du tour "+r.ID+" sont ouverts", body, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (m *Mailer) remindInterns(tx store.Tx, r *domain.Round, now time.Time) (int, error) {
	ids, err := tx.Eligible(r.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		once := "wishes-closing/" + r.ID + "/" + id
		if tx.MailOnce(once) {
			continue
		}
		if _, err := store.CurrentOfAuthor(tx, r.ID, id, api.WishListType); err == nil {
			continue
		} else if !store.IsNotFound(err) {
			return n, err
		}
		p, err := tx.Person(id)
		if err != nil {
			continue
		}
		body := fmt.Sprintf(`Bonjour %s,

La saisie des vœux du tour %s (%s) ferme le %s, et le
serveur n'a reçu aucune liste de vœux signée de votre part.

Ouvrez l'application Appariement, préparez votre liste, signez-la et
envoyez-la avant cette heure : après, le serveur la refusera.
`, p.FullName(), r.ID, r.Name, paris.Format(r.WishesClose, "fr"))
		if err := m.enqueueOnce(tx, p, "wishes-closing", once, "Appariement : vos vœux du tour "+r.ID+" avant le "+paris.Format(r.WishesClose, "fr"), body, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (m *Mailer) remindRTS(tx store.Tx, r *domain.Round, now time.Time) (int, error) {
	postes, err := tx.Postes(r.ID, 0)
	if err != nil {
		return 0, err
	}
	ranked := map[string]bool{}
	cur, err := tx.CurrentOfType(r.ID, api.RankingType)
	if err != nil {
		return 0, err
	}
	for _, c := range cur {
		ranked[c.Poste] = true
	}
	missing := map[string][]string{} // RTS → postes without a ranking
	var order []string
	for _, po := range postes {
		if po.Closed || po.RTS == "" || ranked[po.ID] {
			continue
		}
		if missing[po.RTS] == nil {
			order = append(order, po.RTS)
		}
		missing[po.RTS] = append(missing[po.RTS], po.ID)
	}
	n := 0
	for _, id := range order {
		once := "rankings-reminder/" + r.ID + "/" + id
		if tx.MailOnce(once) {
			continue
		}
		p, err := tx.Person(id)
		if err != nil {
			continue
		}
		body := fmt.Sprintf(`Bonjour %s,

Le classement des candidats du tour %s (%s) ferme le %s,
et le serveur n'a reçu aucun classement signé pour : %v.

Ouvrez l'application Appariement, classez les candidats de ces postes,
signez et envoyez avant cette heure.
`, p.FullName(), r.ID, r.Name, paris.Format(r.RankingsClose, "fr"), missing[id])
		if err := m.enqueueOnce(tx, p, "rankings-reminder", once, "Appariement : vos classements du tour "+r.ID+" avant le "+paris.Format(r.RankingsClose, "fr"), body, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// CallList enqueues, in the transaction that publishes version of
// round's call list, an e-mail to every intern whose rank changed (moves
// of calllist.Diff), with the old and new rank, once per version
// (call-list/ROUND/VERSION/PERSON).
func (m *Mailer) CallList(tx store.Tx, round string, version int, reason string, moves []calllist.Move, now time.Time) error {
	if m.q == nil {
		return nil
	}
	for _, mv := range moves {
		once := fmt.Sprintf("call-list/%s/%d/%s", round, version, mv.Intern)
		if tx.MailOnce(once) {
			continue
		}
		p, err := tx.Person(mv.Intern)
		if err != nil {
			continue
		}
		rank := func(r int) string {
			if r == 0 {
				return "absent(e) de la liste"
			}
			return fmt.Sprintf("rang %d", r)
		}
		body := fmt.Sprintf(`Bonjour %s,

La liste d'appel du tour %s a changé (version %d) : votre place passe de
« %s » à « %s ».

Motif : %s

La liste signée fait foi : ouvrez l'application Appariement pour la voir
et refaire votre simulation des choix.
`, p.FullName(), round, version, rank(mv.OldRank), rank(mv.NewRank), reason)
		if err := m.enqueueOnce(tx, p, "call-list", once, fmt.Sprintf("Appariement : liste d'appel du tour %s, version %d", round, version), body, now); err != nil {
			return err
		}
	}
	return nil
}
