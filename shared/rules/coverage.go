package rules

import (
	"appariement/shared/api"
	"appariement/shared/domain"
)

// RequiredForCoverage returns how many of candidates an RTS must rank to
// reach pct percent of them, rounded up (80 % of 7 candidates is 6); 0
// when pct is 0 or less. A pct above 100 counts as 100.
func RequiredForCoverage(candidates, pct int) int {
	if pct <= 0 || candidates <= 0 {
		return 0
	}
	pct = min(pct, 100)
	return (candidates*pct + 99) / 100
}

// MissingForCoverage returns how many more candidates an RTS who ranked
// ranked of candidates must rank to reach pct percent; 0 when reached.
func MissingForCoverage(ranked, candidates, pct int) int {
	return max(0, RequiredForCoverage(candidates, pct)-ranked)
}

// CheckRankingCoverage says whether a ranking of poste that lists ranked of
// its candidates reaches the round's minimum share (MinRankingCoverage; 0:
// none). The refusal, ranking_coverage, names the poste, the share, and
// how many candidates are still missing.
func CheckRankingCoverage(r *domain.Round, poste string, ranked, candidates int) error {
	pct := r.MinRankingCoverage
	missing := MissingForCoverage(ranked, candidates, pct)
	if missing == 0 {
		return nil
	}
	need := RequiredForCoverage(candidates, pct)
	sFR, sEN := "", "s"
	if ranked > 1 {
		sFR = "s"
	} else if ranked == 1 {
		sEN = ""
	}
	return api.Errorf(api.CodeRankingCoverage,
		"le classement du poste %[1]s compte %[2]d candidat%[8]s sur %[3]d : le tour %[4]s demande d'en classer au moins %[5]d %%, soit %[6]d ; il en manque %[7]d",
		"the ranking of poste %[1]s lists %[2]d candidate%[9]s out of %[3]d: round %[4]s requires at least %[5]d %%, that is %[6]d; %[7]d missing",
		poste, ranked, candidates, r.ID, pct, need, missing, sFR, sEN)
}
