package viewmodel

import (
	"context"

	"appariement/desktop/internal/i18n"
	"appariement/shared/simulation"
)

// turnRow is the row of one turn of the replay or of the live reveal:
// a single intern's take, the earlier member of a binôme waiting for the
// partner, or the binôme's turn (both takes, the partner's first, and
// whether they got a pair of their joint list). Me marks the turns of
// intern me, the binôme's turn included.
func turnRow(st simulation.Step, me string, posteName func(string) string) LiveRow {
	take := func(who, poste string, left int) string {
		if poste == "" {
			return i18n.T("live.take_none", who)
		}
		return i18n.T("live.take", who, posteName(poste), i18n.N("live.left", left, left))
	}
	r := LiveRow{Rank: st.Rank, Me: st.Intern == me}
	switch {
	case st.Partner != "" && st.Waits:
		r.Text = i18n.T("live.waits", st.Rank, st.Intern, st.Partner, st.PartnerRank)
	case st.Partner != "":
		r.Me = r.Me || st.Partner == me
		how := i18n.T("live.pair_own")
		if st.Pair > 0 {
			how = i18n.T("live.pair_joint", st.Pair)
		}
		// Three lines: the pair's turn, then each take (the screens show them whole).
		r.Text = i18n.T("live.pair_turn", st.Rank, st.Partner, st.Intern) + " — " + how +
			"\n    " + take(st.Partner, st.PartnerPoste, st.PartnerLeft) + "\n    " + take(st.Intern, st.Poste, st.Left)
	case st.Poste == "":
		r.Text = i18n.T("live.nothing", st.Rank, st.Intern)
	default:
		r.Text = i18n.T("live.step", st.Rank, st.Intern, posteName(st.Poste), i18n.N("live.left", st.Left, st.Left))
	}
	if r.Me {
		r.Text += " — " + i18n.T("calllist.you")
	}
	return r
}

// livePairs are the binômes seen in the turns of steps (at each binôme's
// turn), each once, intern then partner.
func livePairs(steps []simulation.Step) [][2]string {
	var out [][2]string
	for _, st := range steps {
		if st.Partner != "" && !st.Waits {
			out = append(out, [2]string{st.Intern, st.Partner})
		}
	}
	return out
}

// syncBinomes fetches the binômes the intern knows of in round (their
// own, once both links are signed: service.BinomeLinks), for the call
// list's marks; none when the round has no binômes.
func (c *CallList) syncBinomes(ctx context.Context, round string) ([][2]string, error) {
	if !c.Binomes {
		return nil, nil
	}
	r, err := c.svc.BinomeLinks(ctx, round)
	if err != nil {
		return nil, err
	}
	out := make([][2]string, 0, len(r.Binomes))
	for _, b := range r.Binomes {
		out = append(out, b.Interns)
	}
	return out, nil
}

// pairsKnown are the binômes the call list marks: those of the intern's
// signed links and those the replay shows.
func (c *CallList) pairsKnown() [][2]string {
	out := append([][2]string(nil), c.pairs...)
	if c.Live != nil {
		out = append(out, livePairs(c.Live.Steps)...)
	}
	return out
}

// pairMark is the call list's mark of intern's binôme, "" when none.
func (c *CallList) pairMark(intern string) string {
	if c.marks == nil {
		return ""
	}
	m, ok := c.marks[intern]
	switch {
	case !ok:
		return ""
	case m.ChoosesAt == 0:
		return i18n.T("calllist.binome_absent", m.Partner)
	}
	return i18n.T("calllist.binome", m.Partner, m.ChoosesAt)
}
