// Package roundadmin holds the administration of rounds: creating and
// scheduling a round, moving it through its states (shared/rules), running
// its matching, publishing the signed result, deriving the next round,
// recording a third round's manual assignments, and reading what a round
// holds (detail, participation, results, export). Each use case owns its
// transactions and returns refusals as *api.Error (French then English);
// the server's handlers only decode requests and encode answers.
package roundadmin

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Config gives a Service its store and what it needs from the rest of
// the server. Store and Clock are required; a nil hook does nothing.
type Config struct {
	// Store holds the rounds and signs results.
	Store *store.Store
	// Clock is the server's clock (changes are refused while it reads
	// before the last log leaf).
	Clock func() time.Time
	// OnClock sees the clock's reading before each change of a round.
	OnClock func(now time.Time)
	// CheckCosignatures refuses, in the publishing transaction, a round
	// whose frozen checkpoint lacks the witness cosignatures it requires.
	CheckCosignatures func(tx store.Tx, r *domain.Round) error
	// NotifyResult enqueues, in the publishing transaction, the e-mails
	// of a published result.
	NotifyResult func(tx store.Tx, res *domain.Result, now time.Time) error
	// MailEnqueued is called once a transaction that may have enqueued
	// mails committed.
	MailEnqueued func()
}

// Service runs the round administration use cases.
type Service struct {
	cfg     Config
	st      *store.Store
	updater *rounds.Updater
}

// New returns the service of cfg.
func New(cfg Config) *Service {
	return &Service{cfg: cfg, st: cfg.Store, updater: &rounds.Updater{Store: cfg.Store, Clock: cfg.Clock, OnClock: cfg.OnClock}}
}

// Updater returns the updater the service changes rounds with (for the
// other use cases that change a round's record).
func (s *Service) Updater() *rounds.Updater { return s.updater }

func (s *Service) mailEnqueued() {
	if s.cfg.MailEnqueued != nil {
		s.cfg.MailEnqueued()
	}
}

func roundExists(id string) error {
	return api.Errorf(api.CodeConflict, "le tour %s existe déjà", "round %s already exists", id)
}

// Create creates a first round in draft (audited "create-round").
func (s *Service) Create(a rounds.Actor, in api.CreateRoundRequest) (domain.Round, error) {
	if !in.Procedure.Valid() {
		return domain.Round{}, api.Errorf(api.CodeBadRequest, "procédure %q inconnue", "unknown procedure %q", in.Procedure)
	}
	if in.Specialty != "" && domain.LookupDES(in.Specialty) == nil {
		return domain.Round{}, api.Errorf(api.CodeBadRequest, "spécialité %q inconnue", "unknown specialty %q", in.Specialty)
	}
	if in.Subdivision != "" && domain.LookupSubdivision(in.Subdivision) == nil {
		return domain.Round{}, api.Errorf(api.CodeBadRequest, "subdivision %q inconnue", "unknown subdivision %q", in.Subdivision)
	}
	if in.MinRankingCoverage < 0 || in.MinRankingCoverage > 100 || (in.MinRankingCoverage > 0 && in.Procedure != domain.Appariement) {
		return domain.Round{}, api.Errorf(api.CodeBadRequest, "couverture minimale des classements %d %% : entre 0 et 100, et seulement pour un appariement",
			"minimum ranking coverage %d %%: between 0 and 100, and for an appariement only", in.MinRankingCoverage)
	}
	if in.Binomes && in.Procedure != domain.ChoixAuRang {
		return domain.Round{}, api.Errorf(api.CodeBadRequest, "les binômes n'existent qu'en choix au rang", "binômes exist in a choix au rang only")
	}
	if in.WishTies && in.Procedure != domain.Appariement {
		return domain.Round{}, api.Errorf(api.CodeBadRequest, "les vœux ex aequo n'existent qu'en appariement", "wishes ex aequo exist in an appariement only")
	}
	rec := &store.RoundRecord{Round: domain.Round{ID: in.ID, Name: in.Name, Procedure: in.Procedure, Number: 1,
		Subdivision: in.Subdivision, Specialty: in.Specialty, State: domain.StateDraft, MinRankingCoverage: in.MinRankingCoverage,
		Binomes: in.Binomes, WishTies: in.WishTies}}
	err := s.st.Update(func(tx store.Tx) error {
		if err := s.commitDraw(tx, &rec.Round); err != nil {
			return err
		}
		if err := tx.CreateRound(rec); err != nil {
			return err
		}
		return tx.Audit(a.Audit("create-round", in.ID, "", "", in))
	})
	if errors.Is(err, store.ErrExists) {
		return domain.Round{}, roundExists(in.ID)
	}
	if err != nil {
		return domain.Round{}, err
	}
	return rec.Round, nil
}

// commitDraw records in an appariement round the commitment to its
// tie-breaking draw (rounds.CommitDraw, which keeps the secret sealed in
// tx), before any wish can arrive: RTS may always rank ex aequo there; in
// a choix au rang, the commitment to its call list's seed
// (rounds.CommitCallListDraw), before any call list can be computed.
func (s *Service) commitDraw(tx store.Tx, r *domain.Round) error {
	var err error
	switch r.Procedure {
	case domain.Appariement:
		r.TieBreakCommitment, err = rounds.CommitDraw(s.st, tx, r.ID)
	case domain.ChoixAuRang:
		r.CallListCommitment, err = rounds.CommitCallListDraw(s.st, tx, r.ID)
	}
	return err
}

// Detail answers what a round holds at now: its effective state, open
// postes and places, eligible interns, current lists and preview.
func (s *Service) Detail(id string, now time.Time) (api.RoundDetail, error) {
	var d api.RoundDetail
	err := s.st.View(func(tx store.Tx) error {
		rec, err := rounds.Load(tx, id)
		if err != nil {
			return err
		}
		d.Round, d.CatalogueVersion, d.TreeSize = rec.Round, rec.CatalogueVersion, rec.TreeSize
		d.Round.State = rules.Effective(&rec.Round, now)
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
		open := map[string]bool{}
		for _, p := range postes {
			if !p.Closed {
				open[p.ID] = true
			}
		}
		ranks := map[string]map[string]bool{} // poste → candidates ranked
		for _, c := range rk {
			if !open[c.Poste] || len(c.List) == 0 {
				continue
			}
			if ranks[c.Poste] == nil {
				ranks[c.Poste] = map[string]bool{}
				d.RankedPostes++
			}
			for _, in := range c.List {
				ranks[c.Poste][in] = true
			}
		}
		if rec.Procedure == domain.Appariement {
			for _, c := range wl {
				if !slices.ContainsFunc(c.List, func(p string) bool { return ranks[p][c.Author] }) {
					d.Unreachable++
				}
			}
		}
		if pv, err := tx.Preview(id); err == nil {
			d.Preview = pv
		} else if !store.IsNotFound(err) {
			return err
		}
		return nil
	})
	return d, err
}

// Schedule sets the windows of a round not yet matched (audited
// "schedule"); rules.CheckSchedule judges them.
func (s *Service) Schedule(a rounds.Actor, id string, in api.ScheduleRequest) (domain.Round, error) {
	rec, err := s.updater.Change(id, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
		if rec.State.Index() >= domain.StateMatched.Index() {
			return store.AuditEntry{}, api.Errorf(api.CodeInvalidState, "le tour %s est déjà apparié", "round %s is already matched", id)
		}
		// Once a round has opened, people plan on its windows: moving them
		// needs a reason (rules.CheckReason), kept in the audit log.
		check := rules.CheckOptionalReason
		if rec.State != domain.StateDraft {
			check = rules.CheckReason
		}
		if err := check(in.Reason); err != nil {
			var refusal *api.Error
			if rec.State != domain.StateDraft && errors.As(err, &refusal) {
				return store.AuditEntry{}, &api.Error{Code: refusal.Code, Status: refusal.Status,
					Message:   fmt.Sprintf("%s pour replanifier les fenêtres du tour « %s », déjà ouvert", capitalize(refusal.Message), rec.Name),
					MessageEN: fmt.Sprintf("%s to reschedule the windows of round %q, already open", capitalize(refusal.MessageEN), rec.Name)}
			}
			return store.AuditEntry{}, err
		}
		rec.WishesOpen, rec.WishesClose, rec.RankingsOpen, rec.RankingsClose = in.WishesOpen, in.WishesClose, in.RankingsOpen, in.RankingsClose
		if err := rules.CheckSchedule(&rec.Round); err != nil {
			return store.AuditEntry{}, err
		}
		return a.Audit("schedule", id, "", in.Reason, in), nil
	})
	if err != nil {
		return domain.Round{}, err
	}
	return rec.Round, nil
}

// Transition moves a round to its next state (rules.CheckTransition);
// the window's scheduled bounds follow (rules.Transition). Opening the
// wishes of a first round fixes the interns taking part (see
// rounds.Covered). Audited "transition".
func (s *Service) Transition(a rounds.Actor, id string, in api.TransitionRequest) (domain.Round, error) {
	rec, err := s.updater.Change(id, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
		from := rec.State
		if err := rules.CheckTransition(&rec.Round, in.To, a.Now); err != nil {
			return store.AuditEntry{}, err
		}
		detail := map[string]any{"from": from, "to": in.To}
		if in.To == domain.StateWishesOpen {
			n, err := openWishes(tx, rec)
			if err != nil {
				return store.AuditEntry{}, err
			}
			detail["eligible"] = n
		}
		// The window's scheduled bounds follow the admin's decision, so that
		// the server's clock and every screen agree (recorded in the audit).
		moves, err := rules.Transition(&rec.Round, in.To, a.Now)
		if err != nil {
			return store.AuditEntry{}, err
		}
		for _, m := range moves {
			detail[m.Bound] = map[string]any{"from": m.From, "to": m.To}
		}
		return a.Audit("transition", id, "", in.Reason, detail), nil
	})
	if err != nil {
		return domain.Round{}, err
	}
	return rec.Round, nil
}

// openWishes checks that a round has an open poste and, for a first round,
// fixes its eligible interns; it returns their number.
func openWishes(tx store.Tx, rec *store.RoundRecord) (int, error) {
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
	people, err := rounds.Covered(tx, rec)
	if err != nil {
		return 0, err
	}
	if len(people) == 0 {
		return 0, api.Errorf(api.CodeInvalidState, "le tour %s n'a aucun interne", "round %s has no intern", rec.ID)
	}
	ids := make([]string, 0, len(people))
	for _, p := range people {
		ids = append(ids, p.ID)
	}
	return len(ids), tx.SetEligible(rec.ID, ids)
}

// Run freezes the round's input at the current checkpoint (or the one
// frozen by an earlier run), computes the matching and stores it as a
// preview; the round becomes matched (audited "run").
func (s *Service) Run(a rounds.Actor, id string) (*domain.Result, error) {
	rec, err := rounds.Get(s.st, id)
	if err != nil {
		return nil, err
	}
	if err := rules.CheckRun(&rec.Round, a.Now); err != nil {
		return nil, err
	}
	checkpoint, size := rec.Checkpoint, rec.TreeSize
	if rec.State != domain.StateMatched {
		text, tree, err := s.st.Checkpoint()
		if err != nil {
			return nil, err
		}
		checkpoint, size = text, tree.N
	}
	var in *rounds.Input
	if err := s.st.View(func(tx store.Tx) error {
		var err error
		if in, err = rounds.Freeze(tx, id, size); err != nil || rec.TieBreakCommitment == "" {
			return err
		}
		in.TieBreakSecret, err = rounds.TieBreakSecret(s.st, tx, id)
		return err
	}); err != nil {
		return nil, err
	}
	res, doc, err := rounds.Compute(in, checkpoint, a.Now)
	if err != nil {
		return nil, err
	}
	_, err = s.updater.Change(id, func(tx store.Tx, cur *store.RoundRecord) (store.AuditEntry, error) {
		if cur.State != rec.State || !cur.LiveStart.Equal(rec.LiveStart) {
			return store.AuditEntry{}, api.Errorf(api.CodeConflict, "le tour %s a changé d'état pendant le calcul",
				"round %s changed state during the run", id)
		}
		cur.State, cur.Checkpoint, cur.TreeSize = domain.StateMatched, checkpoint, size
		// The draw's secret, revealed in the frozen input when it broke a
		// tie, is shown with the round from now on.
		cur.TieBreakSecret = ""
		if in.TieBreakSecret != nil && in.Lists().HasTies() {
			cur.TieBreakSecret = hex.EncodeToString(in.TieBreakSecret)
		}
		if err := tx.PutPreview(id, res); err != nil {
			return store.AuditEntry{}, err
		}
		if err := tx.PutInput(id, doc); err != nil {
			return store.AuditEntry{}, err
		}
		return a.Audit("run", id, "", "", map[string]any{"tree_size": size, "assigned": len(res.Assignments),
			"unmatched": len(res.Unmatched), "input_digest": res.InputDigest}), nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Publish signs the previewed result with the server key and publishes
// it (audited "publish"); it returns the signed envelope.
func (s *Service) Publish(a rounds.Actor, id string) ([]byte, error) {
	var signed []byte
	_, err := s.updater.Change(id, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
		if err := rules.CheckPublish(&rec.Round); err != nil {
			return store.AuditEntry{}, err
		}
		if s.cfg.CheckCosignatures != nil {
			if err := s.cfg.CheckCosignatures(tx, &rec.Round); err != nil {
				return store.AuditEntry{}, err
			}
		}
		res, err := tx.Preview(id)
		if err != nil {
			return store.AuditEntry{}, err
		}
		payload, err := json.Marshal(res)
		if err != nil {
			return store.AuditEntry{}, err
		}
		signed = s.st.Sign(api.ResultType, payload).Encode()
		if err := tx.PutResult(id, res, signed); err != nil {
			return store.AuditEntry{}, err
		}
		if s.cfg.NotifyResult != nil {
			if err := s.cfg.NotifyResult(tx, res, a.Now); err != nil {
				return store.AuditEntry{}, err
			}
		}
		rec.State, rec.PublishedAt = domain.StatePublished, a.Now.UTC()
		return a.Audit("publish", id, "", "", map[string]any{"tree_size": res.TreeSize, "assigned": len(res.Assignments)}), nil
	})
	if err != nil {
		return nil, err
	}
	s.mailEnqueued()
	return signed, nil
}

// Next creates round 2 (or 3) from a published round: the same postes
// with the places left, the interns left unmatched (rounds.Derive).
// Audited "next-round".
func (s *Service) Next(a rounds.Actor, parent string, in api.NextRoundRequest) (domain.Round, error) {
	var next *store.RoundRecord
	err := s.st.Update(func(tx store.Tx) error {
		if err := s.st.CheckClockTx(tx, s.cfg.Clock()); err != nil {
			return err
		}
		prev, res, _, err := rounds.Published(tx, parent)
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
		name := in.Name
		if name == "" {
			name = rules.NextRoundName(prev.Name, prev.Number+1)
		}
		next = &store.RoundRecord{Round: domain.Round{ID: in.ID, Name: name, Procedure: prev.Procedure,
			Number: prev.Number + 1, Parent: parent, Subdivision: prev.Subdivision, Specialty: prev.Specialty,
			State: domain.StateDraft, MinRankingCoverage: prev.MinRankingCoverage, Binomes: prev.Binomes, WishTies: prev.WishTies}}
		if err := s.commitDraw(tx, &next.Round); err != nil {
			return err
		}
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
		return tx.Audit(a.Audit("next-round", in.ID, "", "", map[string]any{"parent": parent, "number": next.Number,
			"interns": len(interns), "postes": len(left)}))
	})
	if errors.Is(err, store.ErrExists) {
		return domain.Round{}, roundExists(in.ID)
	}
	if err != nil {
		return domain.Round{}, err
	}
	return next.Round, nil
}

// Assign records a manual assignment of a third round in preparation,
// with its reason (audited "manual-assignment"): the intern must be one
// to assign, not yet assigned, and allowed on a poste with a free place.
func (s *Service) Assign(a rounds.Actor, id string, in api.ManualAssignmentRequest) (domain.Assignment, error) {
	if err := rules.CheckReason(in.Reason); err != nil {
		return domain.Assignment{}, err
	}
	m := domain.Assignment{Intern: in.Intern, Poste: in.Poste, Manual: true, Author: a.ID, Reason: in.Reason}
	_, err := s.updater.Change(id, func(tx store.Tx, rec *store.RoundRecord) (store.AuditEntry, error) {
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
		if err := tx.PutManual(id, m); err != nil {
			return fail(err)
		}
		return a.Audit("manual-assignment", id, in.Intern, in.Reason, map[string]string{"poste": in.Poste}), nil
	})
	if err != nil {
		return domain.Assignment{}, err
	}
	return m, nil
}

// capitalize starts s with a capital letter (refusals shown to staff).
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
