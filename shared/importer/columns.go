package importer

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"appariement/shared/domain"
)

// column is a field of a list: its canonical name (the first of names, used
// when it is missing), the header Write*CSV gives it ("" for a column read
// but not written), and the header names accepted, folded by headerKey.
type column struct {
	names    []string
	header   string
	required bool
}

// The columns of a list of postes, in the order WritePostesCSV writes them.
// Names are compared by headerKey: "Adresse électronique du RTS" is
// "adresse electronique rts".
var posteColumns = []column{
	{[]string{"id", "identifiant", "code poste", "poste id", "id poste", "identifiant poste", "numero poste",
		"n poste", "no poste", "reference poste", "ref poste", "code"}, "Identifiant", true},
	{[]string{"specialite", "specialty", "des", "code des", "specialite des", "discipline"}, "Spécialité", true},
	{[]string{"subdivision", "code subdivision", "subdivision affectation"}, "Subdivision", true},
	{[]string{"etablissement", "establishment", "hopital", "hospital", "etablissement accueil", "centre hospitalier",
		"structure", "lieu stage"}, "Établissement", false},
	{[]string{"service", "department", "service accueil", "unite"}, "Service", false},
	{[]string{"ville", "town", "commune", "city"}, "Ville", false},
	{[]string{"intitule", "title", "intitule poste", "libelle", "libelle poste", "intitule stage"}, "Intitulé", false},
	{[]string{"rts", "rts id", "identifiant rts", "id rts", "code rts"}, "RTS", false},
	{[]string{"nom rts", "rts name", "nom prenom rts", "nom et prenom rts", "responsable terrain stage",
		"nom responsable", "responsable", "responsable stage"}, "Nom RTS", false},
	{[]string{"email rts", "e mail rts", "courriel rts", "mail rts", "rts email", "rts e mail", "mel rts",
		"adresse electronique rts", "adresse mail rts", "adresse email rts", "adresse e mail rts", "adresse courriel rts",
		"email responsable", "courriel responsable", "adresse electronique responsable"}, "E-mail RTS", false},
	{[]string{"capacite", "places", "capacity", "nombre places", "nb places", "nombre postes", "nb postes",
		"postes", "places offertes", "postes ouverts", "nombre postes ouverts", "capacite accueil"}, "Capacité", true},
	{[]string{"description"}, "Description", false},
	// Read, joined to the name, but not written.
	{[]string{"prenom rts", "rts first name", "prenom responsable"}, "", false},
}

// The columns of a list of people, in the order WritePeopleCSV writes them.
// Without a role column, everyone is an intern.
var personColumns = []column{
	{[]string{"id", "identifiant", "id interne", "identifiant interne", "numero interne", "n interne"}, "Identifiant", true},
	{[]string{"role", "profil"}, "Rôle", false},
	{[]string{"nom", "last name", "nom famille", "surname", "nom usage", "nom naissance"}, "Nom", true},
	{[]string{"prenom", "first name", "given name", "prenoms"}, "Prénom", true},
	{[]string{"email", "e mail", "courriel", "mail", "mel", "adresse email", "adresse e mail", "adresse electronique",
		"adresse mail", "adresse courriel"}, "E-mail", true},
	{[]string{"specialite", "specialty", "des", "code des", "specialite des", "discipline"}, "Spécialité", false},
	{[]string{"subdivision", "code subdivision", "subdivision affectation"}, "Subdivision", false},
	{[]string{"rang", "classement", "rank", "rang classement", "rang ecn", "rang edn"}, "Rang", false},
}

// stopWords are left out of a header when comparing it with column names:
// "Nom du RTS" is "nom rts", "N° de poste" is "n poste".
var stopWords = map[string]bool{"du": true, "de": true, "d": true, "la": true, "le": true, "l": true,
	"les": true, "au": true, "aux": true, "a": true, "en": true}

// headerKey folds a header for comparison with column names: normalize,
// punctuation made a space, stop words left out (unless nothing else
// remains).
func headerKey(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return ' '
		}
		return r
	}, normalize(s))
	var words []string
	for _, w := range strings.Fields(s) {
		if !stopWords[w] {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return strings.Join(strings.Fields(s), " ")
	}
	return strings.Join(words, " ")
}

// normalize folds a header or a reference value for comparison: lower case,
// no accents, no surrounding space, and each run of spaces, underscores and
// hyphens (or dashes) made one space.
func normalize(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r) || r == '_' || unicode.Is(unicode.Pd, r):
			sep = true
			continue
		case r == '’':
			r = '\''
		}
		if sep && b.Len() > 0 {
			b.WriteByte(' ')
		}
		sep = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Lookup tables from a normalised code or name to a code.
var (
	desCodes         = make(map[string]string)
	subdivisionCodes = make(map[string]string)
	roles            = map[string]domain.Role{
		"interne": domain.RoleIntern, "intern": domain.RoleIntern,
		"rts":           domain.RoleRTS,
		"coordonnateur": domain.RoleCoordinator, "coordinateur": domain.RoleCoordinator,
		"coordinator": domain.RoleCoordinator,
		"admin":       domain.RoleAdmin, "administrateur": domain.RoleAdmin, "administrator": domain.RoleAdmin,
		"auditeur": domain.RoleAuditor, "auditrice": domain.RoleAuditor, "auditor": domain.RoleAuditor,
	}
	// roleNames are the words WritePeopleCSV writes.
	roleNames = map[domain.Role]string{
		domain.RoleIntern: "interne", domain.RoleRTS: "rts",
		domain.RoleCoordinator: "coordonnateur", domain.RoleAdmin: "admin", domain.RoleAuditor: "auditeur",
	}
)

func init() {
	for _, cols := range [][]column{posteColumns, personColumns} {
		for i := range cols {
			for j, n := range cols[i].names {
				cols[i].names[j] = headerKey(n)
			}
		}
	}
	for _, d := range domain.DESList {
		desCodes[normalize(d.Code)] = d.Code
		desCodes[normalize(d.Name)] = d.Code
	}
	for _, s := range domain.Subdivisions {
		subdivisionCodes[normalize(s.Code)] = s.Code
		subdivisionCodes[normalize(s.Name)] = s.Code
	}
}
