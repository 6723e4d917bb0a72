package importer

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"appariement/shared/domain"
)

// column is a field of a list: its canonical name (the first of names, used
// when it is missing), the header Write*CSV gives it, and the header names
// accepted, normalised.
type column struct {
	names    []string
	header   string
	required bool
}

// The columns of a list of postes, in the order WritePostesCSV writes them.
var posteColumns = []column{
	{[]string{"id", "identifiant", "code poste", "poste id", "id poste", "identifiant poste"}, "Identifiant", true},
	{[]string{"specialite", "specialty", "des", "code des"}, "Spécialité", true},
	{[]string{"subdivision", "code subdivision"}, "Subdivision", true},
	{[]string{"etablissement", "establishment", "hopital", "hospital"}, "Établissement", false},
	{[]string{"service", "department"}, "Service", false},
	{[]string{"ville", "town", "commune", "city"}, "Ville", false},
	{[]string{"intitule", "title", "intitule poste", "libelle"}, "Intitulé", false},
	{[]string{"rts", "rts id", "identifiant rts", "id rts"}, "RTS", false},
	{[]string{"nom rts", "rts name"}, "Nom RTS", false},
	{[]string{"email rts", "e mail rts", "courriel rts", "mail rts", "rts email", "rts e mail"}, "E-mail RTS", false},
	{[]string{"capacite", "places", "capacity", "nombre de places", "nb places"}, "Capacité", true},
	{[]string{"description"}, "Description", false},
}

// The columns of a list of people, in the order WritePeopleCSV writes them.
// Without a role column, everyone is an intern.
var personColumns = []column{
	{[]string{"id", "identifiant", "id interne", "identifiant interne"}, "Identifiant", true},
	{[]string{"role", "profil"}, "Rôle", false},
	{[]string{"nom", "last name", "nom de famille", "surname"}, "Nom", true},
	{[]string{"prenom", "first name", "given name"}, "Prénom", true},
	{[]string{"email", "e mail", "courriel", "mail", "adresse email", "adresse e mail"}, "E-mail", true},
	{[]string{"specialite", "specialty", "des", "code des"}, "Spécialité", false},
	{[]string{"subdivision", "code subdivision"}, "Subdivision", false},
	{[]string{"rang", "classement", "rank"}, "Rang", false},
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
	for _, d := range domain.DESList {
		desCodes[normalize(d.Code)] = d.Code
		desCodes[normalize(d.Name)] = d.Code
	}
	for _, s := range domain.Subdivisions {
		subdivisionCodes[normalize(s.Code)] = s.Code
		subdivisionCodes[normalize(s.Name)] = s.Code
	}
}
