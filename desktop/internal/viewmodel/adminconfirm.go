package viewmodel

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
)

// UnrankedPublishThreshold is the share (in per cent) of a round's open
// postes without a signed ranking above which publishing an appariement
// asks a second, explicit confirmation: their places stay empty.
const UnrankedPublishThreshold = 10

// Confirmation is what the admin reads before an irreversible step: the
// numbers that matter, then the question; Second, when not empty, is a
// second explicit confirmation the step also needs.
type Confirmation struct {
	Title, Text string
	Second      string
}

// Facts are the numbers that matter before a step of the current round,
// one sentence each: wish lists received out of eligible interns; in an
// appariement, postes with and without a signed ranking; the interns who
// stay (or would stay) without a poste.
func (a *Admin) Facts() []string {
	d := a.Detail
	if d == nil || a.Round == nil {
		return nil
	}
	out := []string{i18n.N("admin.fact.wishes", d.WishLists, Thousands(d.WishLists), i18n.N("admin.fact.eligible", d.Eligible, Thousands(d.Eligible)))}
	if a.Round.Procedure == domain.Appariement {
		unranked := max(d.Postes-d.RankedPostes, 0)
		out = append(out, i18n.N("admin.fact.ranked", d.RankedPostes, Thousands(d.RankedPostes), Thousands(d.Postes)),
			i18n.N("admin.fact.unranked", unranked, Thousands(unranked), percent(unranked, d.Postes)))
	}
	if d.Preview != nil {
		placed, left := len(d.Preview.Assignments), len(d.Preview.Unmatched)
		out = append(out, i18n.N("admin.fact.placed", placed, Thousands(placed)), i18n.N("admin.fact.unmatched", left, Thousands(left)))
		return out
	}
	if noList := max(d.Eligible-d.WishLists, 0); noList > 0 {
		out = append(out, i18n.N("admin.fact.no_list", noList, Thousands(noList)))
	}
	if d.Unreachable > 0 {
		out = append(out, i18n.N("admin.fact.unreachable", d.Unreachable, Thousands(d.Unreachable)))
	}
	return out
}

// UnrankedShare is the share of open postes without a signed ranking in an
// appariement (0 otherwise).
func (a *Admin) UnrankedShare() float64 {
	if a.Detail == nil || a.Round == nil || a.Round.Procedure != domain.Appariement || a.Detail.Postes == 0 {
		return 0
	}
	return float64(max(a.Detail.Postes-a.Detail.RankedPostes, 0)) / float64(a.Detail.Postes)
}

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return (n*100 + of/2) / of
}

func (a *Admin) withFacts(question string, warnings ...string) string {
	var parts []string
	for _, w := range warnings {
		if w != "" {
			parts = append(parts, w)
		}
	}
	if f := a.Facts(); len(f) > 0 {
		parts = append(parts, "• "+strings.Join(f, "\n• "))
	}
	return strings.Join(append(parts, question), "\n\n")
}

// ConfirmTransition is the confirmation of moving the round to to.
func (a *Admin) ConfirmTransition(to domain.RoundState) Confirmation {
	return Confirmation{Title: i18n.T("admin.transition"),
		Text: a.withFacts(i18n.T("admin.confirm_transition", i18n.T("round.state."+string(to))))}
}

// ConfirmRun is the confirmation of running the matching.
func (a *Admin) ConfirmRun() Confirmation {
	return Confirmation{Title: i18n.T("admin.run"), Text: a.withFacts(i18n.T("admin.confirm_run"), a.RunWarning())}
}

// ConfirmPublish is the confirmation of publishing the preview; when more
// than UnrankedPublishThreshold of the postes have no signed ranking it
// needs a second confirmation saying so.
func (a *Admin) ConfirmPublish() Confirmation {
	c := Confirmation{Title: i18n.T("admin.publish"), Text: a.withFacts(i18n.T("admin.confirm_publish"))}
	if share := a.UnrankedShare(); share*100 > UnrankedPublishThreshold {
		c.Second = i18n.T("admin.confirm_publish_unranked", percent(a.Detail.Postes-a.Detail.RankedPostes, a.Detail.Postes),
			UnrankedPublishThreshold)
	}
	return c
}

// ConfirmNextRound is the confirmation of creating the next round: who
// and which places it takes.
func (a *Admin) ConfirmNextRound() Confirmation {
	left, free := 0, 0
	if a.Detail != nil && a.Detail.Preview != nil {
		left = len(a.Detail.Preview.Unmatched)
		for _, n := range rules.FreePlaces(a.Postes, a.Detail.Preview.Assignments) {
			free += max(n, 0)
		}
	}
	n := 0
	if a.Round != nil {
		n = a.Round.Number + 1
	}
	return Confirmation{Title: i18n.T("admin.next_round"), Text: i18n.T("admin.confirm_next", n,
		i18n.N("admin.fact.without", left, Thousands(left)), i18n.N("count.free_places", free, Thousands(free)))}
}

// Round3Counters says, in a round 3, how many interns still have no poste
// and how many places are free (after the manual assignments so far).
func (a *Admin) Round3Counters() string {
	if a.Round == nil || a.Round.Number != 3 {
		return ""
	}
	left := len(a.Remaining())
	free := 0
	for _, f := range a.FreePostes(nil) {
		free += f.Free
	}
	return i18n.T("admin.round3_counters", i18n.N("admin.fact.without", left, Thousands(left)), i18n.N("count.free_places", free, Thousands(free)))
}

// Round3Open reports whether the round-3 assignment panel applies: a
// round 3 not yet published.
func (a *Admin) Round3Open() bool {
	return a.Round != nil && a.Round.Number == 3 && !a.published()
}

// isoTime finds the ISO 8601 / RFC 3339 times a refusal may carry.
var isoTime = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})`)

// idToken finds the words that may be ids of rounds or people.
var idToken = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}_.-]*[\p{L}\p{N}]|[\p{L}\p{N}]`)

// StaffMessage is Message(err) as staff read it: the rounds and people
// the server names by id are named by their names ("« Tour 3 —
// Cardiologie Lyon »", "Jeanne Martin (i000038)"), ISO times are Paris
// times, and the sentence starts with a capital. The one place where
// refusals are rendered for the staff's screens (admin, coordinator).
func StaffMessage(err error, rounds []domain.Round, people []api.PersonStatus) string {
	return humanize(Message(err), rounds, people)
}

// Message is StaffMessage with the admin's rounds and people.
func (a *Admin) Message(err error) string { return StaffMessage(err, a.Rounds, a.People) }

// Message is StaffMessage with the coordinator's rounds and people.
func (c *Coordinator) Message(err error) string { return StaffMessage(err, c.Rounds, c.People) }

func humanize(s string, rounds []domain.Round, people []api.PersonStatus) string {
	if s == "" {
		return ""
	}
	s = isoTime.ReplaceAllStringFunc(s, func(m string) string {
		t, err := time.Parse(time.RFC3339Nano, strings.Replace(m, " ", "T", 1))
		if err != nil {
			return m
		}
		return FormatTime(t)
	})
	names := map[string]string{}
	for _, r := range rounds {
		if r.Name != "" {
			names[r.ID] = "« " + r.Name + " »"
		}
	}
	for _, p := range people {
		if n := strings.TrimSpace(p.Person.FullName()); n != "" {
			names[p.Person.ID] = n + " (" + p.Person.ID + ")"
		}
	}
	s = idToken.ReplaceAllStringFunc(s, func(w string) string {
		if n, ok := names[w]; ok {
			return n
		}
		return w
	})
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}
