package match

import (
	"strings"
	"testing"
)

// TestCheckRejectsCorruptedResults damages correct results in one way each and expects
// Check to fail with the error line that names the fault.
func TestCheckRejectsCorruptedResults(t *testing.T) {
	tests := []struct {
		name string
		file string
		res  Result
		want string
	}{
		{"correct appariement", "hospitals-residents.json",
			Result{[]Assignment{a("R1", "H1"), a("R2", "H2"), a("R3", "H1")}, []string{"R4"}}, ""},
		{"correct choix au rang", "choix-au-rang.json",
			Result{[]Assignment{a("I1", "P2"), a("I3", "P1"), a("I4", "P3")}, []string{"I2", "I5"}}, ""},
		{"swap to the other stable matching", "gale-shapley-3x3.json",
			Result{[]Assignment{a("A", "Y"), a("B", "X"), a("C", "Z")}, []string{}},
			`result: intern "A": got poste "Y", but the intern-optimal stable matching (deferred acceptance) gives it poste "X"`},
		{"swap to an unwished poste", "hospitals-residents.json",
			Result{[]Assignment{a("R1", "H1"), a("R2", "H1"), a("R3", "H2")}, []string{"R4"}},
			`result: intern "R3": assigned to poste "H2", which is not on its wish list`},
		{"over capacity", "hospitals-residents.json",
			Result{[]Assignment{a("R1", "H1"), a("R2", "H1"), a("R3", "H1")}, []string{"R4"}},
			`result: poste "H1": 3 interns assigned, over its capacity of 2`},
		{"blocking pair with a free place", "hospitals-residents.json",
			Result{[]Assignment{a("R1", "H1"), a("R3", "H1")}, []string{"R2", "R4"}},
			`result: blocking pair: intern "R2" prefers poste "H2" to nothing, and the poste ranked it and has a free place`},
		{"blocking pair with a worse held intern", "hospitals-residents.json",
			Result{[]Assignment{a("R1", "H1"), a("R4", "H2"), a("R3", "H1")}, []string{"R2"}},
			`result: blocking pair: intern "R2" prefers poste "H2" to nothing, and the poste ranked it (rank 1) above intern "R4" (rank 2) whom it holds`},
		{"missing intern", "hospitals-residents.json",
			Result{[]Assignment{a("R1", "H1"), a("R2", "H2"), a("R3", "H1")}, []string{}},
			`result: intern "R4" is missing (neither assigned nor unmatched)`},
		{"intern twice", "hospitals-residents.json",
			Result{[]Assignment{a("R1", "H1"), a("R2", "H2"), a("R3", "H1")}, []string{"R4", "R1"}},
			`result: intern "R1" appears more than once`},
		{"unknown intern", "hospitals-residents.json",
			Result{[]Assignment{a("R1", "H1"), a("R2", "H2"), a("R3", "H1"), a("R9", "H2")}, []string{"R4"}},
			`result: unknown intern "R9"`},
		{"unknown poste", "hospitals-residents.json",
			Result{[]Assignment{a("R1", "H1"), a("R2", "H2"), a("R3", "H1"), a("R4", "H7")}, []string{}},
			`result: intern "R4": assigned to unknown poste "H7"`},
		{"unranked intern placed", "unranked.json",
			Result{[]Assignment{a("I1", "P1"), a("I2", "P1"), a("I3", "P2")}, []string{}},
			`result: intern "I1": assigned to poste "P1", which did not rank it`},
		{"choix au rang: envy of a free place", "choix-au-rang.json",
			Result{[]Assignment{a("I1", "P2"), a("I3", "P2"), a("I4", "P3")}, []string{"I2", "I5"}},
			`result: intern "I3" (number 1 in the call list): got poste "P2", but preferred poste "P1" still had a free place at its turn`},
		{"choix au rang: place taken by a later intern", "choix-au-rang.json",
			Result{[]Assignment{a("I1", "P2"), a("I3", "P2"), a("I2", "P1"), a("I4", "P3")}, []string{"I5"}},
			`result: intern "I3" (number 1 in the call list): got poste "P2", but preferred poste "P1" still had a free place at its turn (a place later taken by intern "I2")`},
		{"choix au rang: unmatched with room left", "choix-au-rang.json",
			Result{[]Assignment{a("I1", "P2"), a("I3", "P1")}, []string{"I2", "I4", "I5"}},
			`result: intern "I4" (number 4 in the call list): got nothing, but preferred poste "P3" still had a free place at its turn`},
		{"choix au rang: no ranking needed but wish list is", "choix-au-rang.json",
			Result{[]Assignment{a("I1", "P2"), a("I3", "P1"), a("I4", "P3"), a("I5", "P2")}, []string{"I2"}},
			`result: intern "I5": assigned to poste "P2", which is not on its wish list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst := readInstance(t, "testdata/"+tt.file)
			err := Check(inst, tt.res)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("correct result rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("corrupted result accepted")
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if line == tt.want {
					return
				}
			}
			t.Errorf("want the error line\n  %s\ngot\n  %s", tt.want, strings.ReplaceAll(err.Error(), "\n", "\n  "))
		})
	}
}

func TestCheckInvalidInstance(t *testing.T) {
	inst := &Instance{Postes: []Poste{{ID: "P1", Capacity: 0}}, Interns: []Intern{}}
	err := Check(inst, Result{})
	if err == nil || !strings.Contains(err.Error(), `invalid instance: instance: poste "P1": capacity 0`) {
		t.Errorf("got %v", err)
	}
}
