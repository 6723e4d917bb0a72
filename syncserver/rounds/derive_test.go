package rounds

import (
	"testing"

	"appariement/shared/domain"
)

func TestDerive(t *testing.T) {
	postes := []domain.Poste{{ID: "A", Capacity: 2, Version: 4}, {ID: "B", Capacity: 1}, {ID: "C", Capacity: 1, Closed: true}}
	res := &domain.Result{Assignments: []domain.Assignment{{Intern: "i1", Poste: "A"}, {Intern: "i2", Poste: "B"}}, Unmatched: []string{"i3"}}
	left, interns := Derive(postes, res)
	if len(left) != 2 || left[0].Capacity != 1 || left[0].Closed || left[0].Version != 0 || !left[1].Closed || len(interns) != 1 {
		t.Fatalf("derive: %+v %v", left, interns)
	}
}
