package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/mailtest"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store/boltstore"
)

// TestMailSMTPActivation: with -mail smtps://…, the
// activation codes issued by the admin reach a real SMTP server on
// loopback (implicit TLS, AUTH PLAIN), survive a temporary refusal, and
// the admin sees them sent in GET /v1/admin/mail.
func TestMailSMTPActivation(t *testing.T) {
	smtpd := mailtest.Start(t, mailtest.Options{ImplicitTLS: true, User: "app", Password: "pw", OnData: func(n int, _ mailtest.Message) error {
		if n == 1 {
			return mailtest.Temporary
		}
		return nil
	}})
	env := servertest.Start(t, servertest.Options{Interns: 2, NoCodes: true, Configure: func(c *server.Config) {
		c.OutboxDir, c.Mail, c.MailTLS = "", smtpd.URL(), smtpd.TLS
		c.MailBackoff, c.MailPoll = 50*time.Millisecond, 50*time.Millisecond
	}})
	ctx := context.Background()
	codes, err := env.Admin.IssueCodes(ctx, api.IssueCodesRequest{AllWithoutKey: true})
	if err != nil || len(codes.Codes) == 0 {
		t.Fatalf("codes %+v, %v", codes, err)
	}
	smtpd.Wait(len(codes.Codes)-1, 10*time.Second) // all but the one refused with 451, which waits for its backoff
	env.Clock.Advance(time.Second)                 // the queue follows the server's clock: past the backoff
	got := smtpd.Wait(len(codes.Codes), 20*time.Second)
	if len(got) != len(codes.Codes) {
		t.Fatalf("%d mails delivered, %d codes", len(got), len(codes.Codes))
	}
	for _, ic := range codes.Codes {
		found := 0
		for _, m := range got {
			if m.To == ic.Email && strings.Contains(string(m.Data), ic.Code) {
				found++
			}
		}
		if found != 1 {
			t.Errorf("code of %s delivered %d times", ic.Person, found)
		}
	}
	var l *api.MailList
	deadline := time.Now().Add(10 * time.Second)
	for {
		if l, err = env.Admin.Mail(ctx, "", 100); err != nil {
			t.Fatal(err)
		}
		if l.Sent == len(codes.Codes) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if l.Sent != len(codes.Codes) || l.Queued != 0 || l.Failed != 0 {
		t.Fatalf("queue %+v", l)
	}
	retried := 0
	for _, m := range l.Mails {
		if m.Kind != "activation" || m.Status != api.MailSent {
			t.Errorf("%+v", m)
		}
		if m.Attempts == 2 {
			retried++
		}
	}
	if retried != 1 {
		t.Errorf("%d mails retried, want the one refused with 451", retried)
	}
	if _, err := env.Admin.Mail(ctx, "bogus", 1); err == nil {
		t.Error("status bogus accepted")
	}
}

// TestMailKillDashNine: activation codes are issued (acknowledged) while
// the mail server is down, and the server is killed with SIGKILL; it is
// restarted with the mail server up and killed again in the middle of a
// DATA; after the last restart every mail of the queue has arrived
// exactly once (same Message-ID set as the store's, no duplicate).
func TestMailKillDashNine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	db := filepath.Join(t.TempDir(), "mail.db")
	pub, adminKey, _ := ed25519.GenerateKey(nil)
	if err := boltstore.Bootstrap(db, "crash.test", domain.Person{ID: "A1", LastName: "ADMIN", FirstName: "Ada", Email: "admin@ars.example.fr"}, pub); err != nil {
		t.Fatal(err)
	}
	const people = 6
	var ps []domain.Person
	for i := range people {
		ps = append(ps, domain.Person{ID: fmt.Sprintf("I%d", i), Role: domain.RoleIntern, LastName: "NOM", FirstName: "Prénom",
			Email: fmt.Sprintf("i%d@etu.example.fr", i), Specialty: "CARDIO", Subdivision: "LYON", Rank: i + 1})
	}
	admin := func(url string) *client.Client {
		c, err := client.New(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		k, err := c.ServerKey(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c = c.WithIdentity("A1", adminKey)
		c.Server = envelope.KeyID(k.PublicKey)
		return c
	}
	ctx := context.Background()

	// 1. Mail server down: codes issued and acknowledged, mails queued; kill -9.
	cmd, url := startCrashServer(t, db, crashMailEnv+"=smtp://127.0.0.1:1?starttls=0")
	a := admin(url)
	data, _ := json.Marshal(ps)
	if _, err := a.ImportPeople(ctx, api.FormatJSON, data, false); err != nil {
		t.Fatal(err)
	}
	codes, err := a.IssueCodes(ctx, api.IssueCodesRequest{People: []string{"I0", "I1", "I2", "I3", "I4", "I5"}})
	if err != nil || len(codes.Codes) != people {
		t.Fatalf("%+v %v", codes, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	// 2. Mail server up; it kills our server during the third DATA, before answering.
	var victim atomic.Pointer[func()]
	smtpd := mailtest.Start(t, mailtest.Options{OnData: func(n int, _ mailtest.Message) error {
		if n == 3 {
			(*victim.Load())()
			return mailtest.ErrDrop
		}
		return nil
	}})
	mailURL := crashMailEnv + "=" + strings.Replace(smtpd.URL(), "starttls=1", "starttls=0", 1)
	cmd2, _ := startCrashServer(t, db, mailURL)
	kill := func() { cmd2.Process.Signal(syscall.SIGKILL) }
	victim.Store(&kill)
	cmd2.Wait()
	if n := len(smtpd.Messages()); n != 2 {
		t.Fatalf("%d mails accepted before the second kill, want 2", n)
	}

	// 3. Restart: the rest goes, nothing twice.
	cmd3, url3 := startCrashServer(t, db, mailURL)
	got := smtpd.Wait(people, 20*time.Second)
	a3 := admin(url3)
	var l *api.MailList
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if l, err = a3.Mail(ctx, "", 100); err != nil {
			t.Fatal(err)
		}
		if l.Sent == people || time.Now().After(deadline) {
			break
		}
	}
	time.Sleep(200 * time.Millisecond) // a duplicate would arrive now
	got = smtpd.Messages()
	cmd3.Process.Signal(syscall.SIGKILL)
	cmd3.Wait()
	if l.Sent != people || l.Queued != 0 || l.Failed != 0 {
		t.Fatalf("queue after restart: %+v", l)
	}
	seen := map[string]int{}
	for _, m := range got {
		seen[m.MessageID]++
	}
	for _, m := range l.Mails {
		if seen[m.MessageID] != 1 {
			t.Errorf("mail %s (%s) delivered %d times", m.ID, m.MessageID, seen[m.MessageID])
		}
	}
	if len(got) != people {
		t.Fatalf("%d deliveries for %d mails", len(got), people)
	}
	for _, ic := range codes.Codes {
		n := 0
		for _, m := range got {
			if strings.Contains(string(m.Data), ic.Code) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("code of %s: %d mails", ic.Person, n)
		}
	}
}

// TestMailResultPublished: publishing a round enqueues one "result
// published" e-mail per participant, delivered through SMTP, once.
func TestMailResultPublished(t *testing.T) {
	smtpd := mailtest.Start(t, mailtest.Options{})
	env := servertest.Start(t, servertest.Options{Interns: 3, Procedure: domain.ChoixAuRang, Configure: func(c *server.Config) {
		c.OutboxDir, c.Mail, c.MailTLS = "", smtpd.URL(), smtpd.TLS
		c.MailPoll = 50 * time.Millisecond
	}})
	codes := len(smtpd.Wait(len(env.Codes), 10*time.Second)) // the activation e-mails
	u := env.Enroll(t, env.Interns[0])
	env.Transition(t, domain.StateWishesOpen)
	if _, err := u.Client.Submit(context.Background(), u.WishList(env.Round, 1, "P1")); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	// The result mails, beside the announcement of the wishes' opening
	// that the scheduler may have sent while they were open.
	results := func() []mailtest.Message {
		var out []mailtest.Message
		for _, m := range smtpd.Messages()[codes:] {
			if strings.Contains(string(m.Data), "sultats du tour") {
				out = append(out, m)
			}
		}
		return out
	}
	for deadline := time.Now().Add(10 * time.Second); len(results()) < len(env.Interns) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	got := results()
	if len(got) != len(env.Interns) {
		t.Fatalf("%d result mails for %d interns", len(got), len(env.Interns))
	}
	for _, m := range got {
		if !strings.Contains(string(m.Data), "sultats du tour "+env.Round) {
			t.Errorf("mail to %s:\n%s", m.To, m.Data)
		}
	}
	if !strings.Contains(string(got[0].Data), "Votre affectation : poste P1") {
		t.Errorf("first intern's mail:\n%s", got[0].Data)
	}
	l, err := env.Admin.Mail(context.Background(), api.MailSent, 100)
	if err != nil || (l.Sent != codes+len(env.Interns) && l.Sent != codes+2*len(env.Interns)) || l.Mails[0].Kind != "result" {
		t.Fatalf("%+v %v", l, err)
	}
}

// TestMailWishesClosing: 24 h before the wishes window closes, the
// scheduler e-mails every eligible intern who has not signed a list, once
// (later looks send nothing more); the intern who did is not told.
func TestMailWishesClosing(t *testing.T) {
	smtpd := mailtest.Start(t, mailtest.Options{})
	env := servertest.Start(t, servertest.Options{Interns: 3, Configure: func(c *server.Config) {
		c.OutboxDir, c.Mail, c.MailTLS = "", smtpd.URL(), smtpd.TLS
		c.MailPoll = 20 * time.Millisecond
	}})
	ctx := context.Background()
	codes := len(smtpd.Wait(len(env.Codes), 10*time.Second))
	u := env.Enroll(t, env.Interns[0])
	closeAt := env.Clock.Now().Add(48 * time.Hour)
	if _, err := env.Admin.Schedule(ctx, env.Round, api.ScheduleRequest{WishesOpen: env.Clock.Now(), WishesClose: closeAt, Reason: "fenêtre avancée pour le test"}); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesOpen)
	if _, err := u.Client.Submit(ctx, u.WishList(env.Round, 1, "P1")); err != nil {
		t.Fatal(err)
	}
	// The opening is announced to every intern of the round, once.
	opened := codes + len(env.Interns)
	for _, m := range smtpd.Wait(opened, 10*time.Second)[codes:] {
		if !strings.Contains(string(m.Data), "est ouverte") {
			t.Errorf("opening announcement:\n%s", m.Data)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(smtpd.Messages()); n != opened {
		t.Fatalf("%d reminders 48 h before the close", n-opened)
	}
	env.Clock.Advance(25 * time.Hour) // 23 h before the close
	want := opened + len(env.Interns) - 1
	smtpd.Wait(want, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // ten more looks of the scheduler
	got := smtpd.Messages()
	if len(got) != want {
		t.Fatalf("%d reminders, want %d", len(got)-opened, len(env.Interns)-1)
	}
	for _, m := range got[opened:] {
		if strings.Contains(m.To, env.Interns[0]) || !strings.Contains(string(m.Data), "aucune liste de v") {
			t.Errorf("reminder to %s:\n%s", m.To, m.Data)
		}
	}
}

// TestMailCallListChanged: republishing a call list e-mails every intern
// whose place changed, with the old and the new rank, once.
func TestMailCallListChanged(t *testing.T) {
	smtpd := mailtest.Start(t, mailtest.Options{})
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 4, Postes: 2, Capacity: 2, Configure: func(c *server.Config) {
		c.OutboxDir, c.Mail, c.MailTLS = "", smtpd.URL(), smtpd.TLS
		c.MailPoll = 20 * time.Millisecond
	}})
	codes := len(smtpd.Wait(len(env.Codes), 10*time.Second))
	if _, err := env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{Seniority: map[string]int{"i04": 2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.PublishCallList(ctx, env.Round, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{}); err != nil {
		t.Fatal(err)
	}
	p2, err := env.Admin.PublishCallList(ctx, env.Round, "reclassement après vérification des semestres")
	if err != nil {
		t.Fatal(err)
	}
	smtpd.Wait(codes+len(p2.Moves), 10*time.Second)
	time.Sleep(100 * time.Millisecond)
	got := smtpd.Messages()[codes:]
	if len(got) != len(p2.Moves) || len(got) == 0 {
		t.Fatalf("%d mails for %d moves", len(got), len(p2.Moves))
	}
	for _, mv := range p2.Moves {
		want := fmt.Sprintf("votre place passe de\n« rang %d » à « rang %d »", mv.OldRank, mv.NewRank)
		n := 0
		for _, m := range got {
			if strings.HasPrefix(m.To, mv.Intern+"@") && strings.Contains(decodeQP(t, m.Data), want) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s (%d → %d): %d mails", mv.Intern, mv.OldRank, mv.NewRank, n)
		}
	}
}

// decodeQP returns the body of a quoted-printable message with "\n" line ends.
func decodeQP(t *testing.T, data []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// TestMailAdminReminders: the admin's reminders go through the queue: the
// RTS who never enrolled and the interns without a list, not the others.
func TestMailAdminReminders(t *testing.T) {
	smtpd := mailtest.Start(t, mailtest.Options{})
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 3, Configure: func(c *server.Config) {
		c.OutboxDir, c.Mail, c.MailTLS = "", smtpd.URL(), smtpd.TLS
		c.MailPoll = 20 * time.Millisecond
	}})
	codes := len(smtpd.Wait(len(env.Codes), 10*time.Second))
	u := env.Enroll(t, env.Interns[0])
	env.Transition(t, domain.StateWishesOpen)
	if _, err := u.Client.Submit(ctx, u.WishList(env.Round, 1, "P1")); err != nil {
		t.Fatal(err)
	}
	r, err := env.Admin.SendReminders(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	want := len(env.RTS) + len(env.Interns) - 1
	if len(r.Enqueued) != want || slices.Contains(r.Enqueued, env.Interns[0]) {
		t.Fatalf("%+v, want the %d RTS and the interns but %s", r, len(env.RTS), env.Interns[0])
	}
	// Not counted: the announcement of the wishes' opening, which the
	// scheduler may send meanwhile.
	delivered := func() int {
		n := 0
		for _, m := range smtpd.Messages()[codes:] {
			if !strings.Contains(string(m.Data), "est ouverte,") {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); delivered() < want && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if got := delivered(); got != want {
		t.Fatalf("%d reminders delivered, want %d", got, want)
	}
}

// TestMailPreferences: an intern who turned off the "wishes closing"
// reminder does not get it; the others do; a required notification
// cannot be turned off.
func TestMailPreferences(t *testing.T) {
	smtpd := mailtest.Start(t, mailtest.Options{})
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 3, Configure: func(c *server.Config) {
		c.OutboxDir, c.Mail, c.MailTLS = "", smtpd.URL(), smtpd.TLS
		c.MailPoll = 20 * time.Millisecond
	}})
	codes := len(smtpd.Wait(len(env.Codes), 10*time.Second))
	u := env.Enroll(t, env.Interns[1])
	if _, err := u.Client.SetPreferences(ctx, api.Preferences{Off: []string{"result"}}); err == nil {
		t.Fatal("the result notification was turned off")
	}
	if p, err := u.Client.SetPreferences(ctx, api.Preferences{Off: []string{api.NotifyWishesClosing}}); err != nil || len(p.Off) != 1 {
		t.Fatal(p, err)
	}
	if p, err := u.Client.Preferences(ctx); err != nil || !slices.Equal(p.Off, []string{api.NotifyWishesClosing}) {
		t.Fatal(p, err)
	}
	if _, err := env.Admin.Schedule(ctx, env.Round, api.ScheduleRequest{WishesOpen: env.Clock.Now(), WishesClose: env.Clock.Now().Add(12 * time.Hour), Reason: "fenêtre avancée pour le test"}); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesOpen)
	// Besides the reminders, the opening is announced to the 3 interns.
	want := codes + len(env.Interns) - 1 + len(env.Interns)
	smtpd.Wait(want, 10*time.Second)
	time.Sleep(150 * time.Millisecond)
	var got []mailtest.Message
	for _, m := range smtpd.Messages()[codes:] {
		if strings.Contains(string(m.Data), "aucune liste de v") {
			got = append(got, m)
		}
	}
	if len(got) != len(env.Interns)-1 {
		t.Fatalf("%d reminders, want %d", len(got), len(env.Interns)-1)
	}
	for _, m := range got {
		if strings.HasPrefix(m.To, env.Interns[1]+"@") {
			t.Errorf("reminder sent to %s, who turned it off", env.Interns[1])
		}
	}
}
