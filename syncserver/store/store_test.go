package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.db")
	s, err := Open(path, Options{Name: "test.appariement", Key: testServerKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// testServerKey signs the test stores' checkpoints (in production it is
// in its own file, never in the store).
var testServerKey = func() ed25519.PrivateKey { _, k, _ := ed25519.GenerateKey(nil); return k }()

func newPending(t *testing.T, priv ed25519.PrivateKey, author string, seq uint64, list ...string) *Pending {
	t.Helper()
	payload := fmt.Appendf(nil, `{"round":"R1","author":%q,"seq":%d,"client_time":"2026-01-01T00:00:00Z","list":[]}`, author, seq)
	env := envelope.Sign(priv, api.WishListType, payload)
	return &Pending{Env: env, Current: Current{Round: "R1", Author: author, PayloadType: api.WishListType, Seq: seq, List: list}}
}

func TestOpenKeepsKeyAndMode(t *testing.T) {
	s, path := openTemp(t)
	k1 := s.ServerKey()
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	s2, err := Open(path, Options{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	k2 := s2.ServerKey()
	if k1.NoteKey != k2.NoteKey || k2.Name != "test.appariement" {
		t.Errorf("server key changed across opens: %+v vs %+v", k1, k2)
	}
	s2.Close()
	// Another key is refused: a store keeps the key it recorded.
	_, other, _ := ed25519.GenerateKey(nil)
	if _, err := Open(path, Options{Key: other}); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("open with another key: %v, want ErrKeyMismatch", err)
	}
}

// TestKeyOutsideTheStore (issue 11, point 9): the store file never holds
// the signing key; without the key it opens but cannot sign; a seed left
// by an earlier version is found and dropped; a rotation keeps the log and
// records the old key.
func TestKeyOutsideTheStore(t *testing.T) {
	s, path := openTemp(t)
	if _, _, err := s.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, testServerKey.Seed()) || bytes.Contains(raw, testServerKey) {
		t.Fatal("the store file contains the signing key")
	}
	ro, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ro.Checkpoint(); !errors.Is(err, ErrNoKey) {
		t.Fatalf("checkpoint without the key: %v, want ErrNoKey", err)
	}
	if !ro.HasKey() || string(ro.ServerKey().PublicKey) != string(testServerKey.Public().(ed25519.PublicKey)) {
		t.Fatal("the recorded public key is lost")
	}
	// A store of an earlier version, with its seed inside.
	_, legacyKey, _ := ed25519.GenerateKey(nil)
	if err := ro.db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		m.Delete(kPub)
		return m.Put(kSeed, legacyKey.Seed())
	}); err != nil {
		t.Fatal(err)
	}
	ro.Close()
	old, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := old.Checkpoint(); err != nil {
		t.Fatalf("a legacy store signs with its seed until it is moved: %v", err)
	}
	old.Close()
	var saved ed25519.PrivateKey
	moved, err := MoveLegacyKey(path, func(k ed25519.PrivateKey) error { saved = k; return nil })
	if err != nil || !moved || string(saved) != string(legacyKey) {
		t.Fatalf("MoveLegacyKey = %v, %v", moved, err)
	}
	raw, _ = os.ReadFile(path)
	if bytes.Contains(raw, legacyKey.Seed()) {
		t.Fatal("the legacy seed is still in the store file (a free page keeps it)")
	}
	if moved, err := MoveLegacyKey(path, nil); moved || err != nil {
		t.Fatalf("second move: %v %v", moved, err)
	}
	// Rotation.
	s3, err := Open(path, Options{Key: legacyKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	before, _, _ := s3.Checkpoint()
	_, newKey, _ := ed25519.GenerateKey(nil)
	if err := s3.RotateKey(newKey, time.Unix(1_800_000_000, 0)); err != nil {
		t.Fatal(err)
	}
	after, _, err := s3.Checkpoint()
	if err != nil || after == before {
		t.Fatalf("checkpoint after rotation: %v", err)
	}
	v, _ := translog.NewVerifier(s3.ServerKey())
	if _, err := v.OpenCheckpoint(after); err != nil {
		t.Fatalf("the new key does not sign: %v", err)
	}
	hist, err := s3.KeyRotations()
	if err != nil || len(hist) != 1 || string(hist[0].Old) != string(legacyKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("rotations %+v, %v", hist, err)
	}
}

func TestAppendSeqRulesAndProofs(t *testing.T) {
	s, _ := openTemp(t)
	_, priv, _ := ed25519.GenerateKey(nil)
	ctx := context.Background()
	v, err := translog.NewVerifier(s.ServerKey())
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
	p1b.Env = envelope.Sign(priv, api.WishListType, []byte(`{"round":"R1","author":"i1","seq":1,"client_time":"2026-01-01T00:00:01Z","list":[]}`))
	var ae *api.Error
	if _, err := s.Append(ctx, p1b); !errors.As(err, &ae) || ae.Code != api.CodeConflict {
		t.Fatalf("conflict: %v", err)
	}
	if _, err := s.Append(ctx, newPending(t, priv, "i1", 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, newPending(t, priv, "i1", 2)); !errors.As(err, &ae) || ae.Code != api.CodeReplay {
		t.Fatalf("replay: %v", err)
	}
	r, err := s.Receipt(a1.Index, a1.ServerTime, a1.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyReceipt(p1.Env, r); err != nil {
		t.Fatal(err)
	}
	cp1 := r.Checkpoint
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
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
			if err := v.VerifyReceipt(p.Env, r); err != nil {
				t.Error(err)
			}
		}()
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
	if err := s.View(func(tx *Tx) error {
		return tx.ForEachLeaf(0, tree.N, func(i int64, data []byte) error {
			_, _, err := ParseLeaf(data)
			return err
		})
	}); err != nil {
		t.Fatal(err)
	}
}

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func openClocked(t *testing.T) (*Store, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 9, 1, 18, 0, 0, 0, time.UTC)}
	s, err := Open(filepath.Join(t.TempDir(), "server.db"), Options{Name: "test.appariement", Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clock
}

func issueFor(t *testing.T, s *Store, id string) string {
	t.Helper()
	var code string
	err := s.Update(func(tx *Tx) error {
		if _, err := tx.Person(id); IsNotFound(err) {
			if err := tx.PutPerson(domain.Person{ID: id, Role: domain.RoleIntern}); err != nil {
				return err
			}
		}
		var err error
		code, _, err = tx.IssueCode(id, s.Now(), time.Hour)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func tries(t *testing.T, s *Store, id string) codeRecord {
	t.Helper()
	var rec codeRecord
	if err := s.View(func(tx *Tx) error { _, err := getJSON(tx.bucket(bCodes), []byte(id), &rec); return err }); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestEnrollCodes: wrong codes make the next try wait (longer and longer,
// capped), never lock; the right code after the wait enrolls; single use.
func TestEnrollCodes(t *testing.T) {
	s, clock := openClocked(t)
	pub, _, _ := ed25519.GenerateKey(nil)
	code := issueFor(t, s, "i1")
	if len(code) != 19 {
		t.Fatalf("code %q", code)
	}
	for range FreeCodeTries {
		if _, err := s.Enroll("i1", "0000-0000-0000-0000", pub); !errors.Is(err, ErrBadCode) {
			t.Fatalf("wrong code: %v", err)
		}
	}
	if _, err := s.Enroll("i1", code, pub); !errors.Is(err, ErrDelayed) {
		t.Fatalf("right code without waiting: %v", err)
	}
	clock.Add(CodeDelay(FreeCodeTries))
	if _, err := s.Enroll("i1", "0000-0000-0000-0000", pub); !errors.Is(err, ErrBadCode) {
		t.Fatalf("wrong code after the wait: %v", err)
	}
	// Twenty more wrong tries, each after its wait: the delay is capped,
	// the identifier never locked.
	for range 20 {
		clock.Add(CodeDelay(tries(t, s, "i1").Failures))
		if _, err := s.Enroll("i1", "0000-0000-0000-0000", pub); !errors.Is(err, ErrBadCode) {
			t.Fatalf("wrong code after the wait: %v", err)
		}
	}
	if d := tries(t, s, "i1").NotBefore.Sub(clock.Now()); d != MaxCodeDelay {
		t.Fatalf("delay after %d tries = %s, want the cap %s", tries(t, s, "i1").Failures, d, MaxCodeDelay)
	}
	if _, err := s.Enroll("i1", code, pub); !errors.Is(err, ErrDelayed) {
		t.Fatalf("right code during the wait: %v", err)
	}
	clock.Add(MaxCodeDelay)
	typed := NormalizeCode(code)
	if _, err := s.Enroll("i1", " "+typed[:8]+" "+typed[8:]+" ", pub); err != nil {
		t.Fatalf("enroll after the wait: %v", err)
	}
	if _, err := s.Enroll("i1", code, pub); !errors.Is(err, ErrAlreadyEnrolled) {
		t.Fatalf("second enroll: %v", err)
	}
	if _, err := s.Enroll("nobody", code, pub); !IsNotFound(err) {
		t.Fatalf("unknown identifier: %v", err)
	}
	// A new code starts the count again.
	issueFor(t, s, "i2")
	for range FreeCodeTries {
		s.Enroll("i2", "0000-0000-0000-0000", pub)
	}
	code = issueFor(t, s, "i2")
	if _, err := s.Enroll("i2", code, pub); err != nil {
		t.Fatalf("new code: %v", err)
	}
}

// TestEnrollTriesCountedAtOnce: a burst of concurrent wrong codes is
// counted before any is checked, so no more than FreeCodeTries are
// checked, and the right code comes in after the first short wait
// (issue 11, point 2: 24 concurrent tries were all checked and counted,
// beyond the old limit of 10).
func TestEnrollTriesCountedAtOnce(t *testing.T) {
	s, clock := openClocked(t)
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
			case errors.Is(err, ErrDelayed):
			case errors.Is(err, ErrBadCode):
				checked++
			default:
				t.Errorf("wrong code: %v", err)
			}
		})
	}
	wg.Wait()
	if rec := tries(t, s, "i1"); checked != FreeCodeTries || rec.Failures != FreeCodeTries {
		t.Fatalf("%d of 24 concurrent tries checked, %d counted; want %d", checked, rec.Failures, FreeCodeTries)
	}
	clock.Add(CodeDelay(FreeCodeTries))
	if _, err := s.Enroll("i1", code, pub); err != nil {
		t.Fatalf("right code after the wait: %v", err)
	}
}

// TestNoncesPruneByExpiry (issue 11, point 5): the nonces on disk expire
// oldest first through their time index, however many are live.
func TestNoncesPruneByExpiry(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Unix(1_800_000_000, 0)
	use := func(n string, now time.Time) error {
		return s.Update(func(tx *Tx) error { return tx.UseNonce(n, now, now.Add(10*time.Minute)) })
	}
	for i := range 600 {
		if err := use(fmt.Sprint("x/", i), t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := use("x/3", t0.Add(time.Hour)); err != nil {
		t.Fatalf("an expired nonce used again: %v", err)
	}
	if err := use("x/599", t0.Add(5*time.Minute+599*time.Second)); !errors.Is(err, ErrNonceUsed) {
		t.Fatalf("a live nonce used again: %v, want ErrNonceUsed", err)
	}
	// Far later, each write prunes a bounded batch of the expired ones.
	for i := range 4 {
		if err := use(fmt.Sprint("y/", i), t0.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	s.View(func(tx *Tx) error { n = tx.NonceCount(); return nil })
	if n != 4 {
		t.Fatalf("%d nonces on disk after expiry, want the 4 new ones", n)
	}
}
