// Package rounds holds the life of a round on the server: its state
// machine, its windows by the server's clock, the freezing of its input
// from the transparency log, the matching and the derivation of round 2 and
// round 3 from the round before.
//
// A round moves forward only:
//
//	draft → wishes_open → wishes_closed → rankings_open → rankings_closed → matched → published
//
// and a choix-au-rang round skips the two rankings states. Admins move it by
// hand (the go/no-go decisions are theirs); a scheduled closing time closes
// a window by itself.
package rounds

import (
	"fmt"
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

// CheckRun says whether the matching of r may be computed at now: after
// the rankings closed (appariement), after the wishes closed (choix au
// rang), before publication for a third round, or again when matched.
func CheckRun(r *domain.Round, now time.Time) error {
	s := Effective(r, now)
	switch {
	case s == domain.StatePublished:
	case s == domain.StateMatched:
		return nil
	case r.Number == 3:
		return nil
	case r.Procedure == domain.ChoixAuRang && s == domain.StateWishesClosed:
		return nil
	case r.Procedure == domain.Appariement && s == domain.StateRankingsClosed:
		return nil
	}
	return api.Errorf(api.CodeInvalidState,
		"le tour %s est à l'état %s : l'appariement ne peut pas être lancé",
		"round %s is in state %s: the matching cannot be run", r.ID, s)
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

// errorf wraps an internal error with the round's id.
func errorf(round, format string, args ...any) error {
	return fmt.Errorf("rounds: %s: "+format, append([]any{round}, args...)...)
}
