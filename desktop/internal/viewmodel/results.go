package viewmodel

import (
	"context"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/translog"
	"appariement/shared/whynot"
)

// Results shows the signed personal result of each published round, and
// whether it is verified.
type Results struct {
	svc     *service.Service
	rounds  []domain.Round
	records map[string]localstore.ResultRecord
	Error   string
	// PosteName describes a poste by id (from the catalogue).
	PosteName func(id string) string
}

func (r *Results) load(rounds []domain.Round) error {
	r.rounds = rounds
	recs, err := r.svc.Store.Results()
	if err != nil {
		return err
	}
	r.records = map[string]localstore.ResultRecord{}
	for _, rec := range recs {
		r.records[rec.Round] = rec
	}
	return nil
}

// ResultRow is one published round's result.
type ResultRow struct {
	Round      string
	Assignment string
	Status     string
	Verified   bool
	// WhyNot says, for each wish ranked above the poste obtained (every
	// wish when none), why it was not granted, in the app's language.
	WhyNot []string
}

// Rows returns a row per published round.
func (r *Results) Rows() []ResultRow {
	var out []ResultRow
	for i := range r.rounds {
		rd := &r.rounds[i]
		if rd.State != domain.StatePublished {
			continue
		}
		row := ResultRow{Round: rd.Name}
		rec, ok := r.records[rd.ID]
		switch {
		case !ok:
			row.Status = i18n.T("result.not_fetched")
		case rec.Verified:
			row.Verified = true
			row.Status = i18n.T("result.verified")
			if rec.Result != nil {
				row.Status += Cosigned(r.svc, rec.Result.Checkpoint)
			}
		default:
			row.Status = i18n.T("result.not_verified", i18n.T(rec.Problem))
		}
		if ok && rec.Result != nil && notParticipated(rec.Result, r.svc.Me().ID) {
			// Nothing was sent in this round: say so rather than "no poste,
			// computed on your last accepted list".
			row.Assignment = i18n.T("result.not_participated")
			if rec.Verified {
				row.Status = i18n.T("result.verified_no_list")
			}
		} else if ok && rec.Result != nil {
			row.Assignment = i18n.T("result.unmatched")
			for _, a := range rec.Result.Assignments {
				if a.Intern == r.svc.Me().ID {
					name := a.Poste
					if r.PosteName != nil {
						name = r.PosteName(a.Poste)
					}
					row.Assignment = i18n.T("result.assigned", name)
				}
			}
			for _, w := range rec.Result.WhyNot {
				name := w.Poste
				if r.PosteName != nil {
					name = r.PosteName(w.Poste)
				}
				row.WhyNot = append(row.WhyNot, i18n.T("result.why_not", w.Wish, name, whynot.Text(w, i18n.Language())))
			}
		}
		out = append(out, row)
	}
	return out
}

// Missing is how many published rounds have no result in the cache.
func (r *Results) Missing() int {
	n := 0
	for i := range r.rounds {
		if _, ok := r.records[r.rounds[i].ID]; !ok && r.rounds[i].State == domain.StatePublished {
			n++
		}
	}
	return n
}

// Published reports whether any round is published.
func (r *Results) Published() bool {
	for _, rd := range r.rounds {
		if rd.State == domain.StatePublished {
			return true
		}
	}
	return false
}

// Fetch fetches and verifies the result of every published round (the key
// must be unlocked). It blocks: run it in the background, then call
// FetchDone.
func (r *Results) Fetch(ctx context.Context, passphrase string) error {
	if !r.svc.Unlocked() {
		if err := r.svc.Unlock(passphrase); err != nil {
			return err
		}
	}
	rounds, err := r.svc.SyncRounds(ctx)
	if err != nil && !translog.IsFork(err) {
		return err
	}
	for i := range rounds {
		if rounds[i].State == domain.StatePublished {
			if _, err := r.svc.FetchResult(ctx, &rounds[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// FetchDone shows the outcome of Fetch.
func (r *Results) FetchDone(err error) error {
	r.Error = Message(err)
	rounds, lerr := r.svc.Store.Rounds()
	if lerr != nil {
		return lerr
	}
	return r.load(rounds)
}

// notParticipated reports whether an intern's result is of a round where
// the intern sent no wish list and got no poste.
func notParticipated(res *api.PersonalResult, me string) bool {
	if res.LastSubmission != nil {
		return false
	}
	for _, a := range res.Assignments {
		if a.Intern == me {
			return false
		}
	}
	return true
}
