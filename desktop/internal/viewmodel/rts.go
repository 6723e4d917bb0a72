package viewmodel

import (
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/outbox"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/shared/rules"
)

// RTS is an RTS's session: the own postes of the current round, the
// candidates of each after the wishes window, and a ranking editor per
// poste whose drafts live in the cache and whose signed versions go
// through the outbox.
type RTS struct {
	Svc    *service.Service
	Rounds []domain.Round
	Round  *domain.Round
	Postes []domain.Poste // own postes of the round
	// Selected is the position of the selected poste (-1: none).
	Selected int
	// Cursor is the selected position in the ranked list (-1: none).
	Cursor int

	draft    *localstore.RankingDraft
	versions []localstore.Item
	states   []RankingState // of Postes, refreshed with the draft
	// Error is the last error to show.
	Error string
	// chosen is set once the user picks a round; until then each sync
	// opens the round where the RTS has something to do.
	chosen bool
	// cached reports whether the current round's catalogue is in the
	// cache (NeedsCatalogue).
	cached bool

	// syncMark holds LastSync, when the last sync finished or the outbox
	// last delivered.
	syncMark
	// undo is the ranking before its last change (UndoLast).
	undo *rankSnapshot
}

// NewRTS opens the RTS screens on what the cache holds.
func NewRTS(svc *service.Service) (*RTS, error) {
	r := &RTS{Svc: svc, Selected: -1, Cursor: -1}
	rounds, err := svc.Store.Rounds()
	if err != nil {
		return nil, err
	}
	r.setRounds(rounds)
	return r, r.load()
}

func (r *RTS) setRounds(rounds []domain.Round) {
	cur := ""
	if r.Round != nil {
		cur = r.Round.ID
	}
	r.Rounds, r.Round = nil, nil
	for _, x := range rounds {
		if x.Procedure == domain.Appariement {
			r.Rounds = append(r.Rounds, x)
		}
	}
	for i := range r.Rounds {
		if r.Rounds[i].ID == cur && r.chosen {
			r.Round = &r.Rounds[i]
		}
	}
	if r.Round == nil {
		if i := DefaultRTSRound(r.Rounds, r.Svc.Now()); i >= 0 {
			r.Round = &r.Rounds[i]
		}
	}
}

// DefaultRTSRound is the position of the round an RTS's screen opens on,
// the one where the RTS has something to do, by the server's schedule:
// the first whose rankings window is open, else the first whose wishes
// are closed and whose rankings are still to come (the candidates are
// known), else the latest one under way (neither a draft nor published),
// else the last one that is not a draft, else the last one; -1 when there
// is none.
func DefaultRTSRound(rounds []domain.Round, now time.Time) int {
	first := func(ok func(domain.RoundState) bool) int {
		for i := range rounds {
			if ok(rules.Effective(&rounds[i], now)) {
				return i
			}
		}
		return -1
	}
	last := func(ok func(domain.RoundState) bool) int {
		for i := len(rounds) - 1; i >= 0; i-- {
			if ok(rules.Effective(&rounds[i], now)) {
				return i
			}
		}
		return -1
	}
	for _, pick := range []int{
		first(func(s domain.RoundState) bool { return s == domain.StateRankingsOpen }),
		first(func(s domain.RoundState) bool { return s == domain.StateWishesClosed }),
		last(func(s domain.RoundState) bool { return s != domain.StateDraft && s != domain.StatePublished }),
		last(func(s domain.RoundState) bool { return s != domain.StateDraft }),
	} {
		if pick >= 0 {
			return pick
		}
	}
	return len(rounds) - 1
}

// RoundLabels names the rounds for a selector.
func (r *RTS) RoundLabels() []string {
	out := make([]string, len(r.Rounds))
	for i := range r.Rounds {
		out[i] = RoundLabel(&r.Rounds[i])
	}
	return out
}

// SelectRound makes the round at position i current.
func (r *RTS) SelectRound(i int) error {
	if i < 0 || i >= len(r.Rounds) {
		return nil
	}
	r.Round = &r.Rounds[i]
	r.chosen = true
	r.Selected = -1
	return r.load()
}

// RoundID is the current round's id, or "".
func (r *RTS) RoundID() string {
	if r.Round == nil {
		return ""
	}
	return r.Round.ID
}

func (r *RTS) load() error {
	r.Postes, r.cached = nil, false
	if r.Round != nil {
		all, err := r.Svc.Store.Postes(r.Round.ID)
		if err != nil {
			return err
		}
		v, err := r.Svc.Store.CatalogueVersion(r.Round.ID)
		if err != nil {
			return err
		}
		r.cached = v > 0 || len(all) > 0
		me := r.Svc.Me().ID
		for _, p := range all {
			if p.RTS == me && !p.Closed {
				r.Postes = append(r.Postes, p)
			}
		}
		sort.Slice(r.Postes, func(i, j int) bool { return r.Postes[i].ID < r.Postes[j].ID })
	}
	if r.Selected >= len(r.Postes) {
		r.Selected = -1
	}
	if r.Selected < 0 && len(r.Postes) > 0 {
		r.Selected = 0
	}
	return r.loadDraft()
}

func (r *RTS) loadDraft() error {
	r.draft, r.versions, r.Cursor, r.undo = &localstore.RankingDraft{}, nil, -1, nil
	p := r.Poste()
	if p == nil {
		r.states = nil
		return nil
	}
	d, err := r.Svc.Store.RankingDraft(r.Round.ID, p.ID)
	if err != nil {
		return err
	}
	r.draft = d
	r.versions, err = r.Svc.RankingVersions(r.Round.ID, p.ID)
	r.states = r.PosteStates()
	return err
}

// RTSSync is what a sync brought, to apply with ApplySync.
type RTSSync struct {
	Rounds []domain.Round
	Err    error
}

// Sync fetches the rounds and the catalogue of the current round. It may
// run in the background.
func (r *RTS) Sync(ctx context.Context, round string) RTSSync {
	rounds, err := r.Svc.SyncRounds(ctx)
	if err != nil {
		return RTSSync{Err: err}
	}
	if round == "" && len(rounds) > 0 {
		round = rounds[len(rounds)-1].ID
	}
	for _, x := range rounds {
		if x.Procedure == domain.Appariement {
			if _, err := r.Svc.SyncCatalogue(ctx, x.ID); err != nil {
				return RTSSync{Rounds: rounds, Err: err}
			}
		}
	}
	return RTSSync{Rounds: rounds}
}

// ApplySync shows the outcome of Sync.
func (r *RTS) ApplySync(s RTSSync) error {
	r.Error = Message(s.Err)
	sel := r.Selected
	if s.Rounds != nil {
		r.LastSync = time.Now()
		prev := r.RoundID()
		r.setRounds(s.Rounds)
		if r.RoundID() != prev {
			sel = -1 // another round: its first poste
		}
	}
	if err := r.load(); err != nil {
		return err
	}
	if sel >= 0 && sel < len(r.Postes) {
		r.Selected = sel
		return r.loadDraft()
	}
	return s.Err
}

// PosteLabels are the rows of the postes list, three short lines each so
// that a narrow column cuts none of what the RTS scans the list for: the
// poste's id, the ranking's state and the places, then the title.
func (r *RTS) PosteLabels() []string {
	out := make([]string, len(r.Postes))
	for i, p := range r.Postes {
		second := counted("rts.places", p.Capacity, p.Capacity)
		if i < len(r.states) {
			second = StateLabel(r.states[i]) + " — " + second
		}
		out[i] = fmt.Sprintf("%s\n%s\n%s", p.ID, second, p.Title)
	}
	return out
}

// NeedsCatalogue reports whether the current round's postes are not in
// the cache yet: the screen then syncs instead of saying the RTS has no
// poste in it.
func (r *RTS) NeedsCatalogue() bool { return r.Round != nil && !r.cached }

// NeedsCandidates reports whether the selected poste's candidates are
// known to the server but were never fetched: the screen fetches them on
// selecting the poste (or asks for the passphrase) rather than showing
// an empty ranking.
func (r *RTS) NeedsCandidates() bool {
	return r.Poste() != nil && r.CandidatesVisible() && r.draft.FetchedAt.IsZero()
}

// OutboxLine is the RTS's status line: the outbox's counts and when the
// app last synchronised with the server.
func (r *RTS) OutboxLine(st outbox.Status) string {
	return i18n.T("rts.outbox", st.Pending, st.Accepted, st.Refused) + r.lastSync()
}

// SelectPoste makes the i-th poste current.
func (r *RTS) SelectPoste(i int) error {
	if i < 0 || i >= len(r.Postes) {
		return nil
	}
	r.Selected = i
	return r.loadDraft()
}

// Poste is the selected poste, or nil.
func (r *RTS) Poste() *domain.Poste {
	if r.Selected < 0 || r.Selected >= len(r.Postes) {
		return nil
	}
	return &r.Postes[r.Selected]
}

// PosteDetail lists the data of the selected poste as label, value pairs,
// for the RTS to check (and ask the admin to correct).
func (r *RTS) PosteDetail() [][2]string {
	p := r.Poste()
	if p == nil {
		return nil
	}
	email := p.RTSEmail
	if email == "" {
		email = i18n.T("rts.missing")
	} else if !domain.ValidEmail(email) {
		email += " — " + i18n.T("quality.bad_email")
	}
	return [][2]string{
		{i18n.T("poste.title"), p.Title},
		{i18n.T("poste.service"), p.Service},
		{i18n.T("poste.etablissement"), p.Etablissement + ", " + p.Town},
		{i18n.T("poste.specialty"), p.Specialty + " / " + p.Subdivision},
		{i18n.T("poste.rts"), p.RTSName},
		{i18n.T("poste.email"), email},
		{i18n.T("poste.capacity"), fmt.Sprint(p.Capacity)},
		{i18n.T("poste.description"), p.Description},
	}
}

// CandidatesVisible reports whether the candidates may be fetched: the
// wishes window of the round is closed.
func (r *RTS) CandidatesVisible() bool {
	return r.Round != nil && r.Round.State.Index() >= domain.StateWishesClosed.Index()
}

// Editable reports whether the ranking may still change (by the last known
// state of the round; the server's clock decides).
func (r *RTS) Editable() bool {
	if r.Round == nil || r.Poste() == nil || !r.CandidatesVisible() {
		return false
	}
	return !rules.WindowClosed(r.Round, api.RankingType, r.Svc.Now())
}

// CandidatesOutcome is what FetchCandidates brought.
type CandidatesOutcome struct {
	Round, Poste string
	Resp         *api.CandidatesResponse
	Err          error
}

// FetchCandidates asks the server for the candidates of the selected poste
// (key unlocked). It may run in the background.
func (r *RTS) FetchCandidates(ctx context.Context) CandidatesOutcome {
	p := r.Poste()
	if p == nil || r.Round == nil {
		return CandidatesOutcome{}
	}
	o := CandidatesOutcome{Round: r.Round.ID, Poste: p.ID}
	o.Resp, o.Err = r.Svc.Candidates(ctx, o.Round, o.Poste)
	return o
}

// CandidatesDone merges the candidates fetched into the draft: newcomers
// are added at the end of the ranked list (by their rank in the intern
// ranking), candidates who withdrew disappear.
func (r *RTS) CandidatesDone(o CandidatesOutcome) error {
	r.Error = Message(o.Err)
	if o.Err != nil || o.Resp == nil {
		return o.Err
	}
	d, err := r.Svc.Store.RankingDraft(o.Round, o.Poste)
	if err != nil {
		return err
	}
	mergeCandidates(d, o.Resp.Candidates)
	d.FetchedAt = r.Svc.Now().UTC()
	if err := r.Svc.Store.SaveRankingDraft(d); err != nil {
		return err
	}
	if p := r.Poste(); p != nil && p.ID == o.Poste && r.RoundID() == o.Round {
		r.draft, r.undo = d, nil // an undo would lose the newcomers
	}
	return nil
}

func mergeCandidates(d *localstore.RankingDraft, cands []api.Candidate) {
	present := map[string]bool{}
	for _, c := range cands {
		present[c.Intern.ID] = true
	}
	keep := func(l []string) []string {
		return slices.DeleteFunc(l, func(id string) bool { return !present[id] })
	}
	d.List, d.Unranked, d.Tied = keep(d.List), keep(d.Unranked), keep(d.Tied)
	known := map[string]bool{}
	for _, id := range append(slices.Clone(d.List), d.Unranked...) {
		known[id] = true
	}
	newcomers := slices.Clone(cands)
	sort.SliceStable(newcomers, func(i, j int) bool {
		a, b := newcomers[i].Intern.Rank, newcomers[j].Intern.Rank
		if a == 0 || b == 0 {
			return a != 0 && b == 0
		}
		return a < b
	})
	for _, c := range newcomers {
		if !known[c.Intern.ID] {
			d.List = append(d.List, c.Intern.ID)
		}
	}
	d.Candidates = cands
}

// Candidate returns what is known of a candidate of the selected poste.
func (r *RTS) Candidate(id string) (api.Candidate, bool) {
	for _, c := range r.draft.Candidates {
		if c.Intern.ID == id {
			return c, true
		}
	}
	return api.Candidate{}, false
}

func (r *RTS) candidateLabel(id string) string {
	c, ok := r.Candidate(id)
	if !ok {
		return id
	}
	// The rank the intern gave to the poste is not known here (the
	// server does not send it): see docs/ranking.fr.md.
	s := fmt.Sprintf("%s (%s)", c.Intern.FullName(), id)
	if c.Intern.Rank > 0 {
		s += " — " + i18n.T("rts.national_rank", c.Intern.Rank)
	}
	return s
}

// Ranked is the ranked list, best first, as display rows: "2. …", or
// "2 (ex aequo). …" for each candidate of a tie group.
func (r *RTS) Ranked() []string {
	out := make([]string, len(r.draft.List))
	for i, id := range r.draft.List {
		out[i] = r.RankLabel(i) + ". " + r.candidateLabel(id)
	}
	return out
}

// DisplayRanks are the ranks the RTS sees, in the usual sporting form: the
// candidates of a tie group share the rank of the first of them, and the
// next one comes after all of them (1, 2, 2, 4).
func (r *RTS) DisplayRanks() []int {
	out := make([]int, len(r.draft.List))
	for i := range r.draft.List {
		out[i] = i + 1
		if i > 0 && r.TiedWithPrevious(i) {
			out[i] = out[i-1]
		}
	}
	return out
}

// RankLabel is the rank of the i-th ranked candidate as shown: "2", or
// "2 (ex aequo)" when the candidate shares it.
func (r *RTS) RankLabel(i int) string {
	ranks := r.DisplayRanks()
	if i < 0 || i >= len(ranks) {
		return ""
	}
	tied := (i > 0 && ranks[i-1] == ranks[i]) || (i+1 < len(ranks) && ranks[i+1] == ranks[i])
	if tied {
		return i18n.T("rts.rank_tied", ranks[i])
	}
	return fmt.Sprint(ranks[i])
}

// RankLabels are the RankLabel of every ranked candidate.
func (r *RTS) RankLabels() []string {
	out := make([]string, len(r.draft.List))
	for i := range out {
		out[i] = r.RankLabel(i)
	}
	return out
}

// TiedWithPrevious reports whether the i-th ranked candidate is ex aequo
// with the one above.
func (r *RTS) TiedWithPrevious(i int) bool {
	return i > 0 && i < len(r.draft.List) && slices.Contains(r.draft.Tied, r.draft.List[i])
}

// ToggleTie puts the i-th ranked candidate ex aequo with the one above
// ("ex aequo avec le précédent"), or back below it; the round's published
// draw breaks the tie. The first candidate has no one above.
func (r *RTS) ToggleTie(i int) error {
	if !r.Editable() || i <= 0 || i >= len(r.draft.List) {
		return nil
	}
	r.remember()
	id := r.draft.List[i]
	if k := slices.Index(r.draft.Tied, id); k >= 0 {
		r.draft.Tied = slices.Delete(r.draft.Tied, k, k+1)
	} else {
		r.draft.Tied = append(r.draft.Tied, id)
	}
	r.Cursor = i
	return r.save()
}

// HasTies reports whether the ranking of the selected poste has a tie
// group.
func (r *RTS) HasTies() bool { return r.draft.Ranks() != nil }

// DrawInfo names the round's tie-breaking draw (DrawInfo); empty for a
// round without one.
func (r *RTS) DrawInfo() string { return DrawInfo(r.Round) }

// DrawInfo names the tie-breaking draw of round (empty: none): the first
// 16 hex digits of its commitment, published before the wishes close; once
// the round is run and the secret revealed, whether the secret matches the
// commitment (shared/draw.Verify), checked here.
func DrawInfo(round *domain.Round) string {
	if round == nil || round.TieBreakCommitment == "" {
		return ""
	}
	c := round.TieBreakCommitment
	if len(c) > 16 {
		c = c[:16] + "…"
	}
	if round.TieBreakSecret == "" {
		return i18n.T("round.draw_commitment", c)
	}
	secret, err := hex.DecodeString(round.TieBreakSecret)
	if err == nil {
		err = draw.Verify(round.TieBreakCommitment, secret)
	}
	if err != nil {
		return i18n.T("round.draw_mismatch", c)
	}
	return i18n.T("round.draw_revealed", c)
}

// RankedIDs is the ranked list of intern ids.
func (r *RTS) RankedIDs() []string { return slices.Clone(r.draft.List) }

// UnrankedIDs is the list of candidates marked unacceptable.
func (r *RTS) UnrankedIDs() []string { return slices.Clone(r.draft.Unranked) }

// Unranked are the candidates marked unacceptable ("non classés").
func (r *RTS) Unranked() []string {
	out := make([]string, len(r.draft.Unranked))
	for i, id := range r.draft.Unranked {
		out[i] = r.candidateLabel(id)
	}
	return out
}

// Files lists the documents of a candidate.
func (r *RTS) Files(id string) []api.Attachment {
	c, _ := r.Candidate(id)
	return c.Attachments
}

// FileLabel names a document.
func FileLabel(a api.Attachment) string {
	return fmt.Sprintf("%s — %s (%s)", i18n.T("file.kind."+a.Kind), a.Name, FormatSize(a.Size))
}

func (r *RTS) save() error {
	r.draft.UpdatedAt = r.Svc.Now().UTC()
	err := r.Svc.Store.SaveRankingDraft(r.draft)
	r.Error = Message(err)
	if p := r.Poste(); p != nil && r.Selected < len(r.states) {
		r.states[r.Selected] = posteState(r.draft, r.versions)
	}
	return err
}

// Move moves the i-th ranked candidate by delta places, keeping it under
// the cursor.
func (r *RTS) Move(i, delta int) error {
	l := r.draft.List
	j := i + delta
	if !r.Editable() || i < 0 || i >= len(l) || j < 0 || j >= len(l) {
		return nil
	}
	r.remember()
	before := r.ranksByID()
	l[i], l[j] = l[j], l[i]
	r.settleTies(before, l[i], l[j])
	r.Cursor = j
	return r.save()
}

// MarkUnacceptable moves the i-th ranked candidate to the "non classés".
func (r *RTS) MarkUnacceptable(i int) error {
	if !r.Editable() || i < 0 || i >= len(r.draft.List) {
		return nil
	}
	r.remember()
	before := r.ranksByID()
	id := r.draft.List[i]
	r.draft.List = slices.Delete(r.draft.List, i, i+1)
	r.draft.Unranked = append(r.draft.Unranked, id)
	r.settleTies(before, id)
	if r.Cursor >= len(r.draft.List) {
		r.Cursor = len(r.draft.List) - 1
	}
	return r.save()
}

// Restore puts the j-th unranked candidate back at the end of the ranking.
func (r *RTS) Restore(j int) error {
	if !r.Editable() || j < 0 || j >= len(r.draft.Unranked) {
		return nil
	}
	r.remember()
	id := r.draft.Unranked[j]
	r.draft.Unranked = slices.Delete(r.draft.Unranked, j, j+1)
	r.draft.List = append(r.draft.List, id)
	r.Cursor = len(r.draft.List) - 1
	return r.save()
}

// DraftStatus says whether the draft has changes not signed yet.
func (r *RTS) DraftStatus() string {
	switch {
	case r.Poste() == nil && r.NeedsCatalogue():
		return i18n.T("rts.catalogue_loading")
	case r.Poste() == nil:
		return i18n.T("rts.no_poste")
	case !r.CandidatesVisible():
		return i18n.T("rts.wait_wishes")
	case r.NeedsCandidates() && !r.Svc.Unlocked():
		return i18n.T("rts.candidates_need_key")
	case r.NeedsCandidates():
		return i18n.T("rts.candidates_loading")
	}
	if h, ok := r.refusedHeadline(); ok {
		return h
	}
	switch {
	case len(r.versions) > 0 && sameRanking(r.versions[0], r.draft):
		return i18n.T("wish.draft_signed", r.versions[0].Seq)
	case len(r.draft.List) == 0 && len(r.draft.Candidates) == 0:
		return i18n.T("rts.no_candidates")
	case r.draft.UpdatedAt.IsZero():
		return i18n.T("rts.draft_new")
	}
	return i18n.T("wish.draft_status", FormatTime(r.draft.UpdatedAt))
}

// CoverageMissing returns how many more candidates the ranking of the
// selected poste must list before it can be signed, to reach the round's
// minimum share of the candidates (rules.MissingForCoverage); 0 when it
// does or the round has no minimum.
func (r *RTS) CoverageMissing() int {
	if r.Round == nil || r.Poste() == nil {
		return 0
	}
	return rules.MissingForCoverage(len(r.draft.List), len(r.draft.Candidates), r.Round.MinRankingCoverage)
}

// CoverageInfo says, when the round requires a minimum share of the
// candidates to be ranked, how many are still missing, or that it is
// reached; empty when the round has no minimum.
func (r *RTS) CoverageInfo() string {
	if r.Round == nil || r.Poste() == nil || r.Round.MinRankingCoverage <= 0 || len(r.draft.Candidates) == 0 {
		return ""
	}
	pct, n := r.Round.MinRankingCoverage, len(r.draft.Candidates)
	need := rules.RequiredForCoverage(n, pct)
	if missing := r.CoverageMissing(); missing > 0 {
		return i18n.T("rts.coverage_missing", pct, need, n, missing)
	}
	return i18n.T("rts.coverage_ok", pct, need, i18n.N("count.candidates", n, n), i18n.N("count.ranked", len(r.draft.List), len(r.draft.List)))
}

// Versions are the signed rankings of the selected poste, newest first.
func (r *RTS) Versions() []Version {
	out := make([]Version, 0, len(r.versions))
	for _, it := range r.versions {
		out = append(out, versionOf(it, RankingVersionLabel(it.Seq, len(it.List), it.CreatedAt)))
	}
	supersede(out, r.versions)
	return out
}

// Unlock opens the key (needed for candidates, files and signatures).
func (r *RTS) Unlock(passphrase string) error {
	err := r.Svc.Unlock(passphrase)
	r.Error = Message(err)
	return err
}

// Sign signs the ranking of the selected poste into the outbox (the key
// unlocked with passphrase if not already). It blocks: run it in the
// background, then call SignDone.
func (r *RTS) Sign(ctx context.Context, passphrase string) SignOutcome {
	p := r.Poste()
	if p == nil || r.Round == nil {
		return SignOutcome{Err: service.ErrEmptyRanking}
	}
	// The server would refuse a ranking below the round's minimum share:
	// say so before signing.
	if err := rules.CheckRankingCoverage(r.Round, p.ID, len(r.draft.List), len(r.draft.Candidates)); err != nil {
		return SignOutcome{Err: err}
	}
	if err := rules.CheckRankingTies(r.Round, &domain.Ranking{Round: r.Round.ID, Poste: p.ID, Interns: r.draft.List, Ranks: r.draft.Ranks()}); err != nil {
		return SignOutcome{Err: err}
	}
	if passphrase != "" || !r.Svc.Unlocked() {
		if err := r.Svc.Unlock(passphrase); err != nil {
			return SignOutcome{Err: err}
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_ = r.Svc.SyncSubmissions(sctx, r.Round.ID)
	cancel()
	it, err := r.Svc.SignRanking(r.Round.ID, p.ID)
	return SignOutcome{Item: it, Err: err}
}

// SignDone shows the outcome of Sign.
func (r *RTS) SignDone(o SignOutcome) error {
	r.Error = Message(o.Err)
	if o.Err != nil {
		return o.Err
	}
	return r.loadDraft()
}

// Refresh reloads the versions (after the outbox moved).
func (r *RTS) Refresh() error {
	sel, cur := r.Selected, r.Cursor
	err := r.loadDraft()
	r.Selected, r.Cursor = sel, cur
	return err
}

// OpenFile downloads a document to a temporary folder and returns its
// file:// URL for the OS viewer. It blocks.
func (r *RTS) OpenFile(ctx context.Context, a api.Attachment) (string, error) {
	path, err := r.Svc.DownloadFile(ctx, "", a)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(filepath.Ext(path), ".pdf") { // never hand the system anything but a PDF to open
		return "", service.ErrNotPDF
	}
	return FileURL(path), nil
}

// FileURL is the file:// URL of a local path.
func FileURL(path string) string {
	path = strings.ReplaceAll(path, "\\", "/")
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return "file://" + path
}

// WindowInfo describes the rankings window of the round, by the server's
// schedule (empty when none is scheduled).
func (r *RTS) WindowInfo() string {
	if r.Round == nil {
		return ""
	}
	o, c := r.Round.RankingsOpen, r.Round.RankingsClose
	switch {
	case !o.IsZero() && r.Svc.Now().Before(o):
		return i18n.T("rts.window_later", FormatTime(o))
	case !c.IsZero() && r.Svc.Now().Before(c):
		return i18n.T("rts.window_until", FormatTime(c))
	case !c.IsZero():
		return i18n.T("rts.window_closed", FormatTime(c))
	}
	return ""
}
