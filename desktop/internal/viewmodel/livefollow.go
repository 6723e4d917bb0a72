package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/simulation"
)

// Live follow-along of a choix au rang (issue 6, point 4): once an admin
// starts the live reveal of a matched round, the server reveals the turns
// rank by rank at a set pace; the intern's app polls them, shows the rank
// being called, the latest choices, how far its own turn is, and its wish
// list where a poste whose last place went to someone ranked above
// disappears into a "déjà pris" section.

// LiveFollowEvery is how often the app asks for the turns revealed.
const LiveFollowEvery = 3 * time.Second

// livePages bounds the pages fetched by one poll (LivePage turns each):
// a poll that falls further behind catches up on the next one.
const livePages = 20

// LiveFollow is the intern's view of a live reveal. Its fields are only
// changed on the UI goroutine (Reset, Apply); Poll blocks and changes
// nothing.
type LiveFollow struct {
	svc *service.Service
	// PosteName names a poste for display.
	PosteName func(id string) string
	// Capacity returns the places of a poste (the catalogue's), false if
	// unknown.
	Capacity func(id string) (int, bool)
	// MyRank returns the intern's rank in the call list, 0 if unknown.
	MyRank func() int
	// Wishes returns the intern's wish list as the run counted it.
	Wishes func() []string

	Round string
	// Steps are the turns revealed so far, from rank 1.
	Steps []simulation.Step
	// Total, Revealed, Live, Pace, NextAt and ServerTime are those of the
	// last answer (api.LiveReplay); Started is set once one came.
	Total, Revealed, Pace int
	Live, Started         bool
	NextAt, ServerTime    time.Time
	// Waiting is set while the server says the reveal has not started.
	Waiting bool
	Error   string
}

// NewLiveFollow returns the live follow-along of svc's intern; the
// functions default to the poste id, no capacity, rank 0, no wishes.
func NewLiveFollow(svc *service.Service) *LiveFollow {
	return &LiveFollow{svc: svc,
		PosteName: func(id string) string { return id },
		Capacity:  func(string) (int, bool) { return 0, false },
		MyRank:    func() int { return 0 },
		Wishes:    func() []string { return nil },
	}
}

// LiveApplies reports whether a round can have a live reveal: an online
// choix au rang.
func LiveApplies(r *domain.Round) bool {
	return r != nil && r.Procedure == domain.ChoixAuRang && r.Number < 3
}

// Reset forgets what was shown and follows round.
func (l *LiveFollow) Reset(round string) {
	*l = LiveFollow{svc: l.svc, PosteName: l.PosteName, Capacity: l.Capacity, MyRank: l.MyRank, Wishes: l.Wishes, Round: round}
}

// Next is the rank to poll from: the one after the turns held.
func (l *LiveFollow) Next() int { return len(l.Steps) + 1 }

// Finished reports whether nothing more will come: every turn revealed
// and no reveal running.
func (l *LiveFollow) Finished() bool {
	return l.Started && !l.Live && l.Error == "" && l.Revealed == l.Total && len(l.Steps) == l.Total
}

// LivePoll is what Poll brought back, to Apply on the UI goroutine.
type LivePoll struct {
	Round string
	From  int
	// Replay holds the turns fetched from From, every page merged.
	Replay *api.LiveReplay
	Err    error
}

// Poll fetches the turns revealed from rank from, page after page until
// caught up (at most livePages pages). It blocks and changes nothing.
func (l *LiveFollow) Poll(ctx context.Context, round string, from int) LivePoll {
	p := LivePoll{Round: round, From: from}
	for range livePages {
		r, err := l.svc.Live(ctx, round, from, LivePage)
		if err != nil {
			if p.Replay == nil {
				p.Err = err
			}
			return p
		}
		if p.Replay == nil {
			p.Replay = r
		} else {
			steps := append(p.Replay.Steps, r.Steps...)
			p.Replay = r
			p.Replay.From, p.Replay.Steps = p.From, steps
		}
		from += len(r.Steps)
		if len(r.Steps) == 0 || from > r.Revealed {
			break
		}
	}
	return p
}

// Apply shows the outcome of Poll: turns following those held are
// appended; a poll from rank 1 replaces them; any other is dropped (a
// newer poll will come).
func (l *LiveFollow) Apply(p LivePoll) {
	if p.Round != l.Round {
		l.Reset(p.Round)
	}
	l.Error = ""
	if p.Err != nil {
		var apiErr *api.Error
		if errors.As(p.Err, &apiErr) && apiErr.Code == api.CodeInvalidState {
			l.Waiting = true
			return
		}
		l.Error = Message(p.Err)
		return
	}
	r := p.Replay
	switch {
	case p.From == 1:
		l.Steps = append([]simulation.Step(nil), r.Steps...)
	case p.From == l.Next():
		l.Steps = append(l.Steps, r.Steps...)
	default:
		return
	}
	l.Waiting, l.Started = false, true
	l.Total, l.Revealed, l.Live, l.Pace, l.NextAt, l.ServerTime = r.Total, r.Revealed, r.Live, r.Pace, r.NextAt, r.ServerTime
}

// PosteState is where a poste stands after the turns counted.
type PosteState struct {
	// Capacity is the poste's places; Left those still free (-1: unknown,
	// neither in the catalogue nor taken yet).
	Capacity, Left int
	// FullAt and FullBy are the rank and intern who took the last place
	// (0 and "" while places are left).
	FullAt int
	FullBy string
}

// PlacesLeft returns the state of every poste in caps or taken in steps,
// counting the turns ranked before rank before (every turn when before is
// 0). The places left after a take are the server's (simulation.Step.Left,
// and PartnerLeft for the partner's take at a binôme's turn);
// a poste nobody took yet has its capacity.
func PlacesLeft(caps map[string]int, steps []simulation.Step, before int) map[string]PosteState {
	out := make(map[string]PosteState, len(caps))
	for id, c := range caps {
		out[id] = PosteState{Capacity: c, Left: c}
	}
	for _, st := range steps {
		if before > 0 && st.Rank >= before {
			break
		}
		// At a binôme's turn the partner takes its poste just before the intern.
		takes := [][2]string{{st.PartnerPoste, st.Partner}, {st.Poste, st.Intern}}
		lefts := [2]int{st.PartnerLeft, st.Left}
		for k, tk := range takes {
			if tk[0] == "" {
				continue
			}
			ps, ok := out[tk[0]]
			if !ok {
				ps.Capacity = -1
			}
			ps.Left = lefts[k]
			if lefts[k] == 0 {
				ps.FullAt, ps.FullBy = st.Rank, tk[1]
			}
			out[tk[0]] = ps
		}
	}
	return out
}

// LiveWish is one of the intern's wishes during the reveal.
type LiveWish struct {
	Order int // position in the wish list, from 1
	Poste string
	PosteState
	// Got is set on the poste the intern took at its own turn.
	Got bool
}

// SplitWishes sorts the intern's wishes into those still open to it and
// those gone (no place left), counting the turns ranked above myRank
// (every turn revealed when myRank is 0). Once the intern's own turn is
// revealed, the poste it took is marked Got.
func SplitWishes(wishes []string, caps map[string]int, steps []simulation.Step, myRank int) (open, gone []LiveWish) {
	state := PlacesLeft(caps, steps, myRank)
	got := ""
	if myRank > 0 && myRank <= len(steps) && steps[myRank-1].Rank == myRank {
		got = steps[myRank-1].Poste
	}
	for i, id := range wishes {
		ps, ok := state[id]
		if !ok {
			ps = PosteState{Capacity: -1, Left: -1}
		}
		w := LiveWish{Order: i + 1, Poste: id, PosteState: ps, Got: got != "" && id == got}
		if ps.Left == 0 {
			gone = append(gone, w)
		} else {
			open = append(open, w)
		}
	}
	return open, gone
}

// capacities returns the catalogue places of the postes wished and taken.
func (l *LiveFollow) capacities(wishes []string) map[string]int {
	caps := map[string]int{}
	for _, id := range wishes {
		if c, ok := l.Capacity(id); ok {
			caps[id] = c
		}
	}
	return caps
}

// WishRows returns the intern's wishes still open and those gone.
func (l *LiveFollow) WishRows() (open, gone []LiveWish) {
	w := l.Wishes()
	return SplitWishes(w, l.capacities(w), l.Steps, l.MyRank())
}

// WishText describes a wish: its order, the poste, and the places left,
// who took the last one, or that the intern took it.
func (l *LiveFollow) WishText(w LiveWish) string {
	s := fmt.Sprintf("%d. %s — ", w.Order, l.PosteName(w.Poste))
	if w.Got {
		return s + i18n.T("follow.yours")
	}
	switch {
	case w.Left == 0:
		s += i18n.T("follow.full", w.FullAt, w.FullBy)
	case w.Left < 0:
		s += i18n.T("follow.left_unknown")
	case w.Capacity > 0:
		s += i18n.N("follow.left", w.Left, w.Left, w.Capacity)
	default:
		s += i18n.N("follow.left_only", w.Left, w.Left)
	}
	return s
}

// StatusText says where the reveal stands: waiting for it, running at
// which pace and when the next rank comes, finished, or published.
func (l *LiveFollow) StatusText() string {
	switch {
	case l.Error != "":
		return l.Error
	case l.Waiting:
		return i18n.T("follow.waiting")
	case !l.Started:
		return i18n.T("follow.help")
	case l.Live:
		return i18n.N("follow.pace", l.Pace, l.Pace, FormatClock(l.NextAt))
	case l.Pace > 0:
		return i18n.T("follow.done")
	}
	return i18n.T("follow.published")
}

// CurrentText names the rank being called: "Rang en cours : 57 / 412".
func (l *LiveFollow) CurrentText() string {
	if !l.Started {
		return ""
	}
	return i18n.T("follow.current", l.Revealed, l.Total)
}

// MineText says how far the intern's turn is, or what it got.
func (l *LiveFollow) MineText() string {
	if !l.Started {
		return ""
	}
	me := l.MyRank()
	switch {
	case me <= 0:
		return i18n.T("follow.no_rank")
	case me <= len(l.Steps) && l.Steps[me-1].Waits:
		// The earlier member of a binôme: the pair's turn is the partner's rank.
		st := l.Steps[me-1]
		if st.PartnerRank > len(l.Steps) {
			return i18n.T("follow.waits_partner", me, st.Partner, st.PartnerRank)
		}
		if p := l.Steps[st.PartnerRank-1].PartnerPoste; p != "" {
			return i18n.T("follow.got", st.PartnerRank, l.PosteName(p))
		}
		return i18n.T("follow.got_none", st.PartnerRank)
	case me <= len(l.Steps):
		if p := l.Steps[me-1].Poste; p != "" {
			return i18n.T("follow.got", me, l.PosteName(p))
		}
		return i18n.T("follow.got_none", me)
	case me == l.Revealed+1:
		return i18n.T("follow.next_is_me", me)
	}
	s := i18n.N("follow.before", me-l.Revealed-1, me-l.Revealed-1, me)
	if l.Live && l.Pace > 0 && !l.NextAt.IsZero() {
		eta := l.NextAt.Add(time.Duration(int64(me-l.Revealed-1) * int64(time.Minute) / int64(l.Pace)))
		s += i18n.T("follow.eta", FormatClock(eta))
	}
	return s
}

// LastRows returns the latest n turns revealed, newest first.
func (l *LiveFollow) LastRows(n int) []LiveRow {
	me := l.svc.Me().ID
	var out []LiveRow
	for i := len(l.Steps) - 1; i >= 0 && len(out) < n; i-- {
		r := turnRow(l.Steps[i], me, l.PosteName)
		out = append(out, r)
	}
	return out
}

// Counted returns the wish list the run counted: the newest accepted
// signed version, else the draft.
func (w *WishList) Counted() []string {
	for _, it := range w.versions {
		if it.State == localstore.StateAccepted {
			return it.List
		}
	}
	if w.draft == nil {
		return nil
	}
	return w.draft.List
}
