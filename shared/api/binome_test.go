package api

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func link(author, partner string, pairs ...[2]string) *BinomeLink {
	return &BinomeLink{Round: "R1", Author: author, Seq: 1, Partner: partner, Pairs: pairs}
}

// TestBinomeLinkCheckShape: refusals name the author and the pair, French first.
func TestBinomeLinkCheckShape(t *testing.T) {
	tests := []struct {
		name string
		link *BinomeLink
		code Code
		fr   string
	}{
		{"valid", link("I1", "I2", [2]string{"A", "B"}, [2]string{"B", "B"}), "", ""},
		{"withdrawal", link("I1", ""), "", ""},
		{"empty joint list", link("I1", "I2"), "", ""},
		{"withdrawal with pairs", link("I1", "", [2]string{"A", "B"}), CodeMalformed, "binôme de I1 : une liste commune sans binôme"},
		{"self", link("I1", "I1"), CodeBadRequest, "binôme de I1 : on ne peut pas se lier avec soi-même"},
		{"pair twice", link("I1", "I2", [2]string{"A", "B"}, [2]string{"C", "C"}, [2]string{"A", "B"}), CodeDuplicate, "binôme de I1 : la paire 3 (A + B) répète la paire 1"},
		{"empty poste", link("I1", "I2", [2]string{"A", ""}), CodeMalformed, "poste manquant"},
		{"no round", &BinomeLink{Author: "I1", Partner: "I2"}, CodeMalformed, "tour / round manquant"},
		{"long partner", link("I1", strings.Repeat("x", MaxIDLength+1)), CodeTooLarge, "binôme / partner trop long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.link.CheckShape()
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Code != tt.code || !strings.HasPrefix(ae.Message, tt.fr) {
				t.Fatalf("got %#v, want code %s and French %q", err, tt.code, tt.fr)
			}
		})
	}
}

// TestLinksMatch: two links make a binôme only with the same round, each
// naming the other, and the same joint list seen from each side.
func TestLinksMatch(t *testing.T) {
	a := link("I1", "I2", [2]string{"A", "B"}, [2]string{"C", "C"})
	tests := []struct {
		name string
		b    *BinomeLink
		want bool
	}{
		{"mirror", link("I2", "I1", [2]string{"B", "A"}, [2]string{"C", "C"}), true},
		{"same orientation", link("I2", "I1", [2]string{"A", "B"}, [2]string{"C", "C"}), false},
		{"other order", link("I2", "I1", [2]string{"C", "C"}, [2]string{"B", "A"}), false},
		{"shorter", link("I2", "I1", [2]string{"B", "A"}), false},
		{"other partner", link("I2", "I3", [2]string{"B", "A"}, [2]string{"C", "C"}), false},
		{"withdrawn", link("I2", ""), false},
		{"other round", &BinomeLink{Round: "R2", Author: "I2", Partner: "I1", Pairs: [][2]string{{"B", "A"}, {"C", "C"}}}, false},
	}
	for _, tt := range tests {
		if got := LinksMatch(a, tt.b); got != tt.want {
			t.Errorf("%s: LinksMatch = %v, want %v", tt.name, got, tt.want)
		}
		if got := LinksMatch(tt.b, a); got != tt.want {
			t.Errorf("%s: LinksMatch reversed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestPairLinks: only matching links form binômes, in canonical form.
func TestPairLinks(t *testing.T) {
	links := map[string]*BinomeLink{
		"I2": link("I2", "I1", [2]string{"B", "A"}),
		"I1": link("I1", "I2", [2]string{"A", "B"}),
		"I3": link("I3", "I4"),                      // I4 linked with nobody
		"I5": link("I5", "I6", [2]string{"A", "A"}), // I6 signed another list
		"I6": link("I6", "I5", [2]string{"B", "B"}),
		"I9": link("I9", "I8", [2]string{"C", "D"}),
		"I8": link("I8", "I9", [2]string{"D", "C"}),
	}
	got, err := PairLinks(links)
	if err != nil {
		t.Fatal(err)
	}
	want := []LinkedBinome{
		{Interns: [2]string{"I1", "I2"}, Pairs: [][2]string{{"A", "B"}}},
		{Interns: [2]string{"I8", "I9"}, Pairs: [][2]string{{"D", "C"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("PairLinks = %+v, want %+v", got, want)
	}
	if _, err := PairLinks(map[string]*BinomeLink{"I7": link("I1", "I2")}); err == nil {
		t.Fatal("a link filed under another author is accepted")
	}
}

// TestDecodeBinomeLink: strict decoding, pairs of exactly two postes.
func TestDecodeBinomeLink(t *testing.T) {
	tests := []struct {
		payload, fr string
	}{
		{`{"round":"R1","author":"I1","seq":1,"client_time":"2026-01-01T00:00:00Z","partner":"I2","pairs":[["A","B"]]}`, ""},
		{`{"round":"R1","author":"I1","seq":1,"partner":"I2","pairs":[["A","B","C"]]}`, "binôme de I1 : la paire 1 a 3 postes au lieu de 2"},
		{`{"round":"R1","author":"I1","seq":1,"partner":"I2","pairs":[["A"]]}`, "binôme de I1 : la paire 1 a 1 postes au lieu de 2"},
		{`{"round":"R1","author":"I1","seq":1,"partner":"I2","pairs":[],"extra":1}`, "binôme illisible"},
		{`{"round":"R1","author":"I1","seq":1,"partner":"I2","pairs":[]} {}`, "binôme : données après la fin"},
	}
	for _, tt := range tests {
		_, err := DecodeBinomeLink([]byte(tt.payload))
		var ae *Error
		switch {
		case tt.fr == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.payload, err)
		case tt.fr != "" && (!errors.As(err, &ae) || !strings.HasPrefix(ae.Message, tt.fr)):
			t.Errorf("%s: got %v, want %q", tt.payload, err, tt.fr)
		}
	}
}

// FuzzDecodeBinomeLink: any payload is decoded or refused with an *Error,
// never a panic, and an accepted one passes CheckShape.
func FuzzDecodeBinomeLink(f *testing.F) {
	f.Add([]byte(`{"round":"R1","author":"I1","seq":1,"client_time":"2026-01-01T00:00:00Z","partner":"I2","pairs":[["A","B"]]}`))
	f.Add([]byte(`{"round":"R1","author":"I1","seq":1,"partner":"","pairs":null}`))
	f.Add([]byte(`{"round":"R1","author":"I1","pairs":[["A"]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := DecodeBinomeLink(data)
		if err != nil {
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("refusal is not an *Error: %v", err)
			}
			return
		}
		if err := l.CheckShape(); err != nil {
			t.Fatalf("accepted link fails CheckShape: %v", err)
		}
	})
}
