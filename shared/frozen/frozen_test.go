package frozen

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sample() *Input {
	return &Input{
		Version:  Version,
		Round:    Round{ID: "R1", Procedure: domain.Appariement, Number: 1},
		TreeSize: 7, RootHash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		Postes:  []Poste{{ID: "P2", Specialty: "CARDIO", Subdivision: "LYON", Capacity: 1}, {ID: "P1", Specialty: "CARDIO", Subdivision: "LYON", Capacity: 2}},
		Interns: []Intern{{ID: "i2", Specialty: "CARDIO", Subdivision: "LYON", Rank: 2}, {ID: "i1", Specialty: "CARDIO", Subdivision: "LYON", Rank: 1}},
		Envelopes: []Envelope{
			{Index: 5, Digest: "bb", PayloadType: api.RankingType, Author: "rts1", Poste: "P1", Seq: 1},
			{Index: 2, Digest: "aa", PayloadType: api.WishListType, Author: "i1", Seq: 3},
		},
	}
}

// TestEncodeIsCanonical: the order of the lists does not change the
// bytes; the encoding is the golden one; Decode takes it back and refuses
// any other spelling of the same document.
func TestEncodeIsCanonical(t *testing.T) {
	a := sample()
	b := sample()
	slices.Reverse(b.Postes)
	slices.Reverse(b.Interns)
	slices.Reverse(b.Envelopes)
	if !bytes.Equal(a.Encode(), b.Encode()) {
		t.Fatal("list order changes the encoding")
	}
	golden := filepath.Join("testdata", "input.golden.json")
	if *update {
		os.WriteFile(golden, a.Encode(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Encode(), want) {
		t.Fatalf("encoding changed (digests of published rounds would):\n got %s\nwant %s", a.Encode(), want)
	}
	back, err := Decode(want)
	if err != nil || !bytes.Equal(back.Encode(), want) {
		t.Fatalf("Decode: %v", err)
	}
	var indented bytes.Buffer
	json.Indent(&indented, want, "", " ")
	for name, bad := range map[string][]byte{
		"indented":      indented.Bytes(),
		"unknown field": bytes.Replace(want, []byte(`{"version":1,`), []byte(`{"version":1,"x":1,`), 1),
		"other version": bytes.Replace(want, []byte(`{"version":1,`), []byte(`{"version":2,`), 1),
		"unsorted":      bytes.Replace(want, []byte(`"P1"`), []byte(`"P9"`), 1),
		"trailing":      append(bytes.Clone(want), ' ', '{', '}'),
	} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestInstance: only open postes and eligible interns count; a choix au
// rang follows the call list, or the ranks, never a silent tie.
func TestInstance(t *testing.T) {
	in := sample()
	in.Sort()
	wishes := map[string][]string{"i1": {"P9", "P1"}, "i2": {"P2"}, "ghost": {"P1"}}
	rankings := map[string][]string{"P1": {"ghost", "i1"}, "P9": {"i1"}}
	inst, err := in.Instance(wishes, rankings)
	if err != nil {
		t.Fatal(err)
	}
	if len(inst.Interns) != 2 || !slices.Equal(inst.Interns[0].Wishes, []string{"P1"}) {
		t.Fatalf("interns %+v", inst.Interns)
	}
	if len(inst.Rankings) != 1 || !slices.Equal(inst.Rankings[0].Ranking, []string{"i1"}) {
		t.Fatalf("rankings %+v", inst.Rankings)
	}
	as, un, err := in.Compute(wishes, rankings)
	if err != nil || len(as) != 1 || as[0] != (domain.Assignment{Intern: "i1", Poste: "P1"}) || !slices.Equal(un, []string{"i2"}) {
		t.Fatalf("Compute = %v, %v, %v", as, un, err)
	}

	c := sample()
	c.Round.Procedure = domain.ChoixAuRang
	c.Interns[0].Rank = 1 // i2 and i1 share rank 1
	if _, err := c.Instance(wishes, nil); err == nil || !strings.Contains(err.Error(), "(rang 1)") {
		t.Fatalf("shared rank: %v", err)
	}
	c.CallList = &calllist.List{ID: "R1", Version: 1, Entries: []calllist.Entry{{Rank: 1, Intern: "i2"}, {Rank: 2, Intern: "i1", Absent: true}}}
	inst, err = c.Instance(wishes, nil)
	if err != nil || !slices.Equal(inst.CallList, []string{"i2", "i1"}) {
		t.Fatalf("call list: %v %v", inst, err)
	}
	for _, it := range inst.Interns {
		if it.ID == "i1" && len(it.Wishes) != 0 {
			t.Fatal("an absent intern kept wishes")
		}
	}
	m := sample()
	m.Round.Number = 3
	m.Manual = []domain.Assignment{{Intern: "i2", Poste: "P2", Manual: true, Author: "admin", Reason: "oral"}}
	as, un, err = m.Compute(nil, nil)
	if err != nil || len(as) != 1 || as[0].Intern != "i2" || !slices.Equal(un, []string{"i1"}) {
		t.Fatalf("round 3: %v %v %v", as, un, err)
	}
}

// FuzzDecode: whatever Decode accepts encodes back to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(sample().Encode())
	f.Add([]byte(`{"version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Decode(data)
		if err != nil {
			return
		}
		if !bytes.Equal(in.Encode(), data) {
			t.Fatalf("accepted a non-canonical document %q", data)
		}
		_, _, _ = in.Lists(map[int64][]string{})
	})
}

// TestWhyNot: the reasons are given on the signed wish lists: a wish for a
// poste that is not open is closed, an absent intern's wishes are absent,
// the others come from whynot.Explain; positions are those of the signed
// list; a third round has none.
func TestWhyNot(t *testing.T) {
	in := sample()
	in.Sort()
	wishes := map[string][]string{"i1": {"P9", "P2", "P1"}, "i2": {"P2"}}
	rankings := map[string][]string{"P2": {"i2"}, "P1": {"i1"}}
	as, _, err := in.Compute(wishes, rankings)
	if err != nil {
		t.Fatal(err)
	}
	got, err := in.WhyNot(wishes, rankings, as)
	want := []domain.WhyNot{
		{Intern: "i1", Poste: "P9", Wish: 1, Kind: domain.WhyClosed},
		{Intern: "i1", Poste: "P2", Wish: 2, Kind: domain.WhyNotRanked},
	}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("appariement: %v %v", got, err)
	}
	if _, err := in.WhyNot(wishes, rankings, []domain.Assignment{{Intern: "i1", Poste: "P1"}}); err == nil {
		t.Fatal("a blocking pair (i2 and P2, free) was explained")
	}

	c := sample()
	c.Round.Procedure = domain.ChoixAuRang
	c.CallList = &calllist.List{ID: "R1", Version: 1, Entries: []calllist.Entry{{Rank: 1, Intern: "i2"}, {Rank: 2, Intern: "i1", Absent: true}}}
	c.Sort()
	wishes = map[string][]string{"i1": {"P9", "P1"}, "i2": {"P2", "P1"}}
	as, _, err = c.Compute(wishes, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err = c.WhyNot(wishes, nil, as)
	want = []domain.WhyNot{
		{Intern: "i1", Poste: "P9", Wish: 1, Kind: domain.WhyClosed},
		{Intern: "i1", Poste: "P1", Wish: 2, Kind: domain.WhyAbsent},
	}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("choix au rang: %v %v", got, err)
	}

	// Without a call list, the interns choose by rank, and the reasons
	// name their ranks, not their turns.
	c.CallList = nil
	c.Interns[0].Rank, c.Interns[1].Rank = 17, 5 // i1 17, i2 5
	wishes = map[string][]string{"i1": {"P2", "P1"}, "i2": {"P2"}}
	as, _, err = c.Compute(wishes, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err = c.WhyNot(wishes, nil, as)
	want = []domain.WhyNot{{Intern: "i1", Poste: "P2", Wish: 1, Kind: domain.WhyTaken, Filled: 1, LastRank: 5, YourRank: 17}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("choix au rang by rank: %v %v", got, err)
	}

	m := sample()
	m.Round.Number = 3
	if got, err := m.WhyNot(wishes, nil, nil); got != nil || err != nil {
		t.Fatalf("round 3: %v %v", got, err)
	}
}
