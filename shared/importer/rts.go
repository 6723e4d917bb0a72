package importer

import (
	"fmt"
	"strconv"
	"strings"

	"appariement/shared/domain"
)

// RTSFound is what ResolveRTS did for the postes of one RTS e-mail address.
type RTSFound struct {
	Line    int    // the row of the first poste naming this address
	ID      string // the RTS the postes now name
	Email   string
	Name    string
	Created bool // a new RTS, to be created from Name and Email; false: a person already known
}

// ResolveRTS gives an RTS to the postes whose file has no RTS identifier
// but names the RTS by name and e-mail: the person already known with that
// address (any case), or a new RTS with an id made from the address
// (RTSID), the same for every poste of that address. lines are the rows of
// the postes (Report.Lines; nil numbers them from 1) and known every person
// already recorded. It returns one RTSFound per address, in the order of
// the file, and an error for each poste whose address is a known person
// who is not an RTS, or several. Postes with an RTS id, or without a valid
// e-mail address (domain.ValidEmail), are left as they are.
func ResolveRTS(postes []domain.Poste, lines []int, known []domain.Person) ([]RTSFound, []RowError) {
	byEmail := make(map[string][]*domain.Person)
	taken := make(map[string]bool, len(known))
	for i := range known {
		p := &known[i]
		taken[p.ID] = true
		if p.Email != "" {
			key := strings.ToLower(p.Email)
			byEmail[key] = append(byEmail[key], p)
		}
	}
	var found []RTSFound
	var errs []RowError
	done := make(map[string]int) // address → index in found
	for i := range postes {
		p := &postes[i]
		if p.RTS != "" || !domain.ValidEmail(p.RTSEmail) {
			continue
		}
		line := i + 1
		if i < len(lines) {
			line = lines[i]
		}
		key := strings.ToLower(p.RTSEmail)
		if j, ok := done[key]; ok {
			p.RTS = found[j].ID
			continue
		}
		var rts []*domain.Person
		var others []string
		for _, q := range byEmail[key] {
			if q.Role == domain.RoleRTS {
				rts = append(rts, q)
			} else {
				others = append(others, fmt.Sprintf("%s (%s)", q.ID, q.Role))
			}
		}
		bad := func(fr, en string, args ...any) {
			errs = append(errs, RowError{Line: line, Column: "email rts", ID: p.ID,
				Message: fmt.Sprintf(fr, args...), MessageEN: fmt.Sprintf(en, args...)})
		}
		switch {
		case len(rts) == 1:
			found = append(found, RTSFound{Line: line, ID: rts[0].ID, Email: p.RTSEmail, Name: p.RTSName})
		case len(rts) > 1:
			var ids []string
			for _, q := range rts {
				ids = append(ids, q.ID)
			}
			bad("l'adresse « %s » est celle de plusieurs RTS (%s) : indiquez l'identifiant du RTS dans une colonne « RTS »",
				"address %q belongs to several RTS (%s): give the RTS id in an \"RTS\" column", p.RTSEmail, strings.Join(ids, ", "))
			continue
		case len(others) > 0:
			bad("l'adresse « %s » est celle de %s, qui n'est pas RTS", "address %q belongs to %s, who is not an RTS",
				p.RTSEmail, strings.Join(others, ", "))
			continue
		default:
			id := RTSID(p.RTSEmail, taken)
			taken[id] = true
			found = append(found, RTSFound{Line: line, ID: id, Email: p.RTSEmail, Name: p.RTSName, Created: true})
		}
		done[key] = len(found) - 1
		p.RTS = found[len(found)-1].ID
	}
	return found, errs
}

// RTSID makes the id of a new RTS from an e-mail address: "RTS-" and the
// address in lower case, "@" made "_", any character not allowed in an id
// made "-", at most MaxIDLength bytes; "-2", "-3"… are added if the id is
// taken. helene.lefevre@chu-paris.fr is RTS-helene.lefevre_chu-paris.fr.
func RTSID(email string, taken map[string]bool) string {
	var b strings.Builder
	b.WriteString("RTS-")
	for _, r := range normalize(email) {
		switch {
		case r == '@':
			b.WriteByte('_')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	base := b.String()
	if len(base) > MaxIDLength-4 {
		base = base[:MaxIDLength-4]
	}
	id := base
	for n := 2; taken[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	return id
}
