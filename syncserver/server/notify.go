package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/shared/paris"
	"appariement/syncserver/store"
)

// notifyResult enqueues, in the publishing transaction, the "result
// published" e-mail of every participant of res (assigned or not), each
// once (key result/ROUND/PERSON: publishing again sends nothing more). The
// e-mail says where the person is assigned and points to the signed result
// in the app, which is what counts.
func (s *Server) notifyResult(tx store.Tx, res *domain.Result, now time.Time) error {
	if s.mailq == nil {
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
		_, err = s.enqueueMail(tx, p, "result", once, "Appariement : résultats du tour "+res.Round, body, now)
		switch {
		case errors.Is(err, email.ErrHeader):
			s.log.Warn("server: no result e-mail", "person", id, "err", err)
		case err != nil:
			return err
		}
	}
	return nil
}

// notifier is the scheduler of the timed notifications: every
// Config.MailPoll it looks at the rounds and enqueues what is due, each
// notification once (recorded by its key in the store).
type notifier struct {
	stop chan struct{}
	done chan struct{}
}

func (s *Server) startNotifier() {
	n := &notifier{stop: make(chan struct{}), done: make(chan struct{})}
	s.notifier = n
	every := s.cfg.MailPoll
	if every <= 0 {
		every = time.Minute
	}
	go func() {
		defer close(n.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if err := s.scheduleNotifications(s.now()); err != nil && !errors.Is(err, store.ErrClosed) {
				s.log.Error("server: notifications", "err", err)
			}
			select {
			case <-n.stop:
				return
			case <-t.C:
			}
		}
	}()
}

func (s *Server) stopNotifier() {
	if s.notifier != nil {
		close(s.notifier.stop)
		<-s.notifier.done
	}
}

// closingSoon is how long before a window closes its reminders go.
const closingSoon = 24 * time.Hour

// scheduleNotifications enqueues, in one transaction, the reminders due at
// now: to every eligible intern without a wish list when the wishes window
// closes within 24 h (wishes-closing/ROUND/PERSON), and to every RTS of
// the round's postes without a ranking when the rankings window closes
// within 24 h (rankings-reminder/ROUND/PERSON).
func (s *Server) scheduleNotifications(now time.Time) error {
	if s.mailq == nil {
		return nil
	}
	enqueued := 0
	err := s.store.Update(func(tx store.Tx) error {
		rounds, err := tx.Rounds()
		if err != nil {
			return err
		}
		for _, rec := range rounds {
			r := rec.Round
			if r.State == domain.StateWishesOpen && r.Number != 3 && (r.WishesClose.IsZero() || now.Before(r.WishesClose)) {
				n, err := s.announceWishes(tx, &r, now)
				if err != nil {
					return err
				}
				enqueued += n
			}
			switch {
			case r.State == domain.StateWishesOpen && soon(now, r.WishesClose):
				n, err := s.remindInterns(tx, &r, now)
				if err != nil {
					return err
				}
				enqueued += n
			case r.State == domain.StateRankingsOpen && soon(now, r.RankingsClose):
				n, err := s.remindRTS(tx, &r, now)
				if err != nil {
					return err
				}
				enqueued += n
			}
		}
		return nil
	})
	if err == nil && enqueued > 0 {
		s.mailEnqueued()
	}
	return err
}

func soon(now, close time.Time) bool {
	return !close.IsZero() && now.Before(close) && !now.Before(close.Add(-closingSoon))
}

// announceWishes tells every eligible intern of r, once, that its wishes
// window is open and until when (wishes-opening/ROUND/PERSON).
func (s *Server) announceWishes(tx store.Tx, r *domain.Round, now time.Time) (int, error) {
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
		if err := s.enqueueOnce(tx, p, api.NotifyWishesOpening, once, "Appariement : les vœux du tour "+r.ID+" sont ouverts", body, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Server) remindInterns(tx store.Tx, r *domain.Round, now time.Time) (int, error) {
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
		if err := s.enqueueOnce(tx, p, "wishes-closing", once, "Appariement : vos vœux du tour "+r.ID+" avant le "+paris.Format(r.WishesClose, "fr"), body, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Server) remindRTS(tx store.Tx, r *domain.Round, now time.Time) (int, error) {
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
		if err := s.enqueueOnce(tx, p, "rankings-reminder", once, "Appariement : vos classements du tour "+r.ID+" avant le "+paris.Format(r.RankingsClose, "fr"), body, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// enqueueOnce enqueues a notification, logging (not failing on) a person
// for whom no safe e-mail can be written.
func (s *Server) enqueueOnce(tx store.Tx, p *domain.Person, kind, once, subject, body string, now time.Time) error {
	_, err := s.enqueueMail(tx, p, kind, once, subject, body, now)
	if errors.Is(err, email.ErrHeader) {
		s.log.Warn("server: no "+kind+" e-mail", "person", p.ID, "err", err)
		return nil
	}
	return err
}

// notifyCallList enqueues, in the transaction that publishes version of
// round's call list, an e-mail to every intern whose rank changed (moves
// of calllist.Diff), with the old and new rank, once per version
// (call-list/ROUND/VERSION/PERSON).
func (s *Server) notifyCallList(tx store.Tx, round string, version int, reason string, moves []calllist.Move, now time.Time) error {
	if s.mailq == nil {
		return nil
	}
	for _, m := range moves {
		once := fmt.Sprintf("call-list/%s/%d/%s", round, version, m.Intern)
		if tx.MailOnce(once) {
			continue
		}
		p, err := tx.Person(m.Intern)
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
`, p.FullName(), round, version, rank(m.OldRank), rank(m.NewRank), reason)
		if err := s.enqueueOnce(tx, p, "call-list", once, fmt.Sprintf("Appariement : liste d'appel du tour %s, version %d", round, version), body, now); err != nil {
			return err
		}
	}
	return nil
}

// sendReminders enqueues the admin's reminders of a round (POST
// /v1/admin/rounds/{round}/reminders): to every RTS of its postes without
// a key, and to every eligible intern without a wish list; audited with
// the people reminded. Each call sends them again: it is the admin's
// decision.
func (s *Server) sendReminders(q *req) error {
	id := mux.Vars(q.r)["round"]
	if s.mailq == nil {
		return api.Errorf(api.CodeInvalidState, "ce serveur n'envoie pas d'e-mails (lancez-le avec -mail)",
			"this server sends no e-mail (start it with -mail)")
	}
	out := api.RemindersResponse{Round: id, Enqueued: []string{}, Skipped: []string{}}
	err := s.store.Update(func(tx store.Tx) error {
		out.Enqueued, out.Skipped = out.Enqueued[:0], out.Skipped[:0]
		rec, err := tx.Round(id)
		if store.IsNotFound(err) {
			return unknownRound(id)
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
			m, err := s.enqueueMail(tx, p, "reminder", "", subject, fmt.Sprintf(body, p.FullName()), q.now)
			switch {
			case errors.Is(err, email.ErrHeader):
				out.Skipped = append(out.Skipped, pid)
			case err != nil:
				return err
			case m != nil:
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
		return tx.Audit(q.audit("reminders", id, "", "", map[string]any{"enqueued": out.Enqueued, "skipped": out.Skipped}))
	})
	if err != nil {
		return err
	}
	s.mailEnqueued()
	return q.ok(out)
}
