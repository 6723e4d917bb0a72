package importer

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"appariement/shared/domain"
)

// MaxIDLength is the longest id accepted, in bytes.
const MaxIDLength = 64

// ParsePostes checks every row of a list of postes and returns the postes of
// the rows without errors. Specialties and subdivisions may be given by code
// ("MG", "IDF") or by name ("Médecine générale", "Île-de-France"), in any
// case and with or without accents; the postes carry the codes.
func ParsePostes(t *Table) ([]domain.Poste, *Report) {
	l, ok := newList(t, posteColumns, "poste")
	if !ok {
		return nil, l.rep
	}
	var postes []domain.Poste
	for _, row := range l.rows {
		if l.note(row) {
			continue
		}
		c := l.check(row)
		p := domain.Poste{
			ID:            c.id,
			Specialty:     c.des(true),
			Subdivision:   c.subdivision(true),
			Etablissement: c.get("etablissement"),
			Service:       c.get("service"),
			Town:          c.get("ville"),
			Title:         c.get("intitule"),
			RTS:           c.ref("rts"),
			RTSName:       strings.TrimSpace(c.get("prenom rts") + " " + c.get("nom rts")),
			RTSEmail:      c.email("email rts", false),
			Capacity:      c.capacity("capacite"),
			Description:   c.get("description"),
		}
		if c.get("email rts") == "" {
			c.warnf("email rts", "poste sans e-mail de RTS", "poste without an RTS e-mail")
		}
		if !c.bad {
			postes = append(postes, p)
			l.rep.Lines = append(l.rep.Lines, row.Line)
		}
	}
	return postes, l.rep
}

// ParsePeople checks every row of a list of people and returns the people of
// the rows without errors. Without a role column everyone is an intern.
// Interns and coordinators need a specialty and a subdivision. Two interns
// with the same rank in the same specialty and subdivision, and two people
// with the same e-mail address, are warnings.
func ParsePeople(t *Table) ([]domain.Person, *Report) {
	l, ok := newList(t, personColumns, "person")
	if !ok {
		return nil, l.rep
	}
	type rankKey struct {
		specialty, subdivision string
		rank                   int
	}
	ranks := make(map[rankKey]int) // line
	emails := make(map[string]int) // line
	var people []domain.Person
	for _, row := range l.rows {
		if l.note(row) {
			continue
		}
		c := l.check(row)
		p := domain.Person{ID: c.id, Role: c.role()}
		p.LastName = c.text("nom", "nom manquant", "missing last name")
		p.FirstName = c.text("prenom", "prénom manquant", "missing first name")
		p.Email = c.email("email", true)
		assigned := p.Role == domain.RoleIntern || p.Role == domain.RoleCoordinator
		p.Specialty = c.des(assigned)
		p.Subdivision = c.subdivision(assigned)
		p.Rank = c.positive("rang", "rang", "rank", false)

		if p.Email != "" {
			key := strings.ToLower(p.Email)
			if first, dup := emails[key]; dup {
				c.warnf("email", "adresse e-mail « %s » déjà utilisée ligne %d",
					"e-mail address %q already used on line %d", p.Email, first)
			} else {
				emails[key] = row.Line
			}
		}
		if p.Role == domain.RoleIntern && p.Rank > 0 && p.Specialty != "" && p.Subdivision != "" {
			key := rankKey{p.Specialty, p.Subdivision, p.Rank}
			if first, dup := ranks[key]; dup {
				c.warnf("rang", "rang %d en double en %s dans la subdivision %s (déjà ligne %d)",
					"rank %d twice in %s in subdivision %s (already on line %d)",
					p.Rank, p.Specialty, p.Subdivision, first)
			} else {
				ranks[key] = row.Line
			}
		}
		if !c.bad {
			people = append(people, p)
			l.rep.Lines = append(l.rep.Lines, row.Line)
		}
	}
	return people, l.rep
}

// list binds the columns of a table to the fields of a kind of list, and
// collects the report.
type list struct {
	header []string       // the header row found
	rows   []Row          // the rows under it
	index  map[string]int // canonical name → position in a row
	rep    *Report
	ids    map[string]int // id → line where first seen
}

// maxTitleRows is how many rows above the header (titles, notes, dates)
// findHeader looks through.
const maxTitleRows = 30

// findHeader returns the position in t.Rows of the header of a list of
// columns, -1 for t.Header: of t.Header and the maxTitleRows rows after
// it, the first that names the most columns. Administrative spreadsheets
// often have a title and blank rows above the header.
func findHeader(t *Table, columns []column) int {
	score := func(cells []string) int {
		seen := make(map[*column]bool)
		for _, h := range cells {
			if col := findColumn(columns, headerKey(h)); col != nil {
				seen[col] = true
			}
		}
		return len(seen)
	}
	best, at := score(t.Header), -1
	for i := 0; i < len(t.Rows) && i < maxTitleRows; i++ {
		if n := score(t.Rows[i].Cells); n > best {
			best, at = n, i
		}
	}
	return at
}

// newList finds the header of t and maps it to columns. Unknown columns
// are warnings; a column given twice or a required column missing are
// errors, and then ok is false: the rows are not checked.
func newList(t *Table, columns []column, kind string) (l *list, ok bool) {
	l = &list{
		header: t.Header,
		rows:   t.Rows,
		index:  make(map[string]int),
		rep:    &Report{Kind: kind, HeaderLine: t.HeaderLine},
		ids:    make(map[string]int),
	}
	if at := findHeader(t, columns); at >= 0 {
		l.header, l.rows, l.rep.HeaderLine = t.Rows[at].Cells, t.Rows[at+1:], t.Rows[at].Line
		l.rep.Notes = append(l.rep.Notes, RowError{Line: l.rep.HeaderLine,
			Message: fmt.Sprintf("en-tête trouvé ligne %d ; les lignes %d à %d au-dessus (titre, notes) sont ignorées",
				l.rep.HeaderLine, t.HeaderLine, l.rep.HeaderLine-1),
			MessageEN: fmt.Sprintf("header found on row %d; rows %d to %d above it (title, notes) are ignored",
				l.rep.HeaderLine, t.HeaderLine, l.rep.HeaderLine-1)})
	}
	at := func(col, fr, en string, args ...any) RowError {
		return RowError{Line: l.rep.HeaderLine, Column: col,
			Message: fmt.Sprintf(fr, args...), MessageEN: fmt.Sprintf(en, args...)}
	}
	for i, h := range l.header {
		name := headerKey(h)
		col := findColumn(columns, name)
		if col == nil && strings.Contains(h, "(") {
			// "Capacité (nombre de places)": the words before the bracket.
			col = findColumn(columns, headerKey(h[:strings.Index(h, "(")]))
		}
		switch {
		case name == "":
		case col == nil:
			l.rep.Warnings = append(l.rep.Warnings, at(h, "colonne inconnue, ignorée", "unknown column, ignored"))
		default:
			key := col.names[0]
			if j, dup := l.index[key]; dup {
				l.rep.Errors = append(l.rep.Errors, at(h, "colonne en double (déjà « %s »)",
					"duplicate column (already %q)", l.header[j]))
				continue
			}
			l.index[key] = i
		}
	}
	for _, col := range columns {
		if _, found := l.index[col.names[0]]; col.required && !found {
			names := strings.Join(col.names, ", ")
			l.rep.Errors = append(l.rep.Errors, at(col.names[0],
				"colonne obligatoire absente (noms acceptés : %s) ; en-tête attendu par exemple : « %s »",
				"required column missing (accepted names: %s); expected header for example: %q", names, example(columns)))
		}
	}
	return l, l.rep.OK()
}

// example is a header naming the required columns of a list, then the
// others, as an ARS would write it.
func example(columns []column) string {
	var h []string
	for _, c := range columns {
		if c.required && c.header != "" {
			h = append(h, c.header)
		}
	}
	for _, c := range columns {
		if !c.required && c.header != "" {
			h = append(h, c.header)
		}
	}
	return strings.Join(h, ";")
}

func findColumn(columns []column, name string) *column {
	for i := range columns {
		for _, n := range columns[i].names {
			if n == name {
				return &columns[i]
			}
		}
	}
	return nil
}

// note reports whether row is a note among the rows, such as a total
// under the table ("Total : 8 internes"): a single cell filled, which cannot
// be an id. It is left out with a warning; any other row is counted in
// Report.Rows and checked.
func (l *list) note(row Row) bool {
	var text string
	for _, cell := range row.Cells {
		switch cell = strings.TrimSpace(cell); {
		case cell == "":
		case text != "":
			l.rep.Rows++
			return false
		default:
			text = cell
		}
	}
	if len(text) <= MaxIDLength && strings.Trim(text, idChars) == "" {
		l.rep.Rows++
		return false // an id alone: a row to check, with its missing cells
	}
	l.rep.Warnings = append(l.rep.Warnings, RowError{Line: row.Line,
		Message:   fmt.Sprintf("ligne ignorée : une seule cellule remplie, « %s », lue comme une note", text),
		MessageEN: fmt.Sprintf("row ignored: a single cell filled, %q, read as a note", text)})
	return true
}

// idChars are the characters of an id.
const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

// rowCheck checks the cells of one row.
type rowCheck struct {
	*list
	row Row
	id  string
	bad bool // an error was found
}

// check starts checking row: its id must be valid and new.
func (l *list) check(row Row) *rowCheck {
	c := &rowCheck{list: l, row: row}
	c.id = integralText(c.get("id"))
	if c.validID("id", c.id) {
		if first, dup := l.ids[c.id]; dup {
			c.errorf("id", "identifiant « %s » en double (déjà ligne %d)",
				"duplicate id %q (already on line %d)", c.id, first)
		} else {
			l.ids[c.id] = row.Line
		}
	}
	return c
}

// get returns the trimmed cell of the named column, "" if there is none.
func (c *rowCheck) get(key string) string {
	i, ok := c.index[key]
	if !ok || i >= len(c.row.Cells) {
		return ""
	}
	return strings.TrimSpace(c.row.Cells[i])
}

// column returns the header of the named column as the file spells it.
func (c *rowCheck) column(key string) string {
	if i, ok := c.index[key]; ok {
		return c.header[i]
	}
	return key
}

func (c *rowCheck) rowError(key, fr, en string, args []any) RowError {
	return RowError{Line: c.row.Line, Column: c.column(key), ID: c.id,
		Message: fmt.Sprintf(fr, args...), MessageEN: fmt.Sprintf(en, args...)}
}

// errorf records an error in the named column; fr and en take the same args.
func (c *rowCheck) errorf(key, fr, en string, args ...any) {
	c.rep.Errors = append(c.rep.Errors, c.rowError(key, fr, en, args))
	c.bad = true
}

// warnf records a warning in the named column.
func (c *rowCheck) warnf(key, fr, en string, args ...any) {
	c.rep.Warnings = append(c.rep.Warnings, c.rowError(key, fr, en, args))
}

// validID checks an identifier: not empty, at most MaxIDLength bytes of
// [A-Za-z0-9._-].
func (c *rowCheck) validID(key, id string) bool {
	switch {
	case id == "":
		c.errorf(key, "identifiant vide", "empty id")
		return false
	case len(id) > MaxIDLength:
		c.errorf(key, "identifiant trop long (%d octets, %d au plus)",
			"id too long (%d bytes, at most %d)", len(id), MaxIDLength)
		return false
	case strings.TrimLeft(id, idChars) != "":
		c.errorf(key, "identifiant « %s » invalide (caractères permis : lettres sans accent, chiffres, « . », « _ », « - »)",
			"invalid id %q (allowed: unaccented letters, digits, '.', '_', '-')", id)
		return false
	}
	return true
}

// ref returns the optional id of another row, checked if present.
func (c *rowCheck) ref(key string) string {
	id := integralText(c.get(key))
	if id != "" {
		c.validID(key, id)
	}
	return id
}

// text returns a required text cell.
func (c *rowCheck) text(key, fr, en string) string {
	s := c.get(key)
	if s == "" {
		c.errorf(key, fr, en)
	}
	return s
}

// des returns the code of the specialty named by code or by name.
func (c *rowCheck) des(required bool) string {
	s := c.get("specialite")
	code, ok := desCodes[normalize(s)]
	switch {
	case ok:
		return code
	case s != "":
		c.errorf("specialite", "spécialité « %s » inconnue", "unknown specialty %q", s)
	case required:
		c.errorf("specialite", "spécialité manquante", "missing specialty")
	}
	return ""
}

// subdivision returns the code of the subdivision named by code or by name.
func (c *rowCheck) subdivision(required bool) string {
	s := c.get("subdivision")
	code, ok := subdivisionCodes[normalize(s)]
	switch {
	case ok:
		return code
	case s != "":
		c.errorf("subdivision", "subdivision « %s » inconnue", "unknown subdivision %q", s)
	case required:
		c.errorf("subdivision", "subdivision manquante", "missing subdivision")
	}
	return ""
}

// role returns the role, an intern's when the list has no role column.
func (c *rowCheck) role() domain.Role {
	if _, ok := c.index["role"]; !ok {
		return domain.RoleIntern
	}
	s := c.get("role")
	r, ok := roles[normalize(s)]
	switch {
	case s == "":
		c.errorf("role", "rôle manquant", "missing role")
	case !ok:
		c.errorf("role", "rôle « %s » inconnu (interne, rts, coordonnateur, auditeur ou admin)",
			"unknown role %q (intern, rts, coordinator, auditor or admin)", s)
	}
	return r
}

// positive returns an integer ≥ 1; 0 if the cell is empty and not required.
func (c *rowCheck) positive(key, whatFR, whatEN string, required bool) int {
	s := c.get(key)
	if s == "" {
		if required {
			c.errorf(key, "%[1]s : valeur manquante", "%[2]s: missing value", whatFR, whatEN)
		}
		return 0
	}
	n, err := cellInt(s)
	if err != nil || n < 1 {
		c.errorf(key, "%[1]s « %[3]s » invalide (doit être un entier ≥ 1)",
			"invalid %[2]s %[3]q (must be an integer ≥ 1)", whatFR, whatEN, s)
		return 0
	}
	return n
}

// capacity returns a poste's capacity (domain.ValidCapacity), 0 if invalid.
func (c *rowCheck) capacity(key string) int {
	n := c.positive(key, "capacité", "capacity", true)
	if n > domain.MaxCapacity {
		c.errorf(key, "capacité %[1]d invalide : un entier de %[2]d à %[3]d", "invalid capacity %[1]d: an integer from %[2]d to %[3]d",
			n, domain.MinCapacity, domain.MaxCapacity)
		return 0
	}
	return n
}

// email returns an e-mail address, by the rule of domain.ValidEmail.
func (c *rowCheck) email(key string, required bool) string {
	s := c.get(key)
	if s == "" {
		if required {
			c.errorf(key, "adresse e-mail manquante", "missing e-mail address")
		}
		return ""
	}
	if !domain.ValidEmail(s) {
		c.errorf(key, "adresse e-mail « %s » invalide", "invalid e-mail address %q", s)
		return ""
	}
	return s
}

// cellInt reads an integer as spreadsheets write it: "2", "2.0" or "2,00"
// (a number cell Excel stored as a float), " 2 " or "+2" (a number typed
// as text), "1 200" (spaces or no-break spaces between thousands), or a
// float within 1e-9 of an integer (Excel's arithmetic: 1.9999999999999998).
func cellInt(s string) (int, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, s)
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	n := math.Round(f)
	if math.Abs(f-n) > 1e-9 {
		return 0, fmt.Errorf("not an integer: %q", s)
	}
	return int(n), nil
}

// integralText turns an identifier that is a number cell Excel stored as a
// float ("38.0", "100038,00") back into the digits the ARS typed; any
// other text is returned as it is.
func integralText(s string) string {
	i := strings.IndexAny(s, ".,")
	if i <= 0 || strings.Trim(s[:i], "0123456789") != "" || strings.Trim(s[i+1:], "0") != "" {
		return s
	}
	return s[:i]
}
