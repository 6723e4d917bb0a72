package frozen

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
)

// binomeSample is a choix au rang with binômes: i1 (rank 1) and i3
// (rank 3) choose together at rank 3.
func binomeSample() *Input {
	return &Input{
		Version:  Version,
		Round:    Round{ID: "R2", Procedure: domain.ChoixAuRang, Number: 1, Binomes: true},
		TreeSize: 9, RootHash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		Postes: []Poste{
			{ID: "P1", Specialty: "CARDIO", Subdivision: "LYON", Capacity: 1},
			{ID: "P2", Specialty: "CARDIO", Subdivision: "LYON", Capacity: 1},
			{ID: "P3", Specialty: "CARDIO", Subdivision: "LYON", Capacity: 1},
		},
		Interns: []Intern{
			{ID: "i3", Specialty: "CARDIO", Subdivision: "LYON", Rank: 3},
			{ID: "i2", Specialty: "CARDIO", Subdivision: "LYON", Rank: 2},
			{ID: "i1", Specialty: "CARDIO", Subdivision: "LYON", Rank: 1},
		},
		Binomes: []Binome{{Interns: [2]string{"i1", "i3"}, Pairs: [][2]string{{"P9", "P1"}, {"P1", "P2"}, {"P2", "P3"}}, Envelopes: [2]int64{4, 6}}},
	}
}

// TestBinomesFrozen: the binômes are part of the canonical document (and
// a document without any is unchanged, TestEncodeIsCanonical); the
// instance drops pairs naming a closed poste and follows the pair rule;
// the reasons name the pair's rank.
func TestBinomesFrozen(t *testing.T) {
	in := binomeSample()
	golden := filepath.Join("testdata", "input-binomes.golden.json")
	if *update {
		os.WriteFile(golden, in.Encode(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(in.Encode(), want) {
		t.Fatalf("encoding changed:\n got %s\nwant %s", in.Encode(), want)
	}
	if _, err := Decode(want); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sample().Encode(), []byte("binome")) {
		t.Fatal("a round without binômes mentions them")
	}

	wishes := map[string][]string{"i1": {"P1", "P3"}, "i2": {"P1"}, "i3": {"P3"}}
	inst, err := in.Instance(wishes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(inst.Binomes) != 1 || !slices.Equal(inst.Binomes[0].Pairs, [][2]string{{"P1", "P2"}, {"P2", "P3"}}) {
		t.Fatalf("binomes %+v", inst.Binomes)
	}
	as, un, err := in.Compute(wishes, nil)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(as, func(a, b domain.Assignment) int { return strings.Compare(a.Intern, b.Intern) })
	wantAs := []domain.Assignment{{Intern: "i1", Poste: "P2"}, {Intern: "i2", Poste: "P1"}, {Intern: "i3", Poste: "P3"}}
	if !slices.Equal(as, wantAs) || len(un) != 0 {
		t.Fatalf("Compute = %v, %v", as, un)
	}
	got, err := in.WhyNot(wishes, nil, as)
	wantWhy := []domain.WhyNot{
		{Intern: "i1", Poste: "P1", Wish: 1, Kind: domain.WhyTaken, Filled: 1, LastRank: 2, YourRank: 3, Partner: "i3"},
		{Intern: "i1", Poste: "P3", Wish: 2, Kind: domain.WhyBinome, YourRank: 3, Partner: "i3", Pair: 2},
	}
	if err != nil || !slices.Equal(got, wantWhy) {
		t.Fatalf("WhyNot = %+v, %v", got, err)
	}
}

// TestBinomesFrozenRefusals: binômes in a round that does not allow them,
// with an intern who is not eligible, not in canonical order, or an intern
// in two, are errors naming the binôme; an absent intern's binôme is
// dropped.
func TestBinomesFrozenRefusals(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *Input)
		want   string
	}{
		{"not allowed", func(in *Input) { in.Round.Binomes = false }, "le tour R2 n'autorise pas les binômes"},
		{"not eligible", func(in *Input) { in.Binomes[0].Interns[1] = "i9" }, "binôme i1 + i9 du tour R2 : un interne n'est pas éligible"},
		{"order", func(in *Input) { in.Binomes[0].Interns = [2]string{"i3", "i1"} }, "binôme i3 + i1 du tour R2 : internes dans le désordre"},
		{"twice", func(in *Input) {
			in.Binomes = append(in.Binomes, Binome{Interns: [2]string{"i2", "i3"}})
		}, "binôme i2 + i3 du tour R2 : un interne est déjà dans un autre binôme"},
	}
	for _, tt := range tests {
		in := binomeSample()
		tt.change(in)
		_, err := in.Instance(nil, nil)
		if err == nil || !strings.Contains(err.Error()+frenchOf(err), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
	in := binomeSample()
	in.CallList = &calllist.List{ID: "R2", Version: 1, Entries: []calllist.Entry{
		{Rank: 1, Intern: "i1", Absent: true}, {Rank: 2, Intern: "i2"}, {Rank: 3, Intern: "i3"}}}
	inst, err := in.Instance(nil, nil)
	if err != nil || len(inst.Binomes) != 0 {
		t.Fatalf("absent intern's binôme: %+v %v", inst, err)
	}
}

// frenchOf returns the French message of an *api.Error, or "".
func frenchOf(err error) string {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return ""
}
