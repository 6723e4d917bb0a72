package rules

import (
	"appariement/shared/api"
	"appariement/shared/domain"
)

// CheckWish says whether intern may take poste p of round: put it on a
// wish list, or be assigned to it by hand in a third round. The poste must
// be open and of the intern's own specialty and subdivision.
func CheckWish(round string, intern *domain.Person, p *domain.Poste) error {
	if p.Closed {
		return api.Errorf(api.CodePosteClosed, "le poste %s a été retiré du tour %s",
			"poste %s was withdrawn from round %s", p.ID, round)
	}
	if p.Specialty != intern.Specialty || p.Subdivision != intern.Subdivision {
		return api.Errorf(api.CodeForbidden, "le poste %s (%s, %s) n'est pas ouvert à la spécialité et subdivision de %s (%s, %s)",
			"poste %s (%s, %s) is not open to the specialty and subdivision of %s (%s, %s)",
			p.ID, p.Specialty, p.Subdivision, intern.ID, intern.Specialty, intern.Subdivision)
	}
	return nil
}

// FreePlaces returns the places left on each open poste of a round given
// its assignments so far.
func FreePlaces(postes []domain.Poste, assigned []domain.Assignment) map[string]int {
	free := map[string]int{}
	for _, p := range postes {
		if !p.Closed {
			free[p.ID] = p.Capacity
		}
	}
	for _, a := range assigned {
		free[a.Poste]--
	}
	return free
}
