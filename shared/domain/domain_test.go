package domain

import "testing"

func TestReferenceCounts(t *testing.T) {
	if got := len(DESList); got != 44 {
		t.Errorf("DESList has %d entries, want 44", got)
	}
	if got := len(Subdivisions); got != 28 {
		t.Errorf("Subdivisions has %d entries, want 28", got)
	}
	seen := map[string]bool{}
	for _, d := range DESList {
		if d.Code == "" || d.Name == "" || seen[d.Code] {
			t.Errorf("bad or duplicate DES %+v", d)
		}
		seen[d.Code] = true
		if LookupDES(d.Code) == nil {
			t.Errorf("LookupDES(%q) = nil", d.Code)
		}
	}
	for _, s := range Subdivisions {
		if s.Code == "" || s.Name == "" || seen[s.Code] {
			t.Errorf("bad or duplicate subdivision %+v", s)
		}
		seen[s.Code] = true
		if LookupSubdivision(s.Code) == nil {
			t.Errorf("LookupSubdivision(%q) = nil", s.Code)
		}
	}
	if LookupDES("NOPE") != nil || LookupSubdivision("NOPE") != nil {
		t.Error("lookup of an unknown code must return nil")
	}
}

func TestPosteValidate(t *testing.T) {
	ok := Poste{ID: "P1", Capacity: 1, Specialty: "MG", Subdivision: "IDF"}
	tests := []struct {
		name string
		edit func(*Poste)
		want bool
	}{
		{"ok", func(*Poste) {}, true},
		{"empty id", func(p *Poste) { p.ID = "" }, false},
		{"zero capacity", func(p *Poste) { p.Capacity = 0 }, false},
		{"unknown DES", func(p *Poste) { p.Specialty = "XX" }, false},
		{"unknown subdivision", func(p *Poste) { p.Subdivision = "XX" }, false},
	}
	for _, tt := range tests {
		p := ok
		tt.edit(&p)
		if err := p.Validate(); (err == nil) != tt.want {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.want)
		}
	}
}

func TestRoundStateOrder(t *testing.T) {
	if StateDraft.Index() != 0 || StatePublished.Index() != len(RoundStates)-1 {
		t.Fatal("RoundStates order broken")
	}
	if RoundState("bogus").Index() != -1 {
		t.Fatal("unknown state must have index -1")
	}
	if !Appariement.Valid() || !ChoixAuRang.Valid() || Procedure("x").Valid() {
		t.Fatal("Procedure.Valid wrong")
	}
	if !RoleAdmin.Valid() || Role("x").Valid() {
		t.Fatal("Role.Valid wrong")
	}
}

func TestValidEmail(t *testing.T) {
	for s, want := range map[string]bool{
		"yann.boyer@ch-laval.fr": true,
		"a@b.co":                 true,
		"yann.boyer@ch-laval":    false, // no top-level domain (planted in demodata)
		"":                       false,
		"Yann <y@ch-laval.fr>":   false,
		"y@ch-laval.f":           false,
		"pas une adresse":        false,
	} {
		if got := ValidEmail(s); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestRoundCovers(t *testing.T) {
	for _, tt := range []struct {
		r        Round
		spec, sd string
		want     bool
	}{
		{Round{}, "PED", "IDF", true},
		{Round{Specialty: "PED"}, "PED", "LYON", true},
		{Round{Specialty: "PED"}, "CARDIO", "IDF", false},
		{Round{Subdivision: "IDF"}, "CARDIO", "IDF", true},
		{Round{Subdivision: "IDF"}, "CARDIO", "LYON", false},
		{Round{Specialty: "PED", Subdivision: "IDF"}, "PED", "IDF", true},
		{Round{Specialty: "PED", Subdivision: "IDF"}, "PED", "LYON", false},
	} {
		if got := tt.r.Covers(tt.spec, tt.sd); got != tt.want {
			t.Errorf("%+v covers %s/%s = %v, want %v", tt.r, tt.spec, tt.sd, got, tt.want)
		}
	}
}

// TestValidCapacity: the one bound of a poste's capacity, for imports and
// corrections alike.
func TestValidCapacity(t *testing.T) {
	for n, want := range map[int]bool{-1: false, 0: false, 1: true, 5: true, 1000: true, 1001: false} {
		if got := ValidCapacity(n); got != want {
			t.Errorf("ValidCapacity(%d) = %v, want %v", n, got, want)
		}
		p := Poste{ID: "P1", Specialty: "MG", Subdivision: "IDF", Capacity: n}
		if got := p.Validate() == nil; got != want {
			t.Errorf("Validate with capacity %d: %v, want %v", n, got, want)
		}
	}
}

// TestScopeCovers: an empty specialty or subdivision covers every one.
func TestScopeCovers(t *testing.T) {
	for _, c := range []struct {
		s         Scope
		spec, sub string
		want      bool
	}{
		{Scope{}, "MG", "IDF", true},
		{Scope{Specialty: "MG"}, "MG", "LYON", true},
		{Scope{Specialty: "MG"}, "PED", "IDF", false},
		{Scope{Subdivision: "IDF"}, "PED", "IDF", true},
		{Scope{"MG", "IDF"}, "MG", "LYON", false},
	} {
		if got := c.s.Covers(c.spec, c.sub); got != c.want {
			t.Errorf("%+v covers %s/%s = %v", c.s, c.spec, c.sub, got)
		}
		r := Round{Specialty: c.s.Specialty, Subdivision: c.s.Subdivision}
		if r.Covers(c.spec, c.sub) != c.want {
			t.Errorf("round %+v disagrees with its scope", c.s)
		}
		p := Person{Role: RoleCoordinator, Specialty: c.s.Specialty, Subdivision: c.s.Subdivision}
		if p.Scope().Covers(c.spec, c.sub) != c.want {
			t.Errorf("coordinator %+v disagrees with its scope", c.s)
		}
	}
}
