package mailqueue_test

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"appariement/shared/email"
	"appariement/syncserver/mailqueue"
	"appariement/syncserver/mailtest"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// enqueue adds n mails to st and returns their Message-IDs.
func enqueue(t *testing.T, st *store.Store, n int) []string {
	t.Helper()
	var ids []string
	err := st.Update(func(tx store.Tx) error {
		for i := range n {
			id := fmt.Sprintf("test%d.%d@appariement", i, time.Now().UnixNano())
			raw, err := email.Message{From: mail.Address{Address: "appariement@localhost"},
				To: mail.Address{Name: "Rose Étoile", Address: fmt.Sprintf("i%d@example.fr", i)}, Subject: "Essai é",
				Date: time.Now(), MessageID: id, Body: "Bonjour\n"}.Bytes()
			if err != nil {
				return err
			}
			m := &store.Mail{MailInfo: store.MailInfo{Kind: "test", Person: fmt.Sprintf("I%04d", i), To: fmt.Sprintf("i%d@example.fr", i),
				Subject: "Essai é", MessageID: id, Created: time.Now()}, From: "appariement@localhost", Raw: raw}
			if err := tx.EnqueueMail(m); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func list(t *testing.T, st *store.Store) store.MailList {
	t.Helper()
	var l store.MailList
	if err := st.View(func(tx store.Tx) error {
		var err error
		l, err = tx.Mails("", 100)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return l
}

func waitList(t *testing.T, st *store.Store, ok func(store.MailList) bool) store.MailList {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l := list(t, st)
		if ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue never got there: %+v", l)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func transport(t *testing.T, s *mailtest.Server) mailqueue.Transport {
	t.Helper()
	tr, err := mailqueue.Parse(s.URL(), s.TLS)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestSMTPStartTLSAuth: mails go through STARTTLS and AUTH PLAIN to a real
// SMTP server, byte for byte, each once, and are marked sent.
func TestSMTPStartTLSAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{User: "app", Password: "s3cr:t"})
	st := openStore(t)
	ids := enqueue(t, st, 3)
	q := mailqueue.New(st, transport(t, srv), mailqueue.Options{})
	q.Start()
	defer q.Close()
	got := srv.Wait(3, 10*time.Second)
	if len(got) != 3 {
		t.Fatalf("%d delivered", len(got))
	}
	for i, m := range got {
		if m.MessageID != ids[i] || m.From != "appariement@localhost" || m.To != fmt.Sprintf("i%d@example.fr", i) {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	l := waitList(t, st, func(l store.MailList) bool { return l.Sent == 3 })
	if l.Queued != 0 || l.Failed != 0 || l.Mails[0].Attempts != 1 || l.Mails[0].Sent.IsZero() {
		t.Fatalf("%+v", l)
	}
}

// TestSMTPImplicitTLS: smtps:// speaks TLS from the first byte.
func TestSMTPImplicitTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{ImplicitTLS: true, User: "u", Password: "p"})
	st := openStore(t)
	enqueue(t, st, 1)
	q := mailqueue.New(st, transport(t, srv), mailqueue.Options{})
	q.Start()
	defer q.Close()
	if got := srv.Wait(1, 10*time.Second); len(got) != 1 {
		t.Fatalf("%d delivered", len(got))
	}
}

// TestSMTPTemporary: 451, then 421, then a connection cut in the middle
// of DATA are retried with backoff; the mail arrives once, at the fourth try.
func TestSMTPTemporary(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{OnData: func(n int, _ mailtest.Message) error {
		switch n {
		case 1:
			return mailtest.Temporary
		case 2:
			return mailtest.Busy
		case 3:
			return mailtest.ErrDrop
		}
		return nil
	}})
	st := openStore(t)
	ids := enqueue(t, st, 1)
	var outcomes []string
	q := mailqueue.New(st, transport(t, srv), mailqueue.Options{Backoff: 50 * time.Millisecond, Poll: 20 * time.Millisecond,
		OnResult: func(o string) { outcomes = append(outcomes, o) }})
	q.Start()
	got := srv.Wait(1, 10*time.Second)
	l := waitList(t, st, func(l store.MailList) bool { return l.Sent == 1 })
	q.Close()
	if len(got) != 1 || got[0].MessageID != ids[0] {
		t.Fatalf("delivered %+v", got)
	}
	if m := l.Mails[0]; m.Attempts != 4 || m.LastError != "" {
		t.Fatalf("%+v", m)
	}
	if strings.Join(outcomes, ",") != "retry,retry,retry,sent" {
		t.Fatalf("outcomes %v", outcomes)
	}
	if len(srv.Messages()) != 1 {
		t.Fatal("duplicate")
	}
}

// TestSMTPTemporaryBackoff: the waits double; a mail that keeps failing
// is given up after GiveUpAfter, audited.
func TestSMTPTemporaryBackoff(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{OnData: func(int, mailtest.Message) error { return mailtest.Temporary }})
	st := openStore(t)
	enqueue(t, st, 1)
	now := time.Now()
	q := mailqueue.New(st, transport(t, srv), mailqueue.Options{Clock: func() time.Time { return now }, Backoff: time.Minute, GiveUpAfter: 10 * time.Minute})
	var next []time.Duration
	for range 5 {
		if _, err := q.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := list(t, st).Mails[0]
		if m.Status == store.MailQueued {
			next = append(next, m.NextTry.Sub(now))
			now = m.NextTry
		}
	}
	if fmt.Sprint(next) != "[1m0s 2m0s 4m0s 8m0s]" {
		t.Fatalf("waits %v", next)
	}
	m := list(t, st).Mails[0]
	if m.Status != store.MailFailed || !strings.Contains(m.LastError, "given up after 5 tries") || !strings.Contains(m.LastError, "451") {
		t.Fatalf("%+v", m)
	}
	assertAudit(t, st, "mail-failed", m.ID)
}

// TestSMTPPermanent: a 550 is given up at once, with the reason audited;
// the next mail still goes.
func TestSMTPPermanent(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{OnData: func(n int, _ mailtest.Message) error {
		if n == 1 {
			return mailtest.Permanent
		}
		return nil
	}})
	st := openStore(t)
	enqueue(t, st, 2)
	q := mailqueue.New(st, transport(t, srv), mailqueue.Options{})
	q.Start()
	defer q.Close()
	srv.Wait(1, 10*time.Second)
	l := waitList(t, st, func(l store.MailList) bool { return l.Sent == 1 && l.Failed == 1 })
	failed := l.Mails[1] // newest first
	if failed.Status != store.MailFailed || failed.Attempts != 1 || !strings.Contains(failed.LastError, "550") {
		t.Fatalf("%+v", failed)
	}
	assertAudit(t, st, "mail-failed", failed.ID)
}

func assertAudit(t *testing.T, st *store.Store, action, mailID string) {
	t.Helper()
	var entries []store.AuditEntry
	st.View(func(tx store.Tx) error {
		var err error
		entries, err = tx.AuditLog(0, 100)
		return err
	})
	for _, e := range entries {
		if e.Action == action && strings.Contains(string(e.Detail), mailID) && e.Reason != "" {
			return
		}
	}
	t.Fatalf("no %s audit entry for %s in %+v", action, mailID, entries)
}

// TestSMTPRefusedConnection: nobody listening is temporary.
func TestSMTPRefusedConnection(t *testing.T) {
	st := openStore(t)
	enqueue(t, st, 1)
	tr, err := mailqueue.Parse("smtp://127.0.0.1:1?starttls=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := mailqueue.New(st, tr, mailqueue.Options{})
	if _, err := q.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := list(t, st).Mails[0]; m.Status != store.MailQueued || m.Attempts != 1 || m.LastError == "" {
		t.Fatalf("%+v", m)
	}
}

// TestDir: demo mode writes one .eml per mail, named from the record.
func TestDir(t *testing.T) {
	st := openStore(t)
	enqueue(t, st, 2)
	dir := filepath.Join(t.TempDir(), "outbox")
	tr, _ := mailqueue.Parse("dir:"+dir, nil)
	q := mailqueue.New(st, tr, mailqueue.Options{})
	if n, err := q.Flush(context.Background()); err != nil || n != 2 {
		t.Fatal(n, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 || !strings.HasSuffix(ents[0].Name(), "-M00000001.eml") {
		t.Fatalf("%v", ents)
	}
}

// TestParse: the -mail forms, with the password never shown.
func TestParse(t *testing.T) {
	for spec, want := range map[string]string{
		"smtp://u:secret@mail.example.fr?starttls=1": "smtp://u@mail.example.fr:587",
		"smtp://mail.example.fr:25?starttls=0":       "smtp://mail.example.fr:25?starttls=0",
		"smtps://u:secret@mail.example.fr":           "smtps://u@mail.example.fr:465",
		"dir:/tmp/x":                                 "dir:/tmp/x",
	} {
		tr, err := mailqueue.Parse(spec, nil)
		if err != nil || tr.String() != want {
			t.Errorf("%s: %v %v", spec, tr, err)
		}
	}
	for _, bad := range []string{"http://x", "smtp://", "smtp://h?starttls=maybe"} {
		if _, err := mailqueue.Parse(bad, nil); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestEnqueueOnce: a notification key is enqueued once; the second is
// refused with store.ErrMailOnce and nothing is added.
func TestEnqueueOnce(t *testing.T) {
	st := openStore(t)
	add := func() error {
		return st.Update(func(tx store.Tx) error {
			return tx.EnqueueMail(&store.Mail{MailInfo: store.MailInfo{Kind: "result", To: "a@example.fr", Created: time.Now()},
				From: "appariement@localhost", Raw: []byte("x"), Once: "result/R1/I1"})
		})
	}
	if err := add(); err != nil {
		t.Fatal(err)
	}
	if err := add(); !errors.Is(err, store.ErrMailOnce) {
		t.Fatalf("second enqueue: %v", err)
	}
	if l := list(t, st); l.Queued != 1 || len(l.Mails) != 1 {
		t.Fatalf("%+v", l)
	}
}
