// Package accounts is the server's use cases about people and their keys:
// enrollment with a one-time activation code, the people an admin or a
// coordinator sees, issuing activation codes (with their e-mails) and
// resetting a key. Every change is audited in the transaction that makes
// it; refusals are api.Error values, French first then English.
package accounts

import (
	"cmp"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/shared/envelope"
	"appariement/shared/paris"
	"appariement/shared/rules"
	"appariement/syncserver/auditing"
	"appariement/syncserver/notify"
	"appariement/syncserver/store"
)

// Config configures the accounts use cases.
type Config struct {
	// ActivationTTL is how long an activation code stays valid.
	ActivationTTL time.Duration
	// PublicURL is the server's address quoted in activation e-mails.
	PublicURL string
	// Logger receives the reasons of refused enrollments (slog.Default if nil).
	Logger *slog.Logger
}

// Service is the accounts use cases over a store.
type Service struct {
	st   *store.Store
	mail *notify.Mailer
	cfg  Config
	log  *slog.Logger
}

// New returns the accounts use cases over st, mailing through mail.
func New(st *store.Store, mail *notify.Mailer, cfg Config) *Service {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Service{st: st, mail: mail, cfg: cfg, log: log}
}

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

// Enroll registers in.PublicKey as the key of in.Identifier with its
// one-time activation code, at now. admit, called once the request is
// well formed and before the code is tried, may refuse the identifier
// (the caller's rate limit). ip is for the operator's log only. Every
// failed try gets the same answer (see refusedEnrollment).
func (a *Service) Enroll(in api.EnrollRequest, now time.Time, ip string, admit func(identifier string) error) (*api.EnrollResponse, error) {
	// Read as typed: " i000038 " is I000038 (domain.NormalizeTyped, which
	// the app applies too; the code is read the same way by the store).
	in.Identifier = domain.NormalizeTyped(in.Identifier)
	if err := api.CheckID("identifiant / identifier", in.Identifier); err != nil {
		return nil, err
	}
	if len(in.Code) > 64 {
		return nil, api.Errorf(api.CodeBadCode, "code d'activation invalide", "invalid activation code")
	}
	if len(in.PublicKey) != ed25519.PublicKeySize {
		return nil, api.Errorf(api.CodeBadRequest, "clé publique de %d octets, %d attendus", "public key of %d bytes, want %d",
			len(in.PublicKey), ed25519.PublicKeySize)
	}
	if err := admit(in.Identifier); err != nil {
		return nil, err
	}
	id, err := a.enrollmentID(in.Identifier)
	if err != nil {
		return nil, err
	}
	p, err := a.st.Enroll(id, in.Code, in.PublicKey)
	switch {
	case errors.Is(err, store.ErrAlreadyEnrolled), errors.Is(err, store.ErrDelayed),
		errors.Is(err, store.ErrBadCode), store.IsNotFound(err):
		// The reason is for the operator's log only.
		a.log.Info("server: enrollment refused", "identifier", in.Identifier, "ip", ip, "why", err.Error())
		return nil, refusedEnrollment()
	case err != nil:
		return nil, err
	}
	err = a.st.Update(func(tx store.Tx) error {
		return tx.Audit(auditing.Entry(now, p.ID, "enroll", "", p.ID, "", map[string]string{"key_id": envelope.KeyID(in.PublicKey)}))
	})
	if err != nil {
		return nil, err
	}
	return &api.EnrollResponse{Person: *p, ServerKey: api.ServerKey(a.st.ServerKey())}, nil
}

// enrollmentID is the identifier of the person typed (read by
// domain.NormalizeTyped, so in upper case): itself if someone has it,
// else its lower-case form (identifiers made by hand, such as "admin"),
// else typed, which the store refuses like any unknown identifier. Both
// are looked up every time, so that the answer takes the same time
// whoever exists.
func (a *Service) enrollmentID(typed string) (string, error) {
	id := typed
	err := a.st.View(func(tx store.Tx) error {
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

// People lists everyone with whether they are enrolled and have a pending
// activation code.
func (a *Service) People() ([]api.PersonStatus, error) {
	out := []api.PersonStatus{}
	err := a.st.View(func(tx store.Tx) error {
		people, err := tx.People()
		for _, p := range people {
			_, kerr := tx.PublicKey(p.ID)
			out = append(out, api.PersonStatus{Person: p, Enrolled: kerr == nil, PendingCode: tx.HasPendingCode(p.ID)})
		}
		return err
	})
	return out, err
}

// ScopePeople lists the people a coordinator may see: the interns of
// their specialty and subdivision and the RTS of the postes there, in
// every round.
func (a *Service) ScopePeople(who *domain.Person) (api.ScopePeople, error) {
	out := api.ScopePeople{Specialty: who.Specialty, Subdivision: who.Subdivision, People: []api.PersonStatus{}}
	err := a.st.View(func(tx store.Tx) error {
		rts := map[string]bool{}
		rounds, err := tx.Rounds()
		if err != nil {
			return err
		}
		for _, r := range rounds {
			ps, err := tx.Postes(r.ID, 0)
			if err != nil {
				return err
			}
			for _, p := range ps {
				if who.Scope().Covers(p.Specialty, p.Subdivision) {
					rts[p.RTS] = true
				}
			}
		}
		people, err := tx.People()
		if err != nil {
			return err
		}
		for _, p := range people {
			if (p.Role == domain.RoleIntern && who.Scope().Covers(p.Specialty, p.Subdivision)) || (p.Role == domain.RoleRTS && rts[p.ID]) {
				_, kerr := tx.PublicKey(p.ID)
				out.People = append(out.People, api.PersonStatus{Person: p, Enrolled: kerr == nil, PendingCode: tx.HasPendingCode(p.ID)})
			}
		}
		return nil
	})
	return out, err
}

// IssueCodes issues, by actor at now, an activation code to each person
// of in (or everyone without a key). The codes are hashed in parallel
// outside the write transaction, then stored with their e-mails and audit
// entries in one commit; a person enrolled meanwhile is skipped.
func (a *Service) IssueCodes(actor string, now time.Time, in api.IssueCodesRequest) (api.IssueCodesResponse, error) {
	out := api.IssueCodesResponse{Codes: []api.IssuedCode{}}
	if len(in.People) == 0 && !in.AllWithoutKey {
		return out, api.Errorf(api.CodeBadRequest, "personne désignée", "nobody designated")
	}
	var targets []domain.Person
	err := a.st.View(func(tx store.Tx) error {
		if in.AllWithoutKey {
			people, err := tx.People()
			if err != nil {
				return err
			}
			for _, p := range people {
				if _, err := tx.PublicKey(p.ID); store.IsNotFound(err) {
					targets = append(targets, p)
				}
			}
		}
		for _, id := range in.People {
			p, err := tx.Person(id)
			if store.IsNotFound(err) {
				return api.Errorf(api.CodeNotFound, "personne %s inconnue", "unknown person %s", id)
			}
			if err != nil {
				return err
			}
			if _, err := tx.PublicKey(id); err == nil {
				return api.Errorf(api.CodeAlreadyEnrolled, "%s est déjà inscrit : utilisez la réinitialisation de clé",
					"%s is already enrolled: use a key reset", id)
			}
			targets = append(targets, *p)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	acts, err := a.newActivations(len(targets), now)
	if err != nil {
		return out, err
	}
	err = a.st.Update(func(tx store.Tx) error {
		out.Codes = out.Codes[:0]
		for i := range targets {
			if _, err := tx.PublicKey(targets[i].ID); err == nil {
				continue // enrolled meanwhile
			}
			ic, err := a.storeCode(tx, &targets[i], acts[i], now)
			if err != nil {
				return err
			}
			out.Codes = append(out.Codes, ic)
			if err := tx.Audit(auditing.Entry(now, actor, "issue-code", "", ic.Person, "", map[string]any{"expires": ic.Expires, "outbox": ic.Outbox})); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	a.mail.Enqueued()
	return out, nil
}

// newActivations makes n activation codes (each hashed, which is slow on
// purpose) on every CPU.
func (a *Service) newActivations(n int, now time.Time) ([]*store.Activation, error) {
	acts := make([]*store.Activation, n)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	next := make(chan int)
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				act, err := a.st.NewActivation(now, a.cfg.ActivationTTL)
				mu.Lock()
				acts[i], firstErr = act, cmp.Or(firstErr, err)
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return acts, firstErr
}

// ResetKey revokes the key of person id and issues a new activation code
// (with its e-mail), by actor at now for reason (mandatory).
func (a *Service) ResetKey(actor string, now time.Time, id, reason string) (api.IssuedCode, error) {
	if err := rules.CheckReason(reason); err != nil {
		return api.IssuedCode{}, err
	}
	var ic api.IssuedCode
	err := a.st.Update(func(tx store.Tx) error {
		p, err := tx.Person(id)
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeNotFound, "personne %s inconnue", "unknown person %s", id)
		}
		if err != nil {
			return err
		}
		if err := tx.RevokeKey(id, now); err != nil {
			return err
		}
		act, err := a.st.NewActivation(now, a.cfg.ActivationTTL)
		if err != nil {
			return err
		}
		if ic, err = a.storeCode(tx, p, act, now); err != nil {
			return err
		}
		return tx.Audit(auditing.Entry(now, actor, "reset-key", "", id, reason, map[string]any{"expires": ic.Expires, "outbox": ic.Outbox}))
	})
	if err != nil {
		return ic, err
	}
	a.mail.Enqueued()
	return ic, nil
}

// storeCode stores activation act for person p in tx and enqueues its
// e-mail in the same transaction (the caller calls Mailer.Enqueued after
// commit).
func (a *Service) storeCode(tx store.Tx, p *domain.Person, act *store.Activation, now time.Time) (api.IssuedCode, error) {
	if err := store.PutActivation(tx, p.ID, act); err != nil {
		return api.IssuedCode{}, err
	}
	ic := api.IssuedCode{Person: p.ID, Email: p.Email, Code: act.Code, Expires: act.Expires}
	m, err := a.mail.Enqueue(tx, p, "activation", "", "Appariement : votre code d'activation", a.activationMail(p, act.Code, act.Expires), now)
	switch {
	case errors.Is(err, email.ErrHeader):
		// The code is issued and in the answer; no e-mail can be
		// written safely for this person (Outbox stays empty).
		a.log.Warn("server: no activation e-mail", "person", p.ID, "err", err)
	case err != nil:
		return ic, err
	case m != nil:
		ic.Outbox = a.mail.Name(m)
	}
	return ic, nil
}

// activationMail is the body of the activation e-mail of p (French).
func (a *Service) activationMail(p *domain.Person, code string, expires time.Time) string {
	key := a.st.ServerKey()
	url := a.cfg.PublicURL
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

// Signer returns the enrolled public key and the person of identifier
// id, read in one transaction: the one read of a signed request. An
// unknown or unenrolled id is a store not-found error.
func (a *Service) Signer(id string) (pub []byte, who *domain.Person, err error) {
	err = a.st.View(func(tx store.Tx) error {
		var err error
		if pub, err = tx.PublicKey(id); err != nil {
			return err
		}
		who, err = tx.Person(id)
		return err
	})
	return pub, who, err
}

// UseNonce records the nonce key of a signed change as used at now until
// expires, so that a restart opens no replay window; store.ErrNonceUsed if
// it was already used.
func (a *Service) UseNonce(key string, now, expires time.Time) error {
	return a.st.Update(func(tx store.Tx) error { return tx.UseNonce(key, now, expires) })
}
