package democmd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/demodata"
	"appariement/syncserver/keyfile"
)

func start(t *testing.T, dir string, simulate bool) (url string, out *bytes.Buffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	out = &bytes.Buffer{}
	opts := Options{Dir: dir, Addr: "127.0.0.1:0", Data: demodata.Small(1), Simulate: simulate, SimulateShare: 0.3,
		SimulateEvery: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready: func(u string) { urlc <- u }}
	go func() { done <- Demo(ctx, opts, out) }()
	select {
	case url = <-urlc:
	case err := <-done:
		cancel()
		t.Fatalf("demo: %v", err)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatal("demo did not start")
	}
	return url, out, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	url, out, stop := start(t, dir, true)
	codesText, err := os.ReadFile(filepath.Join(dir, CodesFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{PostesFile, PeopleFile, AdminKeyFile, StoreFile, SimulationFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// The first intern line of codes.txt enrolls through the client.
	var id, code string
	for _, line := range strings.Split(string(codesText), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 4 && f[1] == string(domain.RoleIntern) {
			id, code = f[0], f[3]
			break
		}
	}
	if id == "" {
		t.Fatalf("no intern in codes.txt:\n%.600s", codesText)
	}
	// The first intern and RTS listed are the showcase's, with codes.
	sc := demodata.Generate(demodata.Small(1)).Showcase
	var firstRTS string
	for _, line := range strings.Split(string(codesText), "\n") {
		if f := strings.Split(line, "\t"); len(f) == 4 && f[1] == string(domain.RoleRTS) {
			firstRTS = f[0]
			break
		}
	}
	if id != sc.Interns[0] || firstRTS != sc.RTS[0] {
		t.Errorf("first intern %s, RTS %s listed; want the showcase's %s, %s", id, firstRTS, sc.Interns[0], sc.RTS[0])
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	c, err := client.New(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Enroll(ctx, id, code, pub); err != nil {
		t.Fatalf("enroll %s with its code: %v", id, err)
	}
	c = c.WithIdentity(id, priv)
	cat, err := c.Catalogue(ctx, Round, 0)
	if err != nil || len(cat.Postes) == 0 {
		t.Fatalf("catalogue: %v, %d postes", err, len(cat.Postes))
	}
	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, p := range cat.Postes {
		if p.Specialty == me.Specialty && p.Subdivision == me.Subdivision && !p.Closed {
			list = append(list, p.ID)
		}
	}
	if len(list) == 0 {
		list = []string{cat.Postes[0].ID}
	}
	b, _ := json.Marshal(api.Submission{Round: Round, Author: id, Seq: 1, ClientTime: time.Now(), List: list[:1]})
	if _, err := c.Submit(ctx, envelope.Sign(priv, api.WishListType, b)); err != nil {
		t.Fatalf("the round's wishes are not open: %v", err)
	}
	// An admin with a code is among the first lines (the app enrolls as
	// admin with it) and enrolls as an admin.
	var adminID, adminCode string
	for i, line := range strings.Split(string(codesText), "\n") {
		if f := strings.Split(line, "\t"); len(f) == 4 && f[1] == string(domain.RoleAdmin) && !strings.HasPrefix(f[3], "(") {
			if i > 14 {
				t.Errorf("the admin with a code is on line %d of codes.txt, past the first lines shown", i+1)
			}
			adminID, adminCode = f[0], f[3]
			break
		}
	}
	apub, _, _ := ed25519.GenerateKey(nil)
	if ar, err := c.Enroll(ctx, adminID, adminCode, apub); err != nil || ar.Person.Role != domain.RoleAdmin {
		t.Fatalf("enroll admin %q: %+v, %v", adminID, ar, err)
	}
	// The simulation submits wish lists.
	key, err := keyfile.Read(filepath.Join(dir, AdminKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	ac := c.WithIdentity("A0001", key)
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := ac.RoundDetail(ctx, Round)
		if err != nil {
			t.Fatal(err)
		}
		if d.Round.State != domain.StateWishesOpen {
			t.Fatalf("round state %s", d.Round.State)
		}
		if d.WishLists >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulation: %d wish lists after 30s", d.WishLists)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Once the admin opens the rankings, the simulated RTS sign theirs.
	for _, st := range []domain.RoundState{domain.StateWishesClosed, domain.StateRankingsOpen} {
		if _, err := ac.Transition(ctx, Round, st, "test"); err != nil {
			t.Fatalf("transition to %s: %v", st, err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		d, err := ac.RoundDetail(ctx, Round)
		if err != nil {
			t.Fatal(err)
		}
		if d.Rankings > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulation: no ranking 30 s after the rankings opened (%d wish lists)", d.WishLists)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The choix-au-rang round is open, with a published call list listing
	// every intern of its subdivision.
	cd, err := ac.RoundDetail(ctx, ChoixRound)
	if err != nil {
		t.Fatal(err)
	}
	if cd.Round.Procedure != domain.ChoixAuRang || cd.Round.State != domain.StateWishesOpen || cd.Round.Subdivision != ChoixSubdivision {
		t.Fatalf("round %s: %+v", ChoixRound, cd.Round)
	}
	if !strings.Contains(out.String(), "Liste d'appel du tour "+ChoixRound+" publiée") {
		t.Errorf("call list of %s not published; output:\n%s", ChoixRound, out)
	}
	if _, err := ac.CallList(ctx, ChoixRound, 0); err != nil {
		t.Errorf("call list of %s: %v", ChoixRound, err)
	}
	stop()
	if !strings.Contains(out.String(), "Empreinte") {
		t.Errorf("output:\n%s", out)
	}

	// Again on the same directory: the store is reused, codes.txt kept.
	_, out, stop = start(t, dir, false)
	stop()
	if !strings.Contains(out.String(), "reprise") {
		t.Errorf("second run output:\n%s", out)
	}
	again, _ := os.ReadFile(filepath.Join(dir, CodesFile))
	if !bytes.Equal(again, codesText) {
		t.Error("codes.txt rewritten by a second run")
	}
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{{}, {"-dir", t.TempDir(), "-simulate-share", "2"}, {"-dir", t.TempDir(), "extra"}, {"-nope"}} {
		if code := Run(args, &out, &errb); code != 2 {
			t.Errorf("demo %v: exit %d, want 2", args, code)
		}
	}
}
