package rules

import (
	"appariement/shared/api"
	"appariement/shared/domain"
)

// CheckBinomeLink checks a binôme link against the round (the window is
// CheckWindow's): author and partner are interns of the round, and every
// poste of the joint list exists and is open to the one it is for
// (CheckWish), as a wish would be. postes are the round's postes by id;
// eligible reports whether an intern takes part in the round. A withdrawal
// (no partner) needs only the author.
func CheckBinomeLink(r *domain.Round, author, partner *domain.Person, postes map[string]*domain.Poste,
	eligible func(id string) bool, link *api.BinomeLink) error {
	for _, p := range []*domain.Person{author, partner} {
		if p == nil {
			continue
		}
		if p.Role != domain.RoleIntern {
			return api.Errorf(api.CodeForbidden, "binôme de %s : %s n'est pas un interne", "binôme of %s: %s is not an intern", link.Author, p.ID)
		}
		if !eligible(p.ID) {
			return api.Errorf(api.CodeForbidden, "binôme de %s : %s ne participe pas au tour %s",
				"binôme of %s: %s does not take part in round %s", link.Author, p.ID, r.ID)
		}
	}
	if link.Partner == "" {
		return nil
	}
	if partner == nil || partner.ID != link.Partner {
		return api.Errorf(api.CodeUnknownIntern, "binôme de %s : l'interne %s n'existe pas", "binôme of %s: intern %s does not exist", link.Author, link.Partner)
	}
	for k, pq := range link.Pairs {
		for s, who := range []*domain.Person{author, partner} {
			p, ok := postes[pq[s]]
			if !ok {
				return api.Errorf(api.CodeUnknownPoste, "binôme de %s, paire %d : le poste %s n'existe pas dans le tour %s",
					"binôme of %s, pair %d: poste %s does not exist in round %s", link.Author, k+1, pq[s], r.ID)
			}
			if err := CheckWish(r.ID, who, p); err != nil {
				return err
			}
		}
	}
	return nil
}
