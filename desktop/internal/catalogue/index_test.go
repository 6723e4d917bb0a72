package catalogue

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"appariement/shared/domain"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Saint-Étienne, CHU":        "saint etienne chu",
		"  ŒSOPHAGE  et cœur ":      "oesophage et coeur",
		"Hôpital Pitié-Salpêtrière": "hopital pitie salpetriere",
		"":                          "",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func sample() []domain.Poste {
	return []domain.Poste{
		{ID: "P1", Specialty: "CARDIO", Subdivision: "STETIENNE", Town: "Saint-Étienne", Etablissement: "CHU de Saint-Étienne", Service: "Cardiologie", Title: "Rythmologie", Capacity: 1},
		{ID: "P2", Specialty: "MG", Subdivision: "IDF", Town: "Paris", Etablissement: "Hôpital Pitié-Salpêtrière", Service: "Médecine interne", Title: "Médecine interne", Capacity: 2},
		{ID: "P3", Specialty: "CARDIO", Subdivision: "IDF", Town: "Paris", Etablissement: "Hôpital Bichat", Service: "Cardiologie", Title: "Insuffisance cardiaque", Capacity: 1},
		{ID: "P4", Specialty: "CARDIO", Subdivision: "IDF", Town: "Créteil", Etablissement: "Hôpital Henri-Mondor", Service: "Cardiologie", Title: "Soins intensifs", Capacity: 1, Closed: true},
	}
}

func ids(ix *Index, pos []int32) []string {
	var out []string
	for _, i := range pos {
		out = append(out, ix.At(i).ID)
	}
	return out
}

func TestFilter(t *testing.T) {
	ix := New(sample())
	for _, tc := range []struct {
		f    Filter
		want string
	}{
		{Filter{}, "[P3 P2 P1]"},
		{Filter{ShowClosed: true}, "[P4 P3 P2 P1]"},
		{Filter{Specialty: "CARDIO"}, "[P3 P1]"},
		{Filter{Specialty: "CARDIO", Subdivision: "IDF"}, "[P3]"},
		{Filter{Town: "paris"}, "[P3 P2]"},
		{Filter{Etablissement: "pitie"}, "[P2]"},
		{Filter{Text: "SAINT ETIENNE"}, "[P1]"},
		{Filter{Text: "étienne cardio"}, "[P1]"},
		{Filter{Text: "salpetriere médecine"}, "[P2]"},
		{Filter{Text: "cardiologie", ShowClosed: true}, "[P4 P3 P1]"},
		{Filter{Text: "ile de france"}, "[P3 P2]"},
		{Filter{Text: "tienne"}, "[]"},
		{Filter{Favourites: map[string]bool{"P1": true, "P4": true}}, "[P1]"},
	} {
		if got := fmt.Sprint(ids(ix, ix.Filter(tc.f, nil))); got != tc.want {
			t.Errorf("Filter(%+v) = %s, want %s", tc.f, got, tc.want)
		}
	}
	if p, ok := ix.ByID("P3"); !ok || p.Town != "Paris" {
		t.Errorf("ByID(P3) = %v, %v", p, ok)
	}
	if got := fmt.Sprint(ix.Towns()); got != "[Créteil Paris Saint-Étienne]" {
		t.Errorf("Towns = %s", got)
	}
}

// Synthetic returns n plausible postes, for benchmarks and demos.
func synthetic(n int) []domain.Poste {
	r := rand.New(rand.NewPCG(1, 2))
	towns := []string{"Paris", "Lyon", "Marseille", "Saint-Étienne", "Créteil", "Bordeaux", "Lille", "Besançon", "Nîmes", "Béziers"}
	kinds := []string{"CHU", "Centre hospitalier", "Hôpital", "Clinique", "CHR"}
	services := []string{"Cardiologie", "Réanimation", "Médecine interne", "Pédiatrie", "Urgences", "Gériatrie", "Psychiatrie", "Chirurgie viscérale"}
	out := make([]domain.Poste, n)
	for i := range out {
		d := domain.DESList[r.IntN(len(domain.DESList))]
		s := domain.Subdivisions[r.IntN(len(domain.Subdivisions))]
		town := towns[r.IntN(len(towns))]
		out[i] = domain.Poste{
			ID: fmt.Sprintf("P%05d", i), Specialty: d.Code, Subdivision: s.Code, Town: town,
			Etablissement: kinds[r.IntN(len(kinds))] + " de " + town, Service: services[r.IntN(len(services))],
			Title: d.Name + " — " + services[r.IntN(len(services))], RTSName: "Dr Martin", Capacity: 1 + r.IntN(3),
			Description: "Stage de six mois, gardes, encadrement par un praticien hospitalier.",
		}
	}
	return out
}

func BenchmarkBuild20000(b *testing.B) {
	ps := synthetic(20000)
	b.ResetTimer()
	for b.Loop() {
		New(ps)
	}
}

func BenchmarkFilter20000(b *testing.B) {
	ix := New(synthetic(20000))
	var out []int32
	for _, bc := range []struct {
		name string
		f    Filter
	}{
		{"all", Filter{}},
		{"specialty", Filter{Specialty: "CARDIO"}},
		{"text1", Filter{Text: "reanimation"}},
		{"text3", Filter{Text: "hôpital saint-étienne réa"}},
		{"specialty+sub+text", Filter{Specialty: "MG", Subdivision: "IDF", Text: "urgences"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				out = ix.Filter(bc.f, out)
			}
			b.ReportMetric(float64(len(out)), "matches")
		})
	}
}
