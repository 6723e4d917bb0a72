// Package storetest is the contract test suite of store backends: Run
// checks every promise of store.Backend and store.Tx (contract.go), and
// the Store's logic over them, against one backend. Each backend's tests
// call it (boltstore's; the PostgreSQL backend's likewise).
package storetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/store"
)

// Backends opens the backends under test.
type Backends struct {
	// New returns a new, empty backend for t (closed by the test, or by
	// the caller's cleanup if the test leaves it open).
	New func(t *testing.T) store.Backend
	// Reopen opens again, after it was closed, a backend returned by
	// New, with its data. Nil if the backend cannot be reopened: the
	// tests that need it are then skipped, saying so.
	Reopen func(t *testing.T, closed store.Backend) store.Backend
	// Another, if set, opens a second handle on the data of an open
	// backend returned by New, as a second server node would (PostgreSQL:
	// another pool on the same database). Nil for a backend that one
	// process holds alone (bbolt): the tests of several nodes are then
	// skipped, saying so.
	Another func(t *testing.T, open store.Backend) store.Backend
	// Damage, if set, opens again a closed backend returned by New with
	// its stored tree size damaged (bbolt: a record of the wrong length;
	// PostgreSQL: the log head's row removed), so that TreeSize meets a
	// backend error. Nil if the backend has no way to hold a damaged value: the
	// sticky-error test is then skipped, saying so.
	Damage func(t *testing.T, closed store.Backend) store.Backend
}

// Payload types used by the tests (any strings do: the store does not
// interpret them).
const (
	wishList = "application/vnd.appariement.wishlist+json"
	ranking  = "application/vnd.appariement.ranking+json"
)

// Run runs the contract tests against the backends of bs.
func Run(t *testing.T, bs Backends) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backends)
	}{
		{"Meta", testMeta},
		{"UpdateRollsBack", testUpdateRollsBack},
		{"StickyErrorWinsOverFns", testStickyError},
		{"PeopleAndKeys", testPeopleAndKeys},
		{"Codes", testCodes},
		{"Rounds", testRounds},
		{"PutPostesVersions", testPutPostes},
		{"LogLeavesAndHashes", testLog},
		{"AppendSeqRulesAndProofs", testAppend},
		{"AppendCheckRefusesOne", testAppendCheck},
		{"AppendBatchReceipts", testAppendBatchReceipts},
		{"Submissions", testSubmissions},
		{"CallLists", testCallLists},
		{"Corrections", testCorrections},
		{"Audit", testAudit},
		{"MailQueue", testMail},
		{"Files", testFiles},
		{"NoncesReplayAndExpiry", testNonces},
		{"Witnesses", testWitnesses},
		{"ExportImport", testExportImport},
		{"EnrollCodes", testEnrollCodes},
		{"EnrollTriesCountedAtOnce", testEnrollConcurrent},
		{"ClockBehindRefusesAppend", testClockBehind},
		{"ServerKeyKeptAcrossOpens", testKeyAcrossOpens},
		{"RotateKey", testRotateKey},
		{"SessionsOfOtherNodes", testSessions},
		{"SealedSecretsSurviveRotation", testSealedSecrets},
		{"TwoNodesOneLog", testTwoNodes},
		{"TwoNodesSkewedClocks", testSkewedClocks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, bs) })
	}
}

// ServerKey signs the test stores' checkpoints.
var ServerKey = func() ed25519.PrivateKey { _, k, _ := ed25519.GenerateKey(nil); return k }()

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

func open(t *testing.T, bs Backends, opts store.Options) *store.Store {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "test.appariement"
	}
	s, err := store.New(bs.New(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openClocked(t *testing.T, bs Backends) (*store.Store, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 9, 1, 18, 0, 0, 0, time.UTC)}
	return open(t, bs, store.Options{Clock: clock.Now, Key: ServerKey}), clock
}

func update(t *testing.T, s *store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, s *store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.View(fn); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !store.IsNotFound(err) {
		t.Errorf("%s: %v, want ErrNotFound", what, err)
	}
}

var t0 = time.Date(2026, 9, 1, 18, 0, 0, 0, time.UTC)

func testMeta(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	update(t, s, func(tx store.Tx) error {
		if v, err := tx.GetMeta("absent"); v != nil || err != nil {
			t.Errorf("GetMeta(absent) = %q, %v", v, err)
		}
		must(t, tx.PutMeta("k", []byte("v1")))
		if v, _ := tx.GetMeta("k"); string(v) != "v1" {
			t.Errorf("GetMeta in the same transaction = %q", v)
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		if v, _ := tx.GetMeta("k"); string(v) != "v1" {
			t.Errorf("GetMeta after commit = %q", v)
		}
		if v, _ := tx.GetMeta(store.MetaName); string(v) != "test.appariement" {
			t.Errorf("recorded name %q", v)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		must(t, tx.DeleteMeta("k"))
		return tx.DeleteMeta("never-set")
	})
	view(t, s, func(tx store.Tx) error {
		if v, _ := tx.GetMeta("k"); v != nil {
			t.Errorf("GetMeta after delete = %q", v)
		}
		return nil
	})
}

func testUpdateRollsBack(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	refusal := errors.New("refused")
	err := s.Update(func(tx store.Tx) error {
		must(t, tx.PutPerson(domain.Person{ID: "I1", Role: domain.RoleIntern}))
		must(t, tx.AppendLeaf(0, []byte("leaf"), nil))
		must(t, tx.PutMeta("k", []byte("v")))
		return refusal
	})
	if err != refusal {
		t.Fatalf("Update = %v, want fn's error unchanged", err)
	}
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Person("I1")
		wantNotFound(t, "person of a rolled back transaction", err)
		if n := tx.TreeSize(); n != 0 {
			t.Errorf("tree size %d after a rolled back append", n)
		}
		if v, _ := tx.GetMeta("k"); v != nil {
			t.Errorf("meta of a rolled back transaction: %q", v)
		}
		return nil
	})
}

// testStickyError: when a method without an error result (TreeSize)
// meets a backend error, View and Update return that error, whether fn
// returned nil or its own error, and the Update commits nothing.
func testStickyError(t *testing.T, bs Backends) {
	if bs.Damage == nil {
		t.Skip("this backend gives no way to damage its stored tree size (Backends.Damage is nil): the sticky error cannot be provoked")
	}
	b := bs.New(t)
	must(t, b.Close())
	b = bs.Damage(t, b)
	defer b.Close()
	own := errors.New("fn's own error")
	for _, tc := range []struct {
		name string
		run  func(fn func(store.Tx) error) error
		ret  error
	}{
		{"View, fn returns nil", b.View, nil},
		{"View, fn returns its own error", b.View, own},
		{"Update, fn returns nil", b.Update, nil},
		{"Update, fn returns its own error", b.Update, own},
	} {
		err := tc.run(func(tx store.Tx) error {
			if tx.TreeSize() != 0 {
				t.Errorf("%s: TreeSize of a damaged record is not the zero value", tc.name)
			}
			if strings.HasPrefix(tc.name, "Update") {
				_ = tx.PutMeta("sticky", []byte("must not be committed"))
			}
			return tc.ret
		})
		if err == nil || errors.Is(err, own) {
			t.Errorf("%s: got %v, want the backend's error of TreeSize", tc.name, err)
		}
	}
	must(t, b.View(func(tx store.Tx) error {
		v, err := tx.GetMeta("sticky")
		if err != nil {
			return err
		}
		if v != nil {
			t.Errorf("an Update that met a sticky error committed %q", v)
		}
		return nil
	}))
}

func testPeopleAndKeys(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	pub1, _, _ := ed25519.GenerateKey(nil)
	pub2, _, _ := ed25519.GenerateKey(nil)
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutPerson(domain.Person{ID: "", Role: domain.RoleIntern}); err == nil {
			t.Error("PutPerson with an empty id: accepted")
		}
		if err := tx.PutPerson(domain.Person{ID: "X", Role: "king"}); err == nil {
			t.Error("PutPerson with an invalid role: accepted")
		}
		for _, id := range []string{"I2", "A1", "I10"} {
			must(t, tx.PutPerson(domain.Person{ID: id, Role: domain.RoleIntern, LastName: "N" + id}))
		}
		return tx.PutPerson(domain.Person{ID: "I2", Role: domain.RoleIntern, LastName: "Changed"})
	})
	view(t, s, func(tx store.Tx) error {
		ps, err := tx.People()
		must(t, err)
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		if !slices.Equal(ids, []string{"A1", "I10", "I2"}) {
			t.Errorf("People ids %v, want sorted A1 I10 I2", ids)
		}
		p, err := tx.Person("I2")
		if err != nil || p.LastName != "Changed" {
			t.Errorf("Person(I2) = %+v, %v", p, err)
		}
		_, err = tx.Person("nobody")
		wantNotFound(t, "Person(nobody)", err)
		_, err = tx.PublicKey("I2")
		wantNotFound(t, "PublicKey of a person never enrolled", err)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.RegisterKey("I2", pub1[:10], t0); err == nil {
			t.Error("RegisterKey of a short key: accepted")
		}
		must(t, tx.RegisterKey("I2", pub1, t0))
		return tx.RegisterKey("I2", pub2, t0.Add(time.Hour))
	})
	view(t, s, func(tx store.Tx) error {
		k, err := tx.PublicKey("I2")
		if err != nil || !k.Equal(pub2) {
			t.Errorf("PublicKey = %x, %v; want the last registered", k, err)
		}
		h, err := tx.KeyHistory("I2")
		must(t, err)
		if len(h) != 2 || !h[0].PublicKey.Equal(pub1) || !h[1].PublicKey.Equal(pub2) || !h[1].Registered.Equal(t0.Add(time.Hour)) {
			t.Errorf("KeyHistory = %+v", h)
		}
		if h, _ := tx.KeyHistory("I1"); len(h) != 0 {
			t.Errorf("KeyHistory of a prefix id: %+v", h)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		must(t, tx.RevokeKey("I2", t0.Add(2*time.Hour)))
		return tx.RevokeKey("A1", t0) // no key: no error
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.PublicKey("I2")
		wantNotFound(t, "PublicKey after RevokeKey", err)
		h, _ := tx.KeyHistory("I2")
		if len(h) != 2 || !h[0].Revoked.Equal(t0.Add(2*time.Hour)) || !h[1].Revoked.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("KeyHistory after revocation = %+v", h)
		}
		return nil
	})
}

func testCodes(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	rec := store.CodeRecord{Salt: []byte("salt"), Hash: []byte("hash"), Time: 1, Memory: 8, Threads: 1, Expires: t0, Failures: 2}
	update(t, s, func(tx store.Tx) error {
		_, err := tx.Code("I1")
		wantNotFound(t, "Code before PutCode", err)
		if tx.HasPendingCode("I1") {
			t.Error("HasPendingCode before PutCode")
		}
		must(t, tx.PutCode("I1", rec))
		return tx.PutCode(store.StandInCode, rec)
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Code("I1")
		if err != nil || !bytes.Equal(got.Hash, rec.Hash) || got.Failures != 2 || !got.Expires.Equal(t0) {
			t.Errorf("Code = %+v, %v", got, err)
		}
		if !tx.HasPendingCode("I1") {
			t.Error("HasPendingCode after PutCode")
		}
		if _, err := tx.Code(store.StandInCode); err != nil {
			t.Errorf("the stand-in code record: %v", err)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		must(t, tx.DeleteCode("I1"))
		return tx.DeleteCode("I1")
	})
	view(t, s, func(tx store.Tx) error {
		if tx.HasPendingCode("I1") {
			t.Error("HasPendingCode after DeleteCode")
		}
		return nil
	})
}

func testRounds(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	update(t, s, func(tx store.Tx) error {
		if err := tx.CreateRound(&store.RoundRecord{}); err == nil {
			t.Error("CreateRound with an empty id: accepted")
		}
		must(t, tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R2"}}))
		must(t, tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1"}}))
		if err := tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1"}}); !errors.Is(err, store.ErrExists) {
			t.Errorf("CreateRound twice: %v, want ErrExists", err)
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		rs, err := tx.Rounds()
		must(t, err)
		if len(rs) != 2 || rs[0].ID != "R1" || rs[1].ID != "R2" {
			t.Errorf("Rounds = %+v", rs)
		}
		_, err = tx.Round("R3")
		wantNotFound(t, "Round(R3)", err)
		ps, err := tx.Postes("R1", 0)
		if err != nil || len(ps) != 0 {
			t.Errorf("Postes of a new round = %v, %v", ps, err)
		}
		el, err := tx.Eligible("R1")
		if err != nil || len(el) != 0 {
			t.Errorf("Eligible of a new round = %v, %v", el, err)
		}
		m, err := tx.Manual("R1")
		if err != nil || len(m) != 0 {
			t.Errorf("Manual of a new round = %v, %v", m, err)
		}
		for name, err := range map[string]error{
			"Postes":   second(tx.Postes("R3", 0)),
			"Eligible": second(tx.Eligible("R3")),
			"Manual":   second(tx.Manual("R3")),
			"Poste":    second(tx.Poste("R3", "P1")),
			"PutPoste": tx.PutPoste("R3", domain.Poste{ID: "P1"}),
		} {
			wantNotFound(t, name+" of an unknown round", err)
		}
		if tx.IsEligible("R3", "I1") {
			t.Error("IsEligible in an unknown round")
		}
		for name, err := range map[string]error{
			"Input":   second(tx.Input("R1")),
			"Preview": second(tx.Preview("R1")),
			"Result":  func() error { _, _, err := tx.Result("R1"); return err }(),
		} {
			wantNotFound(t, name+" before any run", err)
		}
		return nil
	})
	res := &domain.Result{Round: "R1"}
	update(t, s, func(tx store.Tx) error {
		r, _ := tx.Round("R1")
		r.State = domain.StateWishesOpen
		must(t, tx.PutRound(r))
		must(t, tx.SetEligible("R1", []string{"I2", "I1"}))
		must(t, tx.SetEligible("R1", []string{"I3", "I1"}))
		must(t, tx.PutManual("R1", domain.Assignment{Intern: "I3", Poste: "P1"}))
		must(t, tx.PutManual("R1", domain.Assignment{Intern: "I1", Poste: "P1"}))
		must(t, tx.PutManual("R1", domain.Assignment{Intern: "I3", Poste: "P2"}))
		must(t, tx.PutInput("R1", []byte("input")))
		must(t, tx.PutPreview("R1", res))
		return tx.PutResult("R1", res, []byte("signed"))
	})
	view(t, s, func(tx store.Tx) error {
		r, _ := tx.Round("R1")
		if r.State != domain.StateWishesOpen {
			t.Errorf("PutRound not kept: %+v", r)
		}
		el, _ := tx.Eligible("R1")
		if !slices.Equal(el, []string{"I1", "I3"}) {
			t.Errorf("Eligible = %v, want the last set, sorted", el)
		}
		if !tx.IsEligible("R1", "I3") || tx.IsEligible("R1", "I2") {
			t.Error("IsEligible does not follow SetEligible")
		}
		m, _ := tx.Manual("R1")
		if len(m) != 2 || m[0].Intern != "I1" || m[1].Intern != "I3" || m[1].Poste != "P2" {
			t.Errorf("Manual = %+v", m)
		}
		if in, err := tx.Input("R1"); err != nil || string(in) != "input" {
			t.Errorf("Input = %q, %v", in, err)
		}
		if p, err := tx.Preview("R1"); err != nil || p.Round != "R1" {
			t.Errorf("Preview = %+v, %v", p, err)
		}
		if r, env, err := tx.Result("R1"); err != nil || r.Round != "R1" || string(env) != "signed" {
			t.Errorf("Result = %+v, %q, %v", r, env, err)
		}
		return nil
	})
}

func second[T any](_ T, err error) error { return err }

func testPutPostes(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	p := func(id string, capa int) domain.Poste {
		return domain.Poste{ID: id, Specialty: "CARDIO", Subdivision: "IDF", Capacity: capa}
	}
	update(t, s, func(tx store.Tx) error {
		return tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1"}})
	})
	var ch store.PosteChanges
	update(t, s, func(tx store.Tx) (err error) {
		ch, err = store.PutPostes(tx, "R1", []domain.Poste{p("P2", 1), p("P1", 1)}, false)
		return err
	})
	if ch.Created != 2 || ch.Version != 1 {
		t.Fatalf("first PutPostes: %+v", ch)
	}
	update(t, s, func(tx store.Tx) (err error) {
		ch, err = store.PutPostes(tx, "R1", []domain.Poste{p("P1", 1), p("P2", 2)}, false)
		return err
	})
	if ch.Updated != 1 || ch.Unchanged != 1 || ch.Version != 2 {
		t.Fatalf("second PutPostes: %+v", ch)
	}
	update(t, s, func(tx store.Tx) (err error) {
		ch, err = store.PutPostes(tx, "R1", []domain.Poste{p("P1", 1), p("P2", 2)}, false)
		return err
	})
	if ch.Unchanged != 2 || ch.Version != 2 {
		t.Fatalf("PutPostes without change: %+v (the version must not move)", ch)
	}
	update(t, s, func(tx store.Tx) (err error) {
		ch, err = store.PutPostes(tx, "R1", []domain.Poste{p("P3", 1)}, true)
		return err
	})
	if ch.Created != 1 || ch.Closed != 2 || ch.Version != 3 {
		t.Fatalf("PutPostes closing the missing ones: %+v", ch)
	}
	view(t, s, func(tx store.Tx) error {
		all, err := tx.Postes("R1", 0)
		must(t, err)
		var got []string
		for _, p := range all {
			got = append(got, fmt.Sprintf("%s:v%d:%v", p.ID, p.Version, p.Closed))
		}
		if want := []string{"P1:v3:true", "P2:v3:true", "P3:v3:false"}; !slices.Equal(got, want) {
			t.Errorf("Postes = %v, want %v", got, want)
		}
		delta, _ := tx.Postes("R1", 2)
		if len(delta) != 3 {
			t.Errorf("Postes since 2 = %d postes, want 3", len(delta))
		}
		if d, _ := tx.Postes("R1", 3); len(d) != 0 {
			t.Errorf("Postes since the current version = %v", d)
		}
		r, _ := tx.Round("R1")
		if r.CatalogueVersion != 3 {
			t.Errorf("catalogue version %d, want 3", r.CatalogueVersion)
		}
		p2, err := tx.Poste("R1", "P2")
		if err != nil || p2.Capacity != 2 || !p2.Closed {
			t.Errorf("Poste(P2) = %+v, %v", p2, err)
		}
		return nil
	})
}

// testLog checks leaves and stored hashes against tlog computed in memory.
func testLog(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	var mem [][]byte
	var hashes []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for batch := range 4 {
		update(t, s, func(tx store.Tx) error {
			for i := range batch + 2 {
				n := tx.TreeSize()
				data := fmt.Appendf(nil, "leaf %d.%d", batch, i)
				hs, err := tlog.StoredHashes(n, data, tx)
				must(t, err)
				must(t, tx.AppendLeaf(n, data, hs))
				if err := tx.AppendLeaf(n, data, hs); !errors.Is(err, store.ErrConflict) {
					t.Errorf("AppendLeaf at a used index: %v, want ErrConflict", err)
				}
				mhs, _ := tlog.StoredHashes(int64(len(mem)), data, reader)
				hashes = append(hashes, mhs...)
				mem = append(mem, data)
			}
			return nil
		})
	}
	view(t, s, func(tx store.Tx) error {
		n := tx.TreeSize()
		if n != int64(len(mem)) {
			t.Fatalf("tree size %d, want %d", n, len(mem))
		}
		for _, size := range []int64{1, 2, 7, n} {
			h, err := store.TreeHash(tx, size)
			want, _ := tlog.TreeHash(size, reader)
			if err != nil || h != want {
				t.Errorf("TreeHash(%d) = %v, %v; want %v", size, h, err, want)
			}
		}
		if d, err := tx.Leaf(3); err != nil || !bytes.Equal(d, mem[3]) {
			t.Errorf("Leaf(3) = %q, %v", d, err)
		}
		_, err := tx.Leaf(n)
		wantNotFound(t, "Leaf(size)", err)
		var seen []int64
		must(t, tx.ForEachLeaf(2, 5, func(i int64, data []byte) error {
			if !bytes.Equal(data, mem[i]) {
				t.Errorf("ForEachLeaf %d = %q", i, data)
			}
			seen = append(seen, i)
			return nil
		}))
		if !slices.Equal(seen, []int64{2, 3, 4}) {
			t.Errorf("ForEachLeaf(2, 5) saw %v", seen)
		}
		stop := errors.New("stop")
		if err := tx.ForEachLeaf(0, n, func(int64, []byte) error { return stop }); err != stop {
			t.Errorf("ForEachLeaf returns %v, want fn's error", err)
		}
		if _, err := tx.ReadHashes([]int64{int64(len(hashes)) + 10}); err == nil {
			t.Error("ReadHashes of a missing index: no error")
		}
		return nil
	})
}

func newPending(t *testing.T, priv ed25519.PrivateKey, author string, seq uint64, list ...string) *store.Pending {
	t.Helper()
	payload := fmt.Appendf(nil, `{"round":"R1","author":%q,"seq":%d,"client_time":"2026-01-01T00:00:00Z","list":[]}`, author, seq)
	env := envelope.Sign(priv, wishList, payload)
	return &store.Pending{Env: env, Current: store.Current{Round: "R1", Author: author, PayloadType: wishList, Seq: seq, List: list}}
}

func testAppend(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{Key: ServerKey})
	_, priv, _ := ed25519.GenerateKey(nil)
	ctx := context.Background()
	v, err := translog.NewVerifier(api.ServerKey(s.ServerKey()))
	if err != nil {
		t.Fatal(err)
	}
	p1 := newPending(t, priv, "i1", 1)
	a1, err := s.Append(ctx, p1)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Append(ctx, newPending(t, priv, "i1", 1))
	if err != nil || !again.Again || again.Index != a1.Index || !again.ServerTime.Equal(a1.ServerTime) {
		t.Fatalf("resend: %+v, %v", again, err)
	}
	// Same seq, other bytes.
	p1b := newPending(t, priv, "i1", 1, "P1")
	p1b.Env = envelope.Sign(priv, wishList, []byte(`{"round":"R1","author":"i1","seq":1,"client_time":"2026-01-01T00:00:01Z","list":[]}`))
	var se *store.SeqError
	if _, err := s.Append(ctx, p1b); !errors.Is(err, store.ErrConflict) || !errors.As(err, &se) || se.Seq != 1 || se.Last != 1 || se.Author != "i1" {
		t.Fatalf("conflict: %v", err)
	}
	if _, err := s.Append(ctx, newPending(t, priv, "i1", 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, newPending(t, priv, "i1", 2)); !errors.Is(err, store.ErrReplay) || !errors.As(err, &se) || se.Seq != 2 || se.Last != 3 || se.Round != "R1" {
		t.Fatalf("replay: %v", err)
	}
	r, err := s.Receipt(a1.Index, a1.ServerTime, a1.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyReceipt(p1.Env, (*api.Receipt)(r)); err != nil {
		t.Fatal(err)
	}
	cp1 := r.Checkpoint
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			p := newPending(t, priv, fmt.Sprintf("x%d", i), 1)
			a, err := s.Append(ctx, p)
			if err != nil {
				t.Error(err)
				return
			}
			r, err := s.Receipt(a.Index, a.ServerTime, a.Digest)
			if err != nil {
				t.Error(err)
				return
			}
			if err := v.VerifyReceipt(p.Env, (*api.Receipt)(r)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	cp2, tree, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if tree.N != 52 {
		t.Fatalf("tree size %d, want 52", tree.N)
	}
	t1, _ := v.OpenCheckpoint(cp1)
	proof, err := s.ConsistencyProof(t1.N, tree.N)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyConsistency(cp1, cp2, proof); err != nil {
		t.Fatal(err)
	}
	view(t, s, func(tx store.Tx) error {
		seen := map[int64]bool{}
		return tx.ForEachLeaf(0, tree.N, func(i int64, data []byte) error {
			if seen[i] {
				t.Errorf("index %d written twice", i)
			}
			seen[i] = true
			_, _, err := store.ParseLeaf(data)
			return err
		})
	})
	if _, err := s.InclusionProof(0, tree.N+1); !store.IsNotFound(err) {
		t.Errorf("inclusion in a tree larger than the log: %v", err)
	}
}

func testAppendCheck(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{Key: ServerKey})
	_, priv, _ := ed25519.GenerateKey(nil)
	ctx := context.Background()
	// Without its round, a checked submission is refused as not found.
	p := newPending(t, priv, "i0", 1)
	p.Check = func(*store.RoundRecord, time.Time) error {
		t.Error("Check called without a round")
		return nil
	}
	if _, err := s.Append(ctx, p); !store.IsNotFound(err) {
		t.Fatalf("Append checked against a missing round: %v", err)
	}
	update(t, s, func(tx store.Tx) error {
		return tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1", Name: "Tour 1"}})
	})
	refusal := errors.New("window closed")
	p = newPending(t, priv, "i1", 1)
	p.Check = func(rec *store.RoundRecord, now time.Time) error {
		if now.IsZero() {
			t.Error("Check without the leaf's time")
		}
		if rec == nil || rec.ID != "R1" || rec.Name != "Tour 1" {
			t.Errorf("Check with round %+v, want R1", rec)
		}
		return refusal
	}
	if _, err := s.Append(ctx, p); !errors.Is(err, refusal) {
		t.Fatalf("Append refused by its check: %v", err)
	}
	// Many checked submissions committed together all see the round.
	var wg sync.WaitGroup
	var checked atomic.Int64
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newPending(t, priv, fmt.Sprintf("j%d", i), 1)
			p.Check = func(rec *store.RoundRecord, _ time.Time) error {
				if rec == nil || rec.ID != "R1" {
					t.Errorf("Check with round %+v, want R1", rec)
				}
				checked.Add(1)
				return nil
			}
			if _, err := s.Append(ctx, p); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := s.Append(ctx, newPending(t, priv, "i2", 1)); err != nil {
		t.Fatal(err)
	}
	view(t, s, func(tx store.Tx) error {
		if n := tx.TreeSize(); n != 21 {
			t.Errorf("tree size %d, want 21 (the refused ones not appended)", n)
		}
		return nil
	})
	if checked.Load() != 20 {
		t.Errorf("%d checks for 20 submissions", checked.Load())
	}
}

// testAppendBatchReceipts: Append answers with the receipt built for its
// batch (one read of the batch's proofs' hashes): every receipt, first or
// again, verifies with the server key, names its own leaf, and its
// checkpoint is consistent with the final one; AppendedReceipt builds one
// when Append has none.
func testAppendBatchReceipts(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{Key: ServerKey})
	_, priv, _ := ed25519.GenerateKey(nil)
	ctx := context.Background()
	v, err := translog.NewVerifier(api.ServerKey(s.ServerKey()))
	if err != nil {
		t.Fatal(err)
	}
	// A log that is not a power of two, so that proofs need subtrees
	// that are not stored hashes.
	for i := range 7 {
		if _, err := s.Append(ctx, newPending(t, priv, fmt.Sprintf("a%d", i), 1)); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		cps = map[string]bool{}
	)
	for i := range 60 {
		wg.Go(func() {
			id := fmt.Sprintf("b%d", i%40) // 20 of them sent twice
			p := newPending(t, priv, id, 1)
			a, err := s.Append(ctx, p)
			if err != nil {
				t.Error(err)
				return
			}
			if a.Receipt == nil {
				t.Errorf("%s: no receipt with its batch", id)
				return
			}
			r := a.Receipt
			if r.Index != a.Index || r.Digest != a.Digest || !r.ServerTime.Equal(a.ServerTime) {
				t.Errorf("%s: receipt %+v for %+v", id, r, a)
			}
			if err := v.VerifyReceipt(p.Env, (*api.Receipt)(r)); err != nil {
				t.Errorf("%s: %v", id, err)
			}
			mu.Lock()
			cps[r.Checkpoint] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	final, tree, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if tree.N != 47 {
		t.Fatalf("tree size %d, want 47", tree.N)
	}
	for cp := range cps {
		old, err := v.OpenCheckpoint(cp)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := s.ConsistencyProof(old.N, tree.N)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifyConsistency(cp, final, proof); err != nil {
			t.Errorf("checkpoint %d: %v", old.N, err)
		}
	}
	p := newPending(t, priv, "a0", 1)
	a, err := s.Append(ctx, p)
	if err != nil || !a.Again {
		t.Fatalf("again: %+v, %v", a, err)
	}
	a.Receipt = nil
	r, err := s.AppendedReceipt(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyReceipt(p.Env, (*api.Receipt)(r)); err != nil {
		t.Fatal(err)
	}
}

func testSubmissions(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{Key: ServerKey})
	_, priv, _ := ed25519.GenerateKey(nil)
	ctx := context.Background()
	a, err := s.Append(ctx, newPending(t, priv, "I1", 1, "P1", "P2"))
	must(t, err)
	update(t, s, func(tx store.Tx) error {
		must(t, tx.PutCurrent(store.Current{Round: "R1", Author: "I10", PayloadType: wishList, Seq: 4}))
		must(t, tx.PutCurrent(store.Current{Round: "R1", Author: "RTS1", Poste: "P2", PayloadType: ranking, Seq: 1}))
		must(t, tx.PutCurrent(store.Current{Round: "R1", Author: "RTS1", Poste: "P1", PayloadType: ranking, Seq: 1,
			Attachments: []store.Attachment{{Kind: "cv", Name: "a.pdf", SHA256: "00", Size: 3}}}))
		must(t, tx.PutCurrent(store.Current{Round: "R2", Author: "I1", PayloadType: wishList, Seq: 1}))
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		acc, err := tx.AcceptedDigest(a.Digest)
		if err != nil || acc == nil || acc.Index != a.Index || !acc.ServerTime.Equal(a.ServerTime) {
			t.Errorf("AcceptedDigest = %+v, %v", acc, err)
		}
		if acc, err := tx.AcceptedDigest("unknown"); acc != nil || err != nil {
			t.Errorf("AcceptedDigest(unknown) = %+v, %v; want nil, nil", acc, err)
		}
		c, err := tx.Current("R1", "I1", "")
		if err != nil || c.Digest != a.Digest || c.Index != a.Index || !slices.Equal(c.List, []string{"P1", "P2"}) {
			t.Errorf("Current(I1) = %+v, %v", c, err)
		}
		_, err = tx.Current("R1", "I1", "P1")
		wantNotFound(t, "Current of another poste", err)
		subs, _ := tx.Submissions("R1", "RTS1")
		if len(subs) != 2 || subs[0].Poste != "P1" || subs[1].Poste != "P2" || len(subs[0].Attachments) != 1 {
			t.Errorf("Submissions(RTS1) = %+v", subs)
		}
		if subs, _ := tx.Submissions("R1", "I1"); len(subs) != 1 {
			t.Errorf("Submissions(I1) = %+v (I10's must not be included)", subs)
		}
		wl, _ := tx.CurrentOfType("R1", wishList)
		if len(wl) != 2 || wl[0].Author != "I1" || wl[1].Author != "I10" {
			t.Errorf("CurrentOfType(wish lists) = %+v", wl)
		}
		rk, _ := tx.CurrentOfType("R1", ranking)
		if len(rk) != 2 {
			t.Errorf("CurrentOfType(rankings) = %+v", rk)
		}
		if _, err := store.CurrentOfAuthor(tx, "R1", "I1", wishList); err != nil {
			t.Errorf("CurrentOfAuthor: %v", err)
		}
		_, err = store.CurrentOfAuthor(tx, "R1", "I1", ranking)
		wantNotFound(t, "CurrentOfAuthor of another type", err)
		return nil
	})
}

func testCallLists(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	update(t, s, func(tx store.Tx) error {
		return tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1"}})
	})
	update(t, s, func(tx store.Tx) error {
		_, err := tx.CallListDraft("R1")
		wantNotFound(t, "CallListDraft before any", err)
		_, err = tx.LatestCallListVersion("R1")
		wantNotFound(t, "LatestCallListVersion before any", err)
		if vs, err := tx.CallListVersions("R1", false); err != nil || len(vs) != 0 {
			t.Errorf("CallListVersions before any = %v, %v", vs, err)
		}
		wantNotFound(t, "PutCallListDraft of an unknown round", tx.PutCallListDraft("R9", &store.CallListDraft{}))
		must(t, tx.PutCallListDraft("R1", &store.CallListDraft{Source: "import", UpdatedBy: "A1"}))
		must(t, tx.PutCallListDraft("R1", &store.CallListDraft{Source: "compute", UpdatedBy: "A2"}))
		if err := tx.PutCallListVersion("R1", &store.CallListVersion{Version: 2}); !errors.Is(err, store.ErrExists) {
			t.Errorf("first version numbered 2: %v, want ErrExists", err)
		}
		for v := 1; v <= 3; v++ {
			must(t, tx.PutCallListVersion("R1", &store.CallListVersion{Version: v, Digest: fmt.Sprint("d", v), Envelope: []byte("{}")}))
		}
		if err := tx.PutCallListVersion("R1", &store.CallListVersion{Version: 3}); !errors.Is(err, store.ErrExists) {
			t.Errorf("version 3 again: %v, want ErrExists", err)
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		d, err := tx.CallListDraft("R1")
		if err != nil || d.Source != "compute" || d.UpdatedBy != "A2" {
			t.Errorf("CallListDraft = %+v, %v", d, err)
		}
		v, err := tx.CallListVersion("R1", 2)
		if err != nil || v.Digest != "d2" {
			t.Errorf("CallListVersion(2) = %+v, %v", v, err)
		}
		_, err = tx.CallListVersion("R1", 4)
		wantNotFound(t, "CallListVersion(4)", err)
		_, err = tx.CallListVersion("R1", 0)
		wantNotFound(t, "CallListVersion(0)", err)
		l, err := tx.LatestCallListVersion("R1")
		if err != nil || l.Version != 3 {
			t.Errorf("LatestCallListVersion = %+v, %v", l, err)
		}
		vs, _ := tx.CallListVersions("R1", false)
		if len(vs) != 3 || vs[0].Version != 1 || vs[2].Version != 3 {
			t.Errorf("CallListVersions = %+v", vs)
		}
		vs, _ = tx.CallListVersions("R1", true)
		if len(vs) != 1 || vs[0].Version != 3 {
			t.Errorf("CallListVersions(latest only) = %+v", vs)
		}
		return nil
	})
}

func testCorrections(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	var ids []string
	update(t, s, func(tx store.Tx) error {
		for i := range 3 {
			c := &store.Correction{Round: "R1", Field: "capacity", Author: fmt.Sprint("A", i), Status: "requested",
				History: []store.CorrectionEvent{{Time: t0, Actor: "A", Status: "requested"}}}
			id, err := tx.NewCorrection(c)
			must(t, err)
			if c.ID != id {
				t.Errorf("NewCorrection did not set the id: %q vs %q", c.ID, id)
			}
			ids = append(ids, id)
		}
		return nil
	})
	if !slices.Equal(ids, []string{"CR000001", "CR000002", "CR000003"}) {
		t.Errorf("correction ids %v", ids)
	}
	update(t, s, func(tx store.Tx) error {
		c, err := tx.Correction("CR000002")
		must(t, err)
		c.Status = "refused"
		c.History = append(c.History, store.CorrectionEvent{Time: t0.Add(time.Hour), Actor: "B", Status: "refused"})
		must(t, tx.PutCorrection(c))
		wantNotFound(t, "PutCorrection of an unknown id", tx.PutCorrection(&store.Correction{ID: "CR000099"}))
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Correction("CR000099")
		wantNotFound(t, "Correction(unknown)", err)
		c, _ := tx.Correction("CR000002")
		if c.Status != "refused" || len(c.History) != 2 || c.Author != "A1" {
			t.Errorf("Correction after PutCorrection = %+v", c)
		}
		all, _ := tx.Corrections(nil)
		if len(all) != 3 || all[0].ID != "CR000001" || all[2].ID != "CR000003" {
			t.Errorf("Corrections(nil) = %+v", all)
		}
		open, _ := tx.Corrections(func(c *store.Correction) bool { return c.Status == "requested" })
		if len(open) != 2 || open[1].ID != "CR000003" {
			t.Errorf("Corrections(requested) = %+v", open)
		}
		return nil
	})
}

func testAudit(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	paris := time.FixedZone("Paris", 3600)
	update(t, s, func(tx store.Tx) error {
		for i := range 5 {
			must(t, tx.Audit(store.AuditEntry{Time: t0.In(paris), Actor: "A1", Action: fmt.Sprint("act", i), Detail: []byte(`{"k":1}`)}))
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		all, err := tx.AuditLog(0, 100)
		must(t, err)
		if len(all) != 5 || all[0].Seq != 1 || all[4].Seq != 5 || all[0].Time.Location() != time.UTC || string(all[0].Detail) != `{"k":1}` {
			t.Errorf("AuditLog = %+v", all)
		}
		page, _ := tx.AuditLog(2, 2)
		if len(page) != 2 || page[0].Seq != 3 || page[1].Action != "act3" {
			t.Errorf("AuditLog(after 2, limit 2) = %+v", page)
		}
		return nil
	})
}

func testMail(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	mk := func(i int, once string) *store.Mail {
		return &store.Mail{MailInfo: store.MailInfo{Kind: "test", To: "a@example.fr", Created: t0.Add(time.Duration(i) * time.Minute)},
			From: "server@example.fr", Raw: []byte("raw"), Once: once}
	}
	update(t, s, func(tx store.Tx) error {
		if next, err := tx.NextMailTry(); err != nil || !next.IsZero() {
			t.Errorf("NextMailTry of an empty queue = %v, %v", next, err)
		}
		for i := range 3 {
			m := mk(i, fmt.Sprint("once/", i))
			must(t, tx.EnqueueMail(m))
			if m.ID != fmt.Sprintf("M%08d", i+1) || m.Status != store.MailQueued || !m.NextTry.Equal(m.Created) {
				t.Errorf("enqueued mail %+v", m.MailInfo)
			}
		}
		if err := tx.EnqueueMail(mk(9, "once/1")); !errors.Is(err, store.ErrMailOnce) {
			t.Errorf("second mail with the same key: %v, want ErrMailOnce", err)
		}
		if !tx.MailOnce("once/1") || tx.MailOnce("once/9") {
			t.Error("MailOnce does not follow EnqueueMail")
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		m, err := tx.Mail("M00000002")
		must(t, err)
		m.Status, m.Attempts = store.MailSent, 1
		must(t, tx.PutMail(m))
		m3, _ := tx.Mail("M00000003")
		m3.NextTry = t0.Add(time.Hour)
		must(t, tx.PutMail(m3))
		for _, id := range []string{"M00000099", "bogus", "M0"} {
			_, err := tx.Mail(id)
			wantNotFound(t, "Mail("+id+")", err)
		}
		wantNotFound(t, "PutMail of an unknown id", tx.PutMail(&store.Mail{MailInfo: store.MailInfo{ID: "M00000099"}}))
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		due, _ := tx.DueMails(t0.Add(10*time.Minute), 10)
		if len(due) != 1 || due[0].ID != "M00000001" || string(due[0].Raw) != "raw" || due[0].From != "server@example.fr" {
			t.Errorf("DueMails = %+v", due)
		}
		due, _ = tx.DueMails(t0.Add(2*time.Hour), 10)
		if len(due) != 2 || due[1].ID != "M00000003" {
			t.Errorf("DueMails later = %+v", due)
		}
		if due, _ := tx.DueMails(t0.Add(2*time.Hour), 1); len(due) != 1 {
			t.Errorf("DueMails limit 1 = %d mails", len(due))
		}
		if next, _ := tx.NextMailTry(); !next.Equal(t0) {
			t.Errorf("NextMailTry = %v, want %v", next, t0)
		}
		l, _ := tx.Mails("", 10)
		if l.Queued != 2 || l.Sent != 1 || l.Failed != 0 || len(l.Mails) != 3 || l.Mails[0].ID != "M00000003" {
			t.Errorf("Mails = %+v", l)
		}
		l, _ = tx.Mails(store.MailSent, 10)
		if len(l.Mails) != 1 || l.Mails[0].ID != "M00000002" || l.Queued != 2 {
			t.Errorf("Mails(sent) = %+v", l)
		}
		if l, _ := tx.Mails("", 0); len(l.Mails) != 0 || l.Mails == nil || l.Queued != 2 {
			t.Errorf("Mails limit 0 = %+v", l)
		}
		p, err := tx.Preferences("I1")
		if err != nil || p.Off == nil || len(p.Off) != 0 {
			t.Errorf("Preferences never set = %+v, %v", p, err)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.PutPreferences("I1", store.Preferences{Off: []string{"result"}}) })
	view(t, s, func(tx store.Tx) error {
		if p, _ := tx.Preferences("I1"); !slices.Equal(p.Off, []string{"result"}) {
			t.Errorf("Preferences = %+v", p)
		}
		return nil
	})
}

func testFiles(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	q := store.Quota{Files: 2, Bytes: 10}
	update(t, s, func(tx store.Tx) error {
		a, err := store.PutFile(tx, "I1", "a.pdf", []byte("aaaa"), t0, q)
		must(t, err)
		if a.Size != 4 || len(a.SHA256) != 64 || a.Owner != "I1" {
			t.Errorf("PutFile = %+v", a)
		}
		_, err = store.PutFile(tx, "I1", "a-again.pdf", []byte("aaaa"), t0, q)
		must(t, err)
		_, err = store.PutFile(tx, "I2", "a.pdf", []byte("aaaa"), t0, q)
		must(t, err)
		_, err = store.PutFile(tx, "I1", "b.pdf", []byte("bbbbbbb"), t0, q)
		var qe *store.QuotaError
		if !errors.Is(err, store.ErrQuota) || !errors.As(err, &qe) || qe.Files != 1 || qe.Bytes != 4 || qe.MaxBytes != 10 {
			t.Errorf("file over the byte quota: %v", err)
		}
		_, err = store.PutFile(tx, "I1", "b.pdf", []byte("bb"), t0, q)
		must(t, err)
		if _, err := store.PutFile(tx, "I1", "c.pdf", []byte("c"), t0, q); !errors.Is(err, store.ErrQuota) {
			t.Errorf("file over the count quota: %v", err)
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		if n, size := tx.FilesOf("I1"); n != 2 || size != 6 {
			t.Errorf("FilesOf(I1) = %d, %d; want 2, 6", n, size)
		}
		owners, _ := tx.FileOwners(sha("aaaa"))
		if len(owners) != 2 || owners[0].Owner != "I1" || owners[0].Name != "a-again.pdf" || owners[1].Owner != "I2" {
			t.Errorf("FileOwners = %+v", owners)
		}
		if d, err := tx.FileData(sha("aaaa")); err != nil || string(d) != "aaaa" {
			t.Errorf("FileData = %q, %v", d, err)
		}
		_, err := tx.FileData(sha("zz"))
		wantNotFound(t, "FileData(unknown)", err)
		if fi, err := tx.FileOf("I2", sha("aaaa")); err != nil || fi.Name != "a.pdf" {
			t.Errorf("FileOf = %+v, %v", fi, err)
		}
		_, err = tx.FileOf("I2", sha("bb"))
		wantNotFound(t, "FileOf another owner's file", err)
		return nil
	})
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func testNonces(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	use := func(n string, now time.Time) error {
		return s.Update(func(tx store.Tx) error { return tx.UseNonce(n, now, now.Add(10*time.Minute)) })
	}
	for i := range 600 {
		must(t, use(fmt.Sprint("x/", i), t0.Add(time.Duration(i)*time.Second)))
	}
	if err := use("x/3", t0.Add(time.Hour)); err != nil {
		t.Fatalf("an expired nonce used again: %v", err)
	}
	if err := use("x/599", t0.Add(5*time.Minute+599*time.Second)); !errors.Is(err, store.ErrNonceUsed) {
		t.Fatalf("a live nonce used again: %v, want ErrNonceUsed", err)
	}
	// Far later, each write prunes a bounded batch of the expired ones.
	for i := range 4 {
		must(t, use(fmt.Sprint("y/", i), t0.Add(24*time.Hour)))
	}
	var n int
	view(t, s, func(tx store.Tx) error { n = tx.NonceCount(); return nil })
	if n != 4 {
		t.Fatalf("%d nonces recorded after expiry, want the 4 new ones", n)
	}
}

func testWitnesses(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{})
	view(t, s, func(tx store.Tx) error {
		ws, err := tx.Witnesses()
		if err != nil || ws == nil || len(ws) != 0 {
			t.Errorf("Witnesses of a new store = %#v, %v", ws, err)
		}
		_, err = tx.Witness("w")
		wantNotFound(t, "Witness before any", err)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		must(t, tx.PutWitness(store.WitnessRecord{Witness: store.Witness{Name: "wb", Key: "kb"}, AddedAt: t0}))
		must(t, tx.PutWitness(store.WitnessRecord{Witness: store.Witness{Name: "wa", Key: "ka"}, AddedAt: t0}))
		return tx.PutWitness(store.WitnessRecord{Witness: store.Witness{Name: "wb", Key: "kb"}, Cosigned: "note", TreeSize: 5})
	})
	view(t, s, func(tx store.Tx) error {
		ws, _ := tx.Witnesses()
		if len(ws) != 2 || ws[0].Name != "wa" || ws[1].Name != "wb" || ws[1].TreeSize != 5 {
			t.Errorf("Witnesses = %+v", ws)
		}
		if w, err := tx.Witness("wa"); err != nil || w.Key != "ka" {
			t.Errorf("Witness(wa) = %+v, %v", w, err)
		}
		for size, want := range map[int64]int{4: 1, 5: 1, 6: 0} {
			if n, err := store.CosignersOf(tx, size); err != nil || n != want {
				t.Errorf("CosignersOf(%d) = %d, %v; want %d", size, n, err, want)
			}
		}
		return nil
	})
}

func issueFor(t *testing.T, s *store.Store, id string) string {
	t.Helper()
	var code string
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.Person(id); store.IsNotFound(err) {
			must(t, tx.PutPerson(domain.Person{ID: id, Role: domain.RoleIntern}))
		}
		var err error
		code, _, err = s.IssueCode(tx, id, s.Now(), time.Hour)
		return err
	})
	return code
}

func tries(t *testing.T, s *store.Store, id string) store.CodeRecord {
	t.Helper()
	var rec *store.CodeRecord
	view(t, s, func(tx store.Tx) (err error) { rec, err = tx.Code(id); return err })
	return *rec
}

// testEnrollCodes: wrong codes make the next try wait (longer and longer,
// capped), never lock; the right code after the wait enrolls; single use.
func testEnrollCodes(t *testing.T, bs Backends) {
	s, clock := openClocked(t, bs)
	pub, _, _ := ed25519.GenerateKey(nil)
	code := issueFor(t, s, "i1")
	if len(code) != 19 {
		t.Fatalf("code %q", code)
	}
	for range store.FreeCodeTries {
		if _, err := s.Enroll("i1", "0000-0000-0000-0000", pub); !errors.Is(err, store.ErrBadCode) {
			t.Fatalf("wrong code: %v", err)
		}
	}
	if _, err := s.Enroll("i1", code, pub); !errors.Is(err, store.ErrDelayed) {
		t.Fatalf("right code without waiting: %v", err)
	}
	clock.Add(store.CodeDelay(store.FreeCodeTries))
	if _, err := s.Enroll("i1", "0000-0000-0000-0000", pub); !errors.Is(err, store.ErrBadCode) {
		t.Fatalf("wrong code after the wait: %v", err)
	}
	for range 20 {
		clock.Add(store.CodeDelay(tries(t, s, "i1").Failures))
		if _, err := s.Enroll("i1", "0000-0000-0000-0000", pub); !errors.Is(err, store.ErrBadCode) {
			t.Fatalf("wrong code after the wait: %v", err)
		}
	}
	if d := tries(t, s, "i1").NotBefore.Sub(clock.Now()); d != store.MaxCodeDelay {
		t.Fatalf("delay after %d tries = %s, want the cap %s", tries(t, s, "i1").Failures, d, store.MaxCodeDelay)
	}
	if _, err := s.Enroll("i1", code, pub); !errors.Is(err, store.ErrDelayed) {
		t.Fatalf("right code during the wait: %v", err)
	}
	clock.Add(store.MaxCodeDelay)
	typed := store.NormalizeCode(code)
	if _, err := s.Enroll("i1", " "+typed[:8]+" "+typed[8:]+" ", pub); err != nil {
		t.Fatalf("enroll after the wait: %v", err)
	}
	if _, err := s.Enroll("i1", code, pub); !errors.Is(err, store.ErrAlreadyEnrolled) {
		t.Fatalf("second enroll: %v", err)
	}
	if _, err := s.Enroll("nobody", code, pub); !store.IsNotFound(err) {
		t.Fatalf("unknown identifier: %v", err)
	}
	view(t, s, func(tx store.Tx) error {
		if k, err := tx.PublicKey("i1"); err != nil || !k.Equal(pub) {
			t.Errorf("key after enrollment = %x, %v", k, err)
		}
		if tx.HasPendingCode("i1") {
			t.Error("the code is still pending after enrollment")
		}
		return nil
	})
	// A new code starts the count again.
	issueFor(t, s, "i2")
	for range store.FreeCodeTries {
		s.Enroll("i2", "0000-0000-0000-0000", pub)
	}
	code = issueFor(t, s, "i2")
	if _, err := s.Enroll("i2", code, pub); err != nil {
		t.Fatalf("new code: %v", err)
	}
}

// testEnrollConcurrent: a burst of concurrent wrong codes is counted
// before any is checked, so no more than FreeCodeTries are checked, and
// the right code comes in after the first short wait.
func testEnrollConcurrent(t *testing.T, bs Backends) {
	s, clock := openClocked(t, bs)
	pub, _, _ := ed25519.GenerateKey(nil)
	code := issueFor(t, s, "i1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	for range 24 {
		wg.Go(func() {
			_, err := s.Enroll("i1", "0000-0000-0000-0000", pub)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, store.ErrDelayed):
			case errors.Is(err, store.ErrBadCode):
				checked++
			default:
				t.Errorf("wrong code: %v", err)
			}
		})
	}
	wg.Wait()
	if rec := tries(t, s, "i1"); checked != store.FreeCodeTries || rec.Failures != store.FreeCodeTries {
		t.Fatalf("%d of 24 concurrent tries checked, %d counted; want %d", checked, rec.Failures, store.FreeCodeTries)
	}
	clock.Add(store.CodeDelay(store.FreeCodeTries))
	if _, err := s.Enroll("i1", code, pub); err != nil {
		t.Fatalf("right code after the wait: %v", err)
	}
}

// testClockBehind: with the clock stepped back before the last leaf, an
// append is refused with a ClockError and nothing is written.
func testClockBehind(t *testing.T, bs Backends) {
	s, clock := openClocked(t, bs)
	_, priv, _ := ed25519.GenerateKey(nil)
	if _, err := s.Append(context.Background(), newPending(t, priv, "i1", 1)); err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	clock.Set(now.Add(-time.Minute))
	var ce *store.ClockError
	_, err := s.Append(context.Background(), newPending(t, priv, "i1", 2))
	if !errors.Is(err, store.ErrClockBehind) || !errors.As(err, &ce) || !ce.Last.Equal(now) {
		t.Fatalf("Append a minute behind: %v", err)
	}
	view(t, s, func(tx store.Tx) error {
		if err := s.CheckClockTx(tx, clock.Now()); !errors.Is(err, store.ErrClockBehind) {
			t.Errorf("CheckClockTx a minute behind: %v", err)
		}
		if n := tx.TreeSize(); n != 1 {
			t.Errorf("tree size %d after a refused append, want 1", n)
		}
		return nil
	})
	if err := s.CheckClock(clock.Now()); err == nil {
		t.Fatal("Store.CheckClock a minute behind: accepted")
	}
	if err := s.CheckClock(now.Add(-500 * time.Millisecond)); err != nil {
		t.Fatalf("Store.CheckClock within the slack: %v", err)
	}
	if h := s.Health(); h.ClockBehind < 59*time.Second {
		t.Fatalf("health a minute behind: %+v", h)
	}
}

func testKeyAcrossOpens(t *testing.T, bs Backends) {
	if bs.Reopen == nil {
		t.Skip("the backend cannot be reopened")
	}
	b := bs.New(t)
	s, err := store.New(b, store.Options{Name: "test.appariement", Key: ServerKey})
	must(t, err)
	k1 := s.ServerKey()
	s.Close()
	s2, err := store.New(bs.Reopen(t, b), store.Options{Name: "other"})
	must(t, err)
	k2 := s2.ServerKey()
	if k1.NoteKey != k2.NoteKey || k2.Name != "test.appariement" {
		t.Errorf("server key changed across opens: %+v vs %+v", k1, k2)
	}
	if _, _, err := s2.Checkpoint(); !errors.Is(err, store.ErrNoKey) {
		t.Errorf("checkpoint without the key: %v, want ErrNoKey", err)
	}
	if !s2.HasKey() {
		t.Error("the recorded public key is lost")
	}
	s2.Close()
	_, other, _ := ed25519.GenerateKey(nil)
	if _, err := store.New(bs.Reopen(t, b), store.Options{Key: other}); !errors.Is(err, store.ErrKeyMismatch) {
		t.Fatalf("open with another key: %v, want ErrKeyMismatch", err)
	}
}

func testRotateKey(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{Key: ServerKey})
	before, _, err := s.Checkpoint()
	must(t, err)
	_, newKey, _ := ed25519.GenerateKey(nil)
	must(t, s.RotateKey(newKey, time.Unix(1_800_000_000, 0)))
	after, _, err := s.Checkpoint()
	if err != nil || after == before {
		t.Fatalf("checkpoint after rotation: %v", err)
	}
	v, _ := translog.NewVerifier(api.ServerKey(s.ServerKey()))
	if _, err := v.OpenCheckpoint(after); err != nil {
		t.Fatalf("the new key does not sign: %v", err)
	}
	hist, err := s.KeyRotations()
	if err != nil || len(hist) != 1 || !ed25519.PublicKey(hist[0].Old).Equal(ServerKey.Public()) {
		t.Fatalf("rotations %+v, %v", hist, err)
	}
	// The statement signed by both keys is kept with the rotation.
	if err := translog.VerifyRotation(hist[0].Statement, s.ServerKey().Name, hist[0].Old, hist[0].New); err != nil ||
		!ed25519.PublicKey(hist[0].New).Equal(newKey.Public()) {
		t.Fatalf("the recorded rotation statement: %v", err)
	}
}

// testSealedSecrets: a kept secret opens with the signing key, is not
// readable in the database, does not open under another name or when
// damaged, and survives a key rotation and a reopening with the new key.
func testSealedSecrets(t *testing.T, bs Backends) {
	b := bs.New(t)
	s, err := store.New(b, store.Options{Name: "test.appariement", Key: ServerKey})
	must(t, err)
	secret, other := bytes.Repeat([]byte{0xA5}, 64), []byte("second secret")
	update(t, s, func(tx store.Tx) error {
		if err := s.SealSecret(tx, "tie-break/R1", secret); err != nil {
			return err
		}
		return s.SealSecret(tx, "tie-break/R2", other)
	})
	opened := func(s *store.Store, name string) []byte {
		t.Helper()
		var got []byte
		must(t, s.View(func(tx store.Tx) error {
			var err error
			got, err = s.OpenSecret(tx, name)
			return err
		}))
		return got
	}
	if got := opened(s, "tie-break/R1"); !bytes.Equal(got, secret) {
		t.Fatalf("opened %x, want %x", got, secret)
	}
	if got := opened(s, "tie-break/R9"); got != nil {
		t.Fatalf("a secret never kept: %x", got)
	}
	must(t, s.View(func(tx store.Tx) error {
		raw, err := tx.GetMeta(store.MetaSecrets)
		if bytes.Contains(raw, secret) || bytes.Contains(raw, other) || strings.Contains(string(raw), base64.StdEncoding.EncodeToString(secret)[:20]) {
			t.Errorf("the secret is readable in the database: %s", raw)
		}
		return err
	}))

	_, newKey, _ := ed25519.GenerateKey(nil)
	must(t, s.RotateKey(newKey, time.Unix(1_800_000_000, 0)))
	if got := opened(s, "tie-break/R1"); !bytes.Equal(got, secret) {
		t.Fatalf("after the rotation: %x, want %x", got, secret)
	}
	if bs.Reopen != nil {
		s.Close()
		b = bs.Reopen(t, b)
		if s, err = store.New(b, store.Options{Key: newKey}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if got := opened(s, "tie-break/R2"); !bytes.Equal(got, other) {
			t.Fatalf("after reopening with the new key: %q, want %q", got, other)
		}
	}

	// A box moved to another name, or damaged, does not open.
	update(t, s, func(tx store.Tx) error {
		raw, err := tx.GetMeta(store.MetaSecrets)
		if err != nil {
			return err
		}
		var kept map[string][]byte
		if err := json.Unmarshal(raw, &kept); err != nil {
			return err
		}
		kept["tie-break/R3"] = kept["tie-break/R1"]
		kept["tie-break/R2"][len(kept["tie-break/R2"])-1] ^= 1
		raw, _ = json.Marshal(kept)
		return tx.PutMeta(store.MetaSecrets, raw)
	})
	for _, name := range []string{"tie-break/R3", "tie-break/R2"} {
		err := s.View(func(tx store.Tx) error { _, err := s.OpenSecret(tx, name); return err })
		if !errors.Is(err, store.ErrSecretSeal) {
			t.Errorf("%s: %v, want ErrSecretSeal", name, err)
		}
	}
}

// testTwoNodes: two stores on one database (two server nodes) append
// concurrently; the log stays one sequence (no index written twice, none
// missing), every receipt verifies against the final checkpoint's key,
// and a resend on the other node gets the first acceptance back.
func testTwoNodes(t *testing.T, bs Backends) {
	if bs.Another == nil {
		t.Skip("one process holds this backend alone: no second node to test")
	}
	b1 := bs.New(t)
	s1, err := store.New(b1, store.Options{Name: "test.appariement", Key: ServerKey})
	must(t, err)
	t.Cleanup(func() { s1.Close() })
	s2, err := store.New(bs.Another(t, b1), store.Options{Key: ServerKey})
	must(t, err)
	t.Cleanup(func() { s2.Close() })
	_, priv, _ := ed25519.GenerateKey(nil)
	ctx := context.Background()
	const each = 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	first := map[string]*store.Appended{}
	for node, s := range []*store.Store{s1, s2} {
		for i := range each {
			wg.Go(func() {
				p := newPending(t, priv, fmt.Sprintf("n%d-%d", node, i), 1)
				a, err := s.Append(ctx, p)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				first[p.Current.Author] = a
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	var n int64
	view(t, s1, func(tx store.Tx) error {
		n = tx.TreeSize()
		seen := map[int64]bool{}
		err := tx.ForEachLeaf(0, n, func(i int64, _ []byte) error {
			seen[i] = true
			return nil
		})
		if len(seen) != 2*each {
			t.Errorf("%d distinct leaves, want %d", len(seen), 2*each)
		}
		return err
	})
	if n != 2*each {
		t.Fatalf("tree size %d, want %d", n, 2*each)
	}
	v, _ := translog.NewVerifier(api.ServerKey(s1.ServerKey()))
	again, err := s2.Append(ctx, newPending(t, priv, "n0-0", 1))
	if err != nil || !again.Again || again.Index != first["n0-0"].Index {
		t.Fatalf("resend on the other node: %+v, %v", again, err)
	}
	r, err := s2.Receipt(again.Index, again.ServerTime, again.Digest)
	must(t, err)
	if err := v.VerifyReceipt(newPending(t, priv, "n0-0", 1).Env, (*api.Receipt)(r)); err != nil {
		t.Fatalf("receipt from the other node: %v", err)
	}
}

// testSkewedClocks: two nodes on one database whose clocks differ. A
// batch of the node whose clock reads less than a second behind the other
// node's last leaf is accepted and stamped with that leaf's time (leaf
// times stay monotone); a clock a second or more behind is refused with
// ErrClockBehind, nothing written.
func testSkewedClocks(t *testing.T, bs Backends) {
	if bs.Another == nil {
		t.Skip("one process holds this backend alone: no second node to test")
	}
	base := time.Date(2026, 9, 1, 18, 0, 0, 0, time.UTC)
	ahead, behind := &testClock{now: base}, &testClock{now: base}
	b1 := bs.New(t)
	s1, err := store.New(b1, store.Options{Name: "test.appariement", Key: ServerKey, Clock: ahead.Now})
	must(t, err)
	t.Cleanup(func() { s1.Close() })
	s2, err := store.New(bs.Another(t, b1), store.Options{Key: ServerKey, Clock: behind.Now})
	must(t, err)
	t.Cleanup(func() { s2.Close() })
	_, priv, _ := ed25519.GenerateKey(nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		skew   time.Duration // how far node 2's clock reads behind node 1's
		refuse bool
	}{
		{"1 ms behind", time.Millisecond, false},
		{"999 ms behind", 999 * time.Millisecond, false},
		{"in step", 0, false},
		{"1 s behind", time.Second, true},
		{"a minute behind", time.Minute, true},
	} {
		ahead.Add(time.Minute)
		behind.Set(ahead.Now().Add(-tc.skew))
		a1, err := s1.Append(ctx, newPending(t, priv, "a-"+tc.name, 1))
		must(t, err)
		var size int64
		view(t, s1, func(tx store.Tx) error { size = tx.TreeSize(); return nil })
		a2, err := s2.Append(ctx, newPending(t, priv, "b-"+tc.name, 1))
		if tc.refuse {
			var ce *store.ClockError
			if !errors.As(err, &ce) || !errors.Is(err, store.ErrClockBehind) || !ce.Last.Equal(a1.ServerTime) {
				t.Errorf("%s: Append = %v, want a ClockError against %s", tc.name, err, a1.ServerTime)
			}
			view(t, s1, func(tx store.Tx) error {
				if n := tx.TreeSize(); n != size {
					t.Errorf("%s: tree size %d after a refused batch, want %d", tc.name, n, size)
				}
				return nil
			})
			continue
		}
		if err != nil {
			t.Errorf("%s: Append = %v, want accepted", tc.name, err)
			continue
		}
		want := behind.Now()
		if want.Before(a1.ServerTime) {
			want = a1.ServerTime
		}
		if !a2.ServerTime.Equal(want) || a2.ServerTime.Before(a1.ServerTime) || a2.Index != a1.Index+1 {
			t.Errorf("%s: second node's leaf %d at %s after leaf %d at %s, want %s",
				tc.name, a2.Index, a2.ServerTime, a1.Index, a1.ServerTime, want)
		}
	}
}
