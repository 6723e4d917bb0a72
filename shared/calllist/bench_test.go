package calllist

import (
	"fmt"
	"testing"
)

// benchCandidates returns n interns of 0 to 5 validated semesters with classements drawn
// from 1 to n/10, so that ties are frequent, as with the local ranks of one promotion.
func benchCandidates(n int) []Candidate {
	cands := make([]Candidate, n)
	for k := range cands {
		cands[k] = Candidate{Intern: fmt.Sprintf("I%06d", k+1), Seniority: k * 7 % 6, Classement: 1 + k*7919%(n/10)}
	}
	return cands
}

// BenchmarkCompute40k computes the call list of a national semester of 40,000 interns.
func BenchmarkCompute40k(b *testing.B) {
	cands := benchCandidates(40_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Compute(cands, seed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck40k checks that call list against its eligible interns and places.
func BenchmarkCheck40k(b *testing.B) {
	l, _, err := Compute(benchCandidates(40_000), seed)
	if err != nil {
		b.Fatal(err)
	}
	eligible := make([]EligibleIntern, len(l.Entries))
	for k, e := range l.Entries {
		eligible[k] = EligibleIntern{Intern: e.Intern, Specialty: "MG"}
	}
	places := map[string]int{"MG": 45_000}
	b.ReportAllocs()
	for b.Loop() {
		if r := Check(l, eligible, places); !r.OK() {
			b.Fatal(r.Messages("en"))
		}
	}
}

// BenchmarkDecode40k decodes the canonical encoding of that call list.
func BenchmarkDecode40k(b *testing.B) {
	l, _, err := Compute(benchCandidates(40_000), seed)
	if err != nil {
		b.Fatal(err)
	}
	l.ID, l.Version = "national", 1
	data := Encode(l)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
