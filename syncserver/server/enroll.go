package server

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/shared/envelope"
	"appariement/shared/paris"
	"appariement/syncserver/store"
)

// refusedEnrollment is the one answer to every failed enrollment: an
// unknown identifier, an enrolled one, a wrong, used or expired code and a
// try that must wait (store.CodeDelay) are not told apart, by status,
// words or timing (the store does the same work for each), so the route
// neither says who exists nor who is enrolled. The words say that waiting
// may help, which is what the real user needs to know; there is no
// Retry-After, which would tell a delayed identifier apart.
func refusedEnrollment() error {
	return api.Errorf(api.CodeBadCode,
		"identifiant ou code d'activation incorrect, déjà utilisé ou expiré ; après plusieurs essais manqués, patientez une minute avant de réessayer",
		"wrong, used or expired identifier or activation code; after several wrong tries, wait a minute before trying again")
}

// enroll registers a public key with a one-time activation code
// (POST /v1/enroll). Tries are limited per client address; every failure
// gets the same answer (see refusedEnrollment).
func (s *Server) enroll(q *req) error {
	if err := s.limit(q, s.enrollLim, "enroll-ip:"+q.ip); err != nil {
		return err
	}
	var in api.EnrollRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	// Read as typed: " i000038 " is I000038 (domain.NormalizeTyped, which
	// the app applies too; the code is read the same way by the store).
	in.Identifier = domain.NormalizeTyped(in.Identifier)
	if err := checkID("identifiant / identifier", in.Identifier); err != nil {
		return err
	}
	if len(in.Code) > 64 {
		return api.Errorf(api.CodeBadCode, "code d'activation invalide", "invalid activation code")
	}
	if len(in.PublicKey) != ed25519.PublicKeySize {
		return badRequest("clé publique de %d octets, %d attendus", "public key of %d bytes, want %d",
			len(in.PublicKey), ed25519.PublicKeySize)
	}
	if err := s.limit(q, s.idLim, "enroll:"+in.Identifier); err != nil {
		return err
	}
	id, err := s.enrollmentID(in.Identifier)
	if err != nil {
		return err
	}
	p, err := s.store.Enroll(id, in.Code, in.PublicKey)
	switch {
	case errors.Is(err, store.ErrAlreadyEnrolled), errors.Is(err, store.ErrDelayed),
		errors.Is(err, store.ErrBadCode), store.IsNotFound(err):
		// The reason is for the operator's log only.
		s.log.Info("server: enrollment refused", "identifier", in.Identifier, "ip", q.ip, "why", err.Error())
		return refusedEnrollment()
	case err != nil:
		return err
	}
	err = s.store.Update(func(tx store.Tx) error {
		return tx.Audit(store.AuditEntry{Time: q.now, Actor: p.ID, Action: "enroll", Target: p.ID,
			Detail: jsonDetail(map[string]string{"key_id": envelope.KeyID(in.PublicKey)})})
	})
	if err != nil {
		return err
	}
	q.who = p
	return q.ok(api.EnrollResponse{Person: *p, ServerKey: apiServerKey(s.store.ServerKey())})
}

// enrollmentID is the identifier of the person typed (read by
// domain.NormalizeTyped, so in upper case): itself if someone has it,
// else its lower-case form (identifiers made by hand, such as "admin"),
// else typed, which the store refuses like any unknown identifier. Both
// are looked up every time, so that the answer takes the same time
// whoever exists.
func (s *Server) enrollmentID(typed string) (string, error) {
	id := typed
	err := s.store.View(func(tx store.Tx) error {
		found := false
		for _, c := range []string{typed, strings.ToLower(typed)} {
			_, err := tx.Person(c)
			switch {
			case err == nil && !found:
				id, found = c, true
			case err != nil && !store.IsNotFound(err):
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("server: enroll %s: %w", typed, err)
	}
	return id, nil
}

// storeCode stores activation a for person in tx and enqueues its e-mail
// in the same transaction (the caller calls s.mailEnqueued after commit).
func (s *Server) storeCode(tx store.Tx, p *domain.Person, a *store.Activation, now time.Time) (api.IssuedCode, error) {
	if err := store.PutActivation(tx, p.ID, a); err != nil {
		return api.IssuedCode{}, err
	}
	ic := api.IssuedCode{Person: p.ID, Email: p.Email, Code: a.Code, Expires: a.Expires}
	m, err := s.enqueueMail(tx, p, "activation", "", "Appariement : votre code d'activation", s.activationMail(p, a.Code, a.Expires), now)
	switch {
	case errors.Is(err, email.ErrHeader):
		// The code is issued and in the answer; no e-mail can be
		// written safely for this person (Outbox stays empty).
		s.log.Warn("server: no activation e-mail", "person", p.ID, "err", err)
	case err != nil:
		return ic, err
	case m != nil:
		ic.Outbox = s.mailName(m)
	}
	return ic, nil
}

// activationMail is the body of the activation e-mail of p (French).
func (s *Server) activationMail(p *domain.Person, code string, expires time.Time) string {
	key := s.store.ServerKey()
	url := s.cfg.PublicURL
	if url == "" {
		url = "(adresse communiquée par votre administration)"
	}
	body := fmt.Sprintf(`Bonjour %s,

Voici votre code d'activation pour l'application Appariement :

    Identifiant : %s
    Code        : %s

Ce code est personnel et ne sert qu'une fois. Il expire le %s.

Pour activer votre compte :
 1. Ouvrez l'application Appariement.
 2. Saisissez l'adresse du serveur : %s
    puis cliquez sur « Vérifier le serveur ».
 3. Avant de saisir votre code, vérifiez que l'empreinte du serveur
    affichée est exactement celle-ci (vous pouvez aussi la coller dans
    l'application, qui les compare) :
    %s
    Si elle diffère, arrêtez-vous : ne saisissez pas votre code et
    prévenez votre administration.
 4. Saisissez votre identifiant et ce code, puis choisissez une phrase de passe.

Après plusieurs codes erronés, patientez une minute avant de réessayer.
Ne communiquez ce code à personne : l'administration ne vous le demandera
jamais. Si vous n'êtes pas à l'origine de cette demande, prévenez votre
administration (ARS ou UFR).
`, p.FullName(), p.ID, code, paris.Format(expires, "fr"), url, key.Fingerprint)
	return body
}
