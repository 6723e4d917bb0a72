package server

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Admin routes: every change is made in one transaction with its audit
// entry (who, when, what, why).

func jsonDetail(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func (q *req) audit(action, round, target, reason string, detail any) store.AuditEntry {
	e := store.AuditEntry{Time: q.now, Actor: q.who.ID, Action: action, Round: round, Target: target, Reason: reason}
	if detail != nil {
		e.Detail = jsonDetail(detail)
	}
	return e
}

func needReason(reason string) error {
	if len(reason) < 3 {
		return badRequest("motif obligatoire", "a reason is required")
	}
	if len(reason) > 2000 {
		return badRequest("motif trop long (2000 caractères au plus)", "reason too long (at most 2000 characters)")
	}
	return nil
}

func (s *Server) listPeople(q *req) error {
	out := []api.PersonStatus{}
	err := s.store.View(func(tx store.Tx) error {
		people, err := tx.People()
		for _, p := range people {
			_, kerr := tx.PublicKey(p.ID)
			out = append(out, api.PersonStatus{Person: p, Enrolled: kerr == nil, PendingCode: tx.HasPendingCode(p.ID)})
		}
		return err
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// issueCodes issues activation codes (POST /v1/admin/codes). The codes
// are hashed in parallel outside the write transaction, then stored with
// their e-mails and audit entries in one commit.
func (s *Server) issueCodes(q *req) error {
	var in api.IssueCodesRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if len(in.People) == 0 && !in.AllWithoutKey {
		return badRequest("personne désignée", "nobody designated")
	}
	var targets []domain.Person
	err := s.store.View(func(tx store.Tx) error {
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
				return notFound("personne %s inconnue", "unknown person %s", id)
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
		return err
	}
	acts := make([]*store.Activation, len(targets))
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	next := make(chan int)
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				a, err := s.store.NewActivation(q.now, s.cfg.ActivationTTL)
				mu.Lock()
				acts[i], firstErr = a, cmp.Or(firstErr, err)
				mu.Unlock()
			}
		}()
	}
	for i := range targets {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	out := api.IssueCodesResponse{Codes: []api.IssuedCode{}}
	err = s.store.Update(func(tx store.Tx) error {
		out.Codes = out.Codes[:0]
		for i := range targets {
			if _, err := tx.PublicKey(targets[i].ID); err == nil {
				continue // enrolled meanwhile
			}
			ic, err := s.storeCode(tx, &targets[i], acts[i], q.now)
			if err != nil {
				return err
			}
			out.Codes = append(out.Codes, ic)
			if err := tx.Audit(q.audit("issue-code", "", ic.Person, "", map[string]any{"expires": ic.Expires, "outbox": ic.Outbox})); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mailEnqueued()
	return q.ok(out)
}

// resetKey revokes a person's key and issues a new code
// (POST /v1/admin/people/{person}/reset-key), with a mandatory reason.
func (s *Server) resetKey(q *req) error {
	id := mux.Vars(q.r)["person"]
	var in api.ResetKeyRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if err := needReason(in.Reason); err != nil {
		return err
	}
	var ic api.IssuedCode
	err := s.store.Update(func(tx store.Tx) error {
		p, err := tx.Person(id)
		if store.IsNotFound(err) {
			return notFound("personne %s inconnue", "unknown person %s", id)
		}
		if err != nil {
			return err
		}
		if err := tx.RevokeKey(id, q.now); err != nil {
			return err
		}
		a, err := s.store.NewActivation(q.now, s.cfg.ActivationTTL)
		if err != nil {
			return err
		}
		if ic, err = s.storeCode(tx, p, a, q.now); err != nil {
			return err
		}
		return tx.Audit(q.audit("reset-key", "", id, in.Reason, map[string]any{"expires": ic.Expires, "outbox": ic.Outbox}))
	})
	if err != nil {
		return err
	}
	s.mailEnqueued()
	return q.ok(ic)
}

func (s *Server) createRound(q *req) error {
	var in api.CreateRoundRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if err := checkID("tour / round", in.ID); err != nil {
		return err
	}
	if !in.Procedure.Valid() {
		return badRequest("procédure %q inconnue", "unknown procedure %q", in.Procedure)
	}
	if in.Specialty != "" && domain.LookupDES(in.Specialty) == nil {
		return badRequest("spécialité %q inconnue", "unknown specialty %q", in.Specialty)
	}
	if in.Subdivision != "" && domain.LookupSubdivision(in.Subdivision) == nil {
		return badRequest("subdivision %q inconnue", "unknown subdivision %q", in.Subdivision)
	}
	if in.MinRankingCoverage < 0 || in.MinRankingCoverage > 100 || (in.MinRankingCoverage > 0 && in.Procedure != domain.Appariement) {
		return badRequest("couverture minimale des classements %d %% : entre 0 et 100, et seulement pour un appariement",
			"minimum ranking coverage %d %%: between 0 and 100, and for an appariement only", in.MinRankingCoverage)
	}
	rec := &store.RoundRecord{Round: domain.Round{ID: in.ID, Name: in.Name, Procedure: in.Procedure, Number: 1,
		Subdivision: in.Subdivision, Specialty: in.Specialty, State: domain.StateDraft, MinRankingCoverage: in.MinRankingCoverage}}
	err := s.store.Update(func(tx store.Tx) error {
		if err := tx.CreateRound(rec); err != nil {
			return err
		}
		return tx.Audit(q.audit("create-round", in.ID, "", "", in))
	})
	if errors.Is(err, store.ErrExists) {
		return api.Errorf(api.CodeConflict, "le tour %s existe déjà", "round %s already exists", in.ID)
	}
	if err != nil {
		return err
	}
	return q.ok(rec.Round)
}

func (s *Server) roundDetail(q *req) error {
	id := mux.Vars(q.r)["round"]
	var d api.RoundDetail
	err := s.store.View(func(tx store.Tx) error {
		rec, err := tx.Round(id)
		if store.IsNotFound(err) {
			return unknownRound(id)
		}
		if err != nil {
			return err
		}
		d.Round, d.CatalogueVersion, d.TreeSize = rec.Round, rec.CatalogueVersion, rec.TreeSize
		d.Round.State = rules.Effective(&rec.Round, q.now)
		d.Published = rec.State == domain.StatePublished
		postes, err := tx.Postes(id, 0)
		if err != nil {
			return err
		}
		for _, p := range postes {
			if !p.Closed {
				d.Postes++
				d.Places += p.Capacity
			}
		}
		el, err := tx.Eligible(id)
		if err != nil {
			return err
		}
		d.Eligible = len(el)
		wl, err := tx.CurrentOfType(id, api.WishListType)
		if err != nil {
			return err
		}
		rk, err := tx.CurrentOfType(id, api.RankingType)
		if err != nil {
			return err
		}
		d.WishLists, d.Rankings = len(wl), len(rk)
		if pv, err := tx.Preview(id); err == nil {
			d.Preview = pv
		} else if !store.IsNotFound(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return q.ok(d)
}

// updateRound loads a round in a write transaction, lets fn change it and
// saves it with an audit entry. It refuses (clock_behind) while the
// server's clock reads before the last log leaf.
func (s *Server) updateRound(q *req, id string, fn func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error)) (*store.RoundRecord, error) {
	var rec *store.RoundRecord
	s.noteClockStep(s.now())
	err := s.store.Update(func(tx store.Tx) error {
		if err := s.store.CheckClockTx(tx, s.now()); err != nil {
			return err
		}
		var err error
		rec, err = tx.Round(id)
		if store.IsNotFound(err) {
			return unknownRound(id)
		}
		if err != nil {
			return err
		}
		entry, err := fn(tx, rec)
		if err != nil {
			return err
		}
		if err := tx.PutRound(rec); err != nil {
			return err
		}
		return tx.Audit(entry)
	})
	return rec, err
}

func (s *Server) schedule(q *req) error {
	id := mux.Vars(q.r)["round"]
	var in api.ScheduleRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	rec, err := s.updateRound(q, id, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
		if rec.State.Index() >= domain.StateMatched.Index() {
			return store.AuditEntry{}, api.Errorf(api.CodeInvalidState, "le tour %s est déjà apparié", "round %s is already matched", id)
		}
		rec.WishesOpen, rec.WishesClose, rec.RankingsOpen, rec.RankingsClose = in.WishesOpen, in.WishesClose, in.RankingsOpen, in.RankingsClose
		if err := rules.CheckSchedule(&rec.Round); err != nil {
			return store.AuditEntry{}, err
		}
		return q.audit("schedule", id, "", in.Reason, in), nil
	})
	if err != nil {
		return err
	}
	return q.ok(rec.Round)
}

// transition moves a round to its next state. Opening the wishes of a
// first round fixes the interns taking part: every intern of the round's
// specialty and subdivision (all interns when the round has no filter).
func (s *Server) transition(q *req) error {
	id := mux.Vars(q.r)["round"]
	var in api.TransitionRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	rec, err := s.updateRound(q, id, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
		from := rec.State
		if err := rules.CheckTransition(&rec.Round, in.To, q.now); err != nil {
			return store.AuditEntry{}, err
		}
		detail := map[string]any{"from": from, "to": in.To}
		if in.To == domain.StateWishesOpen {
			n, err := s.openWishes(tx, rec)
			if err != nil {
				return store.AuditEntry{}, err
			}
			detail["eligible"] = n
		}
		// The window's scheduled bounds follow the admin's decision, so that
		// the server's clock and every screen agree (recorded in the audit).
		moves, err := rules.Transition(&rec.Round, in.To, q.now)
		if err != nil {
			return store.AuditEntry{}, err
		}
		for _, m := range moves {
			detail[m.Bound] = map[string]any{"from": m.From, "to": m.To}
		}
		return q.audit("transition", id, "", in.Reason, detail), nil
	})
	if err != nil {
		return err
	}
	return q.ok(rec.Round)
}

func (s *Server) openWishes(tx store.Tx, rec *store.RoundRecord) (int, error) {
	postes, err := tx.Postes(rec.ID, 0)
	if err != nil {
		return 0, err
	}
	if !slices.ContainsFunc(postes, func(p domain.Poste) bool { return !p.Closed }) {
		return 0, api.Errorf(api.CodeInvalidState, "le tour %s n'a aucun poste ouvert", "round %s has no open poste", rec.ID)
	}
	if rec.Parent != "" {
		el, err := tx.Eligible(rec.ID)
		return len(el), err
	}
	people, err := tx.People()
	if err != nil {
		return 0, err
	}
	var ids []string
	for _, p := range people {
		if p.Role == domain.RoleIntern && rec.Covers(p.Specialty, p.Subdivision) {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 {
		return 0, api.Errorf(api.CodeInvalidState, "le tour %s n'a aucun interne", "round %s has no intern", rec.ID)
	}
	return len(ids), tx.SetEligible(rec.ID, ids)
}

// run freezes the round's input at the current checkpoint (or the one
// frozen by an earlier run), computes the matching and stores it as a
// preview; the round becomes matched.
func (s *Server) run(q *req) error {
	id := mux.Vars(q.r)["round"]
	rec, err := s.round(id)
	if err != nil {
		return err
	}
	if err := rules.CheckRun(&rec.Round, q.now); err != nil {
		return err
	}
	checkpoint, size := rec.Checkpoint, rec.TreeSize
	if rec.State != domain.StateMatched {
		text, tree, err := s.store.Checkpoint()
		if err != nil {
			return err
		}
		checkpoint, size = text, tree.N
	}
	var in *rounds.Input
	if err := s.store.View(func(tx store.Tx) error {
		var err error
		in, err = rounds.Freeze(tx, id, size)
		return err
	}); err != nil {
		return err
	}
	res, doc, err := rounds.Compute(in, checkpoint, q.now)
	if err != nil {
		return err
	}
	_, err = s.updateRound(q, id, func(tx store.Tx, cur *store.RoundRecord) (store.AuditEntry, error) {
		if cur.State != rec.State || !cur.LiveStart.Equal(rec.LiveStart) {
			return store.AuditEntry{}, api.Errorf(api.CodeConflict, "le tour %s a changé d'état pendant le calcul",
				"round %s changed state during the run", id)
		}
		cur.State, cur.Checkpoint, cur.TreeSize = domain.StateMatched, checkpoint, size
		if err := tx.PutPreview(id, res); err != nil {
			return store.AuditEntry{}, err
		}
		if err := tx.PutInput(id, doc); err != nil {
			return store.AuditEntry{}, err
		}
		return q.audit("run", id, "", "", map[string]any{"tree_size": size, "assigned": len(res.Assignments),
			"unmatched": len(res.Unmatched), "input_digest": res.InputDigest}), nil
	})
	if err != nil {
		return err
	}
	return q.ok(res)
}

// publish signs the previewed result with the server key and publishes it.
func (s *Server) publish(q *req) error {
	id := mux.Vars(q.r)["round"]
	var signed []byte
	_, err := s.updateRound(q, id, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
		if err := rules.CheckPublish(&rec.Round); err != nil {
			return store.AuditEntry{}, err
		}
		if err := s.checkCosignatures(tx, &rec.Round); err != nil {
			return store.AuditEntry{}, err
		}
		res, err := tx.Preview(id)
		if err != nil {
			return store.AuditEntry{}, err
		}
		payload, err := json.Marshal(res)
		if err != nil {
			return store.AuditEntry{}, err
		}
		signed = s.store.Sign(api.ResultType, payload).Encode()
		if err := tx.PutResult(id, res, signed); err != nil {
			return store.AuditEntry{}, err
		}
		if err := s.notifyResult(tx, res, q.now); err != nil {
			return store.AuditEntry{}, err
		}
		rec.State, rec.PublishedAt = domain.StatePublished, q.now.UTC()
		return q.audit("publish", id, "", "", map[string]any{"tree_size": res.TreeSize, "assigned": len(res.Assignments)}), nil
	})
	if err != nil {
		return err
	}
	s.mailEnqueued()
	q.w.Header().Set("Content-Type", "application/json")
	q.w.WriteHeader(200)
	q.w.Write(signed)
	return nil
}

// nextRound creates round 2 (or 3) from a published round: same postes
// with the places left, the interns left unmatched.
func (s *Server) nextRound(q *req) error {
	parent := mux.Vars(q.r)["round"]
	var in api.NextRoundRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if err := checkID("tour / round", in.ID); err != nil {
		return err
	}
	var next *store.RoundRecord
	err := s.store.Update(func(tx store.Tx) error {
		if err := s.store.CheckClockTx(tx, s.now()); err != nil {
			return err
		}
		_, res, _, err := s.published(tx, parent)
		if err != nil {
			return err
		}
		prev, err := tx.Round(parent)
		if err != nil {
			return err
		}
		if prev.Number >= 3 {
			return api.Errorf(api.CodeInvalidState, "le tour %s est le dernier (3e tour)", "round %s is the last one (third round)", parent)
		}
		postes, err := tx.Postes(parent, 0)
		if err != nil {
			return err
		}
		left, interns := rounds.Derive(postes, res)
		next = &store.RoundRecord{Round: domain.Round{ID: in.ID, Name: in.Name, Procedure: prev.Procedure,
			Number: prev.Number + 1, Parent: parent, Subdivision: prev.Subdivision, Specialty: prev.Specialty,
			State: domain.StateDraft, MinRankingCoverage: prev.MinRankingCoverage}}
		if err := tx.CreateRound(next); err != nil {
			return err
		}
		if _, err := store.PutPostes(tx, in.ID, left, false); err != nil {
			return err
		}
		if err := tx.SetEligible(in.ID, interns); err != nil {
			return err
		}
		if next, err = tx.Round(in.ID); err != nil {
			return err
		}
		return tx.Audit(q.audit("next-round", in.ID, "", "", map[string]any{"parent": parent, "number": next.Number,
			"interns": len(interns), "postes": len(left)}))
	})
	if errors.Is(err, store.ErrExists) {
		return api.Errorf(api.CodeConflict, "le tour %s existe déjà", "round %s already exists", in.ID)
	}
	if err != nil {
		return err
	}
	return q.ok(next.Round)
}

// assign records a manual assignment of a third round, with its reason.
func (s *Server) assign(q *req) error {
	id := mux.Vars(q.r)["round"]
	var in api.ManualAssignmentRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if err := needReason(in.Reason); err != nil {
		return err
	}
	a := domain.Assignment{Intern: in.Intern, Poste: in.Poste, Manual: true, Author: q.who.ID, Reason: in.Reason}
	_, err := s.updateRound(q, id, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
		fail := func(err error) (store.AuditEntry, error) { return store.AuditEntry{}, err }
		if rec.Number != 3 || rec.State != domain.StateDraft {
			return fail(api.Errorf(api.CodeInvalidState, "affectation manuelle impossible : le tour %s n'est pas un 3e tour en préparation",
				"no manual assignment: round %s is not a third round in preparation", id))
		}
		if !tx.IsEligible(id, in.Intern) {
			return fail(api.Errorf(api.CodeUnknownIntern, "l'interne %s n'est pas à affecter dans le tour %s",
				"intern %s is not to be assigned in round %s", in.Intern, id))
		}
		manual, err := tx.Manual(id)
		if err != nil {
			return fail(err)
		}
		if slices.ContainsFunc(manual, func(m domain.Assignment) bool { return m.Intern == in.Intern }) {
			return fail(api.Errorf(api.CodeConflict, "l'interne %s est déjà affecté dans le tour %s",
				"intern %s is already assigned in round %s", in.Intern, id))
		}
		p, err := tx.Poste(id, in.Poste)
		if store.IsNotFound(err) {
			return fail(api.Errorf(api.CodeUnknownPoste, "le poste %s n'existe pas dans le tour %s",
				"poste %s does not exist in round %s", in.Poste, id))
		}
		if err != nil {
			return fail(err)
		}
		postes, err := tx.Postes(id, 0)
		if err != nil {
			return fail(err)
		}
		if !p.Closed && rules.FreePlaces(postes, manual)[in.Poste] < 1 {
			return fail(api.Errorf(api.CodePosteClosed, "le poste %s n'a plus de place libre", "poste %s has no free place left", in.Poste))
		}
		intern, err := tx.Person(in.Intern)
		if err != nil {
			return fail(err)
		}
		if err := rules.CheckWish(id, intern, p); err != nil {
			return fail(err)
		}
		if err := tx.PutManual(id, a); err != nil {
			return fail(err)
		}
		return q.audit("manual-assignment", id, in.Intern, in.Reason, map[string]string{"poste": in.Poste}), nil
	})
	if err != nil {
		return err
	}
	return q.ok(a)
}

func (s *Server) auditLog(q *req) error {
	after, limit := uint64(0), 500
	if v := q.r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return badRequest("paramètre after invalide", "invalid after parameter")
		}
		after = n
	}
	if v := q.r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			return badRequest("paramètre limit invalide (1 à 5000)", "invalid limit parameter (1 to 5000)")
		}
		limit = n
	}
	out := api.AuditResponse{Entries: []api.AuditEntry{}}
	err := s.store.View(func(tx store.Tx) error {
		e, err := tx.AuditLog(after, limit)
		out.Entries = append(out.Entries, apiAudit(e)...)
		return err
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// logEntries serves decoded log leaves [start, end) (at most 1000).
func (s *Server) logEntries(q *req) error {
	start, err := queryInt(q, "start")
	if err != nil {
		return err
	}
	end, err := queryInt(q, "end")
	if err != nil {
		return err
	}
	if end < start || end-start > 1000 {
		return badRequest("intervalle invalide (1000 entrées au plus)", "invalid range (at most 1000 entries)")
	}
	out := api.LogEntriesResponse{Start: start, Entries: []api.LogEntry{}}
	err = s.store.View(func(tx store.Tx) error {
		out.TreeSize = tx.TreeSize()
		return tx.ForEachLeaf(start, min(end, out.TreeSize), func(i int64, data []byte) error {
			at, env, err := store.ParseLeaf(data)
			if err != nil {
				return fmt.Errorf("server: leaf %d: %w", i, err)
			}
			out.Entries = append(out.Entries, api.LogEntry{Index: i, ServerTime: at, Digest: env.Digest(), Envelope: env})
			return nil
		})
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// backup streams a hot copy of the whole store (GET /v1/admin/backup): one
// bbolt read transaction, so submissions go on while it is copied. The
// request is audited before the copy starts, so the copy records it.
func (s *Server) backup(q *req) error {
	if err := s.store.Update(func(tx store.Tx) error {
		return tx.Audit(q.audit("backup", "", "", "", nil))
	}); err != nil {
		return err
	}
	// A large store takes longer than the usual write timeout.
	_ = http.NewResponseController(q.w).SetWriteDeadline(time.Time{})
	q.w.Header().Set("Content-Type", "application/octet-stream")
	q.w.Header().Set("Content-Disposition", `attachment; filename="appariement-backup.db"`)
	q.w.WriteHeader(http.StatusOK)
	if err := s.store.Backup(q.w); err != nil {
		// Headers are gone: the client sees a truncated copy, which its
		// verification refuses. Log it for the operator.
		s.log.Error("backup interrupted", "err", err)
	}
	return nil
}
