package rules

import (
	"strconv"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// CheckRanks checks the ranks of a list of n elements (a wish list's
// postes, a ranking's candidates): absent (nil) is a strict order; present,
// there is one per element, the first is 1 and each next one is equal to
// the previous (ex aequo) or the previous plus one. whatFR and whatEN name
// the list in the refusal (bad_ranks), which also names the first wrong
// position (from 1) and the element there.
func CheckRanks(whatFR, whatEN string, ids []string, ranks []int) error {
	if ranks == nil {
		return nil
	}
	if len(ranks) != len(ids) {
		return api.Errorf(api.CodeBadRanks,
			"%[1]s : %[3]d rangs pour %[4]d éléments (il en faut un par élément)",
			"%[2]s: %[3]d ranks for %[4]d elements (one per element is needed)", whatFR, whatEN, len(ranks), len(ids))
	}
	for i, r := range ranks {
		wantFR, wantEN, ok := "1", "1", r == 1
		if i > 0 {
			prev, next := strconv.Itoa(ranks[i-1]), strconv.Itoa(ranks[i-1]+1)
			ok = r == ranks[i-1] || r == ranks[i-1]+1
			wantFR, wantEN = prev+" (ex aequo) ou "+next, prev+" (tied) or "+next
		}
		if !ok {
			return api.Errorf(api.CodeBadRanks,
				"%[1]s, position %[3]d (%[4]s) : rang %[5]d, attendu %[6]s",
				"%[2]s, position %[3]d (%[4]s): rank %[5]d, expected %[7]s", whatFR, whatEN, i+1, ids[i], r, wantFR, wantEN)
		}
	}
	return nil
}

// HasTies reports whether ranks puts two elements ex aequo.
func HasTies(ranks []int) bool {
	for i := 1; i < len(ranks); i++ {
		if ranks[i] == ranks[i-1] {
			return true
		}
	}
	return false
}

// CheckWishTies says whether round r accepts a wish list with these ranks:
// valid ranks (CheckRanks), and ties only in an appariement round that
// allows them (domain.Round.WishTies); the refusal ties_not_allowed names
// the round.
func CheckWishTies(r *domain.Round, l *domain.WishList) error {
	if err := CheckRanks("liste de vœux de "+l.Intern, "wish list of "+l.Intern, l.Postes, l.Ranks); err != nil {
		return err
	}
	if HasTies(l.Ranks) && !(r.Procedure == domain.Appariement && r.WishTies) {
		return api.Errorf(api.CodeTiesNotAllowed,
			"le tour %s n'autorise pas les vœux ex aequo : classez vos vœux dans un ordre strict",
			"round %s does not allow wishes ex aequo: rank your wishes in a strict order", r.ID)
	}
	return nil
}

// CheckRankingTies says whether round r accepts a ranking with these ranks:
// valid ranks (CheckRanks); an RTS may always rank ex aequo in an
// appariement, a choix au rang has no ranking at all (ties_not_allowed).
func CheckRankingTies(r *domain.Round, k *domain.Ranking) error {
	if err := CheckRanks("classement du poste "+k.Poste, "ranking of poste "+k.Poste, k.Interns, k.Ranks); err != nil {
		return err
	}
	if HasTies(k.Ranks) && r.Procedure != domain.Appariement {
		return api.Errorf(api.CodeTiesNotAllowed,
			"le tour %s est un choix au rang : un classement n'y peut pas avoir d'ex aequo",
			"round %s is a choix au rang: a ranking there cannot have ties", r.ID)
	}
	return nil
}
