package match

import (
	"cmp"
	"fmt"
	"slices"
)

// WeakReport is what CheckWeak finds about a valid result under the orders as they were
// given, ex aequo included, rather than as the draw broke them.
type WeakReport struct {
	// DrawDecided lists, sorted by intern then poste, the pairs of an intern and a poste that
	// the published draw decided against the intern: the intern and the poste would both
	// have been at least as well off together, one of them strictly, and they were ex aequo
	// on the other side. Empty without ties. Such a pair is not a blocking pair of the
	// weak orders (weak stability holds: CheckWeak fails otherwise), but it would block a
	// "strongly stable" matching, which may not exist: the draw is what decides them.
	DrawDecided []DrawPair
}

// DrawPair is one pair decided by the draw (see WeakReport).
type DrawPair struct {
	// Intern and Poste are the pair's ids.
	Intern, Poste string
	// Side is "ranking" when the RTS of Poste ranked Intern ex aequo with Over, an intern
	// it holds, whom the draw put first (and Intern prefers Poste to what it got), or
	// "wishes" when Intern listed Poste ex aequo with the poste it got, which the draw put
	// first (and Poste would have taken it).
	Side string
	// Over is the intern held by Poste whom the draw preferred (Side "ranking"), "" otherwise.
	Over string
	// Rank is the rank given to both sides of the tie: by the RTS (Side "ranking") or by
	// the intern (Side "wishes").
	Rank int
}

// CheckWeak proves res valid for inst as Check does (stable and optimal for the strict
// instance the draw gives, or the serial dictatorship of its wish lists), then checks it
// against the orders as given: no intern and poste both strictly prefer each other to
// what they hold (weak stability, for an appariement), and it lists the pairs the draw
// decided (see WeakReport). It does not prove more: with ties, a matching without any
// such pair (strongly stable) may not exist, and which interns the draw favours is the
// draw's to decide. A choix au rang with binômes gets Check's proof and an empty report.
func CheckWeak(inst *Instance, res Result) (*WeakReport, error) {
	c, err := Compile(inst)
	if err != nil {
		return nil, fmt.Errorf("checking result: invalid instance: %w", err)
	}
	if err := c.Check(res); err != nil {
		return nil, err
	}
	var re resultErrs
	m, wishPos := c.matchingOf(res, &re)
	rep := &WeakReport{DrawDecided: []DrawPair{}}
	if !c.HasTies() {
		return rep, nil
	}
	switch {
	case c.procedure == ProcedureAppariement:
		c.weakStable(m, wishPos, rep, &re)
	case c.binomes == nil:
		c.weakSerial(m, wishPos, rep)
	}
	slices.SortFunc(rep.DrawDecided, func(a, b DrawPair) int {
		if a.Intern != b.Intern {
			return cmp.Compare(a.Intern, b.Intern)
		}
		return cmp.Compare(a.Poste, b.Poste)
	})
	if err := re.err(); err != nil {
		return nil, err
	}
	return rep, nil
}

// weakStable looks at every acceptable pair under the weak orders of an appariement.
func (c *Compiled) weakStable(m Matching, wishPos []int32, rep *WeakReport, re *resultErrs) {
	np := len(c.posteIDs)
	count := make([]int32, np)
	worst := make([]int32, np) // position, in the broken ranking, of the worst intern held
	for i, p := range m {
		if p != NoPoste {
			count[p]++
			worst[p] = max(worst[p], c.wishRank[wishPos[i]])
		}
	}
	for i := range m {
		mine := int32(-1) // the intern's own rank of what it got; -1: nothing
		if m[i] != NoPoste {
			mine = c.wishLevel[wishPos[i]]
		}
		for k := c.wishStart[i]; k < c.wishStart[i+1]; k++ {
			r, p := c.wishRank[k], c.wishPoste[k]
			if r < 0 || p == m[i] {
				continue
			}
			lv := c.wishLevel[k]
			internStrict := mine < 0 || lv < mine
			internTied := lv == mine
			if !internStrict && !internTied {
				continue
			}
			posteStrict, posteTied := count[p] < c.capacity[p], false
			var over int32 = -1
			if !posteStrict {
				mineAt := c.rankLevel[c.rankStart[p]+r]
				worstAt := c.rankLevel[c.rankStart[p]+worst[p]]
				posteStrict = mineAt < worstAt
				posteTied = mineAt == worstAt
				over = c.rankIntern[c.rankStart[p]+worst[p]]
			}
			switch {
			case internStrict && posteStrict:
				re.add("paire bloquante des ordres donnés : l'interne %s préfère le poste %s à ce qu'il a obtenu, et le poste l'a classé avant un interne retenu ou a une place libre / blocking pair of the orders as given: intern %s prefers poste %s to %s, and the poste ranked it before an intern it holds or has a free place",
					quoteID(c.internIDs[i]), quoteID(c.posteIDs[p]), quoteID(c.internIDs[i]), quoteID(c.posteIDs[p]), c.describeOutcome(m[i]))
			case internStrict && posteTied:
				rep.DrawDecided = append(rep.DrawDecided, DrawPair{Intern: c.internIDs[i], Poste: c.posteIDs[p],
					Side: "ranking", Over: c.internIDs[over], Rank: int(c.rankLevel[c.rankStart[p]+r])})
			case internTied && posteStrict:
				rep.DrawDecided = append(rep.DrawDecided, DrawPair{Intern: c.internIDs[i], Poste: c.posteIDs[p],
					Side: "wishes", Rank: int(lv)})
			}
		}
	}
}

// weakSerial replays a choix au rang and lists the postes an intern listed ex aequo with the
// one it took that still had a free place at its turn: the draw chose between them.
func (c *Compiled) weakSerial(m Matching, wishPos []int32, rep *WeakReport) {
	left := append([]int32(nil), c.capacity...)
	for _, i := range c.callOrder {
		if p := m[i]; p != NoPoste {
			mine := c.wishLevel[wishPos[i]]
			for k := c.wishStart[i]; k < c.wishStart[i+1]; k++ {
				if q := c.wishPoste[k]; q != p && c.wishLevel[k] == mine && left[q] > 0 {
					rep.DrawDecided = append(rep.DrawDecided, DrawPair{Intern: c.internIDs[i], Poste: c.posteIDs[q],
						Side: "wishes", Rank: int(mine)})
				}
			}
			left[p]--
		}
	}
}

// CheckTieBreak proves that strict is exactly the strict instance the published draw of inst
// gives (BreakTies), or names the first list that differs.
func CheckTieBreak(inst, strict *Instance) error {
	want, err := BreakTies(inst)
	if err != nil {
		return err
	}
	if len(want.Interns) != len(strict.Interns) || len(want.Rankings) != len(strict.Rankings) {
		return fmt.Errorf("tirage : l'instance départagée n'a pas les mêmes listes / draw: the strict instance does not have the same lists")
	}
	for i, in := range want.Interns {
		got := strict.Interns[i]
		if got.ID != in.ID || !slices.Equal(got.Wishes, in.Wishes) || hasTie(got.Ranks) {
			return fmt.Errorf("tirage : les vœux de l'interne %s ne sont pas ceux que donne le tirage publié / draw: the wishes of intern %s are not those the published draw gives",
				quoteID(in.ID), quoteID(in.ID))
		}
	}
	for k, rk := range want.Rankings {
		got := strict.Rankings[k]
		if got.Poste != rk.Poste || !slices.Equal(got.Ranking, rk.Ranking) || hasTie(got.Ranks) {
			return fmt.Errorf("tirage : le classement du poste %s n'est pas celui que donne le tirage publié / draw: the ranking of poste %s is not the one the published draw gives",
				quoteID(rk.Poste), quoteID(rk.Poste))
		}
	}
	return nil
}
