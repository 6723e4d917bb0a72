package viewmodel

import (
	"context"
	"slices"

	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// Notice is something a running app tells its user with a desktop
// notification.
type Notice struct {
	Kind  string // "result" (a round's result was published) or "correction" (a decision on one of the user's requests)
	Round string
	ID    string               // correction id
	State api.CorrectionStatus // the decision, for "correction"
}

// Watcher polls the server for notices: a round becoming published, a
// decision on a correction request the user filed. The first Check only
// records what is already so; later ones report what changed since.
type Watcher struct {
	Svc    *service.Service
	rounds map[string]domain.RoundState
	corr   map[string]api.CorrectionStatus
	primed bool
}

// NewWatcher returns a watcher for svc's user.
func NewWatcher(svc *service.Service) *Watcher {
	return &Watcher{Svc: svc, rounds: map[string]domain.RoundState{}, corr: map[string]api.CorrectionStatus{}}
}

// Check asks the server and returns the notices since the last Check. It
// blocks.
func (w *Watcher) Check(ctx context.Context) ([]Notice, error) {
	var out []Notice
	rr, err := w.Svc.Client.Rounds(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rr.Rounds {
		old, seen := w.rounds[r.ID]
		if w.primed && r.State == domain.StatePublished && (!seen || old != domain.StatePublished) {
			out = append(out, Notice{Kind: "result", Round: r.ID})
		}
		w.rounds[r.ID] = r.State
	}
	me := w.Svc.Me()
	// Correction requests need the unlocked key; until then only results.
	if c, err := w.Svc.Signed(); err == nil && slices.Contains([]domain.Role{domain.RoleRTS, domain.RoleCoordinator}, me.Role) {
		cs, err := c.Corrections(ctx, "", "")
		if err != nil {
			w.primed = true
			return out, err
		}
		for _, cr := range cs {
			if cr.Author != me.ID {
				continue
			}
			old, seen := w.corr[cr.ID]
			if w.primed && seen && old != cr.Status {
				out = append(out, Notice{Kind: "correction", Round: cr.Round, ID: cr.ID, State: cr.Status})
			}
			w.corr[cr.ID] = cr.Status
		}
	}
	w.primed = true
	return out, nil
}

// Preferences returns the user's notification settings from the server.
// It blocks.
func Preferences(ctx context.Context, svc *service.Service) (*api.Preferences, error) {
	c, err := svc.Signed()
	if err != nil {
		return nil, err
	}
	return c.Preferences(ctx)
}

// SetPreferences records the optional notifications the user turned off.
// It blocks.
func SetPreferences(ctx context.Context, svc *service.Service, off []string) (*api.Preferences, error) {
	c, err := svc.Signed()
	if err != nil {
		return nil, err
	}
	return c.SetPreferences(ctx, api.Preferences{Off: off})
}
