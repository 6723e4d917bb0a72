//go:build unix

package migratecmd_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"appariement/shared/domain"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/migratecmd"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
	"appariement/syncserver/store/pgstore"
)

// source returns the bbolt file of a stopped server holding enrolled
// people and a log of several submissions per intern (a few hundred
// records), with its signing key file, and the source's root hash as a
// dry run reports it.
func source(t *testing.T) (from, keyFile, root string) {
	t.Helper()
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	users := env.EnrollAll(t)
	env.Transition(t, domain.StateWishesOpen)
	for seq := uint64(1); seq <= 4; seq++ {
		for _, id := range env.Interns {
			if _, err := users[id].Client.Submit(ctx, users[id].WishList(env.Round, seq, env.Postes[int(seq)%len(env.Postes)].ID)); err != nil {
				t.Fatal(err)
			}
		}
	}
	from = backup(t, env)
	keyFile = filepath.Join(filepath.Dir(from), "store.db.key")
	key, err := os.ReadFile(env.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := migratecmd.Migrate(ctx, migratecmd.Options{From: from, SigningKey: keyFile, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TreeSize != int64(4*len(env.Interns)) {
		t.Fatalf("source log of %d leaves, want %d", rep.TreeSize, 4*len(env.Interns))
	}
	return from, keyFile, rep.Root.String()
}

// targetDB returns an empty PostgreSQL database of a new cluster.
func targetDB(t *testing.T, name string) string {
	t.Helper()
	c := pgtest.Start(t, pgtest.Options{})
	dsn, err := c.CreateDB(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// requireEmpty fails unless the store at location holds no record.
func requireEmpty(t *testing.T, location, when string) {
	t.Helper()
	if recs, counts := records(t, location); len(recs) != 0 {
		t.Fatalf("%s: the target holds %d records (%v), want none", when, len(recs), counts)
	}
}

// TestMigrateCutThenRunAgain: a migration cut midway (its context
// cancelled after some batches were imported), or cut once every record
// was imported (during the verification, just before the commit), leaves
// the PostgreSQL target empty; the same command run again then succeeds,
// with the source's root hash on the target.
func TestMigrateCutThenRunAgain(t *testing.T) {
	from, keyFile, root := source(t)
	dsn := targetDB(t, "cut")
	for _, cut := range []struct {
		name  string
		after func(copied, total int) bool
	}{
		{"midway", func(copied, total int) bool { return copied >= 20 && copied < total }},
		{"before the commit", func(copied, total int) bool { return copied == total }},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		batches := 0
		rep, err := migratecmd.Migrate(ctx, migratecmd.Options{From: from, To: dsn, SigningKey: keyFile, Batch: 7,
			Progress: func(copied, total int) {
				batches++
				if cut.after(copied, total) {
					cancel()
				}
			}})
		cancel()
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rien n'a été écrit") ||
			!strings.Contains(err.Error(), "run the same command again") {
			t.Fatalf("cut %s: %v, want context.Canceled saying nothing was written", cut.name, err)
		}
		if rep.Copied || batches < 3 {
			t.Fatalf("cut %s: copied %v after %d batches", cut.name, rep.Copied, batches)
		}
		requireEmpty(t, dsn, "after the cut "+cut.name)
	}

	rep, err := migratecmd.Migrate(context.Background(), migratecmd.Options{From: from, To: dsn, SigningKey: keyFile, Batch: 7})
	if err != nil {
		t.Fatalf("the run after the cuts: %v", err)
	}
	if !rep.Copied || rep.TargetRoot.String() != root || rep.Root.String() != root || rep.Checkpoints != 1 {
		t.Fatalf("the run after the cuts: copied %v, root %s on the target, %s in the source, want %s; %d checkpoints",
			rep.Copied, rep.TargetRoot, rep.Root, root, rep.Checkpoints)
	}
	_, src := records(t, from)
	_, dst := records(t, dsn)
	for _, k := range store.RecordKinds {
		if src[k] != dst[k] {
			t.Errorf("%s: %d in the source, %d in the target", k, src[k], dst[k])
		}
	}
}

// The child process of TestMigrateKilled: a migration of the source into
// the target named by these variables, one batch of 5 every 100 ms, each
// reported on stdout.
const (
	childFrom = "APPARIEMENT_MIGRATE_CHILD_FROM"
	childTo   = "APPARIEMENT_MIGRATE_CHILD_TO"
)

// TestMigrateKilled: a child process running the migration is killed
// (SIGKILL) mid-copy, while its transaction is open on the database; the
// target is empty after, and a rerun succeeds with the source's root hash.
func TestMigrateKilled(t *testing.T) {
	if from := os.Getenv(childFrom); from != "" {
		_, err := migratecmd.Migrate(context.Background(), migratecmd.Options{From: from, To: os.Getenv(childTo), Batch: 5,
			Progress: func(copied, total int) {
				fmt.Printf("copied %d of %d\n", copied, total)
				time.Sleep(100 * time.Millisecond)
			}})
		fmt.Printf("finished: %v\n", err)
		return
	}
	from, keyFile, root := source(t)
	dsn := targetDB(t, "killed")
	cmd := exec.Command(os.Args[0], "-test.run=^TestMigrateKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), childFrom+"="+from, childTo+"="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var copied, total int
	for lines.Scan() {
		if n, _ := fmt.Sscanf(lines.Text(), "copied %d of %d", &copied, &total); n == 2 && copied >= 30 {
			break
		}
		if strings.HasPrefix(lines.Text(), "finished") {
			t.Fatalf("the child finished before it was killed: %s", lines.Text())
		}
	}
	if copied < 30 || copied >= total {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child reported %d of %d records copied, want a copy midway", copied, total)
	}
	// Its transaction is open on the database, holding what it imported.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var inTx int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&inTx); err != nil {
		t.Fatal(err)
	}
	if inTx == 0 {
		t.Fatal("no transaction of the child open on the target")
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != -1 {
		t.Fatalf("the child's end: %v, want killed by a signal", err)
	}
	t.Logf("child killed after %d of %d records imported", copied, total)
	requireEmpty(t, dsn, "after kill -9")

	code, stdout, stderr := run(t, "-from", from, "-to", dsn, "-signing-key", keyFile)
	if code != 0 || !strings.Contains(stdout, "Vérification réussie") || !strings.Contains(stdout, "root hash recomputed on the target: "+root) {
		t.Fatalf("the rerun after kill -9: exit %d, want 0 with root %s\n%s%s", code, root, stdout, stderr)
	}
}

// TestMigrateAgainAfterCopy: a completed migration run again is refused
// (exit 1) with a message naming the target, what it holds and that it is
// already this source's copy, and changes nothing; another source into it
// is refused as not its own.
func TestMigrateAgainAfterCopy(t *testing.T) {
	from, keyFile, root := source(t)
	dsn := targetDB(t, "again")
	if code, out, errOut := run(t, "-from", from, "-to", dsn, "-signing-key", keyFile); code != 0 {
		t.Fatalf("first migration: exit %d\n%s%s", code, out, errOut)
	}
	before, counts := records(t, dsn)
	code, out, errOut := run(t, "-from", from, "-to", dsn, "-signing-key", keyFile)
	if code != cmdrun.ExitFailure {
		t.Fatalf("second migration: exit %d, want %d\n%s%s", code, cmdrun.ExitFailure, out, errOut)
	}
	for _, want := range []string{
		"la cible n'est pas vide : " + pgstore.Redact(dsn) + " contient déjà " + fmt.Sprint(len(before)) + " enregistrements",
		fmt.Sprintf("%d personnes", counts[store.RecPerson]),
		fmt.Sprintf("journal de %d feuilles, racine %s", counts[store.RecLeaf], root),
		"c'est déjà la copie vérifiée de cette source, la migration a été faite ; rien n'a été écrit",
		"the target is not empty: " + pgstore.Redact(dsn) + " already holds",
		"it is already this source's verified copy, the migration was done; nothing was written",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("second migration's message lacks %q:\n%s", want, errOut)
		}
	}
	if fr, en := strings.Index(errOut, "la cible"), strings.Index(errOut, "the target"); fr < 0 || en < fr {
		t.Errorf("not French first, then English:\n%s", errOut)
	}
	if after, _ := records(t, dsn); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Error("the refused migration changed the target")
	}

	// Another store into it: refused as not the source's copy.
	other, _, _ := source(t)
	code, _, errOut = run(t, "-from", other, "-to", dsn)
	if code != cmdrun.ExitFailure || !strings.Contains(errOut, "qui ne sont pas ceux de la source") ||
		!strings.Contains(errOut, "not the source's") {
		t.Fatalf("another source into the migrated target: exit %d\n%s", code, errOut)
	}
	if after, _ := records(t, dsn); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Error("the refused migration of another source changed the target")
	}
}

// TestMigrateSourceReadOnly: the migration never writes to the source
// file (its bytes and its key file are the same after), and a source still
// held by a running server is refused, the server going on.
func TestMigrateSourceReadOnly(t *testing.T) {
	from, keyFile, _ := source(t)
	sum := func(path string) [32]byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	db, key := sum(from), sum(keyFile)
	st, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "-from", from, "-to", targetDB(t, "readonly"), "-signing-key", keyFile); code != 0 {
		t.Fatalf("migration: exit %d\n%s%s", code, out, errOut)
	}
	if sum(from) != db || sum(keyFile) != key {
		t.Error("the migration wrote to its source")
	}
	if st2, err := os.Stat(from); err != nil || !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("the source's modification time changed: %v → %v (%v)", st.ModTime(), st2.ModTime(), err)
	}

	// A store file held by a running server: refused (bbolt's lock).
	env := servertest.Start(t, servertest.Options{})
	code, _, errOut := run(t, "-from", env.DBPath, "-to", targetDB(t, "running"))
	if code != cmdrun.ExitFailure || !strings.Contains(errOut, "le serveur est-il arrêté") {
		t.Fatalf("a source held by a running server: exit %d\n%s", code, errOut)
	}
	if _, err := env.Anonymous().Checkpoint(context.Background()); err != nil {
		t.Fatalf("the server after the refused migration: %v", err)
	}
	if !bytes.Contains([]byte(errOut), []byte(env.DBPath)) {
		t.Errorf("the refusal does not name the source:\n%s", errOut)
	}
}
