// Package demodata generates a realistic national data set for demos and
// tests: postes over the 28 subdivisions and the 44 DES, their RTS, the
// interns with their ranks, coordinators and admins, with plausible French
// names and établissements. The same options always give the same data.
//
// Unless told not to, it plants a few data errors of the kinds that broke
// the 2020 platforms (see PlantedError), so that the data-quality dashboard
// has something to find.
package demodata

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"appariement/shared/domain"
)

// Options sets the size of the data set.
type Options struct {
	Seed    uint64
	Interns int  // interns before planting (planting adds a few)
	Postes  int  // postes, 1.7 places each on average
	Plant   bool // plant the data errors listed in Data.Planted
}

// DefaultOptions gives about 4,000 interns and 3,000 postes with 5,000
// places: the size of a national round.
func DefaultOptions() Options {
	return Options{Seed: 1, Interns: 4000, Postes: 3000, Plant: true}
}

// Small gives about 180 interns and 120 postes, for tests.
func Small(seed uint64) Options {
	return Options{Seed: seed, Interns: 180, Postes: 120, Plant: true}
}

// Data is a generated data set. People are the admins, then the
// coordinators, the RTS and the interns.
type Data struct {
	Postes  []domain.Poste
	People  []domain.Person
	Planted []PlantedError
	// Showcase is the typical people a demo lists first.
	Showcase Showcase
}

// Showcase is the specialty of the first subdivision (Amiens) with the
// most postes, whose people a demo lists first because they meet the real
// thing: each intern can choose among many postes (20 or more in the
// default data set), and the poste Poste, of the RTS RTS, draws many
// candidates when the demo's simulated interns of that specialty all list
// it.
type Showcase struct {
	Specialty, Subdivision string
	Postes                 int      // postes of the cell
	Interns                []string // the cell's interns, best rank first
	Poste                  string   // the poste every simulated intern of the cell lists
	RTS                    []string // the RTS of the cell, Poste's first
}

// PlantKind names a kind of planted data error.
type PlantKind string

// The planted data errors.
const (
	// PlantShortage: one specialty in one subdivision has more interns
	// than places. IDs lists the extra interns.
	PlantShortage PlantKind = "shortage"
	// PlantBadRTSEmail: one RTS has a malformed e-mail address (no
	// top-level domain), on the person and on the postes. IDs lists the
	// RTS, then the postes.
	PlantBadRTSEmail PlantKind = "bad_rts_email"
	// PlantDuplicateIntern: one intern is listed twice, under two ids,
	// with the same name and e-mail. IDs lists both.
	PlantDuplicateIntern PlantKind = "duplicate_intern"
	// PlantMissingRTSEmail: one poste has no RTS e-mail. IDs lists it.
	PlantMissingRTSEmail PlantKind = "missing_rts_email"
)

// PlantedError documents a data error planted on purpose.
type PlantedError struct {
	Kind        PlantKind
	IDs         []string // the people or postes involved
	Specialty   string   // for PlantShortage
	Subdivision string   // for PlantShortage
	Description string   // in French, for the demo script
}

// generator holds the state of one Generate call.
type generator struct {
	rng     *rand.Rand
	emails  map[string]bool // addresses in use, to keep each one unique
	postes  []domain.Poste
	rts     []domain.Person
	interns int // interns made so far, for their ids
	planted []PlantedError
}

// cell is a specialty in a subdivision.
type cell struct {
	spec    *specialty
	reg     *region
	places  int
	interns []domain.Person
}

// Generate builds the data set described by opts.
func Generate(opts Options) *Data {
	g := &generator{
		rng:    rand.New(rand.NewPCG(opts.Seed, 0x617070617269656d)),
		emails: make(map[string]bool),
	}

	// Postes go to each cell in proportion to the product of the weights
	// of its specialty and of its subdivision.
	var cells []*cell
	var weights []int
	for i := range regions {
		for j := range specialties {
			cells = append(cells, &cell{spec: &specialties[j], reg: &regions[i]})
			weights = append(weights, regions[i].weight*specialties[j].weight)
		}
	}
	for i, n := range apportion(opts.Postes, weights) {
		cells[i].places = g.addPostes(cells[i], n)
	}

	// Interns go to each cell in proportion to its places, so that no cell
	// has more interns than places when there are fewer interns than places.
	places := make([]int, len(cells))
	for i, c := range cells {
		places[i] = c.places
	}
	for i, n := range apportion(opts.Interns, places) {
		for range n {
			cells[i].interns = append(cells[i].interns, g.newIntern(cells[i]))
		}
	}
	if opts.Plant {
		g.plantShortage(cells)
	}

	// One call list per subdivision, in random order.
	var interns []domain.Person
	for i := range regions {
		first := len(interns)
		for _, c := range cells {
			if c.reg == &regions[i] {
				interns = append(interns, c.interns...)
			}
		}
		list := interns[first:]
		for rank, k := range g.rng.Perm(len(list)) {
			list[k].Rank = rank + 1
		}
	}

	// A coordinator for each DES that has postes in the biggest
	// subdivisions.
	var coordinators []domain.Person
	for _, c := range cells {
		if c.places > 0 && slices.Contains([]string{"IDF", "LYON", "LILLE", "MARSEILLE"}, c.reg.code) {
			p := g.person(domain.RoleCoordinator, fmt.Sprintf("C%04d", len(coordinators)+1), "chu-"+c.reg.slug+".fr")
			p.Specialty, p.Subdivision = c.spec.code, c.reg.code
			coordinators = append(coordinators, p)
		}
	}
	admins := []domain.Person{
		g.person(domain.RoleAdmin, "A0001", "ars.sante.fr"),
		g.person(domain.RoleAdmin, "A0002", "ars.sante.fr"),
	}

	if opts.Plant {
		interns = g.plantDuplicate(interns)
		g.plantRTSEmails()
	}
	return &Data{
		Postes:   g.postes,
		People:   slices.Concat(admins, coordinators, g.rts, interns),
		Planted:  g.planted,
		Showcase: showcase(g.postes, interns),
	}
}

// showcase finds the Showcase of a data set: in the first subdivision,
// the specialty with the most postes (the first on a tie), its interns by
// rank, its poste of the most places whose RTS has a valid e-mail address
// (the first on a tie), and its RTS.
func showcase(postes []domain.Poste, interns []domain.Person) Showcase {
	sc := Showcase{Subdivision: regions[0].code}
	count := make(map[string]int)
	for _, p := range postes {
		if p.Subdivision == sc.Subdivision {
			count[p.Specialty]++
		}
	}
	for _, s := range specialties {
		if count[s.code] > sc.Postes {
			sc.Specialty, sc.Postes = s.code, count[s.code]
		}
	}
	best := -1
	for _, p := range postes {
		if p.Specialty != sc.Specialty || p.Subdivision != sc.Subdivision {
			continue
		}
		if !slices.Contains(sc.RTS, p.RTS) {
			sc.RTS = append(sc.RTS, p.RTS)
		}
		if p.Capacity > best && domain.ValidEmail(p.RTSEmail) {
			sc.Poste, best = p.ID, p.Capacity
		}
	}
	for i, p := range postes {
		if p.ID == sc.Poste {
			j := slices.Index(sc.RTS, postes[i].RTS)
			sc.RTS = slices.Concat(sc.RTS[j:j+1], sc.RTS[:j], sc.RTS[j+1:])
			break
		}
	}
	var cell []domain.Person
	for _, p := range interns {
		if p.Specialty == sc.Specialty && p.Subdivision == sc.Subdivision {
			cell = append(cell, p)
		}
	}
	slices.SortStableFunc(cell, func(a, b domain.Person) int { return a.Rank - b.Rank })
	for _, p := range cell {
		sc.Interns = append(sc.Interns, p.ID)
	}
	return sc
}

// addPostes makes n postes of cell c and their RTS, and returns their
// places. Each RTS has one to four postes, in distinct services of one
// établissement.
func (g *generator) addPostes(c *cell, n int) (places int) {
	services := c.spec.services
	for made := 0; made < n; {
		e := g.etab(c)
		mailDomain := "ch-" + slug(e.town) + ".fr"
		if e.chu {
			mailDomain = "chu-" + c.reg.slug + ".fr"
		}
		rts := g.person(domain.RoleRTS, fmt.Sprintf("R%05d", len(g.rts)+1), mailDomain)
		g.rts = append(g.rts, rts)
		k := min(1+g.rng.IntN(4), n-made, len(services))
		offset := g.rng.IntN(len(services))
		for j := range k {
			made++
			service := services[(offset+j)%len(services)]
			p := domain.Poste{
				ID:            fmt.Sprintf("P-%s-%s-%04d", c.reg.code, c.spec.code, made),
				Specialty:     c.spec.code,
				Subdivision:   c.reg.code,
				Etablissement: e.name,
				Service:       service,
				Town:          e.town,
				Title:         service + " – " + e.name,
				RTS:           rts.ID,
				RTSName:       "Dr " + rts.FullName(),
				RTSEmail:      rts.Email,
				Capacity:      g.capacity(),
				Description:   pick(g.rng, activities) + " " + pick(g.rng, supervision),
			}
			places += p.Capacity
			g.postes = append(g.postes, p)
		}
	}
	return places
}

// etab picks an établissement of the cell's subdivision: a CHU site for
// the specialty's share of postes, a CH otherwise.
func (g *generator) etab(c *cell) etab {
	chu := g.rng.IntN(100) < c.spec.chuShare
	var choice []etab
	for _, e := range c.reg.etabs {
		if e.chu == chu {
			choice = append(choice, e)
		}
	}
	return pick(g.rng, choice)
}

// capacity returns 1 to 5 places, 1.7 on average.
func (g *generator) capacity() int {
	n, places := g.rng.IntN(100), 1
	for _, share := range []int{58, 24, 11, 4} { // and 3% of 5
		if n < share {
			break
		}
		n -= share
		places++
	}
	return places
}

// newIntern makes an intern of cell c, without a rank.
func (g *generator) newIntern(c *cell) domain.Person {
	g.interns++
	p := g.person(domain.RoleIntern, fmt.Sprintf("I%06d", g.interns), "etu.univ-"+c.reg.slug+".fr")
	p.Specialty, p.Subdivision = c.spec.code, c.reg.code
	return p
}

// person makes a person with a random name and a unique e-mail address
// firstname.lastname@mailDomain.
func (g *generator) person(role domain.Role, id, mailDomain string) domain.Person {
	p := domain.Person{ID: id, Role: role, FirstName: pick(g.rng, firstNames), LastName: pick(g.rng, lastNames)}
	local := slug(p.FirstName) + "." + slug(p.LastName)
	p.Email = local + "@" + mailDomain
	for n := 2; g.emails[p.Email]; n++ {
		p.Email = local + strconv.Itoa(n) + "@" + mailDomain
	}
	g.emails[p.Email] = true
	return p
}

// plantShortage gives the Pédiatrie cell with the most places three
// interns more than places.
func (g *generator) plantShortage(cells []*cell) {
	var c *cell
	for _, d := range cells {
		if d.spec.code == "PED" && (c == nil || d.places > c.places) {
			c = d
		}
	}
	var ids []string
	for len(c.interns) < c.places+3 {
		p := g.newIntern(c)
		c.interns = append(c.interns, p)
		ids = append(ids, p.ID)
	}
	g.planted = append(g.planted, PlantedError{
		Kind: PlantShortage, IDs: ids, Specialty: c.spec.code, Subdivision: c.reg.code,
		Description: fmt.Sprintf("Pédiatrie, subdivision %s : %d internes pour %d places",
			domain.LookupSubdivision(c.reg.code).Name, len(c.interns), c.places),
	})
}

// plantDuplicate lists a random intern a second time under a new id, last
// of the call list of the subdivision.
func (g *generator) plantDuplicate(interns []domain.Person) []domain.Person {
	orig := pick(g.rng, interns)
	dup := orig
	g.interns++
	dup.ID = fmt.Sprintf("I%06d", g.interns)
	for _, p := range interns {
		if p.Subdivision == dup.Subdivision {
			dup.Rank = max(dup.Rank, p.Rank+1)
		}
	}
	g.planted = append(g.planted, PlantedError{
		Kind: PlantDuplicateIntern, IDs: []string{orig.ID, dup.ID},
		Description: fmt.Sprintf("%s inscrit(e) deux fois : %s et %s", orig.FullName(), orig.ID, dup.ID),
	})
	return append(interns, dup)
}

// plantRTSEmails drops the top-level domain of a random RTS's address, on
// the person and on the postes, and the RTS e-mail of a poste of another
// RTS.
func (g *generator) plantRTSEmails() {
	r := &g.rts[g.rng.IntN(len(g.rts))]
	r.Email = r.Email[:strings.LastIndexByte(r.Email, '.')]
	bad := PlantedError{Kind: PlantBadRTSEmail, IDs: []string{r.ID},
		Description: fmt.Sprintf("RTS %s : adresse e-mail mal formée « %s »", r.ID, r.Email)}
	var others []int
	for i := range g.postes {
		if g.postes[i].RTS == r.ID {
			g.postes[i].RTSEmail = r.Email
			bad.IDs = append(bad.IDs, g.postes[i].ID)
		} else {
			others = append(others, i)
		}
	}
	p := &g.postes[pick(g.rng, others)]
	p.RTSEmail = ""
	g.planted = append(g.planted, bad, PlantedError{Kind: PlantMissingRTSEmail, IDs: []string{p.ID},
		Description: fmt.Sprintf("Poste %s sans e-mail de RTS", p.ID)})
}

// apportion divides total in proportion to weights by largest remainders,
// in integers so that every machine gives the same result.
func apportion(total int, weights []int) []int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	counts := make([]int, len(weights))
	if sum == 0 {
		return counts
	}
	order := make([]int, len(weights))
	given := 0
	for i, w := range weights {
		counts[i] = total * w / sum
		given += counts[i]
		order[i] = i
	}
	rem := func(i int) int { return total * weights[i] % sum }
	slices.SortStableFunc(order, func(a, b int) int { return rem(b) - rem(a) })
	for _, i := range order[:total-given] {
		counts[i]++
	}
	return counts
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// slug makes s fit in an e-mail address or a domain: lower case ASCII
// letters and digits, a hyphen for each run of anything else, apostrophes
// dropped.
func slug(s string) string {
	s = strings.NewReplacer("'", "", "œ", "oe", "Œ", "Oe", "æ", "ae").Replace(s)
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		default:
			hyphen = true
		}
	}
	return b.String()
}
