package server

import (
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/syncserver/store"
)

// The correction queue. RTS, coordinators and admins file requests (POST
// /v1/corrections); each sees their own and, for an RTS, those about their
// postes (GET /v1/corrections); admins see and decide every one (POST
// /v1/admin/corrections/{id}/decision). Filing and every decision are
// audited in the transaction that makes them; applying a poste or person
// field changes the data in the same transaction.

// staff may use the correction queue.
var staff = []domain.Role{domain.RoleRTS, domain.RoleCoordinator, domain.RoleAdmin}

// inScope reports whether a coordinator's specialty and subdivision (empty:
// any) cover spec and sub.
func inScope(who *domain.Person, spec, sub string) bool {
	return domain.Scope{Specialty: who.Specialty, Subdivision: who.Subdivision}.Covers(spec, sub)
}

// roundExists fails with unknown_round if there is no round id.
func roundExists(tx store.Tx, id string) error {
	_, err := tx.Round(id)
	if store.IsNotFound(err) {
		return unknownRound(id)
	}
	return err
}

// fileCorrection files a correction request (POST /v1/corrections).
func (s *Server) fileCorrection(q *req) error {
	var in api.CorrectionRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if len(in.Message) > api.MaxCorrectionMessage {
		return api.Errorf(api.CodeTooLarge, "message trop long (%d octets au plus)", "message too long (at most %d bytes)", api.MaxCorrectionMessage)
	}
	if !utf8.ValidString(in.Message) || strings.ContainsRune(in.Message, 0) {
		return badRequest("message illisible (texte UTF-8 attendu)", "unreadable message (UTF-8 text expected)")
	}
	if len(strings.TrimSpace(in.Message)) < 3 {
		return badRequest("dites ce qui est faux (message obligatoire)", "say what is wrong (a message is required)")
	}
	targets := 0
	for _, t := range []string{in.Poste, in.Person, in.Specialty + in.Subdivision} {
		if t != "" {
			targets++
		}
	}
	if targets != 1 {
		return badRequest("une demande vise un poste, une personne, ou une spécialité et une subdivision (une seule de ces cibles)",
			"a request names a poste, a person, or a specialty and subdivision (exactly one of them)")
	}
	who := q.who
	c := &api.Correction{CorrectionRequest: in, Author: who.ID, AuthorRole: who.Role, AuthorName: who.FullName(),
		Created: q.now.UTC(), Updated: q.now.UTC(), Status: api.CorrectionRequested}
	err := s.store.Update(func(tx store.Tx) error {
		switch {
		case in.Poste != "":
			if err := checkID("tour / round", in.Round); err != nil {
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
				return forbidden("le poste %s n'est pas l'un des vôtres", "poste %s is not one of yours", p.ID)
			case who.Role == domain.RoleCoordinator && !inScope(who, p.Specialty, p.Subdivision):
				return forbidden("le poste %s est hors de votre spécialité ou subdivision", "poste %s is outside your specialty or subdivision", p.ID)
			}
			cur, ok := api.PosteFieldValue(p, in.Field)
			if !ok {
				return badRequest("champ %q inconnu pour un poste (attendu : %s)", "unknown poste field %q (expected: %s)", in.Field, strings.Join(api.PosteFields, ", "))
			}
			c.Current = cur
		case in.Person != "":
			p, err := tx.Person(in.Person)
			if store.IsNotFound(err) {
				return notFound("personne %s inconnue", "unknown person %s", in.Person)
			}
			if err != nil {
				return err
			}
			switch who.Role {
			case domain.RoleRTS:
				if p.ID != who.ID {
					return forbidden("un RTS ne demande de correction que pour ses postes ou sa propre fiche", "an RTS may only ask to correct their postes or their own record")
				}
			case domain.RoleCoordinator:
				if p.Role != domain.RoleIntern || !inScope(who, p.Specialty, p.Subdivision) {
					return forbidden("%s est hors de votre spécialité ou subdivision", "%s is outside your specialty or subdivision", p.ID)
				}
			}
			cur, ok := api.PersonFieldValue(p, in.Field)
			if !ok {
				return badRequest("champ %q inconnu pour une personne (attendu : %s)", "unknown person field %q (expected: %s)", in.Field, strings.Join(api.PersonFields, ", "))
			}
			c.Current = cur
		default:
			if domain.LookupDES(in.Specialty) == nil || domain.LookupSubdivision(in.Subdivision) == nil {
				return badRequest("spécialité %q ou subdivision %q inconnue", "unknown specialty %q or subdivision %q", in.Specialty, in.Subdivision)
			}
			if in.Field != api.FieldOther {
				return badRequest("une demande sur une spécialité et une subdivision est de type « other »", "a request about a specialty and subdivision has field \"other\"")
			}
			if who.Role == domain.RoleCoordinator && !inScope(who, in.Specialty, in.Subdivision) {
				return forbidden("%s × %s est hors de votre périmètre", "%s × %s is outside your scope", in.Specialty, in.Subdivision)
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
		if in.Field != api.FieldOther && in.Proposed == c.Current {
			return badRequest("la valeur proposée pour %s est déjà la valeur actuelle", "the proposed %s is already the current value", in.Field)
		}
		c.History = []api.CorrectionEvent{{Time: q.now.UTC(), Actor: who.ID, Status: api.CorrectionRequested}}
		sc := storeCorrection(c)
		id, err := tx.NewCorrection(sc)
		if err != nil {
			return err
		}
		c.ID = id
		return tx.Audit(q.audit("correction-request", in.Round, id, in.Message, in))
	})
	if err != nil {
		return err
	}
	return q.ok(c)
}

// listCorrections lists the requests a caller may see (GET
// /v1/corrections?status=&round=): admins all, others their own and, for
// an RTS, those about their postes.
func (s *Server) listCorrections(q *req) error {
	status := api.CorrectionStatus(q.r.URL.Query().Get("status"))
	round := q.r.URL.Query().Get("round")
	switch status {
	case "", api.CorrectionRequested, api.CorrectionAccepted, api.CorrectionApplied, api.CorrectionRefused:
	case "open":
	default:
		return badRequest("statut %q inconnu", "unknown status %q", status)
	}
	who := q.who
	out := []api.Correction{}
	err := s.store.View(func(tx store.Tx) error {
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
	if err != nil {
		return err
	}
	return q.ok(out)
}

// decideCorrection accepts, applies or refuses a request (POST
// /v1/admin/corrections/{id}/decision). Applying a poste field changes
// the poste (a new catalogue version, so that every app gets it); applying
// an RTS e-mail also corrects the RTS's record and their other postes of
// the round that carried the same wrong address. The author, unless it is
// the deciding admin, is told by an e-mail through the mail queue.
func (s *Server) decideCorrection(q *req) error {
	id := mux.Vars(q.r)["id"]
	var in api.CorrectionDecision
	if err := q.decode(&in); err != nil {
		return err
	}
	switch in.Status {
	case api.CorrectionAccepted, api.CorrectionApplied, api.CorrectionRefused:
	default:
		return badRequest("décision %q inconnue (accepted, applied ou refused)", "unknown decision %q (accepted, applied or refused)", in.Status)
	}
	if in.Reason != "" || in.Status == api.CorrectionRefused {
		if err := needReason(in.Reason); err != nil {
			return err
		}
	}
	var c *api.Correction
	err := s.store.Update(func(tx store.Tx) error {
		sc, err := tx.Correction(id)
		if err == nil {
			c = apiCorrection(sc)
		}
		if store.IsNotFound(err) {
			return notFound("demande de correction %s inconnue", "unknown correction request %s", id)
		}
		if err != nil {
			return err
		}
		if !c.Status.CanMove(in.Status) {
			return api.Errorf(api.CodeInvalidState, "la demande %s est déjà « %s » : elle ne peut passer à « %s »",
				"request %s is already %s: it cannot become %s", id, c.Status, in.Status)
		}
		ev := api.CorrectionEvent{Time: q.now.UTC(), Actor: q.who.ID, Status: in.Status, Reason: in.Reason}
		detail := map[string]any{"status": in.Status}
		if in.Status == api.CorrectionApplied {
			if c.Field == api.FieldOther {
				if err := needReason(in.Reason); err != nil {
					return badRequest("dites comment l'erreur a été corrigée (motif obligatoire)", "say how the error was fixed (a reason is required)")
				}
			} else {
				v := in.Value
				if v == "" {
					v = c.Proposed
				}
				changed, err := applyCorrection(tx, c, v)
				if err != nil {
					return err
				}
				ev.Value = v
				detail["value"] = v
				detail["changed"] = changed
			}
		}
		c.Status, c.Reason, c.Updated = in.Status, in.Reason, q.now.UTC()
		c.History = append(c.History, ev)
		if err := tx.PutCorrection(storeCorrection(c)); err != nil {
			return err
		}
		if c.Author != q.who.ID { // an admin deciding their own request is not told
			if author, err := tx.Person(c.Author); err == nil && author.Email != "" {
				m, err := s.enqueueMail(tx, author, "correction", "", "Appariement : votre demande de correction "+c.ID, correctionMail(author, c), q.now)
				switch {
				case errors.Is(err, email.ErrHeader): // no safe e-mail for this person: the app still shows the decision
					s.log.Warn("server: no correction e-mail", "person", author.ID, "err", err)
				case err != nil:
					return err
				case m != nil:
					detail["outbox"] = s.mailName(m)
				}
			}
		}
		return tx.Audit(q.audit("correction-"+string(in.Status), c.Round, c.ID, in.Reason, detail))
	})
	if err != nil {
		return err
	}
	s.mailEnqueued()
	return q.ok(c)
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

// scopePeople lists the people a coordinator may see (GET
// /v1/scope/people): the interns of their specialty and subdivision and
// the RTS of the postes there, in every round.
func (s *Server) scopePeople(q *req) error {
	who := q.who
	out := api.ScopePeople{Specialty: who.Specialty, Subdivision: who.Subdivision, People: []api.PersonStatus{}}
	err := s.store.View(func(tx store.Tx) error {
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
				if inScope(who, p.Specialty, p.Subdivision) {
					rts[p.RTS] = true
				}
			}
		}
		people, err := tx.People()
		if err != nil {
			return err
		}
		for _, p := range people {
			if (p.Role == domain.RoleIntern && inScope(who, p.Specialty, p.Subdivision)) || (p.Role == domain.RoleRTS && rts[p.ID]) {
				_, kerr := tx.PublicKey(p.ID)
				out.People = append(out.People, api.PersonStatus{Person: p, Enrolled: kerr == nil, PendingCode: tx.HasPendingCode(p.ID)})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}
