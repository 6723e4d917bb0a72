// Package catalogue indexes a round's postes in memory for instant,
// offline browsing: filters by specialty, subdivision, town and
// établissement, and accent- and case-insensitive free-text search.
//
// The index is built once from the local cache (and rebuilt after a sync);
// a filter over 20,000 postes takes well under a frame.
package catalogue

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"appariement/shared/domain"
)

// latin maps the runes of Latin-1 Supplement and Latin Extended-A to their
// folded form (lower case, no accent), computed once.
var latin = func() map[rune]string {
	m := map[rune]string{'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss", 'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ł': "l", 'Ł': "l"}
	for r := rune(0xC0); r <= 0x24F; r++ {
		if _, ok := m[r]; ok || r == '×' || r == '÷' {
			continue
		}
		var b strings.Builder
		for _, d := range norm.NFD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				b.WriteRune(unicode.ToLower(d))
			}
		}
		m[r] = b.String()
	}
	return m
}()

// Fold lowers s, strips its accents and ligatures and turns punctuation into
// single spaces: "Saint-Étienne, CHU" → "saint etienne chu".
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	letter := func(str string) {
		b.WriteString(str)
		space = false
	}
	for _, r := range s {
		switch {
		case r < 0x80:
			switch {
			case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
				b.WriteByte(byte(r))
				space = false
			case 'A' <= r && r <= 'Z':
				b.WriteByte(byte(r - 'A' + 'a'))
				space = false
			default:
				if !space {
					b.WriteByte(' ')
					space = true
				}
			}
		case latin[r] != "":
			letter(latin[r])
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			for _, d := range norm.NFD.String(string(r)) {
				if !unicode.Is(unicode.Mn, d) {
					b.WriteRune(unicode.ToLower(d))
				}
			}
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// Filter selects postes. Empty fields select everything.
type Filter struct {
	Specialty     string // DES code
	Subdivision   string // subdivision code
	Town          string // matched on the folded town
	Etablissement string // words that must occur in the établissement
	Text          string // words that must each occur somewhere in the poste
	// Favourites, when set, keeps only the postes in it.
	Favourites map[string]bool
	// ShowClosed keeps withdrawn postes (hidden by default).
	ShowClosed bool
}

// Index is an immutable, searchable set of postes.
type Index struct {
	postes []domain.Poste
	words  map[string][]int32 // folded word → positions of the postes containing it, ascending
	vocab  []string           // the words, sorted
	town   []string           // folded
	etab   []string           // folded
	bySpec map[string][]int32
	bySub  map[string][]int32
	byID   map[string]int32
	towns  []string
	etabs  []string
}

// New indexes postes. The postes are ordered by subdivision, town,
// établissement, service and title; the slice is not retained.
func New(postes []domain.Poste) *Index {
	ix := &Index{
		postes: append([]domain.Poste(nil), postes...),
		bySpec: map[string][]int32{},
		bySub:  map[string][]int32{},
		byID:   make(map[string]int32, len(postes)),
	}
	type key struct{ sub, town, etab, service, id string }
	keys := make([]key, len(ix.postes))
	order := make([]int, len(ix.postes))
	for i := range ix.postes {
		p := &ix.postes[i]
		keys[i] = key{p.Subdivision, Fold(p.Town), Fold(p.Etablissement), Fold(p.Service), p.ID}
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := keys[order[i]], keys[order[j]]
		if a.sub != b.sub {
			return a.sub < b.sub
		}
		if a.town != b.town {
			return a.town < b.town
		}
		if a.etab != b.etab {
			return a.etab < b.etab
		}
		if a.service != b.service {
			return a.service < b.service
		}
		return a.id < b.id
	})
	sorted := make([]domain.Poste, len(order))
	for i, o := range order {
		sorted[i] = ix.postes[o]
	}
	ix.postes = sorted
	n := len(ix.postes)
	ix.words = map[string][]int32{}
	ix.town = make([]string, n)
	ix.etab = make([]string, n)
	towns, etabs := map[string]bool{}, map[string]bool{}
	for i := range ix.postes {
		p := &ix.postes[i]
		spec, sub := p.Specialty, p.Subdivision
		if d := domain.LookupDES(p.Specialty); d != nil {
			spec += " " + d.Name
		}
		if s := domain.LookupSubdivision(p.Subdivision); s != nil {
			sub += " " + s.Name
		}
		for _, w := range strings.Fields(Fold(strings.Join([]string{p.ID, p.Title, p.Etablissement, p.Service, p.Town, spec, sub, p.RTSName, p.Description}, " "))) {
			post := ix.words[w]
			if len(post) == 0 || post[len(post)-1] != int32(i) {
				ix.words[w] = append(post, int32(i))
			}
		}
		ix.town[i] = Fold(p.Town)
		ix.etab[i] = Fold(p.Etablissement)
		ix.bySpec[p.Specialty] = append(ix.bySpec[p.Specialty], int32(i))
		ix.bySub[p.Subdivision] = append(ix.bySub[p.Subdivision], int32(i))
		ix.byID[p.ID] = int32(i)
		if p.Town != "" {
			towns[p.Town] = true
		}
		if p.Etablissement != "" {
			etabs[p.Etablissement] = true
		}
	}
	ix.vocab = make([]string, 0, len(ix.words))
	for w := range ix.words {
		ix.vocab = append(ix.vocab, w)
	}
	sort.Strings(ix.vocab)
	ix.towns = sortedKeys(towns)
	ix.etabs = sortedKeys(etabs)
	return ix
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return Fold(out[i]) < Fold(out[j]) })
	return out
}

// Len is the number of postes indexed.
func (ix *Index) Len() int { return len(ix.postes) }

// At returns the i-th poste in index order.
func (ix *Index) At(i int32) *domain.Poste { return &ix.postes[i] }

// ByID returns a poste by id.
func (ix *Index) ByID(id string) (*domain.Poste, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return nil, false
	}
	return &ix.postes[i], true
}

// Postes returns the indexed postes (do not modify them).
func (ix *Index) Postes() []domain.Poste { return ix.postes }

// Towns returns the distinct towns, sorted.
func (ix *Index) Towns() []string { return ix.towns }

// Etablissements returns the distinct établissements, sorted.
func (ix *Index) Etablissements() []string { return ix.etabs }

// Filter appends to out the positions of the postes that f selects, in
// index order, and returns it.
func (ix *Index) Filter(f Filter, out []int32) []int32 {
	out = out[:0]
	text := ix.textMatches(strings.Fields(Fold(f.Text)))
	etab := Fold(f.Etablissement)
	town := Fold(f.Town)
	var cand []int32
	all := true
	if f.Specialty != "" {
		cand, all = ix.bySpec[f.Specialty], false
	}
	if f.Subdivision != "" {
		if s := ix.bySub[f.Subdivision]; all || len(s) < len(cand) {
			cand, all = s, false
		}
	}
	n := len(ix.postes)
	if !all {
		n = len(cand)
	}
	for k := 0; k < n; k++ {
		i := int32(k)
		if !all {
			i = cand[k]
		}
		p := &ix.postes[i]
		if (p.Closed && !f.ShowClosed) ||
			(f.Specialty != "" && p.Specialty != f.Specialty) ||
			(f.Subdivision != "" && p.Subdivision != f.Subdivision) ||
			(town != "" && ix.town[i] != town) ||
			(etab != "" && !strings.Contains(ix.etab[i], etab)) ||
			(f.Favourites != nil && !f.Favourites[p.ID]) {
			continue
		}
		if text == nil || text[i>>6]&(1<<(i&63)) != 0 {
			out = append(out, i)
		}
	}
	return out
}

// textMatches returns the set (a bitmap over positions) of the postes in
// which every query word starts some word, or nil if there is no query.
func (ix *Index) textMatches(query []string) []uint64 {
	if len(query) == 0 {
		return nil
	}
	var acc, one []uint64
	for qi, q := range query {
		one = make([]uint64, (len(ix.postes)+63)/64)
		for k := sort.SearchStrings(ix.vocab, q); k < len(ix.vocab) && strings.HasPrefix(ix.vocab[k], q); k++ {
			for _, i := range ix.words[ix.vocab[k]] {
				one[i>>6] |= 1 << (i & 63)
			}
		}
		if qi == 0 {
			acc = one
			continue
		}
		for j := range acc {
			acc[j] &= one[j]
		}
	}
	return acc
}
