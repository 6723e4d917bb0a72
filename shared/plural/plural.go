// Package plural chooses the form of a counted word in French and in
// English, so that no message writes "1 erreur(s)". French takes the
// singular for 0 and 1 (« 0 poste affiché », « 1 poste affiché »), English
// only for 1 ("0 postes shown", "1 poste shown").
//
// The rule lives here once: the desktop app's catalogue (i18n.N) and the
// server's messages and commands call it.
package plural

// One reports whether the count n takes the singular in lang ("fr" or
// "en"; any other language follows French).
func One(lang string, n int) bool {
	if lang == "en" {
		return n == 1 || n == -1
	}
	return n >= -1 && n <= 1
}

// FR returns one or other, the French form for the count n.
func FR(n int, one, other string) string {
	if One("fr", n) {
		return one
	}
	return other
}

// EN returns one or other, the English form for the count n.
func EN(n int, one, other string) string {
	if One("en", n) {
		return one
	}
	return other
}
