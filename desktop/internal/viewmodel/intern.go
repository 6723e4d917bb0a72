package viewmodel

import (
	"context"
	"fmt"
	"time"

	"appariement/desktop/internal/catalogue"
	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/outbox"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/shared/translog"
)

// Intern is an intern's session: the rounds, the current round's
// catalogue, wish list, candidate file and results, and the sync status.
type Intern struct {
	Svc    *service.Service
	Rounds []domain.Round
	Round  *domain.Round // current round, nil if none is known yet

	Catalogue *Catalogue
	Wishes    *WishList
	Files     *Files
	Results   *Results

	// syncMark holds LastSync, when the last sync finished (or the
	// outbox last delivered); SyncError says why it failed.
	syncMark
	SyncError string

	// chosen is set once the user picks a round: syncs keep it then;
	// until then each sync opens the round where the user has something
	// to do (DefaultRound).
	chosen bool

	// target is what a background sync (Follow) fetches, copied from
	// Round and chosen on the UI goroutine each time they change.
	target followTarget
}

// NewIntern opens the intern's screens on what the cache holds: nothing
// here needs the network.
func NewIntern(svc *service.Service) (*Intern, error) {
	a := &Intern{Svc: svc}
	rounds, err := svc.Store.Rounds()
	if err != nil {
		return nil, err
	}
	a.Catalogue = &Catalogue{store: svc.Store, ix: catalogue.New(nil)}
	a.Wishes = &WishList{svc: svc, cat: a.Catalogue}
	a.Files = &Files{svc: svc}
	a.Results = &Results{svc: svc, PosteName: func(id string) string {
		if p, ok := a.Catalogue.Poste(id); ok {
			return fmt.Sprintf("%s — %s (%s)", p.Title, p.Town, id)
		}
		return id
	}}
	a.setRounds(rounds)
	if err := a.load(); err != nil {
		return nil, err
	}
	return a, nil
}

// relevant keeps the rounds that concern the intern: national or of the
// intern's specialty and subdivision.
func (a *Intern) relevant(rounds []domain.Round) []domain.Round {
	me := a.Svc.Me()
	var out []domain.Round
	for _, r := range rounds {
		if r.Covers(me.Specialty, me.Subdivision) {
			out = append(out, r)
		}
	}
	return out
}

// setRounds keeps the relevant rounds and chooses the current one.
func (a *Intern) setRounds(rounds []domain.Round) {
	a.Rounds = a.relevant(rounds)
	cur := ""
	if a.Round != nil {
		cur = a.Round.ID
	}
	// The round on screen stays if the user chose it, or while its wishes
	// are open: a sync does not move the user to another round under their
	// hands (after signing a wish list, DefaultRound would prefer a round
	// where nothing is signed yet), but leaves a round whose wishes closed.
	a.Round = nil
	for i := range a.Rounds {
		if cur != "" && a.Rounds[i].ID == cur && (a.chosen || !rules.WindowClosed(&a.Rounds[i], api.WishListType, a.Svc.Now())) {
			a.Round = &a.Rounds[i]
		}
	}
	if a.Round == nil {
		if i := DefaultRound(a.Rounds, a.Svc.Now(), a.signedIn); i >= 0 {
			a.Round = &a.Rounds[i]
		}
	}
	a.target.set(a.Round, a.chosen)
}

// DefaultRound is the position of the round a screen opens on: the one
// where the user has something to do, that is whose wishes window is open
// by the server's schedule — first those where the user signed nothing
// yet (signed reports it; nil: nothing signed anywhere), then the one
// closing first, then an appariement (every intern of the specialty takes
// part) before a choix au rang — else the last one that is not a draft,
// else the last one; -1 when there is none.
func DefaultRound(rounds []domain.Round, now time.Time, signed func(round string) bool) int {
	done := func(r *domain.Round) bool { return signed != nil && signed(r.ID) }
	better := func(a, b *domain.Round) bool {
		if done(a) != done(b) {
			return !done(a)
		}
		if closesBefore(a, b) || closesBefore(b, a) {
			return closesBefore(a, b)
		}
		return a.Procedure == domain.Appariement && b.Procedure != domain.Appariement
	}
	best := -1
	for i := range rounds {
		if rules.Effective(&rounds[i], now) != domain.StateWishesOpen {
			continue
		}
		if best < 0 || better(&rounds[i], &rounds[best]) {
			best = i
		}
	}
	if best >= 0 {
		return best
	}
	for i := len(rounds) - 1; i >= 0; i-- {
		if rules.Effective(&rounds[i], now) != domain.StateDraft {
			return i
		}
	}
	return len(rounds) - 1
}

// signedIn reports whether the user signed something in round (a wish
// list, a binôme), by the local sequence numbers.
func (a *Intern) signedIn(round string) bool {
	if a.Svc == nil || a.Svc.Store == nil {
		return false
	}
	n, err := a.Svc.Store.LastSeq(round)
	return err == nil && n > 0
}

// closesBefore reports whether a's wishes window closes before b's (a
// window with no close date closes last).
func closesBefore(a, b *domain.Round) bool {
	switch {
	case a.WishesClose.IsZero():
		return false
	case b.WishesClose.IsZero():
		return true
	}
	return a.WishesClose.Before(b.WishesClose)
}

// RoundLabels returns the names of the rounds for a selector.
func (a *Intern) RoundLabels() []string {
	out := make([]string, len(a.Rounds))
	for i, r := range a.Rounds {
		out[i] = RoundLabel(&r)
	}
	return out
}

// RoundLabel names a round with its state.
func RoundLabel(r *domain.Round) string {
	return fmt.Sprintf("%s (%s)", r.Name, i18n.T("round.state."+string(r.State)))
}

// SelectRound makes the round at position i current.
func (a *Intern) SelectRound(i int) error {
	if i < 0 || i >= len(a.Rounds) {
		return nil
	}
	a.Round = &a.Rounds[i]
	a.chosen = true
	a.target.set(a.Round, a.chosen)
	return a.load()
}

// ChoixAuRang reports whether the current round is a choix au rang (the
// simulation, call list and live tabs apply to it only).
func (a *Intern) ChoixAuRang() bool {
	return a.Round != nil && a.Round.Procedure == domain.ChoixAuRang
}

// SyncRound is the round a sync should fetch: the one the user chose, or
// "" (the round DefaultRound picks from what the server says).
func (a *Intern) SyncRound() string { return syncRoundOf(a.Round, a.chosen, a.Svc.Now()) }

// syncRoundOf is SyncRound for a current round and whether the user chose
// it.
func syncRoundOf(r *domain.Round, chosen bool, now time.Time) string {
	if r == nil || !chosen && rules.WindowClosed(r, api.WishListType, now) {
		return ""
	}
	return r.ID
}

// NeedsCatalogue reports whether the current round's postes are not in the
// cache yet: the screen then syncs that round instead of showing an empty
// catalogue.
func (a *Intern) NeedsCatalogue() bool {
	return a.Round != nil && a.Catalogue.Total() == 0
}

// RoundID returns the current round's id, or "".
func (a *Intern) RoundID() string {
	if a.Round == nil {
		return ""
	}
	return a.Round.ID
}

func (a *Intern) load() error {
	id := a.RoundID()
	postes, err := a.Svc.Store.Postes(id)
	if err != nil {
		return err
	}
	if err := a.Catalogue.setIndex(id, catalogue.New(postes)); err != nil {
		return err
	}
	if err := a.Wishes.load(a.Round); err != nil {
		return err
	}
	if err := a.Files.load(a.Round); err != nil {
		return err
	}
	return a.Results.load(a.Rounds)
}

// SyncData is what a sync brought, to apply on the UI goroutine.
type SyncData struct {
	Rounds  []domain.Round
	Postes  map[string]*catalogue.Index // round → rebuilt index, if it changed
	Results int                         // results fetched
	Err     error
}

// Sync fetches the rounds, the current round's catalogue delta and, if the
// key is unlocked, the results of published rounds. It may run in the
// background; apply its outcome with ApplySync.
func (a *Intern) Sync(ctx context.Context, round string) SyncData {
	var d SyncData
	rounds, err := a.Svc.SyncRounds(ctx)
	if err != nil && !translog.IsFork(err) {
		d.Err = err
		return d
	}
	d.Err = err // a fork: the alarm is shown, the rounds still are
	d.Rounds = rounds
	if mine := a.relevant(rounds); round == "" {
		if i := DefaultRound(mine, a.Svc.Now(), a.signedIn); i >= 0 {
			round = mine[i].ID
		}
	}
	if round != "" {
		n, err := a.Svc.SyncCatalogue(ctx, round)
		if err != nil {
			d.Err = err
			return d
		}
		if n > 0 {
			postes, err := a.Svc.Store.Postes(round)
			if err != nil {
				d.Err = err
				return d
			}
			d.Postes = map[string]*catalogue.Index{round: catalogue.New(postes)}
		}
	}
	if a.Svc.Unlocked() {
		for i := range rounds {
			if rounds[i].State == domain.StatePublished {
				if _, err := a.Svc.FetchResult(ctx, &rounds[i]); err != nil && d.Err == nil {
					d.Err = err
				}
				d.Results++
			}
		}
	}
	return d
}

// ApplySync shows what Sync brought.
func (a *Intern) ApplySync(d SyncData) error {
	a.SyncError = Message(d.Err)
	if d.Rounds == nil {
		return nil
	}
	a.LastSync = time.Now()
	prev := a.RoundID()
	a.setRounds(d.Rounds)
	if a.RoundID() != prev {
		return a.load()
	}
	if ix := d.Postes[a.RoundID()]; ix != nil {
		if err := a.Catalogue.setIndex(a.RoundID(), ix); err != nil {
			return err
		}
	}
	if err := a.Wishes.load(a.Round); err != nil {
		return err
	}
	if err := a.Files.load(a.Round); err != nil {
		return err
	}
	return a.Results.load(a.Rounds)
}

// Delivered records that the outbox delivered something: the server has
// what the user sent, which is a synchronisation too.
func (a *Intern) Delivered() { a.LastSync = time.Now() }

// ResultsToFetch is how many published rounds have no result in the
// cache while the key is locked: the result cannot be fetched by itself
// then, and the screen asks for the passphrase (Status's NeedsUnlock)
// rather than saying nothing.
func (a *Intern) ResultsToFetch() int {
	if a.Results == nil || a.unlocked() {
		return 0
	}
	return a.Results.Missing()
}

// unlocked reports whether the private key is open (false without a
// service).
func (a *Intern) unlocked() bool { return a.Svc != nil && a.Svc.Unlocked() }

// Refresh reloads the wish list versions, files and results from the cache
// (after the outbox sent something).
func (a *Intern) Refresh() error {
	if err := a.Wishes.load(a.Round); err != nil {
		return err
	}
	if err := a.Files.load(a.Round); err != nil {
		return err
	}
	return a.Results.load(a.Rounds)
}

// RoundInfo describes the current round's window.
func (a *Intern) RoundInfo() string {
	r := a.Round
	if r == nil {
		return i18n.T("round.none")
	}
	s := i18n.T("round.state." + string(r.State))
	if !r.WishesClose.IsZero() && r.State.Index() <= domain.StateWishesOpen.Index() {
		s += " — " + i18n.T("round.closes", FormatTime(r.WishesClose))
	}
	return s
}

// DrawInfo names the current round's published tie-breaking draw (empty
// for a round without one, as a choix au rang).
func (a *Intern) DrawInfo() string { return DrawInfo(a.Round) }

// SyncStatus is the status bar: connection, queue and progress.
type SyncStatus struct {
	Online   string
	Detail   string
	Progress float64
	// ShowProgress: the bar is shown while a batch of sendings is under
	// way, never for a queue that waits (offline, a retry: a bar at "0 %"
	// says nothing).
	ShowProgress bool
	Warning      bool
	// NeedsUnlock: something waits for the passphrase (a signed sending,
	// a published result to fetch); the screen shows its unlock button.
	NeedsUnlock bool
}

// Status turns the outbox's status into the status bar's texts.
func (a *Intern) Status(st outbox.Status) SyncStatus {
	var s SyncStatus
	switch {
	case st.KeyMismatch:
		s.Online, s.Warning = i18n.T("sync.key_mismatch"), true
	case !st.Checked:
		s.Online = i18n.T("sync.checking")
	case st.Online && st.Server != "":
		s.Online = ServerLine(st.Server, a.Svc.Servers()) // which of the server's addresses answered
	case st.Online:
		s.Online = i18n.T("sync.online")
	default:
		s.Online = i18n.T("sync.offline")
	}
	s.Progress = st.Progress()
	s.ShowProgress = st.Online && st.Sending && st.Done+st.Pending > 1
	switch {
	case st.Pending == 0:
		s.Detail = i18n.T("sync.nothing_pending")
	case st.NeedsKey:
		s.Detail = i18n.N("sync.needs_key", st.Pending, st.Pending)
	case st.Sending:
		s.Detail = i18n.T("sync.sending", st.Done+1, st.Done+st.Pending)
	case !st.NextAttempt.IsZero() && (st.Busy == api.CodeStorageUnavailable || st.Busy == api.CodeClockBehind):
		// The server is up but cannot record: the list stays in the outbox.
		s.Detail = i18n.N("sync.server_cannot_store", st.Pending, st.Pending, FormatClock(st.NextAttempt))
		s.Warning = true
	case !st.NextAttempt.IsZero():
		s.Detail = i18n.N("sync.retry", st.Pending, st.Pending, FormatWait(time.Until(st.NextAttempt)))
	default:
		s.Detail = i18n.N("sync.pending", st.Pending, st.Pending)
	}
	s.NeedsUnlock = st.NeedsKey && !a.unlocked()
	if n := a.ResultsToFetch(); n > 0 {
		s.Detail = i18n.N("sync.result_needs_key", n, n) + " — " + s.Detail
		s.NeedsUnlock = true
	}
	s.Detail += a.lastSync()
	return s
}
