package notify

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/email"
	"appariement/syncserver/mailqueue"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func code(err error) api.Code {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not an api.Error"
	}
	return ""
}

var (
	lea  = domain.Person{ID: "i1", Role: domain.RoleIntern, LastName: "Martin", FirstName: "Léa", Email: "lea@example.fr"}
	paul = domain.Person{ID: "i2", Role: domain.RoleIntern, LastName: "Durand", FirstName: "Paul", Email: "paul@example.fr"}
	anon = domain.Person{ID: "i3", Role: domain.RoleIntern, LastName: "Sans", FirstName: "Adresse"}
	anne = domain.Person{ID: "r1", Role: domain.RoleRTS, LastName: "Petit", FirstName: "Anne", Email: "anne@example.fr"}
)

// open returns a mailer over a real store in t.TempDir() and, with mail,
// a queue writing files into the returned folder. The store holds round
// R1 (wishes open, closing within 24 h) whose interns are lea, paul and
// anon, with poste P1 of RTS anne.
func open(t *testing.T, mail bool) (*Mailer, *store.Store, string) {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	clock := func() time.Time { return now }
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Key: key, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Update(func(tx store.Tx) error {
		for _, p := range []domain.Person{lea, paul, anon, anne} {
			if err := tx.PutPerson(p); err != nil {
				return err
			}
		}
		if err := tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1", Name: "Tour 1", Procedure: domain.Appariement, Number: 1,
			State: domain.StateWishesOpen, WishesClose: now.Add(12 * time.Hour)}}); err != nil {
			return err
		}
		if err := tx.SetEligible("R1", []string{lea.ID, paul.ID, anon.ID}); err != nil {
			return err
		}
		_, err := store.PutPostes(tx, "R1", []domain.Poste{{ID: "P1", Specialty: "MG", Subdivision: "PARIS", RTS: anne.ID, Capacity: 1,
			Etablissement: "CHU", Service: "S", Town: "Paris", Title: "T"}}, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var q *mailqueue.Queue
	dir := filepath.Join(t.TempDir(), "outbox")
	if mail {
		tr, err := mailqueue.Parse("dir:"+dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		q = mailqueue.New(st, tr, mailqueue.Options{Clock: clock})
		q.Start()
		t.Cleanup(q.Close)
	}
	m, err := New(st, q, mail, "app@example.fr", nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, st, dir
}

func TestEnqueue(t *testing.T) {
	m, st, dir := open(t, true)
	if _, err := m.SetPreferences(paul.ID, now, api.Preferences{Off: []string{api.NotifyWishesOpening}}); err != nil {
		t.Fatal(err)
	}
	evil := lea
	evil.ID, evil.Email = "evil", "a@example.fr\r\nBcc: b@example.fr"
	for _, tc := range []struct {
		name   string
		p      domain.Person
		kind   string
		queued bool
		err    error
	}{
		{"mail", lea, "activation", true, nil},
		{"no address", anon, "activation", false, nil},
		{"turned off", paul, api.NotifyWishesOpening, false, nil},
		{"not optional", paul, "activation", true, nil},
		{"header injection", evil, "activation", false, email.ErrHeader},
	} {
		var ml *store.Mail
		err := st.Update(func(tx store.Tx) error {
			var err error
			ml, err = m.Enqueue(tx, &tc.p, tc.kind, "", "Sujet", "Bonjour", now)
			return err
		})
		if (ml != nil) != tc.queued || !errors.Is(err, tc.err) {
			t.Errorf("%s: queued %v, %v; want %v, %v", tc.name, ml != nil, err, tc.queued, tc.err)
		}
		if ml != nil && m.Name(ml) != store.MailFileName(ml) {
			t.Errorf("%s: demo-mode name %q", tc.name, m.Name(ml))
		}
	}
	m.Enqueued() // demo mode: the files are written now
	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Errorf("%d files in the outbox, want 2", len(files))
	}
	list, err := m.Mails("", 10)
	if err != nil || list.Sent != 2 {
		t.Errorf("Mails: %+v, %v", list, err)
	}
	if _, err := m.Mails("lost", 10); code(err) != api.CodeBadRequest {
		t.Errorf("Mails(lost): %v, want bad_request", err)
	}
}

func TestNoMail(t *testing.T) {
	m, st, _ := open(t, false)
	if m.Enabled() {
		t.Error("a mailer without a queue is enabled")
	}
	err := st.Update(func(tx store.Tx) error {
		ml, err := m.Enqueue(tx, &lea, "activation", "", "Sujet", "Bonjour", now)
		if ml != nil || err != nil {
			t.Errorf("Enqueue without a queue: %v, %v", ml, err)
		}
		return m.Result(tx, &domain.Result{Round: "R1", Unmatched: []string{lea.ID}}, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Reminders("adm", "R1", now); code(err) != api.CodeInvalidState {
		t.Errorf("Reminders without mail: %v, want invalid_state", err)
	}
	if err := m.Schedule(now); err != nil {
		t.Error(err)
	}
	m.Start(time.Hour, func() time.Time { return now }) // no queue: no scheduler
	m.Stop()
}

func TestPreferences(t *testing.T) {
	m, _, _ := open(t, false)
	for _, tc := range []struct {
		off  []string
		want []string
		code api.Code
	}{
		{nil, []string{}, ""},
		{[]string{api.NotifyCallList, api.NotifyWishesOpening, api.NotifyCallList}, []string{api.NotifyCallList, api.NotifyWishesOpening}, ""},
		{[]string{"activation"}, nil, api.CodeBadRequest},
	} {
		got, err := m.SetPreferences(lea.ID, now, api.Preferences{Off: tc.off})
		if code(err) != tc.code || (tc.code == "" && !slices.Equal(got.Off, tc.want)) {
			t.Errorf("SetPreferences(%v) = %v, %v; want %v, %q", tc.off, got.Off, err, tc.want, tc.code)
			continue
		}
		if tc.code == "" {
			if p, err := m.Preferences(lea.ID); err != nil || !slices.Equal(p.Off, tc.want) {
				t.Errorf("Preferences after %v: %v, %v", tc.off, p.Off, err)
			}
		}
	}
}

// TestScheduleOnce: the opening of the wishes and the reminder before they
// close go once to each intern with an address, whatever the number of
// looks; the admin's reminders go at every call.
func TestScheduleOnce(t *testing.T) {
	m, _, _ := open(t, true)
	count := func() int {
		l, err := m.Mails("", 0)
		if err != nil {
			t.Fatal(err)
		}
		return l.Queued + l.Sent + l.Failed
	}
	for range 3 {
		if err := m.Schedule(now); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 4 { // opening and closing reminder, for lea and paul
		t.Errorf("%d mails after three looks, want 4", n)
	}
	for i := 1; i <= 2; i++ {
		out, err := m.Reminders("adm", "R1", now)
		if err != nil {
			t.Fatal(err)
		}
		// anne has no key; lea, paul and anon no wish list; anon no address.
		if !slices.Equal(out.Enqueued, []string{anne.ID, lea.ID, paul.ID}) || !slices.Equal(out.Skipped, []string{anon.ID}) {
			t.Errorf("reminders %d: %+v", i, out)
		}
	}
	if n := count(); n != 10 {
		t.Errorf("%d mails after the admin's reminders, want 10", n)
	}
	if _, err := m.Reminders("adm", "R9", now); code(err) != api.CodeUnknownRound {
		t.Errorf("Reminders(R9): %v, want unknown_round", err)
	}
}
