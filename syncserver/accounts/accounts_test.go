package accounts

import (
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/notify"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// open returns the accounts use cases over a real store in t.TempDir()
// holding people, and the store.
func open(t *testing.T, people ...domain.Person) (*Service, *store.Store) {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Key: key, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Update(func(tx store.Tx) error {
		for _, p := range people {
			if err := tx.PutPerson(p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	m, err := notify.New(st, nil, false, "app@example.fr", nil)
	if err != nil {
		t.Fatal(err)
	}
	return New(st, m, Config{ActivationTTL: 24 * time.Hour}), st
}

var (
	intern = domain.Person{ID: "i1", Role: domain.RoleIntern, LastName: "Martin", FirstName: "Léa", Email: "lea@example.fr",
		Specialty: "MG", Subdivision: "PARIS"}
	other = domain.Person{ID: "i2", Role: domain.RoleIntern, LastName: "Durand", FirstName: "Paul", Email: "paul@example.fr",
		Specialty: "MG", Subdivision: "LYON"}
	rts   = domain.Person{ID: "r1", Role: domain.RoleRTS, LastName: "Petit", FirstName: "Anne", Email: "anne@example.fr"}
	admin = domain.Person{ID: "adm", Role: domain.RoleAdmin, LastName: "Admin", FirstName: "A"}
)

func code(err error) api.Code {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func pub(t *testing.T) ed25519.PublicKey {
	k, _, _ := ed25519.GenerateKey(nil)
	return k
}

func allow(string) error { return nil }

// TestEnroll: the issued code enrolls once; every failure is the one
// uniform refusal; malformed requests are refused before the code is
// tried; admit's refusal is the answer.
func TestEnroll(t *testing.T) {
	a, _ := open(t, intern, other, admin)
	issued, err := a.IssueCodes(admin.ID, now, api.IssueCodesRequest{People: []string{intern.ID}})
	if err != nil || len(issued.Codes) != 1 {
		t.Fatalf("IssueCodes: %+v, %v", issued, err)
	}
	good := issued.Codes[0].Code
	limited := api.Errorf(api.CodeRateLimited, "trop", "too many")
	for _, tc := range []struct {
		name  string
		in    api.EnrollRequest
		admit func(string) error
		want  api.Code // "" accepted
	}{
		{"empty identifier", api.EnrollRequest{Code: good, PublicKey: pub(t)}, allow, api.CodeMalformed},
		{"long code", api.EnrollRequest{Identifier: intern.ID, Code: string(make([]byte, 65)), PublicKey: pub(t)}, allow, api.CodeBadCode},
		{"short key", api.EnrollRequest{Identifier: intern.ID, Code: good, PublicKey: []byte{1, 2}}, allow, api.CodeBadRequest},
		{"limited", api.EnrollRequest{Identifier: intern.ID, Code: good, PublicKey: pub(t)}, func(string) error { return limited }, api.CodeRateLimited},
		{"unknown person", api.EnrollRequest{Identifier: "nobody", Code: good, PublicKey: pub(t)}, allow, api.CodeBadCode},
		{"no code issued", api.EnrollRequest{Identifier: other.ID, Code: good, PublicKey: pub(t)}, allow, api.CodeBadCode},
		{"right code, typed loosely", api.EnrollRequest{Identifier: " I1\u200b ", Code: good, PublicKey: pub(t)}, allow, ""},
		{"used code", api.EnrollRequest{Identifier: intern.ID, Code: good, PublicKey: pub(t)}, allow, api.CodeBadCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := a.Enroll(tc.in, now, "192.0.2.1", tc.admit)
			if got := code(err); got != tc.want || (err != nil && tc.want == "") {
				t.Fatalf("Enroll: %v (code %q), want %q", err, got, tc.want)
			}
			if tc.want == api.CodeBadCode && tc.name != "long code" && err.Error() != refusedEnrollment().Error() {
				t.Errorf("refusal %q is not the uniform one", err)
			}
			if tc.want == "" && (out.Person.ID != intern.ID || out.ServerKey.Fingerprint == "") {
				t.Errorf("answer %+v", out)
			}
		})
	}
}

// TestIssueCodesAndReset: who gets a code, the refusals, and a key reset.
func TestIssueCodesAndReset(t *testing.T) {
	a, st := open(t, intern, other, rts, admin)
	for _, tc := range []struct {
		name string
		in   api.IssueCodesRequest
		want api.Code
		n    int
	}{
		{"nobody", api.IssueCodesRequest{}, api.CodeBadRequest, 0},
		{"unknown", api.IssueCodesRequest{People: []string{"x"}}, api.CodeNotFound, 0},
		{"one", api.IssueCodesRequest{People: []string{rts.ID}}, "", 1},
		{"all without key", api.IssueCodesRequest{AllWithoutKey: true}, "", 4},
	} {
		out, err := a.IssueCodes(admin.ID, now, tc.in)
		if code(err) != tc.want || len(out.Codes) != tc.n {
			t.Errorf("%s: %d codes, %v; want %d, %q", tc.name, len(out.Codes), err, tc.n, tc.want)
		}
	}
	ic, err := a.IssueCodes(admin.ID, now, api.IssueCodesRequest{People: []string{intern.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Enroll(api.EnrollRequest{Identifier: intern.ID, Code: ic.Codes[0].Code, PublicKey: pub(t)}, now, "", allow); err != nil {
		t.Fatal(err)
	}
	if _, err := a.IssueCodes(admin.ID, now, api.IssueCodesRequest{People: []string{intern.ID}}); code(err) != api.CodeAlreadyEnrolled {
		t.Errorf("code for an enrolled person: %v, want already_enrolled", err)
	}
	people, err := a.People()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if want := p.Person.ID == intern.ID; p.Enrolled != want || p.PendingCode == want {
			t.Errorf("%s: enrolled %v, pending %v", p.Person.ID, p.Enrolled, p.PendingCode)
		}
	}
	for _, tc := range []struct {
		id, reason string
		want       api.Code
	}{
		{intern.ID, "", api.CodeBadRequest},
		{"x", "lost laptop", api.CodeNotFound},
		{intern.ID, "lost laptop", ""},
	} {
		if _, err := a.ResetKey(admin.ID, now, tc.id, tc.reason); code(err) != tc.want || (tc.want == "" && err != nil) {
			t.Errorf("ResetKey(%q, %q): %v, want %q", tc.id, tc.reason, err, tc.want)
		}
	}
	err = st.View(func(tx store.Tx) error {
		if _, err := tx.PublicKey(intern.ID); !store.IsNotFound(err) {
			t.Errorf("key after reset: %v, want revoked", err)
		}
		if !tx.HasPendingCode(intern.ID) {
			t.Error("no new code after reset")
		}
		log, err := tx.AuditLog(0, 100)
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action)
		}
		if len(actions) == 0 || actions[len(actions)-1] != "reset-key" {
			t.Errorf("audit log %v does not end with the reset", actions)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestScopePeople: a coordinator sees the interns of their scope and the
// RTS of its postes.
func TestScopePeople(t *testing.T) {
	a, st := open(t, intern, other, rts)
	if err := st.Update(func(tx store.Tx) error {
		if err := tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1", Name: "R", Procedure: domain.Appariement, Number: 1, State: domain.StateDraft}}); err != nil {
			return err
		}
		_, err := store.PutPostes(tx, "R1", []domain.Poste{{ID: "P1", Specialty: "MG", Subdivision: "PARIS", RTS: rts.ID, Capacity: 1,
			Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"}}, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec, sub string
		want      []string
	}{
		{"MG", "PARIS", []string{intern.ID, rts.ID}},
		{"MG", "", []string{intern.ID, other.ID, rts.ID}},
		{"MG", "LYON", []string{other.ID}},
	} {
		coord := &domain.Person{ID: "c", Role: domain.RoleCoordinator, Specialty: tc.spec, Subdivision: tc.sub}
		out, err := a.ScopePeople(coord)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range out.People {
			got = append(got, p.Person.ID)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s × %s: %v, want %v", tc.spec, tc.sub, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s × %s: %v, want %v", tc.spec, tc.sub, got, tc.want)
				break
			}
		}
	}
}
