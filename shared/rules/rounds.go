// Package rules holds the rules of a round that the server, the importer
// and the desktop app must apply alike: its state machine, its windows by
// the server's clock, and what may be done in each state. The functions
// are pure: they take the time they judge at, and refuse with an *api.Error
// that names the round in French and English.
//
// A round moves forward only:
//
//	draft → wishes_open → wishes_closed → rankings_open → rankings_closed → matched → published
//
// and a choix-au-rang round skips the two rankings states. Admins move it by
// hand (the go/no-go decisions are theirs); a scheduled closing time closes
// a window by itself. The state and the windows tell one story: an admin
// who opens or closes a window by hand also moves its scheduled bound to
// that moment (Transition), so that a window is never "open" on one screen
// and refused by the server's clock.
package rules

import (
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// Successor returns the state that follows s for procedure proc, or "" if
// s is the last one or unknown.
func Successor(proc domain.Procedure, s domain.RoundState) domain.RoundState {
	i := s.Index()
	if i < 0 || i+1 >= len(domain.RoundStates) {
		return ""
	}
	next := domain.RoundStates[i+1]
	if proc == domain.ChoixAuRang && next == domain.StateRankingsOpen {
		return domain.StateMatched
	}
	return next
}

// Effective returns the state of r at time now: a window whose scheduled
// closing time has passed is closed even if no admin closed it yet.
func Effective(r *domain.Round, now time.Time) domain.RoundState {
	switch {
	case r.State == domain.StateWishesOpen && !r.WishesClose.IsZero() && !now.Before(r.WishesClose):
		return domain.StateWishesClosed
	case r.State == domain.StateRankingsOpen && !r.RankingsClose.IsZero() && !now.Before(r.RankingsClose):
		return domain.StateRankingsClosed
	}
	return r.State
}

// AtLeast reports whether the effective state of r at now is s or later.
func AtLeast(r *domain.Round, now time.Time, s domain.RoundState) bool {
	return Effective(r, now).Index() >= s.Index()
}

// CheckTransition says whether an admin may move r to state to at now.
// Admins open and close windows; matched and published are reached by
// running and publishing, not by a transition.
func CheckTransition(r *domain.Round, to domain.RoundState, now time.Time) error {
	if to.Index() < 0 {
		return api.Errorf(api.CodeBadRequest, "état inconnu %q", "unknown state %q", to)
	}
	if to == domain.StateMatched || to == domain.StatePublished {
		return api.Errorf(api.CodeInvalidState,
			"l'état %s du tour %s s'atteint en lançant puis en publiant l'appariement",
			"state %s of round %s is reached by running then publishing the matching", to, r.ID)
	}
	if r.Number == 3 {
		return api.Errorf(api.CodeInvalidState,
			"le tour %s (3e tour) n'a pas de fenêtre de vœux : les affectations y sont faites à la main",
			"round %s (third round) has no wish window: its assignments are made by hand", r.ID)
	}
	if to == Successor(r.Procedure, r.State) || to == Successor(r.Procedure, Effective(r, now)) {
		return nil
	}
	return api.Errorf(api.CodeInvalidState,
		"le tour %s est à l'état %s : il ne peut pas passer à l'état %s",
		"round %s is in state %s: it cannot move to state %s", r.ID, Effective(r, now), to)
}

// RunStatus is what the run of a round allows at a moment (RunStatusOf).
type RunStatus int

// The run statuses of a round. The rule: a round runs once its windows
// are closed; it may be run again as long as it is not published and no
// live reveal started, and a second run computes the same result (it
// reads the input frozen by the first one, and ties are broken by the
// draw committed to at creation); once published or live, the run is
// final.
const (
	// RunNotYet: the windows are not closed yet (or the state is unknown).
	RunNotYet RunStatus = iota
	// RunFirst: the round may be run, and was not yet.
	RunFirst
	// RunAgain: the round was run and may be run again before publication,
	// from the same frozen input, with the same result.
	RunAgain
	// RunLiveStarted: the live reveal of a choix au rang has started.
	RunLiveStarted
	// RunPublished: the result is published.
	RunPublished
)

// Allowed reports whether a run may be made in status s.
func (s RunStatus) Allowed() bool { return s == RunFirst || s == RunAgain }

// RunStatusOf says what the run of r allows at now: after the rankings
// closed (appariement), after the wishes closed (choix au rang), at any
// time before publication for a third round, or again when matched as
// long as no live reveal has started.
func RunStatusOf(r *domain.Round, now time.Time) RunStatus {
	s := Effective(r, now)
	switch {
	case s == domain.StatePublished:
		return RunPublished
	case s == domain.StateMatched && !r.LiveStart.IsZero():
		return RunLiveStarted
	case s == domain.StateMatched:
		return RunAgain
	case r.Number == 3:
		return RunFirst
	case r.Procedure == domain.ChoixAuRang && s == domain.StateWishesClosed:
		return RunFirst
	case r.Procedure == domain.Appariement && s == domain.StateRankingsClosed:
		return RunFirst
	}
	return RunNotYet
}

// CheckRun says whether the matching of r may be computed at now, by the
// rule of RunStatusOf; the refusal says why.
func CheckRun(r *domain.Round, now time.Time) error {
	switch RunStatusOf(r, now) {
	case RunFirst, RunAgain:
		return nil
	case RunPublished:
		return api.Errorf(api.CodeInvalidState, "le résultat du tour %s est publié : son appariement ne peut plus être relancé",
			"the result of round %s is published: it cannot be run again", r.ID)
	case RunLiveStarted:
		return api.Errorf(api.CodeInvalidState, "le direct du tour %s a commencé : son appariement ne peut plus être relancé",
			"the live reveal of round %s has started: it cannot be run again", r.ID)
	}
	return api.Errorf(api.CodeInvalidState,
		"le tour %s est à l'état %s : l'appariement ne peut pas être lancé",
		"round %s is in state %s: the matching cannot be run", r.ID, Effective(r, now))
}

// CheckWindow says whether a submission of payloadType to r is accepted at
// now, by the server's clock.
func CheckWindow(r *domain.Round, payloadType string, now time.Time) error {
	var open domain.RoundState
	var from, until time.Time
	what, whatEN := "des vœux", "wish"
	switch payloadType {
	case api.WishListType:
		open, from, until = domain.StateWishesOpen, r.WishesOpen, r.WishesClose
	case api.RankingType:
		if r.Procedure != domain.Appariement {
			return api.Errorf(api.CodeInvalidState,
				"le tour %s (choix au rang) ne reçoit pas de classements",
				"round %s (choix au rang) takes no rankings", r.ID)
		}
		open, from, until = domain.StateRankingsOpen, r.RankingsOpen, r.RankingsClose
		what, whatEN = "des classements", "ranking"
	case api.BinomeType:
		if r.Procedure != domain.ChoixAuRang || !r.Binomes {
			return api.Errorf(api.CodeInvalidState,
				"le tour %s n'autorise pas les binômes",
				"round %s does not allow binômes", r.ID)
		}
		// A link is part of the wishes: signed in their window, and late
		// once they close.
		open, from, until = domain.StateWishesOpen, r.WishesOpen, r.WishesClose
	default:
		return api.Errorf(api.CodeMalformed, "type de contenu inconnu %q", "unknown payload type %q", payloadType)
	}
	s := Effective(r, now)
	switch {
	case s.Index() < open.Index() || (!from.IsZero() && now.Before(from)):
		return api.Errorf(api.CodeWindowNotOpen,
			"la fenêtre %[1]s du tour %[3]s n'est pas encore ouverte (heure du serveur %[4]s)",
			"the %[2]s window of round %[3]s is not open yet (server time %[4]s)", what, whatEN, r.ID, stamp(now))
	case s != open || (!until.IsZero() && !now.Before(until)):
		return api.Errorf(api.CodeWindowClosed,
			"la fenêtre %[1]s du tour %[3]s est fermée (heure du serveur %[4]s)",
			"the %[2]s window of round %[3]s is closed (server time %[4]s)", what, whatEN, r.ID, stamp(now))
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// CheckSchedule validates the windows of a round: each closing after its
// opening, rankings after wishes.
func CheckSchedule(r *domain.Round) error {
	pairs := []struct {
		name     string
		from, to time.Time
	}{
		{"wishes", r.WishesOpen, r.WishesClose},
		{"rankings", r.RankingsOpen, r.RankingsClose},
		{"wishes→rankings", r.WishesClose, r.RankingsOpen},
	}
	for _, p := range pairs {
		if !p.from.IsZero() && !p.to.IsZero() && !p.from.Before(p.to) {
			return api.Errorf(api.CodeBadRequest, "calendrier du tour %s : %s commence après sa fin (%s ≥ %s)",
				"schedule of round %s: %s starts after it ends (%s ≥ %s)", r.ID, p.name, stamp(p.from), stamp(p.to))
		}
	}
	if r.Procedure == domain.ChoixAuRang && (!r.RankingsOpen.IsZero() || !r.RankingsClose.IsZero()) {
		return api.Errorf(api.CodeBadRequest, "le tour %s (choix au rang) n'a pas de fenêtre de classement",
			"round %s (choix au rang) has no rankings window", r.ID)
	}
	return nil
}

// NextTransition returns the state an admin may move r to at now, or "" if
// none: the third round has no windows, and matched and published are
// reached by running and publishing.
func NextTransition(r *domain.Round, now time.Time) domain.RoundState {
	next := Successor(r.Procedure, Effective(r, now))
	if next == "" || CheckTransition(r, next, now) != nil {
		return ""
	}
	return next
}

// CheckPublish says whether the computed result of r may be published.
func CheckPublish(r *domain.Round) error {
	if r.State != domain.StateMatched {
		return api.Errorf(api.CodeInvalidState, "le tour %s n'est pas apparié (état %s)",
			"round %s is not matched (state %s)", r.ID, r.State)
	}
	return nil
}

// WindowMove records a window bound that a Transition moved.
type WindowMove struct {
	Bound    string    // "wishes_open", "wishes_close", "rankings_open" or "rankings_close"
	From, To time.Time // the bound before and after (zero: none)
}

// Transition moves r to state to at now, if CheckTransition allows it, and
// moves the bounds of the window it opens or closes so that they agree:
// opening sets a later opening time to now and drops a closing time already
// past; closing sets the closing time to now. It returns the bounds moved,
// for the audit log.
func Transition(r *domain.Round, to domain.RoundState, now time.Time) ([]WindowMove, error) {
	if err := CheckTransition(r, to, now); err != nil {
		return nil, err
	}
	var moves []WindowMove
	set := func(name string, p *time.Time, v time.Time) {
		if !p.Equal(v) {
			moves = append(moves, WindowMove{Bound: name, From: *p, To: v})
			*p = v
		}
	}
	now = now.UTC()
	switch to {
	case domain.StateWishesOpen:
		if r.WishesOpen.After(now) {
			set("wishes_open", &r.WishesOpen, now)
		}
		if !r.WishesClose.IsZero() && !now.Before(r.WishesClose) {
			set("wishes_close", &r.WishesClose, time.Time{})
		}
	case domain.StateWishesClosed:
		if r.WishesClose.IsZero() || r.WishesClose.After(now) {
			set("wishes_close", &r.WishesClose, now)
		}
	case domain.StateRankingsOpen:
		if r.RankingsOpen.After(now) {
			set("rankings_open", &r.RankingsOpen, now)
		}
		if !r.RankingsClose.IsZero() && !now.Before(r.RankingsClose) {
			set("rankings_close", &r.RankingsClose, time.Time{})
		}
	case domain.StateRankingsClosed:
		if r.RankingsClose.IsZero() || r.RankingsClose.After(now) {
			set("rankings_close", &r.RankingsClose, now)
		}
	}
	r.State = to
	return moves, nil
}

// WindowClosed reports whether the window of payloadType in r has closed
// for good at now: the round is past it (by its state or its scheduled
// closing time). Until then a draft for it may still change, even before
// the window opens; CheckWindow says whether it may be sent now.
func WindowClosed(r *domain.Round, payloadType string, now time.Time) bool {
	var open domain.RoundState
	var until time.Time
	switch payloadType {
	case api.WishListType:
		open, until = domain.StateWishesOpen, r.WishesClose
	case api.RankingType:
		if r.Procedure != domain.Appariement {
			return true
		}
		open, until = domain.StateRankingsOpen, r.RankingsClose
	default:
		return true
	}
	return Effective(r, now).Index() > open.Index() || (!until.IsZero() && !now.Before(until))
}
