package calllist

import (
	"fmt"
	"strconv"
	"strings"

	"appariement/shared/plural"
)

// english reports whether lang asks for English ("en", "en-GB"...); every other value,
// including "", gives French, the language of the procedure.
func english(lang string) bool {
	return lang == "en" || strings.HasPrefix(lang, "en-") || strings.HasPrefix(lang, "en_")
}

// pick returns en or fr.
func pick(isEN bool, en, fr string) string {
	if isEN {
		return en
	}
	return fr
}

// signed formats a rank change as "+3" or "−6" (with a minus sign, U+2212).
func signed(d int) string {
	if d < 0 {
		return "−" + strconv.Itoa(-d)
	}
	return "+" + strconv.Itoa(d)
}

// count formats n with a word in the singular or the plural, by the plural rule of
// shared/plural (French uses the singular for 0 and 1, English for 1 only).
func count(en bool, n int, one, many string) string {
	lang := "fr"
	if en {
		lang = "en"
	}
	if plural.One(lang, n) {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

// quoteAll quotes ids and joins them with commas.
func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for k, id := range ids {
		q[k] = strconv.Quote(id)
	}
	return strings.Join(q, ", ")
}

// joinInts joins numbers with commas.
func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for k, n := range ns {
		s[k] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// Message returns the notice of the move for its intern, in French or, when lang is "en"
// (or "en-…"), in English, for example "Votre rang passe de 152 à 158 (−6) : rétrogradé en
// phase socle" or "Your rank moves from 152 to 158 (−6): moved back to the phase socle".
func (m Move) Message(lang string) string {
	en := english(lang)
	var s string
	switch {
	case m.Added():
		s = pick(en, fmt.Sprintf("You were added to the call list at rank %d", m.NewRank),
			fmt.Sprintf("Vous êtes ajouté(e) à la liste d'appel au rang %d", m.NewRank))
		if m.Absent {
			s += pick(en, `, marked "planned absence"`, ", noté(e) « absence prévue »")
		}
	case m.Removed():
		s = pick(en, fmt.Sprintf("You were removed from the call list (you were at rank %d)", m.OldRank),
			fmt.Sprintf("Vous êtes retiré(e) de la liste d'appel (vous étiez au rang %d)", m.OldRank))
	default:
		if m.Delta != 0 {
			s = pick(en, fmt.Sprintf("Your rank moves from %d to %d (%s)", m.OldRank, m.NewRank, signed(m.Delta)),
				fmt.Sprintf("Votre rang passe de %d à %d (%s)", m.OldRank, m.NewRank, signed(m.Delta)))
		}
		if m.Absent != m.WasAbsent {
			var a string
			if m.Absent {
				a = pick(en, `you are now marked "planned absence"`, "vous êtes désormais noté(e) « absence prévue »")
			} else {
				a = pick(en, `your "planned absence" is lifted`, "votre « absence prévue » est levée")
			}
			if s == "" {
				s = strings.ToUpper(a[:1]) + a[1:] + pick(en, fmt.Sprintf(" (rank %d)", m.NewRank), fmt.Sprintf(" (rang %d)", m.NewRank))
			} else {
				s += pick(en, "; ", " ; ") + a
			}
		}
	}
	if m.Reason == "" {
		return s + "."
	}
	return s + pick(en, ": ", " : ") + m.Reason
}

// Message returns the tie and how the draw broke it, in French or, when lang is "en" (or
// "en-…"), in English.
func (t Tie) Message(lang string) string {
	en := english(lang)
	parts := make([]string, len(t.Entries))
	for k, e := range t.Entries {
		parts[k] = pick(en, "rank ", "rang ") + strconv.Itoa(e.Rank) + " " + strconv.Quote(e.Intern)
	}
	return pick(en,
		fmt.Sprintf("Tie broken by the published draw (seniority %s, classement %d): %s",
			count(en, t.Seniority, "semester", "semesters"), t.Classement, strings.Join(parts, ", ")),
		fmt.Sprintf("Égalité départagée par le tirage publié (ancienneté %s, classement %d) : %s",
			count(en, t.Seniority, "semestre", "semestres"), t.Classement, strings.Join(parts, ", ")))
}

// Message describes the problem in French or, when lang is "en" (or "en-…"), in English,
// naming the interns, ranks or specialty concerned.
func (p Problem) Message(lang string) string {
	en := english(lang)
	id, rank := "", 0
	if len(p.Interns) > 0 {
		id = strconv.Quote(p.Interns[0])
	}
	if len(p.Ranks) > 0 {
		rank = p.Ranks[0]
	}
	switch p.Kind {
	case KindMissing:
		return pick(en, fmt.Sprintf("Intern %s (specialty %q) is eligible but missing from the call list", id, p.Specialty),
			fmt.Sprintf("Interne %s (spécialité %q) éligible mais absent(e) de la liste d'appel", id, p.Specialty))
	case KindUnknown:
		return pick(en, fmt.Sprintf("Intern %s at rank %d is not among the eligible interns", id, rank),
			fmt.Sprintf("Interne %s au rang %d : ne figure pas parmi les internes éligibles", id, rank))
	case KindDuplicateIntern:
		return pick(en, fmt.Sprintf("Intern %s is listed more than once (ranks %s)", id, joinInts(p.Ranks)),
			fmt.Sprintf("Interne %s inscrit(e) plusieurs fois (rangs %s)", id, joinInts(p.Ranks)))
	case KindDuplicateEligible:
		return pick(en, fmt.Sprintf("Intern %s appears more than once among the eligible interns", id),
			fmt.Sprintf("Interne %s en double parmi les internes éligibles", id))
	case KindDuplicateRank:
		return pick(en, fmt.Sprintf("Rank %d is given to several interns: %s", rank, quoteAll(p.Interns)),
			fmt.Sprintf("Rang %d attribué à plusieurs internes : %s", rank, quoteAll(p.Interns)))
	case KindRankGap:
		return pick(en, fmt.Sprintf("No intern at rank %d", rank),
			fmt.Sprintf("Aucun interne au rang %d", rank))
	case KindRankRange:
		return pick(en, fmt.Sprintf("Intern %s: rank %d is outside 1 to %d", id, rank, p.Count),
			fmt.Sprintf("Interne %s : rang %d hors de 1 à %d", id, rank, p.Count))
	case KindRankOrder:
		return pick(en, fmt.Sprintf("Intern %s: rank %d comes after a higher rank", id, rank),
			fmt.Sprintf("Interne %s : rang %d placé après un rang supérieur", id, rank))
	case KindAbsentNotFlagged:
		return pick(en, fmt.Sprintf("Intern %s (rank %d) has a planned absence but is not flagged absent", id, rank),
			fmt.Sprintf("Interne %s (rang %d) : absence prévue non signalée sur la liste", id, rank))
	case KindFlaggedNotAbsent:
		return pick(en, fmt.Sprintf("Intern %s (rank %d) is flagged absent without a planned absence and could not choose", id, rank),
			fmt.Sprintf("Interne %s (rang %d) noté(e) « absence prévue » sans absence connue : il ou elle ne pourrait pas choisir", id, rank))
	case KindTooFewPlaces:
		return pick(en, fmt.Sprintf("Specialty %q: %s choosing for %s, %s missing", p.Specialty,
			count(en, p.Count, "intern", "interns"), count(en, p.Places, "place", "places"), count(en, p.Count-p.Places, "place", "places")),
			fmt.Sprintf("Spécialité %q : %s à choisir pour %s, il manque %s", p.Specialty,
				count(en, p.Count, "interne", "internes"), count(en, p.Places, "poste", "postes"), count(en, p.Count-p.Places, "poste", "postes")))
	case KindTooManyPlaces:
		return pick(en, fmt.Sprintf("Specialty %q: %s for %s choosing, more than %d %% above: check the postes and the call list", p.Specialty,
			count(en, p.Places, "place", "places"), count(en, p.Count, "intern", "interns"), ExcessPlacesPercent),
			fmt.Sprintf("Spécialité %q : %s pour %s à choisir, plus de %d %% d'écart : vérifier les postes et la liste d'appel", p.Specialty,
				count(en, p.Places, "poste", "postes"), count(en, p.Count, "interne", "internes"), ExcessPlacesPercent))
	}
	return fmt.Sprintf("%s %s %s %v", p.Severity, p.Kind, quoteAll(p.Interns), p.Ranks)
}
