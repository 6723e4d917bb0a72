package viewmodel

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
)

func TestComputeQuality(t *testing.T) {
	in := func(id, spec, sub, first, email string, enrolled bool) api.PersonStatus {
		return api.PersonStatus{Enrolled: enrolled, Person: domain.Person{ID: id, Role: domain.RoleIntern, FirstName: first, LastName: "X", Email: email, Specialty: spec, Subdivision: sub}}
	}
	people := []api.PersonStatus{
		in("i1", "PED", "LYON", "A", "a@x.fr", true),
		in("i2", "PED", "LYON", "B", "b@x.fr", false),
		in("i3", "PED", "LYON", "B", "B@x.fr", false), // duplicate of i2
		in("i4", "MG", "LYON", "C", "c@x.fr", true),
		{Person: domain.Person{ID: "r1", Role: domain.RoleRTS, FirstName: "R", LastName: "T", Email: "r@ch-laval"}},
	}
	postes := []domain.Poste{
		{ID: "P1", Specialty: "PED", Subdivision: "LYON", Capacity: 2, RTSEmail: "r@ch-laval"},
		{ID: "P2", Specialty: "MG", Subdivision: "LYON", Capacity: 3, RTSEmail: ""},
		{ID: "P3", Specialty: "MG", Subdivision: "LYON", Capacity: 1, RTSEmail: "ok@chu.fr", Closed: true},
	}
	q := ComputeQuality(domain.Scope{}, people, postes, map[string]bool{"P1": true})
	if sh := q.Shortages(); len(sh) != 1 || sh[0].Specialty != "PED" || sh[0].Diff() != -1 {
		t.Fatalf("shortages %+v", sh)
	}
	if q.Balances[0].Specialty != "PED" {
		t.Errorf("shortages not first: %+v", q.Balances)
	}
	if q.Places != 5 || q.Interns != 4 || q.Postes != 2 {
		t.Errorf("totals %d places %d interns %d postes", q.Places, q.Interns, q.Postes)
	}
	if len(q.BadEmail) != 1 || q.BadEmail[0].ID != "P1" || len(q.MissingEmail) != 1 || q.MissingEmail[0].ID != "P2" {
		t.Errorf("emails: bad %v missing %v", q.BadEmail, q.MissingEmail)
	}
	if len(q.BadPeople) != 1 || q.BadPeople[0].ID != "r1" {
		t.Errorf("bad people %v", q.BadPeople)
	}
	if len(q.Duplicates) != 1 || !slices.Equal(q.Duplicates[0].IDs, []string{"i2", "i3"}) {
		t.Errorf("duplicates %+v", q.Duplicates)
	}
	if len(q.NoKey) != 3 || q.RTSWithoutKey != 1 {
		t.Errorf("no key %d, RTS %d", len(q.NoKey), q.RTSWithoutKey)
	}
	if len(q.Unwished) != 1 || q.Unwished[0].ID != "P2" {
		t.Errorf("unwished %v", q.Unwished)
	}
	// A round of one specialty only counts that specialty.
	q = ComputeQuality(domain.Scope{Specialty: "MG"}, people, postes, nil)
	if q.Interns != 1 || q.Places != 3 || q.WishesKnown {
		t.Errorf("scoped: %d interns, %d places", q.Interns, q.Places)
	}
}

func TestMergeCandidates(t *testing.T) {
	c := func(id string, rank int) api.Candidate {
		return api.Candidate{Intern: domain.Person{ID: id, Rank: rank}}
	}
	d := &localstore.RankingDraft{}
	mergeCandidates(d, []api.Candidate{c("b", 5), c("a", 2), c("z", 0)})
	if !slices.Equal(d.List, []string{"a", "b", "z"}) {
		t.Fatalf("first fetch: %v", d.List)
	}
	// The RTS reorders and rejects; a newcomer arrives, "a" withdrew.
	d.List, d.Unranked = []string{"z", "a"}, []string{"b"}
	mergeCandidates(d, []api.Candidate{c("b", 5), c("z", 0), c("n", 1)})
	if !slices.Equal(d.List, []string{"z", "n"}) || !slices.Equal(d.Unranked, []string{"b"}) {
		t.Fatalf("after merge: %v / %v", d.List, d.Unranked)
	}
}

func TestEML(t *testing.T) {
	rm := Reminder{Person: domain.Person{ID: "R1", FirstName: "Élodie", LastName: "LECLERCQ", Email: "elodie@chu.fr"}, Kind: "rts_no_key"}
	round := &domain.Round{Name: "Tour 1", RankingsClose: time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)}
	raw, err := EML(rm, round, "ars@sante.gouv.fr", time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("\r\n\r\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatal("lines must end with CRLF")
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	to, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil || to.Address != "elodie@chu.fr" || to.Name != "Élodie LECLERCQ" {
		t.Fatalf("To: %+v %v", to, err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || !strings.HasPrefix(subj, "Rappel : activez") {
		t.Fatalf("Subject %q %v", subj, err)
	}
	if _, err := m.Header.Date(); err != nil || m.Header.Get("Message-ID") == "" {
		t.Fatalf("Date/Message-ID: %v", err)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	for _, want := range []string{"Bonjour Élodie LECLERCQ", "R1", "1\u00a0déc.\u00a02026 à 18\u00a0h\u00a000 (heure de Paris)"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body misses %q:\n%s", want, body)
		}
	}
}

// TestEMLNameCannotAddRecipient: a reminder to a person whose name holds
// brackets and a comma goes to that person alone (issue 11, point 8), and
// an unsafe address is skipped, not written.
func TestEMLNameCannotAddRecipient(t *testing.T) {
	rm := Reminder{Person: domain.Person{ID: "R2", FirstName: "Rose <attacker@evil.example>,", LastName: "Clément", Email: "rose@chu.fr"}, Kind: "rts_no_key"}
	raw, err := EML(rm, nil, "ARS <ars@sante.gouv.fr>", time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "rose@chu.fr" || to[0].Name != rm.Person.FullName() {
		t.Fatalf("To %q reads as %v, %v", m.Header.Get("To"), to, err)
	}
	if from, err := m.Header.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "ars@sante.gouv.fr" {
		t.Fatalf("From %v, %v", from, err)
	}
	bad := rm
	bad.Person.Email = "rose@chu.fr>, <attacker@evil.example"
	if _, err := EML(bad, nil, "ars@sante.gouv.fr", time.Now()); err == nil {
		t.Fatal("an address list was accepted as an address")
	}
	if _, err := EML(rm, nil, "ars@sante.gouv.fr\r\nBcc: x@evil.example", time.Now()); err == nil {
		t.Fatal("a From with a line break was accepted")
	}
}

func TestReportRows(t *testing.T) {
	rows := ReportRows(&api.ImportReport{Rows: 3, Created: 2, Problems: []api.ImportProblem{{Row: 2, Column: "email", ID: "P9", Message: "adresse invalide", MessageEN: "bad address"}},
		Warnings: []api.ImportProblem{{Row: 3, Message: "pas de description"}}})
	if len(rows) != 3 || rows[1] != "✗ ligne 2 [email] (P9) : adresse invalide" || !strings.HasPrefix(rows[2], "⚠ ligne 3") {
		t.Fatalf("%q", rows)
	}
	// The importer's notes follow: the header row taken, the RTS found or created.
	rows = ReportRows(&api.ImportReport{Rows: 2, Created: 2, HeaderRow: 4, RTSAdded: 1, RTSMatched: 1, Notes: []api.ImportProblem{
		{Row: 0, Message: "en-tête trouvé ligne 4", MessageEN: "header found on row 4"},
		{Row: 5, ID: "P1", Message: "RTS retrouvé par son e-mail : R00012", MessageEN: "RTS found by e-mail: R00012"},
		{Row: 6, ID: "P2", Message: "RTS créé : Dr Lopez", MessageEN: "RTS created: Dr Lopez"}}})
	if len(rows) != 4 || rows[1] != "• en-tête trouvé ligne 4" ||
		rows[2] != "• ligne 5 (P1) : RTS retrouvé par son e-mail : R00012" || rows[3] != "• ligne 6 (P2) : RTS créé : Dr Lopez" {
		t.Fatalf("notes: %q", rows)
	}
	if FormatFromName("postes.XLSX") != api.FormatXLSX || FormatFromName("a.csv") != api.FormatCSV {
		t.Error("FormatFromName")
	}
}
