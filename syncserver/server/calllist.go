package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Call lists of a choix au rang: an admin imports or computes a draft,
// checks it against the round's interns and places, and publishes it as a
// signed, versioned envelope. Every version is kept; a new version needs a
// reason, and each intern whose rank changed reads a notice saying by how
// much and why (GET /v1/rounds/{round}/call-list/notices). The round's
// serial dictatorship follows the latest published version (see
// rounds.Input.Instance).

// choixRound loads a round and refuses unless it is a choix-au-rang round
// with online choices (rounds 1 and 2).
func choixRound(tx store.Tx, id string) (*store.RoundRecord, error) {
	rec, err := tx.Round(id)
	if store.IsNotFound(err) {
		return nil, unknownRound(id)
	}
	if err != nil {
		return nil, err
	}
	if rec.Procedure != domain.ChoixAuRang || rec.Number == 3 {
		return nil, api.Errorf(api.CodeInvalidState,
			"le tour %s n'est pas un choix au rang en ligne : il n'a pas de liste d'appel",
			"round %s is not an online choix au rang: it has no call list", id)
	}
	return rec, nil
}

// beforeRun refuses a change of the call list once the round is matched:
// its result was computed on the published version.
func beforeRun(rec *store.RoundRecord) error {
	if rec.State.Index() >= domain.StateMatched.Index() {
		return api.Errorf(api.CodeInvalidState,
			"le tour %s est déjà apparié (état %s) : sa liste d'appel ne peut plus changer",
			"round %s is already matched (state %s): its call list can no longer change", rec.ID, rec.State)
	}
	return nil
}

// roundInterns returns the interns who choose in a round: its eligible
// interns once fixed (wishes opened, or a round 2), otherwise those the
// opening of the wishes would fix (see openWishes).
func roundInterns(tx store.Tx, rec *store.RoundRecord) ([]domain.Person, error) {
	ids, err := tx.Eligible(rec.ID)
	if err != nil {
		return nil, err
	}
	var out []domain.Person
	if len(ids) > 0 || rec.Parent != "" {
		for _, id := range ids {
			p, err := tx.Person(id)
			if err != nil {
				return nil, fmt.Errorf("server: eligible intern %s of %s: %w", id, rec.ID, err)
			}
			out = append(out, *p)
		}
		return out, nil
	}
	people, err := tx.People()
	if err != nil {
		return nil, err
	}
	for _, p := range people {
		if p.Role == domain.RoleIntern && rec.Covers(p.Specialty, p.Subdivision) {
			out = append(out, p)
		}
	}
	return out, nil
}

// cellKey groups interns and places for the places check: by specialty in
// a round of one subdivision, by specialty and subdivision ("CARDIO/LYON")
// otherwise, since an intern chooses only postes of its own.
func cellKey(rec *store.RoundRecord, specialty, subdivision string) string {
	if rec.Subdivision != "" {
		return specialty
	}
	return specialty + "/" + subdivision
}

// checkCallList checks l against the round's interns (with the given
// absences prévues) and the places of its open postes.
func checkCallList(tx store.Tx, rec *store.RoundRecord, l *calllist.List, absences []string) (*api.CallListReport, error) {
	interns, err := roundInterns(tx, rec)
	if err != nil {
		return nil, err
	}
	postes, err := tx.Postes(rec.ID, 0)
	if err != nil {
		return nil, err
	}
	absent := map[string]bool{}
	for _, id := range absences {
		absent[id] = true
	}
	out := &api.CallListReport{Eligible: len(interns)}
	eligible := make([]calllist.EligibleIntern, 0, len(interns))
	for _, p := range interns {
		eligible = append(eligible, calllist.EligibleIntern{Intern: p.ID, Specialty: cellKey(rec, p.Specialty, p.Subdivision), Absent: absent[p.ID]})
	}
	places := map[string]int{}
	for _, p := range postes {
		if !p.Closed {
			places[cellKey(rec, p.Specialty, p.Subdivision)] += p.Capacity
			out.Places += p.Capacity
		}
	}
	rep := calllist.Check(l, eligible, places)
	out.OK, out.Problems = rep.OK(), rep.Problems
	out.Messages, out.MessagesEN = nonNilStrings(rep.Messages("fr")), nonNilStrings(rep.Messages("en"))
	return out, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// checkAbsences refuses absences naming nobody of the round.
func checkAbsences(interns []domain.Person, absences []string) error {
	known := map[string]bool{}
	for _, p := range interns {
		known[p.ID] = true
	}
	var bad []string
	for _, id := range absences {
		if !known[id] {
			bad = append(bad, id)
		}
	}
	if len(bad) > 0 {
		return api.Errorf(api.CodeUnknownIntern, "absences prévues d'internes hors du tour : %s",
			"planned absences of interns outside the round: %s", strings.Join(bad, ", "))
	}
	return nil
}

// saveDraft stores a draft with its audit entry and answers it checked.
func (s *Server) saveDraft(q *req, round string, d *store.CallListDraft, detail map[string]any) error {
	var out *api.CallListDraft
	err := s.store.Update(func(tx store.Tx) error {
		rec, err := choixRound(tx, round)
		if err != nil {
			return err
		}
		if err := beforeRun(rec); err != nil {
			return err
		}
		interns, err := roundInterns(tx, rec)
		if err != nil {
			return err
		}
		if err := checkAbsences(interns, d.Absences); err != nil {
			return err
		}
		d.List.ID, d.List.Subdivision, d.List.Specialty = round, rec.Subdivision, rec.Specialty
		if err := tx.PutCallListDraft(round, d); err != nil {
			return err
		}
		if out, err = draftView(tx, rec, d); err != nil {
			return err
		}
		detail["entries"], detail["ok"], detail["problems"] = len(d.List.Entries), out.Report.OK, len(out.Report.Problems)
		return tx.Audit(q.audit("call-list-"+d.Source, round, "", "", detail))
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// draftView checks a draft and builds its API view.
func draftView(tx store.Tx, rec *store.RoundRecord, d *store.CallListDraft) (*api.CallListDraft, error) {
	rep, err := checkCallList(tx, rec, d.List, d.Absences)
	if err != nil {
		return nil, err
	}
	out := &api.CallListDraft{Round: rec.ID, List: d.List, Source: d.Source, Absences: nonNilStrings(d.Absences),
		Ties: d.Ties, Report: rep, UpdatedAt: d.UpdatedAt, UpdatedBy: d.UpdatedBy}
	if d.Ties != nil {
		for _, t := range d.Ties.Ties {
			out.TieMessages = append(out.TieMessages, t.Message("fr"))
			out.TieMessagesEN = append(out.TieMessagesEN, t.Message("en"))
		}
	}
	return out, nil
}

// importCallList stores an imported draft call list
// (POST /v1/admin/rounds/{round}/call-list/import) and answers it with
// its check report; a list that fails calllist.Validate is refused.
func (s *Server) importCallList(q *req) error {
	round := mux.Vars(q.r)["round"]
	var in api.ImportCallListRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	l := &calllist.List{ID: round, Version: 1, Seed: in.Seed, Entries: in.Entries}
	if l.Entries == nil {
		l.Entries = []calllist.Entry{}
	}
	if err := l.Validate(); err != nil {
		return badRequest("liste d'appel du tour %s invalide : %v", "invalid call list of round %s: %v", round, err)
	}
	d := &store.CallListDraft{List: l, Source: "import", Absences: in.Absences, UpdatedAt: q.now.UTC(), UpdatedBy: q.who.ID}
	return s.saveDraft(q, round, d, map[string]any{"seed": in.Seed})
}

// computeCallList computes a draft call list from the interns' classement
// and seniority with a published seed
// (POST /v1/admin/rounds/{round}/call-list/compute).
func (s *Server) computeCallList(q *req) error {
	round := mux.Vars(q.r)["round"]
	var in api.ComputeCallListRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if in.Seed == "" {
		return badRequest("graine de tirage obligatoire pour départager les ex aequo du tour %s",
			"a draw seed is required to break the ties of round %s", round)
	}
	var interns []domain.Person
	err := s.store.View(func(tx store.Tx) error {
		rec, err := choixRound(tx, round)
		if err != nil {
			return err
		}
		interns, err = roundInterns(tx, rec)
		return err
	})
	if err != nil {
		return err
	}
	if err := checkAbsences(interns, in.Absences); err != nil {
		return err
	}
	absent := map[string]bool{}
	for _, id := range in.Absences {
		absent[id] = true
	}
	known := map[string]bool{}
	var unranked []string
	cands := make([]calllist.Candidate, 0, len(interns))
	for _, p := range interns {
		known[p.ID] = true
		if p.Rank < 1 {
			unranked = append(unranked, p.ID)
		}
		cands = append(cands, calllist.Candidate{Intern: p.ID, Seniority: in.Seniority[p.ID], Classement: p.Rank,
			Absent: absent[p.ID], Note: in.Notes[p.ID]})
	}
	if len(unranked) > 0 {
		return api.Errorf(api.CodeInvalidState, "classement inconnu pour %s : liste d'appel du tour %s incalculable",
			"unknown classement for %s: the call list of round %s cannot be computed", strings.Join(unranked, ", "), round)
	}
	for id := range in.Seniority {
		if !known[id] {
			return api.Errorf(api.CodeUnknownIntern, "ancienneté donnée pour %s, qui n'est pas du tour %s",
				"seniority given for %s, who is not in round %s", id, round)
		}
	}
	for id := range in.Notes {
		if !known[id] {
			return api.Errorf(api.CodeUnknownIntern, "note donnée pour %s, qui n'est pas du tour %s",
				"note given for %s, who is not in round %s", id, round)
		}
	}
	l, ties, err := calllist.Compute(cands, in.Seed)
	if err != nil {
		return badRequest("liste d'appel du tour %s incalculable : %v", "the call list of round %s cannot be computed: %v", round, err)
	}
	l.ID, l.Version = round, 1
	d := &store.CallListDraft{List: l, Source: "compute", Absences: in.Absences, Ties: ties, UpdatedAt: q.now.UTC(), UpdatedBy: q.who.ID}
	return s.saveDraft(q, round, d, map[string]any{"seed": in.Seed, "ties": len(ties.Ties)})
}

// callListDraft answers the draft call list checked now
// (GET /v1/admin/rounds/{round}/call-list/draft).
func (s *Server) callListDraft(q *req) error {
	round := mux.Vars(q.r)["round"]
	var out *api.CallListDraft
	err := s.store.View(func(tx store.Tx) error {
		rec, err := choixRound(tx, round)
		if err != nil {
			return err
		}
		d, err := tx.CallListDraft(round)
		if store.IsNotFound(err) {
			return notFound("le tour %s n'a pas de liste d'appel en préparation", "round %s has no draft call list", round)
		}
		if err != nil {
			return err
		}
		out, err = draftView(tx, rec, d)
		return err
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// errCallListRefused aborts a publication whose check failed.
var errCallListRefused = errors.New("call list check failed")

// publishCallList signs the draft as the next version
// (POST /v1/admin/rounds/{round}/call-list/publish). A draft that fails
// the check is refused with invalid_call_list and the full report; a new
// version needs a reason and must change something.
func (s *Server) publishCallList(q *req) error {
	round := mux.Vars(q.r)["round"]
	var in api.PublishCallListRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	var (
		out     api.PublishedCallList
		refused *api.CallListReport
	)
	err := s.store.Update(func(tx store.Tx) error {
		rec, err := choixRound(tx, round)
		if err != nil {
			return err
		}
		if err := beforeRun(rec); err != nil {
			return err
		}
		d, err := tx.CallListDraft(round)
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeInvalidState, "le tour %s n'a pas de liste d'appel en préparation : importez-la ou calculez-la",
				"round %s has no draft call list: import or compute one", round)
		}
		if err != nil {
			return err
		}
		prev, err := tx.LatestCallListVersion(round)
		if err != nil && !store.IsNotFound(err) {
			return err
		}
		l := *d.List
		l.Version, l.Reason = 1, in.Reason
		if prev != nil {
			l.Version = prev.Version + 1
			if err := needReason(in.Reason); err != nil {
				return api.Errorf(api.CodeBadRequest,
					"motif obligatoire pour publier la version %d de la liste d'appel du tour %s (reclassement)",
					"a reason is required to publish version %d of the call list of round %s (reclassification)", l.Version, round)
			}
		}
		if len(l.Reason) > calllist.MaxReasonBytes {
			return badRequest("motif trop long", "reason too long")
		}
		rep, err := checkCallList(tx, rec, &l, d.Absences)
		if err != nil {
			return err
		}
		if !rep.OK {
			refused = rep
			return errCallListRefused
		}
		if prev != nil {
			old, err := prev.List(api.CallListType)
			if err != nil {
				return err
			}
			out.Moves = calllist.Diff(old, &l)
			if len(out.Moves) == 0 {
				return api.Errorf(api.CodeConflict, "la liste d'appel en préparation du tour %s est identique à la version %d publiée",
					"the draft call list of round %s is the same as published version %d", round, prev.Version)
			}
		}
		if out.Moves == nil {
			out.Moves = []calllist.Move{}
		}
		payload := calllist.Encode(&l)
		sum := sha256.Sum256(payload)
		v := &store.CallListVersion{Version: l.Version, Digest: hex.EncodeToString(sum[:]), PublishedAt: q.now.UTC(),
			PublishedBy: q.who.ID, Reason: l.Reason, Entries: len(l.Entries),
			Envelope: s.store.Sign(api.CallListType, payload).Encode()}
		if err := tx.PutCallListVersion(round, v); err != nil {
			return err
		}
		out.Round, out.Version, out.Digest, out.PublishedAt, out.Report = round, v.Version, v.Digest, v.PublishedAt, rep
		if err := s.notifyCallList(tx, round, v.Version, l.Reason, out.Moves, q.now); err != nil {
			return err
		}
		moved := make([]string, 0, len(out.Moves))
		for _, m := range out.Moves {
			moved = append(moved, m.Intern)
		}
		return tx.Audit(q.audit("call-list-publish", round, "", in.Reason, map[string]any{"version": v.Version,
			"digest": v.Digest, "entries": v.Entries, "moved": moved}))
	})
	if errors.Is(err, errCallListRefused) {
		return s.refuseCallList(q, round, refused)
	}
	if err != nil {
		return err
	}
	s.invalidateSimulation(round)
	s.mailEnqueued()
	return q.ok(out)
}

// refuseCallList answers invalid_call_list with the full report.
func (s *Server) refuseCallList(q *req, round string, rep *api.CallListReport) error {
	n := 0
	first, firstEN := "", ""
	for k, p := range rep.Problems {
		if p.Severity == calllist.Error {
			if n == 0 {
				first, firstEN = rep.Messages[k], rep.MessagesEN[k]
			}
			n++
		}
	}
	e := api.Errorf(api.CodeInvalidCallList,
		"publication refusée : la liste d'appel du tour %[1]s a %[2]d erreur(s), la première : %[3]s",
		"publication refused: the call list of round %[1]s has %[2]d error(s), the first: %[4]s", round, n, first, firstEN)
	q.code = e.Code
	s.metrics.refused(q.route, e.Code)
	writeJSON(q.w, http.StatusUnprocessableEntity, api.CallListRefusal{Error: *e, Report: rep})
	return nil
}

// callListVersion loads a published version (0: the latest) or refuses.
func (s *Server) callListVersion(round string, version int) (*store.CallListVersion, error) {
	var v *store.CallListVersion
	err := s.store.View(func(tx store.Tx) error {
		if _, err := choixRound(tx, round); err != nil {
			return err
		}
		var err error
		if version == 0 {
			v, err = tx.LatestCallListVersion(round)
		} else {
			v, err = tx.CallListVersion(round, version)
		}
		if store.IsNotFound(err) {
			if version == 0 {
				return notFound("la liste d'appel du tour %s n'est pas encore publiée", "the call list of round %s is not published yet", round)
			}
			return notFound("le tour %s n'a pas de version %d de sa liste d'appel", "round %s has no version %d of its call list", round, version)
		}
		return err
	})
	return v, err
}

// getCallList serves the signed envelope of the latest published version
// (GET /v1/rounds/{round}/call-list) or of one version
// (GET /v1/rounds/{round}/call-list/versions/{version}).
func (s *Server) getCallList(q *req) error {
	version := 0
	if v, ok := mux.Vars(q.r)["version"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return badRequest("numéro de version %q invalide", "invalid version number %q", v)
		}
		version = n
	}
	v, err := s.callListVersion(mux.Vars(q.r)["round"], version)
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("X-Call-List-Version", strconv.Itoa(v.Version))
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(v.Envelope)
	return nil
}

// callListVersions lists the published versions, oldest first
// (GET /v1/rounds/{round}/call-list/versions).
func (s *Server) callListVersions(q *req) error {
	round := mux.Vars(q.r)["round"]
	out := []api.CallListVersionInfo{}
	err := s.store.View(func(tx store.Tx) error {
		if _, err := choixRound(tx, round); err != nil {
			return err
		}
		vs, err := tx.CallListVersions(round, false)
		for _, v := range vs {
			out = append(out, api.CallListVersionInfo{Version: v.Version, Digest: v.Digest, PublishedAt: v.PublishedAt,
				PublishedBy: v.PublishedBy, Reason: v.Reason, Entries: v.Entries})
		}
		return err
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// callListNotices answers the caller's place in the latest version and
// every change of it between consecutive versions
// (GET /v1/rounds/{round}/call-list/notices).
func (s *Server) callListNotices(q *req) error {
	round := mux.Vars(q.r)["round"]
	out := api.CallListNotices{Round: round, Intern: q.who.ID, Notices: []api.CallListNotice{}}
	var vs []store.CallListVersion
	err := s.store.View(func(tx store.Tx) error {
		if _, err := choixRound(tx, round); err != nil {
			return err
		}
		var err error
		vs, err = tx.CallListVersions(round, false)
		return err
	})
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return notFound("la liste d'appel du tour %s n'est pas encore publiée", "the call list of round %s is not published yet", round)
	}
	var prev *calllist.List
	for _, v := range vs {
		l, err := v.List(api.CallListType)
		if err != nil {
			return err
		}
		if prev != nil {
			for _, m := range calllist.Diff(prev, l) {
				if m.Intern == q.who.ID {
					out.Notices = append(out.Notices, api.CallListNotice{FromVersion: prev.Version, ToVersion: l.Version,
						PublishedAt: v.PublishedAt, Move: m, Message: m.Message("fr"), MessageEN: m.Message("en")})
				}
			}
		}
		prev = l
	}
	out.Version = prev.Version
	if i := slices.IndexFunc(prev.Entries, func(e calllist.Entry) bool { return e.Intern == q.who.ID }); i >= 0 {
		out.Rank, out.Absent = prev.Entries[i].Rank, prev.Entries[i].Absent
	}
	return q.ok(out)
}
