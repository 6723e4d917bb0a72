package backup_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/backup"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

type sent struct {
	env *envelope.Envelope
	rc  *api.Receipt
}

// TestHotBackupRestore: a hot backup taken while interns submit holds every
// submission acknowledged before it began; the restored file verifies and
// every such receipt is proved included in its log.
func TestHotBackupRestore(t *testing.T) {
	const n = 120
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: n, Postes: 8, NoCodes: true, Configure: func(c *server.Config) {
		c.IPRate, c.IdentityRate = rate.Inf, rate.Inf
	}})
	users := make([]*servertest.User, n)
	for i, id := range env.Interns {
		users[i] = env.Register(t, id)
	}
	env.Transition(t, domain.StateWishesOpen)

	var (
		mu     sync.Mutex
		before []sent // acknowledged before the backup began
		count  atomic.Int64
		began  atomic.Bool
		wg     sync.WaitGroup
	)
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := uint64(1); seq <= 3; seq++ {
				e := u.WishList(env.Round, seq, env.Postes[(i+int(seq))%8].ID)
				rc, err := u.Client.Submit(ctx, e)
				if err != nil {
					t.Errorf("%s: %v", u.ID, err)
					return
				}
				count.Add(1)
				if !began.Load() {
					mu.Lock()
					before = append(before, sent{e, rc})
					mu.Unlock()
				}
			}
		}()
	}
	for count.Load() < n {
		if t.Failed() {
			t.FailNow()
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock() // no receipt recorded as "before" once the backup begins
	began.Store(true)
	mu.Unlock()
	var buf bytes.Buffer
	if err := env.Server.Store().Backup(&buf); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(before) < n {
		t.Fatalf("only %d receipts before the backup", len(before))
	}

	dir := t.TempDir()
	bak := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(bak, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(dir, "restored.db")
	var out, errw bytes.Buffer
	if code := backup.RunRestore([]string{"-from", bak, "-db", restored}, &out, &errw); code != 0 {
		t.Fatalf("restore: %d %s", code, errw.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	// Refuses to overwrite without -force.
	errw.Reset()
	if code := backup.RunRestore([]string{"-from", bak, "-db", restored}, &out, &errw); code == 0 || !strings.Contains(errw.String(), "-force") {
		t.Fatalf("overwrite without -force: %d %s", code, errw.String())
	}

	// The backup holds no signing key: it stays in its own file.
	key, err := keyfile.Read(env.DBPath + ".key")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(bak)
	if bytes.Contains(raw, key.Seed()) {
		t.Fatal("the backup contains the server's signing key")
	}
	if _, err := boltstore.Open(restored, store.Options{Key: ed25519.NewKeyFromSeed(make([]byte, 32))}); !errors.Is(err, store.ErrKeyMismatch) {
		t.Fatalf("restored store opened with another key: %v", err)
	}
	s, err := boltstore.Open(restored, store.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.ServerKey().NoteKey != env.ServerKey.NoteKey {
		t.Fatal("restored store has another server key")
	}
	v, err := translog.NewVerifier(env.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	cp, tree, err := s.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range before {
		if err := v.VerifyReceipt(g.env, g.rc); err != nil {
			t.Fatal(err)
		}
		proof, err := s.InclusionProof(g.rc.Index, tree.N)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifyInclusion(cp, g.rc.Index, translog.LeafHash(g.rc.ServerTime, g.env), proof); err != nil {
			t.Fatalf("receipt %d missing from the restored store: %v", g.rc.Index, err)
		}
	}
	t.Logf("%d receipts before the backup, restored log of %d leaves", len(before), tree.N)

	// A backup whose log was altered (one leaf rewritten) is refused, and
	// nothing is written.
	tampered := filepath.Join(dir, "tampered.db")
	if err := os.WriteFile(tampered, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	bdb, err := bolt.Open(tampered, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("leaves"))
		k, v := b.Cursor().First()
		v = bytes.Clone(v)
		v[len(v)/2] ^= 1
		return b.Put(bytes.Clone(k), v)
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	errw.Reset()
	if code := backup.RunRestore([]string{"-from", tampered, "-db", filepath.Join(dir, "r.db")}, &out, &errw); code == 0 ||
		!strings.Contains(errw.String(), "hash recalculé") {
		t.Fatalf("tampered backup: %d %s", code, errw.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "r.db")); err == nil {
		t.Fatal("a refused restore left a file")
	}
}

// TestBackupCLI: the CLI copies a stopped store and verifies it, and says
// in French that a running server holds the file.
func TestBackupCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "store.db")
	_, key, _ := ed25519.GenerateKey(nil)
	s, err := boltstore.Open(db, store.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	if code := backup.Run([]string{"-db", db, "-out", filepath.Join(dir, "held.db")}, &out, &errw); code == 0 ||
		!strings.Contains(errw.String(), "verrouillé") {
		t.Fatalf("backup of a held file: %d %q", code, errw.String())
	}
	s.Close()
	out.Reset()
	errw.Reset()
	if code := backup.Run([]string{"-db", db, "-out", filepath.Join(dir, "b.db")}, &out, &errw); code != 0 {
		t.Fatalf("backup: %d %s", code, errw.String())
	}
	if !strings.Contains(out.String(), "vérifié") {
		t.Fatalf("backup said %q", out.String())
	}

}

// TestRemoteHotBackup asks a running server for its store over HTTP, as
// "syncserver backup -server" does: the copy verifies, holds every receipt
// handed out before it, and records the backup in its own audit log. A
// non-admin is refused and leaves no file.
func TestRemoteHotBackup(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 5, Postes: 3, NoCodes: true})
	env.Transition(t, domain.StateWishesOpen)
	var got []sent
	var intern *servertest.User
	for _, id := range env.Interns {
		u := env.Register(t, id)
		intern = u
		e := u.WishList(env.Round, 1, env.Postes[0].ID)
		rc, err := u.Client.Submit(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, sent{e, rc})
	}
	out := filepath.Join(t.TempDir(), "hot.db")
	rep, err := backup.Remote(ctx, env.Admin, out, false)
	if err != nil {
		t.Fatalf("Remote: %v", err)
	}
	if rep.TreeSize != int64(len(got)) {
		t.Fatalf("backup holds a log of %d leaves, want %d", rep.TreeSize, len(got))
	}
	key, err := keyfile.Read(env.DBPath + ".key")
	if err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(out, store.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v := env.Verifier(t)
	cp, _, err := st.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		p, err := st.InclusionProof(s.rc.Index, rep.TreeSize)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifyInclusion(cp, s.rc.Index, translog.LeafHash(s.rc.ServerTime, s.env), p); err != nil {
			t.Errorf("receipt %d not in the backup: %v", s.rc.Index, err)
		}
	}
	found := false
	st.View(func(tx store.Tx) error {
		entries, _ := tx.AuditLog(0, 5000)
		for _, e := range entries {
			found = found || e.Action == "backup"
		}
		return nil
	})
	if !found {
		t.Error("the backup is not in the audit log")
	}
	if _, err := backup.Remote(ctx, env.Admin, out, false); err == nil {
		t.Error("an existing backup was overwritten without force")
	}
	denied := filepath.Join(t.TempDir(), "denied.db")
	if _, err := backup.Remote(ctx, intern.Client, denied, false); err == nil {
		t.Error("an intern got a backup")
	}
	if _, err := os.Stat(denied); !os.IsNotExist(err) {
		t.Error("a refused backup left a file")
	}
}
