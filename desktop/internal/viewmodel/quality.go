package viewmodel

import (
	"appariement/desktop/internal/i18n"
	"sort"
	"strings"

	"appariement/shared/api"
	"appariement/shared/domain"
)

// Balance is the count of interns and places of one specialty in one
// subdivision.
type Balance struct {
	Specialty   string
	Subdivision string
	Interns     int
	Places      int
	Postes      int
}

// Name names the cell as people read it: "Pédiatrie — Île-de-France"
// (the codes when unknown).
func (b Balance) Name() string { return CellName(b.Specialty, b.Subdivision) }

// Diff is places minus interns: negative is a shortage.
func (b Balance) Diff() int { return b.Places - b.Interns }

// Shortage reports more interns than places.
func (b Balance) Shortage() bool { return b.Interns > b.Places }

// Duplicate is one person listed under several ids.
type Duplicate struct {
	Name, Email string
	IDs         []string
}

// Quality is the data-quality dashboard of a round before it opens.
type Quality struct {
	Balances      []Balance       // shortages first, then by specialty, subdivision
	MissingEmail  []domain.Poste  // postes without RTS e-mail
	BadEmail      []domain.Poste  // postes with a malformed RTS e-mail
	BadPeople     []domain.Person // people with a malformed e-mail
	Duplicates    []Duplicate
	NoKey         []api.PersonStatus // people not enrolled (interns and RTS)
	Unwished      []domain.Poste     // open postes nobody wished (if wishes known)
	WishesKnown   bool
	Interns       int
	Places        int
	Postes        int
	RTSWithoutKey int
}

// Shortages returns the balances with more interns than places.
func (q *Quality) Shortages() []Balance {
	var out []Balance
	for _, b := range q.Balances {
		if b.Shortage() {
			out = append(out, b)
		}
	}
	return out
}

// ComputeQuality builds the dashboard from the people, the round's postes
// and, if known (wished != nil), the set of postes named in a wish list.
// Only interns and postes in the round's scope count.
func ComputeQuality(scope domain.Scope, people []api.PersonStatus, postes []domain.Poste, wished map[string]bool) *Quality {
	q := &Quality{WishesKnown: wished != nil}
	inScope := scope.Covers
	type key struct{ spec, sub string }
	bal := map[key]*Balance{}
	get := func(spec, sub string) *Balance {
		k := key{spec, sub}
		if bal[k] == nil {
			bal[k] = &Balance{Specialty: spec, Subdivision: sub}
		}
		return bal[k]
	}
	for _, p := range postes {
		if p.Closed || !inScope(p.Specialty, p.Subdivision) {
			continue
		}
		b := get(p.Specialty, p.Subdivision)
		b.Places += p.Capacity
		b.Postes++
		q.Places += p.Capacity
		q.Postes++
		switch {
		case strings.TrimSpace(p.RTSEmail) == "":
			q.MissingEmail = append(q.MissingEmail, p)
		case !domain.ValidEmail(p.RTSEmail):
			q.BadEmail = append(q.BadEmail, p)
		}
		if wished != nil && !wished[p.ID] {
			q.Unwished = append(q.Unwished, p)
		}
	}
	dups := map[string]*Duplicate{}
	var dupKeys []string
	for _, ps := range people {
		p := ps.Person
		if p.Role == domain.RoleIntern {
			if !inScope(p.Specialty, p.Subdivision) {
				continue
			}
			get(p.Specialty, p.Subdivision).Interns++
			q.Interns++
		}
		if p.Email != "" && !domain.ValidEmail(p.Email) {
			q.BadPeople = append(q.BadPeople, p)
		}
		if !ps.Enrolled && (p.Role == domain.RoleIntern || p.Role == domain.RoleRTS) {
			q.NoKey = append(q.NoKey, ps)
			if p.Role == domain.RoleRTS {
				q.RTSWithoutKey++
			}
		}
		k := strings.ToLower(strings.TrimSpace(p.FirstName) + "|" + strings.TrimSpace(p.LastName) + "|" + strings.TrimSpace(p.Email))
		if dups[k] == nil {
			dups[k] = &Duplicate{Name: p.FullName(), Email: p.Email}
			dupKeys = append(dupKeys, k)
		}
		dups[k].IDs = append(dups[k].IDs, p.ID)
	}
	for _, k := range dupKeys {
		if len(dups[k].IDs) > 1 {
			q.Duplicates = append(q.Duplicates, *dups[k])
		}
	}
	for _, b := range bal {
		q.Balances = append(q.Balances, *b)
	}
	sort.Slice(q.Balances, func(i, j int) bool {
		a, b := q.Balances[i], q.Balances[j]
		if a.Shortage() != b.Shortage() {
			return a.Shortage()
		}
		if a.Specialty != b.Specialty {
			return a.Specialty < b.Specialty
		}
		return a.Subdivision < b.Subdivision
	})
	return q
}

// QualityTotals is the dashboard's headline: interns, places, postes and
// shortages, each counted with its plural.
func QualityTotals(q *Quality) string {
	sh := len(q.Shortages())
	return i18n.T("quality.totals", i18n.N("count.interns", q.Interns, q.Interns), i18n.N("count.places", q.Places, Thousands(q.Places)),
		i18n.N("count.postes", q.Postes, q.Postes), i18n.N("count.shortages", sh, sh))
}
