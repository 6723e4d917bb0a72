// Package calllists holds the call lists (listes d'appel) of a choix au
// rang: an admin imports or computes a draft, checks it against the
// round's interns and places (shared/calllist), and publishes it as a
// signed, versioned envelope. Every version is kept; a new version needs
// a reason, and each intern whose rank changed reads a notice saying by
// how much and why. The round's serial dictatorship follows the latest
// published version (see rounds.Input.Instance). Refusals are *api.Error.
package calllists

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/shared/plural"
	"appariement/shared/rules"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Config gives a Service its store and hooks; Store is required, a nil
// hook does nothing.
type Config struct {
	// Store holds the call lists and signs their versions.
	Store *store.Store
	// Notify enqueues, in the publishing transaction, the notices of the
	// interns whose rank changed between two versions.
	Notify func(tx store.Tx, round string, version int, reason string, moves []calllist.Move, now time.Time) error
	// Published is called once a new version is committed (the
	// simulation is computed again, the mails queued are sent).
	Published func(round string)
}

// Service runs the call list use cases.
type Service struct {
	cfg Config
	st  *store.Store
}

// New returns the service of cfg.
func New(cfg Config) *Service { return &Service{cfg: cfg, st: cfg.Store} }

// Refused is the refusal (invalid_call_list, 422) of a publication whose
// check failed: the error and the full report.
type Refused struct {
	api.CallListRefusal
}

func (r *Refused) Error() string { return r.CallListRefusal.Error.Error() }

// Unwrap returns the *api.Error of the refusal.
func (r *Refused) Unwrap() error { return &r.CallListRefusal.Error }

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

// cellKey groups interns and places for the places check: by specialty in
// a round of one subdivision, by specialty and subdivision ("CARDIO/LYON")
// otherwise, since an intern chooses only postes of its own.
func cellKey(rec *store.RoundRecord, specialty, subdivision string) string {
	if rec.Subdivision != "" {
		return specialty
	}
	return specialty + "/" + subdivision
}

// check checks l against the round's interns (with the given absences
// prévues) and the places of its open postes.
func check(tx store.Tx, rec *store.RoundRecord, l *calllist.List, absences []string) (*api.CallListReport, error) {
	interns, err := rounds.Interns(tx, rec)
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
	out.Messages, out.MessagesEN = nonNil(rep.Messages("fr")), nonNil(rep.Messages("en"))
	return out, nil
}

func nonNil(s []string) []string {
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
func (s *Service) saveDraft(a rounds.Actor, round string, d *store.CallListDraft, detail map[string]any) (*api.CallListDraft, error) {
	var out *api.CallListDraft
	err := s.st.Update(func(tx store.Tx) error {
		rec, err := rounds.Choix(tx, round)
		if err != nil {
			return err
		}
		if err := beforeRun(rec); err != nil {
			return err
		}
		interns, err := rounds.Interns(tx, rec)
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
		return tx.Audit(a.Audit("call-list-"+d.Source, round, "", "", detail))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// draftView checks a draft and builds its API view.
func draftView(tx store.Tx, rec *store.RoundRecord, d *store.CallListDraft) (*api.CallListDraft, error) {
	rep, err := check(tx, rec, d.List, d.Absences)
	if err != nil {
		return nil, err
	}
	out := &api.CallListDraft{Round: rec.ID, List: d.List, Source: d.Source, Absences: nonNil(d.Absences),
		Ties: d.Ties, Report: rep, UpdatedAt: d.UpdatedAt, UpdatedBy: d.UpdatedBy}
	if d.Ties != nil {
		for _, t := range d.Ties.Ties {
			out.TieMessages = append(out.TieMessages, t.Message("fr"))
			out.TieMessagesEN = append(out.TieMessagesEN, t.Message("en"))
		}
	}
	return out, nil
}

// Import stores an imported draft call list (audited
// "call-list-import") and answers it with its check report; a list that
// fails calllist.Validate is refused.
//
// The list gets the round's drawn seed (see drawnSeed), like a computed
// one, so that every published list of the round verifies against its
// commitment; its order is the file's. A request carrying a seed is
// refused.
func (s *Service) Import(a rounds.Actor, round string, in api.ImportCallListRequest) (*api.CallListDraft, error) {
	if in.Seed != "" {
		return nil, adminSeed(round)
	}
	var seed string
	err := s.st.View(func(tx store.Tx) error {
		rec, err := rounds.Choix(tx, round)
		if err != nil {
			return err
		}
		seed, err = s.drawnSeed(tx, rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	l := &calllist.List{ID: round, Version: 1, Seed: seed, Entries: in.Entries}
	if l.Entries == nil {
		l.Entries = []calllist.Entry{}
	}
	if err := l.Validate(); err != nil {
		return nil, api.Errorf(api.CodeBadRequest, "liste d'appel du tour %s invalide : %v", "invalid call list of round %s: %v", round, err)
	}
	d := &store.CallListDraft{List: l, Source: "import", Absences: in.Absences, UpdatedAt: a.Now.UTC(), UpdatedBy: a.ID}
	return s.saveDraft(a, round, d, map[string]any{"seed": seed})
}

// adminSeed refuses a request that names the call list's seed.
func adminSeed(round string) error {
	return api.Errorf(api.CodeBadRequest,
		"graine refusée : la graine qui départage les ex aequo de la liste d'appel du tour %[1]s est tirée par le serveur et engagée à la création du tour ; ne la donnez pas",
		"seed refused: the seed that breaks the ties of the call list of round %[1]s is drawn by the server and committed when the round is created; do not give one", round)
}

// drawnSeed returns the seed of rec's call list, drawn and committed at
// the round's creation (rounds.CallListSeed), checked against the round's
// published commitment (draw.CheckDraw). A round without a commitment
// (created before call-list seeds were drawn) is refused: its list could
// not be checked by anyone.
func (s *Service) drawnSeed(tx store.Tx, rec *store.RoundRecord) (string, error) {
	if rec.CallListCommitment == "" {
		return "", api.Errorf(api.CodeInvalidState,
			"le tour %s n'a pas d'engagement de tirage pour sa liste d'appel (créé avant ce tirage) : recréez-le",
			"round %s has no commitment to its call list's draw (created before that draw existed): create it again", rec.ID)
	}
	seed, err := rounds.CallListSeed(s.st, tx, rec.ID)
	if err != nil {
		return "", err
	}
	if err := draw.CheckDraw(rec.CallListCommitment, seed); err != nil {
		return "", fmt.Errorf("round %s: call list seed: %w", rec.ID, err)
	}
	return seed, nil
}

// Compute computes a draft call list from the interns' classement and
// seniority, the ties broken by the round's drawn seed (drawnSeed), the
// same at every compute (audited "call-list-compute"). A request carrying
// a seed is refused.
func (s *Service) Compute(a rounds.Actor, round string, in api.ComputeCallListRequest) (*api.CallListDraft, error) {
	if in.Seed != "" {
		return nil, adminSeed(round)
	}
	var (
		interns []domain.Person
		seed    string
	)
	err := s.st.View(func(tx store.Tx) error {
		rec, err := rounds.Choix(tx, round)
		if err != nil {
			return err
		}
		if seed, err = s.drawnSeed(tx, rec); err != nil {
			return err
		}
		interns, err = rounds.Interns(tx, rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := checkAbsences(interns, in.Absences); err != nil {
		return nil, err
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
		return nil, api.Errorf(api.CodeInvalidState, "classement inconnu pour %s : liste d'appel du tour %s incalculable",
			"unknown classement for %s: the call list of round %s cannot be computed", strings.Join(unranked, ", "), round)
	}
	for id := range in.Seniority {
		if !known[id] {
			return nil, api.Errorf(api.CodeUnknownIntern, "ancienneté donnée pour %s, qui n'est pas du tour %s",
				"seniority given for %s, who is not in round %s", id, round)
		}
	}
	for id := range in.Notes {
		if !known[id] {
			return nil, api.Errorf(api.CodeUnknownIntern, "note donnée pour %s, qui n'est pas du tour %s",
				"note given for %s, who is not in round %s", id, round)
		}
	}
	l, ties, err := calllist.Compute(cands, seed)
	if err != nil {
		return nil, api.Errorf(api.CodeBadRequest, "liste d'appel du tour %s incalculable : %v", "the call list of round %s cannot be computed: %v", round, err)
	}
	l.ID, l.Version = round, 1
	d := &store.CallListDraft{List: l, Source: "compute", Absences: in.Absences, Ties: ties, UpdatedAt: a.Now.UTC(), UpdatedBy: a.ID}
	return s.saveDraft(a, round, d, map[string]any{"seed": seed, "ties": len(ties.Ties)})
}

// Draft answers the draft call list of a round, checked now.
func (s *Service) Draft(round string) (*api.CallListDraft, error) {
	var out *api.CallListDraft
	err := s.st.View(func(tx store.Tx) error {
		rec, err := rounds.Choix(tx, round)
		if err != nil {
			return err
		}
		d, err := tx.CallListDraft(round)
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeNotFound, "le tour %s n'a pas de liste d'appel en préparation", "round %s has no draft call list", round)
		}
		if err != nil {
			return err
		}
		out, err = draftView(tx, rec, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errRefused aborts a publication whose check failed.
var errRefused = errors.New("calllists: call list check failed")

// Publish signs the draft as the next version (audited
// "call-list-publish"). A draft that fails the check is refused with a
// *Refused; a new version needs a reason and must change something.
func (s *Service) Publish(a rounds.Actor, round string, in api.PublishCallListRequest) (*api.PublishedCallList, error) {
	var (
		out     api.PublishedCallList
		refused *api.CallListReport
	)
	err := s.st.Update(func(tx store.Tx) error {
		rec, err := rounds.Choix(tx, round)
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
			if err := rules.CheckReason(in.Reason); err != nil {
				return api.Errorf(api.CodeBadRequest,
					"motif obligatoire pour publier la version %d de la liste d'appel du tour %s (reclassement)",
					"a reason is required to publish version %d of the call list of round %s (reclassification)", l.Version, round)
			}
		}
		if len(l.Reason) > calllist.MaxReasonBytes {
			return api.Errorf(api.CodeBadRequest, "motif trop long", "reason too long")
		}
		rep, err := check(tx, rec, &l, d.Absences)
		if err != nil {
			return err
		}
		if !rep.OK {
			refused = rep
			return errRefused
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
		v := &store.CallListVersion{Version: l.Version, Digest: hex.EncodeToString(sum[:]), PublishedAt: a.Now.UTC(),
			PublishedBy: a.ID, Reason: l.Reason, Entries: len(l.Entries),
			Envelope: s.st.Sign(api.CallListType, payload).Encode()}
		if err := tx.PutCallListVersion(round, v); err != nil {
			return err
		}
		out.Round, out.Version, out.Digest, out.PublishedAt, out.Report = round, v.Version, v.Digest, v.PublishedAt, rep
		if s.cfg.Notify != nil {
			if err := s.cfg.Notify(tx, round, v.Version, l.Reason, out.Moves, a.Now); err != nil {
				return err
			}
		}
		moved := make([]string, 0, len(out.Moves))
		for _, m := range out.Moves {
			moved = append(moved, m.Intern)
		}
		return tx.Audit(a.Audit("call-list-publish", round, "", in.Reason, map[string]any{"version": v.Version,
			"digest": v.Digest, "entries": v.Entries, "moved": moved}))
	})
	if errors.Is(err, errRefused) {
		return nil, refusal(round, refused)
	}
	if err != nil {
		return nil, err
	}
	if s.cfg.Published != nil {
		s.cfg.Published(round)
	}
	return &out, nil
}

// refusal builds the invalid_call_list refusal of a failed check, naming
// its first error.
func refusal(round string, rep *api.CallListReport) *Refused {
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
		"publication refusée : la liste d'appel du tour %[1]s a %[2]d %[5]s, la première : %[3]s",
		"publication refused: the call list of round %[1]s has %[2]d %[6]s, the first: %[4]s", round, n, first, firstEN,
		plural.FR(n, "erreur", "erreurs"), plural.EN(n, "error", "errors"))
	e.Status = http.StatusUnprocessableEntity
	return &Refused{api.CallListRefusal{Error: *e, Report: rep}}
}

// Version returns a published version of a round's call list (0: the
// latest), or refuses (not_found).
func (s *Service) Version(round string, version int) (*store.CallListVersion, error) {
	var v *store.CallListVersion
	err := s.st.View(func(tx store.Tx) error {
		if _, err := rounds.Choix(tx, round); err != nil {
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
				return notPublished(round)
			}
			return api.Errorf(api.CodeNotFound, "le tour %s n'a pas de version %d de sa liste d'appel", "round %s has no version %d of its call list", round, version)
		}
		return err
	})
	return v, err
}

func notPublished(round string) error {
	return api.Errorf(api.CodeNotFound, "la liste d'appel du tour %s n'est pas encore publiée", "the call list of round %s is not published yet", round)
}

// Versions lists the published versions of a round's call list, oldest
// first.
func (s *Service) Versions(round string) ([]api.CallListVersionInfo, error) {
	out := []api.CallListVersionInfo{}
	err := s.st.View(func(tx store.Tx) error {
		if _, err := rounds.Choix(tx, round); err != nil {
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
		return nil, err
	}
	return out, nil
}

// Notices answers intern's place in the latest version and every change
// of it between consecutive versions.
func (s *Service) Notices(intern, round string) (api.CallListNotices, error) {
	out := api.CallListNotices{Round: round, Intern: intern, Notices: []api.CallListNotice{}}
	var vs []store.CallListVersion
	err := s.st.View(func(tx store.Tx) error {
		if _, err := rounds.Choix(tx, round); err != nil {
			return err
		}
		var err error
		vs, err = tx.CallListVersions(round, false)
		return err
	})
	if err != nil {
		return api.CallListNotices{}, err
	}
	if len(vs) == 0 {
		return api.CallListNotices{}, notPublished(round)
	}
	var prev *calllist.List
	for _, v := range vs {
		l, err := v.List(api.CallListType)
		if err != nil {
			return api.CallListNotices{}, err
		}
		if prev != nil {
			for _, m := range calllist.Diff(prev, l) {
				if m.Intern == intern {
					out.Notices = append(out.Notices, api.CallListNotice{FromVersion: prev.Version, ToVersion: l.Version,
						PublishedAt: v.PublishedAt, Move: m, Message: m.Message("fr"), MessageEN: m.Message("en")})
				}
			}
		}
		prev = l
	}
	out.Version = prev.Version
	if i := slices.IndexFunc(prev.Entries, func(e calllist.Entry) bool { return e.Intern == intern }); i >= 0 {
		out.Rank, out.Absent = prev.Entries[i].Rank, prev.Entries[i].Absent
	}
	return out, nil
}
