package server

import (
	"errors"
	"fmt"
	"time"

	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/syncserver/store"
)

// notifyResult enqueues, in the publishing transaction, the "result
// published" e-mail of every participant of res (assigned or not), each
// once (key result/ROUND/PERSON: publishing again sends nothing more). The
// e-mail says where the person is assigned and points to the signed result
// in the app, which is what counts.
func (s *Server) notifyResult(tx *store.Tx, res *domain.Result, now time.Time) error {
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
