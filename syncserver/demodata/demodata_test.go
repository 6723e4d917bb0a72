package demodata_test

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"appariement/shared/domain"
	"appariement/shared/importer"
	"appariement/syncserver/demodata"
)

func TestDeterministic(t *testing.T) {
	a, b := demodata.Generate(demodata.Small(7)), demodata.Generate(demodata.Small(7))
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different data")
	}
	c := demodata.Generate(demodata.Small(8))
	if reflect.DeepEqual(a.People, c.People) || reflect.DeepEqual(a.Postes, c.Postes) {
		t.Error("different seeds, same data")
	}
}

// planted returns the planted error of the given kind.
func planted(t *testing.T, d *demodata.Data, kind demodata.PlantKind) demodata.PlantedError {
	t.Helper()
	for _, p := range d.Planted {
		if p.Kind == kind {
			return p
		}
	}
	t.Fatalf("no planted %s in %+v", kind, d.Planted)
	return demodata.PlantedError{}
}

// cellKey is a specialty in a subdivision.
type cellKey struct{ specialty, subdivision string }

// check verifies the invariants of a data set; with plant it expects the
// planted errors and checks that each is really there.
func check(t *testing.T, d *demodata.Data, plant bool) {
	t.Helper()
	var (
		posteID = regexp.MustCompile(`^P-[A-Z]+-[A-Z]+-\d{4}$`)
		ids     = make(map[string]bool)
		people  = make(map[string]domain.Person)
		emails  = make(map[string]string) // e-mail → id
		ranks   = make(map[string]map[int]bool)
		places  = make(map[cellKey]int)
		interns = make(map[cellKey]int)
		owned   = make(map[string]int)  // RTS id → postes
		dups    [][2]string             // ids with the same e-mail
		copies  = make(map[string]bool) // planted duplicates, not counted in their cell
	)
	for _, p := range d.Planted {
		if p.Kind == demodata.PlantDuplicateIntern {
			copies[p.IDs[1]] = true
		}
	}
	for _, p := range d.People {
		if ids[p.ID] {
			t.Errorf("duplicate person id %s", p.ID)
		}
		ids[p.ID] = true
		people[p.ID] = p
		if p.FirstName == "" || p.LastName == "" || p.Email == "" || !p.Role.Valid() {
			t.Errorf("incomplete person %+v", p)
		}
		if first, dup := emails[p.Email]; dup {
			dups = append(dups, [2]string{first, p.ID})
		}
		emails[p.Email] = p.ID
		if p.Role == domain.RoleIntern {
			if ranks[p.Subdivision] == nil {
				ranks[p.Subdivision] = make(map[int]bool)
			}
			if ranks[p.Subdivision][p.Rank] || p.Rank < 1 {
				t.Errorf("intern %s: rank %d repeated or invalid in %s", p.ID, p.Rank, p.Subdivision)
			}
			ranks[p.Subdivision][p.Rank] = true
			if !copies[p.ID] {
				interns[cellKey{p.Specialty, p.Subdivision}]++
			}
		}
	}
	for sub, r := range ranks {
		for i := 1; i <= len(r); i++ {
			if !r[i] {
				t.Errorf("%s: ranks are not 1..%d, %d missing", sub, len(r), i)
			}
		}
	}
	for _, p := range d.Postes {
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
		if ids[p.ID] || !posteID.MatchString(p.ID) {
			t.Errorf("poste id %q repeated or malformed", p.ID)
		}
		ids[p.ID] = true
		if p.Capacity > 5 || p.Etablissement == "" || p.Service == "" || p.Town == "" || p.Title == "" || p.Description == "" || p.RTSName == "" {
			t.Errorf("incomplete poste %+v", p)
		}
		if rts := people[p.RTS]; rts.Role != domain.RoleRTS || p.RTSName != "Dr "+rts.FullName() || (p.RTSEmail != rts.Email && p.RTSEmail != "") {
			t.Errorf("poste %s: RTS %+v", p.ID, rts)
		}
		places[cellKey{p.Specialty, p.Subdivision}] += p.Capacity
		owned[p.RTS]++
	}
	for _, p := range d.People {
		if p.Role == domain.RoleRTS && (owned[p.ID] < 1 || owned[p.ID] > 4) {
			t.Errorf("RTS %s has %d postes", p.ID, owned[p.ID])
		}
	}

	var short []cellKey
	for k, n := range interns {
		if n > places[k] {
			short = append(short, k)
		}
	}
	if !plant {
		if len(d.Planted) != 0 || len(short) != 0 || len(dups) != 0 {
			t.Errorf("planting off: planted %+v, short of places %v, same e-mail %v", d.Planted, short, dups)
		}
		return
	}

	if len(d.Planted) != 4 {
		t.Errorf("planted %+v", d.Planted)
	}
	s := planted(t, d, demodata.PlantShortage)
	if k := (cellKey{s.Specialty, s.Subdivision}); !reflect.DeepEqual(short, []cellKey{k}) {
		t.Errorf("cells short of places %v, planted %v", short, k)
	}
	dup := planted(t, d, demodata.PlantDuplicateIntern)
	a, b := people[dup.IDs[0]], people[dup.IDs[1]]
	if !reflect.DeepEqual(dups, [][2]string{{a.ID, b.ID}}) || a.FullName() != b.FullName() || a.Role != domain.RoleIntern || a.Subdivision != b.Subdivision {
		t.Errorf("same e-mail %v, planted duplicate %+v and %+v", dups, a, b)
	}
	bad := planted(t, d, demodata.PlantBadRTSEmail)
	if rts := people[bad.IDs[0]]; rts.Role != domain.RoleRTS || regexp.MustCompile(`@[^.]+$`).FindString(rts.Email) == "" {
		t.Errorf("planted bad e-mail on %+v", rts)
	}
	missing := planted(t, d, demodata.PlantMissingRTSEmail)
	for _, p := range d.Postes {
		if (p.RTSEmail == "") != (p.ID == missing.IDs[0]) {
			t.Errorf("poste %s: RTS e-mail %q (planted missing: %s)", p.ID, p.RTSEmail, missing.IDs[0])
		}
	}
}

func TestSmall(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			opts := demodata.Small(seed)
			check(t, demodata.Generate(opts), true)
			opts.Plant = false
			check(t, demodata.Generate(opts), false)
		})
	}
}

func TestDefault(t *testing.T) {
	d := demodata.Generate(demodata.DefaultOptions())
	check(t, d, true)

	places := 0
	postes := make(map[string]int) // by specialty and by subdivision
	towns := make(map[string]map[string]bool)
	for _, p := range d.Postes {
		places += p.Capacity
		postes[p.Specialty]++
		postes[p.Subdivision]++
		if towns[p.Subdivision] == nil {
			towns[p.Subdivision] = make(map[string]bool)
		}
		towns[p.Subdivision][p.Town] = true
	}
	roles := make(map[domain.Role]int)
	for _, p := range d.People {
		roles[p.Role]++
	}
	if len(d.Postes) != 3000 || places < 4800 || places > 5400 || roles[domain.RoleIntern] < 4000 || roles[domain.RoleIntern] > 4100 ||
		roles[domain.RoleAdmin] != 2 || roles[domain.RoleCoordinator] < 100 || roles[domain.RoleRTS] < 750 {
		t.Errorf("%d postes, %d places, people %v", len(d.Postes), places, roles)
	}
	for _, s := range domain.Subdivisions {
		if len(towns[s.Code]) < 4 {
			t.Errorf("%s: postes in %d towns", s.Code, len(towns[s.Code]))
		}
	}
	for _, d := range domain.DESList {
		if postes[d.Code] == 0 {
			t.Errorf("no poste in %s", d.Code)
		}
	}
	if !(postes["MG"] > postes["PED"] && postes["PED"] > postes["GENMED"] && postes["PSY"] > postes["GENMED"] && postes["MAR"] > postes["GENMED"]) {
		t.Errorf("specialty weights: %v", postes)
	}
	for _, big := range []string{"IDF", "LYON", "LILLE", "MARSEILLE"} {
		if postes[big] <= postes["LIMOGES"] {
			t.Errorf("%s has %d postes, Limoges %d", big, postes[big], postes["LIMOGES"])
		}
	}
}

// roundTrip writes d with the importer's writers and reads it back.
func roundTrip(t *testing.T, d *demodata.Data) ([]domain.Poste, *importer.Report, []domain.Person, *importer.Report) {
	t.Helper()
	var buf bytes.Buffer
	if err := importer.WritePostesCSV(&buf, d.Postes); err != nil {
		t.Fatal(err)
	}
	tab, err := importer.ReadTable(&buf, "postes.csv")
	if err != nil {
		t.Fatal(err)
	}
	postes, postesReport := importer.ParsePostes(tab)
	buf.Reset()
	if err := importer.WritePeopleCSV(&buf, d.People); err != nil {
		t.Fatal(err)
	}
	if tab, err = importer.ReadTable(&buf, "people.csv"); err != nil {
		t.Fatal(err)
	}
	people, peopleReport := importer.ParsePeople(tab)
	return postes, postesReport, people, peopleReport
}

func TestImporterAgrees(t *testing.T) {
	opts := demodata.DefaultOptions()
	opts.Plant = false
	d := demodata.Generate(opts)
	postes, pr, people, qr := roundTrip(t, d)
	if !pr.OK() || len(pr.Warnings) != 0 || !qr.OK() || len(qr.Warnings) != 0 {
		t.Fatalf("reports of clean data:\n%s\n%s", pr, qr)
	}
	if !reflect.DeepEqual(postes, d.Postes) || !reflect.DeepEqual(people, d.People) {
		t.Error("round trip through CSV changed the data")
	}

	// With planted errors, the reports name exactly the rows involved.
	d = demodata.Generate(demodata.DefaultOptions())
	_, pr, _, qr = roundTrip(t, d)
	ids := func(errs []importer.RowError) []string {
		var s []string
		for _, e := range errs {
			s = append(s, e.ID)
		}
		return s
	}
	bad := planted(t, d, demodata.PlantBadRTSEmail)
	if got := ids(pr.Errors); !slices.Equal(got, bad.IDs[1:]) {
		t.Errorf("postes with errors %v, want the postes of the RTS with a bad e-mail %v", got, bad.IDs[1:])
	}
	if got := ids(qr.Errors); !slices.Equal(got, bad.IDs[:1]) {
		t.Errorf("people with errors %v, want the RTS with a bad e-mail %v", got, bad.IDs[:1])
	}
	if got, want := ids(pr.Warnings), planted(t, d, demodata.PlantMissingRTSEmail).IDs; !slices.Equal(got, want) {
		t.Errorf("postes with warnings %v, want %v", got, want)
	}
	if got, want := ids(qr.Warnings), planted(t, d, demodata.PlantDuplicateIntern).IDs[1:]; !slices.Equal(got, want) {
		t.Errorf("people with warnings %v, want %v", got, want)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		demodata.Generate(demodata.DefaultOptions())
	}
}

// TestShowcaseIsTypical: the people a demo lists first meet the real
// thing: on the national data set, interns with 20 or more postes to
// choose from, and enough of them (30 and more besides the few left to
// people) for the showcase poste to draw 30 candidates or more.
func TestShowcaseIsTypical(t *testing.T) {
	for _, tt := range []struct {
		opts            demodata.Options
		postes, interns int
	}{
		{demodata.DefaultOptions(), 20, 34},
		{demodata.Small(1), 1, 1},
	} {
		d := demodata.Generate(tt.opts)
		sc := d.Showcase
		t.Logf("showcase %+v", sc)
		eligible := 0
		var poste *domain.Poste
		for i, p := range d.Postes {
			if p.Specialty == sc.Specialty && p.Subdivision == sc.Subdivision && !p.Closed {
				eligible++
			}
			if p.ID == sc.Poste {
				poste = &d.Postes[i]
			}
		}
		if sc.Subdivision != "AMIENS" || eligible != sc.Postes || eligible < tt.postes || len(sc.Interns) < tt.interns {
			t.Errorf("%+v: %d postes, %d interns", tt.opts, eligible, len(sc.Interns))
		}
		if poste == nil || poste.Specialty != sc.Specialty || poste.Subdivision != sc.Subdivision ||
			len(sc.RTS) == 0 || sc.RTS[0] != poste.RTS || !domain.ValidEmail(poste.RTSEmail) {
			t.Errorf("showcase poste %+v, RTS %v", poste, sc.RTS)
		}
		people := make(map[string]domain.Person)
		for _, p := range d.People {
			people[p.ID] = p
		}
		for i, id := range sc.Interns {
			p := people[id]
			if p.Role != domain.RoleIntern || p.Specialty != sc.Specialty || p.Subdivision != sc.Subdivision ||
				(i > 0 && people[sc.Interns[i-1]].Rank > p.Rank) {
				t.Errorf("showcase intern %d: %+v", i, p)
			}
		}
		for _, id := range sc.RTS {
			if people[id].Role != domain.RoleRTS {
				t.Errorf("showcase RTS %+v", people[id])
			}
		}
	}
}
