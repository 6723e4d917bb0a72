// Package corrections is the correction queue's use cases. RTS,
// coordinators and admins file requests about a poste, a person, or a
// specialty and subdivision (File); each sees their own and, for an RTS,
// those about their postes (List); admins see and decide every one
// (Decide). Filing and every decision are audited in the transaction that
// makes them; applying a poste or person field changes the data in the
// same transaction, and the author is told by e-mail.
package corrections

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/shared/rules"
	"appariement/syncserver/auditing"
	"appariement/syncserver/notify"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Staff are the roles that may use the correction queue.
var Staff = []domain.Role{domain.RoleRTS, domain.RoleCoordinator, domain.RoleAdmin}

// Service is the correction queue over a store.
type Service struct {
	st   *store.Store
	mail *notify.Mailer
	log  *slog.Logger
}

// New returns the correction queue over st, telling authors through mail.
func New(st *store.Store, mail *notify.Mailer, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{st: st, mail: mail, log: log}
}

// roundExists fails with unknown_round if there is no round id.
func roundExists(tx store.Tx, id string) error {
	_, err := tx.Round(id)
	if store.IsNotFound(err) {
		return rounds.UnknownRound(id)
	}
	return err
}

// File files who's correction request in at now, audited: the target
// must exist and be within who's reach (an RTS: their postes and own
// record; a coordinator: their specialty and subdivision), the field must
// be one of the target's and the proposed value valid and new.
func (c *Service) File(who *domain.Person, now time.Time, in api.CorrectionRequest) (*api.Correction, error) {
	if len(in.Message) > api.MaxCorrectionMessage {
		return nil, api.Errorf(api.CodeTooLarge, "message trop long (%d octets au plus)", "message too long (at most %d bytes)", api.MaxCorrectionMessage)
	}
	if !utf8.ValidString(in.Message) || strings.ContainsRune(in.Message, 0) {
		return nil, api.Errorf(api.CodeBadRequest, "message illisible (texte UTF-8 attendu)", "unreadable message (UTF-8 text expected)")
	}
	if len(strings.TrimSpace(in.Message)) < 3 {
		return nil, api.Errorf(api.CodeBadRequest, "dites ce qui est faux (message obligatoire)", "say what is wrong (a message is required)")
	}
	targets := 0
	for _, t := range []string{in.Poste, in.Person, in.Specialty + in.Subdivision} {
		if t != "" {
			targets++
		}
	}
	if targets != 1 {
		return nil, api.Errorf(api.CodeBadRequest, "une demande vise un poste, une personne, ou une spécialité et une subdivision (une seule de ces cibles)",
			"a request names a poste, a person, or a specialty and subdivision (exactly one of them)")
	}
	cr := &api.Correction{CorrectionRequest: in, Author: who.ID, AuthorRole: who.Role, AuthorName: who.FullName(),
		Created: now.UTC(), Updated: now.UTC(), Status: api.CorrectionRequested}
	err := c.st.Update(func(tx store.Tx) error {
		switch {
		case in.Poste != "":
			if err := api.CheckID("tour / round", in.Round); err != nil {
				return err
			}
			if err := roundExists(tx, in.Round); err != nil {
				return err
			}
			p, err := tx.Poste(in.Round, in.Poste)
			if store.IsNotFound(err) {
				return api.Errorf(api.CodeUnknownPoste, "poste %s inconnu dans le tour %s", "unknown poste %s in round %s", in.Poste, in.Round)
			}
			if err != nil {
				return err
			}
			switch {
			case who.Role == domain.RoleRTS && p.RTS != who.ID:
				return api.Errorf(api.CodeForbidden, "le poste %s n'est pas l'un des vôtres", "poste %s is not one of yours", p.ID)
			case who.Role == domain.RoleCoordinator && !who.Scope().Covers(p.Specialty, p.Subdivision):
				return api.Errorf(api.CodeForbidden, "le poste %s est hors de votre spécialité ou subdivision", "poste %s is outside your specialty or subdivision", p.ID)
			}
			cur, ok := api.PosteFieldValue(p, in.Field)
			if !ok {
				return api.Errorf(api.CodeBadRequest, "champ %q inconnu pour un poste (attendu : %s)", "unknown poste field %q (expected: %s)", in.Field, strings.Join(api.PosteFields, ", "))
			}
			cr.Current = cur
		case in.Person != "":
			p, err := tx.Person(in.Person)
			if store.IsNotFound(err) {
				return api.Errorf(api.CodeNotFound, "personne %s inconnue", "unknown person %s", in.Person)
			}
			if err != nil {
				return err
			}
			switch who.Role {
			case domain.RoleRTS:
				if p.ID != who.ID {
					return api.Errorf(api.CodeForbidden, "un RTS ne demande de correction que pour ses postes ou sa propre fiche", "an RTS may only ask to correct their postes or their own record")
				}
			case domain.RoleCoordinator:
				if p.Role != domain.RoleIntern || !who.Scope().Covers(p.Specialty, p.Subdivision) {
					return api.Errorf(api.CodeForbidden, "%s est hors de votre spécialité ou subdivision", "%s is outside your specialty or subdivision", p.ID)
				}
			}
			cur, ok := api.PersonFieldValue(p, in.Field)
			if !ok {
				return api.Errorf(api.CodeBadRequest, "champ %q inconnu pour une personne (attendu : %s)", "unknown person field %q (expected: %s)", in.Field, strings.Join(api.PersonFields, ", "))
			}
			cr.Current = cur
		default:
			if domain.LookupDES(in.Specialty) == nil || domain.LookupSubdivision(in.Subdivision) == nil {
				return api.Errorf(api.CodeBadRequest, "spécialité %q ou subdivision %q inconnue", "unknown specialty %q or subdivision %q", in.Specialty, in.Subdivision)
			}
			if in.Field != api.FieldOther {
				return api.Errorf(api.CodeBadRequest, "une demande sur une spécialité et une subdivision est de type « other »", "a request about a specialty and subdivision has field \"other\"")
			}
			if who.Role == domain.RoleCoordinator && !who.Scope().Covers(in.Specialty, in.Subdivision) {
				return api.Errorf(api.CodeForbidden, "%s × %s est hors de votre périmètre", "%s × %s is outside your scope", in.Specialty, in.Subdivision)
			}
			if in.Round != "" {
				if err := roundExists(tx, in.Round); err != nil {
					return err
				}
			}
		}
		if err := api.CheckCorrectionValue(in.Field, in.Proposed); err != nil {
			return err
		}
		if in.Field != api.FieldOther && in.Proposed == cr.Current {
			return api.Errorf(api.CodeBadRequest, "la valeur proposée pour %s est déjà la valeur actuelle", "the proposed %s is already the current value", in.Field)
		}
		cr.History = []api.CorrectionEvent{{Time: now.UTC(), Actor: who.ID, Status: api.CorrectionRequested}}
		id, err := tx.NewCorrection(storeCorrection(cr))
		if err != nil {
			return err
		}
		cr.ID = id
		return tx.Audit(auditing.Entry(now, who.ID, "correction-request", in.Round, id, in.Message, in))
	})
	if err != nil {
		return nil, err
	}
	return cr, nil
}

// List lists the requests who may see, of status ("open": not final;
// empty: any) and round (empty: any): admins all, others their own and,
// for an RTS, those about their postes.
func (c *Service) List(who *domain.Person, status api.CorrectionStatus, round string) ([]api.Correction, error) {
	if status != "" && status != "open" && !status.Known() {
		return nil, api.Errorf(api.CodeBadRequest, "statut %q inconnu", "unknown status %q", status)
	}
	out := []api.Correction{}
	err := c.st.View(func(tx store.Tx) error {
		mine := map[string]bool{} // postes of an RTS, by round \x00 poste
		cs, err := tx.Corrections(func(sc *store.Correction) bool {
			c := apiCorrection(sc)
			switch {
			case status == "open" && c.Status.Final():
				return false
			case status != "" && status != "open" && c.Status != status:
				return false
			case round != "" && c.Round != round:
				return false
			}
			if who.Role == domain.RoleAdmin || c.Author == who.ID {
				return true
			}
			if who.Role == domain.RoleRTS && c.Poste != "" {
				k := c.Round + "\x00" + c.Poste
				if v, ok := mine[k]; ok {
					return v
				}
				p, err := tx.Poste(c.Round, c.Poste)
				mine[k] = err == nil && p.RTS == who.ID
				return mine[k]
			}
			return false
		})
		for i := range cs {
			out = append(out, *apiCorrection(&cs[i]))
		}
		return err
	})
	return out, err
}

// Decide accepts, applies or refuses request id by admin who at now, in
// one transaction with its audit entry. Applying a poste field changes
// the poste (a new catalogue version, so that every app gets it); applying
// an RTS e-mail also corrects the RTS's record and their other postes of
// the round that carried the same wrong address. The author, unless it is
// the deciding admin, is told by an e-mail through the mail queue.
func (c *Service) Decide(who *domain.Person, now time.Time, id string, in api.CorrectionDecision) (*api.Correction, error) {
	if !in.Status.Decision() {
		return nil, api.Errorf(api.CodeBadRequest, "décision %q inconnue (accepted, applied ou refused)", "unknown decision %q (accepted, applied or refused)", in.Status)
	}
	if in.Reason != "" || in.Status == api.CorrectionRefused {
		if err := rules.CheckReason(in.Reason); err != nil {
			return nil, err
		}
	}
	var cr *api.Correction
	err := c.st.Update(func(tx store.Tx) error {
		sc, err := tx.Correction(id)
		if err == nil {
			cr = apiCorrection(sc)
		}
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeNotFound, "demande de correction %s inconnue", "unknown correction request %s", id)
		}
		if err != nil {
			return err
		}
		if !cr.Status.CanMove(in.Status) {
			return api.Errorf(api.CodeInvalidState, "la demande %s est déjà « %s » : elle ne peut passer à « %s »",
				"request %s is already %s: it cannot become %s", id, cr.Status, in.Status)
		}
		ev := api.CorrectionEvent{Time: now.UTC(), Actor: who.ID, Status: in.Status, Reason: in.Reason}
		detail := map[string]any{"status": in.Status}
		if in.Status == api.CorrectionApplied {
			if cr.Field == api.FieldOther {
				if err := rules.CheckReason(in.Reason); err != nil {
					return api.Errorf(api.CodeBadRequest, "dites comment l'erreur a été corrigée (motif obligatoire)", "say how the error was fixed (a reason is required)")
				}
			} else {
				v := in.Value
				if v == "" {
					v = cr.Proposed
				}
				changed, err := applyCorrection(tx, cr, v)
				if err != nil {
					return err
				}
				ev.Value = v
				detail["value"] = v
				detail["changed"] = changed
			}
		}
		cr.Status, cr.Reason, cr.Updated = in.Status, in.Reason, now.UTC()
		cr.History = append(cr.History, ev)
		if err := tx.PutCorrection(storeCorrection(cr)); err != nil {
			return err
		}
		if cr.Author != who.ID { // an admin deciding their own request is not told
			if author, err := tx.Person(cr.Author); err == nil && author.Email != "" {
				m, err := c.mail.Enqueue(tx, author, "correction", "", "Appariement : votre demande de correction "+cr.ID, correctionMail(author, cr), now)
				switch {
				case errors.Is(err, email.ErrHeader): // no safe e-mail for this person: the app still shows the decision
					c.log.Warn("server: no correction e-mail", "person", author.ID, "err", err)
				case err != nil:
					return err
				case m != nil:
					detail["outbox"] = c.mail.Name(m)
				}
			}
		}
		return tx.Audit(auditing.Entry(now, who.ID, "correction-"+string(in.Status), cr.Round, cr.ID, in.Reason, detail))
	})
	if err != nil {
		return nil, err
	}
	c.mail.Enqueued()
	return cr, nil
}

// applyCorrection writes value into the field of c's target and returns
// what it changed.
func applyCorrection(tx store.Tx, c *api.Correction, value string) ([]string, error) {
	if err := api.CheckCorrectionValue(c.Field, value); err != nil {
		return nil, err
	}
	if c.Person != "" {
		p, err := tx.Person(c.Person)
		if err != nil {
			return nil, err
		}
		api.SetPersonField(p, c.Field, value)
		return []string{"person " + p.ID}, tx.PutPerson(*p)
	}
	rec, err := tx.Round(c.Round)
	if err != nil {
		return nil, err
	}
	if rec.State.Index() >= domain.StateMatched.Index() {
		return nil, api.Errorf(api.CodeInvalidState, "le tour %s est déjà apparié : ses postes ne changent plus", "round %s is already matched: its postes no longer change", c.Round)
	}
	p, err := tx.Poste(c.Round, c.Poste)
	if err != nil {
		return nil, err
	}
	old := p.RTSEmail
	postes := []domain.Poste{*p}
	var changed []string
	if c.Field == api.FieldRTSEmail && p.RTS != "" {
		all, err := tx.Postes(c.Round, 0)
		if err != nil {
			return nil, err
		}
		for _, o := range all {
			if o.RTS == p.RTS && o.ID != p.ID && o.RTSEmail == old {
				postes = append(postes, o)
			}
		}
		if rts, err := tx.Person(p.RTS); err == nil && (rts.Email == old || !domain.ValidEmail(rts.Email)) {
			rts.Email = value
			if err := tx.PutPerson(*rts); err != nil {
				return nil, err
			}
			changed = append(changed, "person "+rts.ID)
		}
	}
	for i := range postes {
		api.SetPosteField(&postes[i], c.Field, value)
		changed = append(changed, "poste "+postes[i].ID)
	}
	if _, err := store.PutPostes(tx, c.Round, postes, false); err != nil {
		return nil, err
	}
	slices.Sort(changed)
	return changed, nil
}

// correctionMail is the body of the e-mail telling the author of c its new
// status.
func correctionMail(to *domain.Person, c *api.Correction) string {
	status := map[api.CorrectionStatus]string{
		api.CorrectionAccepted: "acceptée (elle sera appliquée)",
		api.CorrectionApplied:  "appliquée",
		api.CorrectionRefused:  "refusée",
	}[c.Status]
	var b strings.Builder
	b.WriteString("Bonjour " + to.FullName() + ",\n\n")
	b.WriteString("Votre demande de correction " + c.ID + " (" + c.Target() + ", champ « " + c.Field + " ») est " + status + ".\n")
	if c.Reason != "" {
		b.WriteString("\nMotif : " + c.Reason + "\n")
	}
	if c.Status == api.CorrectionApplied && c.Field != api.FieldOther {
		b.WriteString("\nNouvelle valeur : " + c.History[len(c.History)-1].Value + "\n")
	}
	b.WriteString("\nVous pouvez suivre vos demandes dans l'application Appariement.\n")
	return b.String()
}

// apiCorrection converts a stored correction.
func apiCorrection(c *store.Correction) *api.Correction {
	out := &api.Correction{
		ID: c.ID,
		CorrectionRequest: api.CorrectionRequest{Round: c.Round, Poste: c.Poste, Person: c.Person,
			Specialty: c.Specialty, Subdivision: c.Subdivision, Field: c.Field, Proposed: c.Proposed, Message: c.Message},
		Current: c.Current, Author: c.Author, AuthorRole: c.AuthorRole, AuthorName: c.AuthorName,
		Created: c.Created, Status: api.CorrectionStatus(c.Status), Reason: c.Reason, Updated: c.Updated,
	}
	if c.History != nil {
		out.History = make([]api.CorrectionEvent, len(c.History))
		for i, h := range c.History {
			out.History[i] = api.CorrectionEvent{Time: h.Time, Actor: h.Actor, Status: api.CorrectionStatus(h.Status), Reason: h.Reason, Value: h.Value}
		}
	}
	return out
}

// storeCorrection converts a correction for storing.
func storeCorrection(c *api.Correction) *store.Correction {
	out := &store.Correction{
		ID: c.ID, Round: c.Round, Poste: c.Poste, Person: c.Person, Specialty: c.Specialty, Subdivision: c.Subdivision,
		Field: c.Field, Proposed: c.Proposed, Message: c.Message,
		Current: c.Current, Author: c.Author, AuthorRole: c.AuthorRole, AuthorName: c.AuthorName,
		Created: c.Created, Status: store.CorrectionStatus(c.Status), Reason: c.Reason, Updated: c.Updated,
	}
	if c.History != nil {
		out.History = make([]store.CorrectionEvent, len(c.History))
		for i, h := range c.History {
			out.History[i] = store.CorrectionEvent{Time: h.Time, Actor: h.Actor, Status: store.CorrectionStatus(h.Status), Reason: h.Reason, Value: h.Value}
		}
	}
	return out
}
