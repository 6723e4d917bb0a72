package frozen

import (
	"testing"

	"appariement/shared/domain"
	"appariement/shared/match"
)

// BenchmarkInstanceNational builds the matching instance of a national round (50,000
// interns × 20,000 postes × 40 wishes, every poste ranking its applicants) from its
// document and lists, as the server's run does twice (Compute and WhyNot).
func BenchmarkInstanceNational(b *testing.B) {
	gen := match.GenerateInstance(2020, 50_000, 20_000, 40)
	in := &Input{Version: Version, Round: Round{ID: "RN", Procedure: domain.Appariement, Number: 1}}
	wishes, rankings := map[string][]string{}, map[string][]string{}
	for _, p := range gen.Postes {
		in.Postes = append(in.Postes, Poste{ID: p.ID, Capacity: p.Capacity})
	}
	for _, i := range gen.Interns {
		in.Interns = append(in.Interns, Intern{ID: i.ID})
		wishes[i.ID] = i.Wishes
	}
	for _, r := range gen.Rankings {
		rankings[r.Poste] = r.Ranking
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := in.Instance(wishes, rankings); err != nil {
			b.Fatal(err)
		}
	}
}
