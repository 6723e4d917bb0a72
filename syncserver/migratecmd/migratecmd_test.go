//go:build unix

package migratecmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/migratecmd"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
	"appariement/syncserver/store/storetest"
)

// run runs "syncserver migrate args…" as the command line does and
// returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	stdio := cmdrun.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}
	root := cmdrun.Command{Usage: "<commande>", Sub: []cmdrun.Command{migratecmd.Command(stdio)}}
	code := cmdrun.Main(context.Background(), "syncserver", root, stdio, append([]string{"migrate"}, args...))
	return code, out.String(), errOut.String()
}

// backup writes a consistent copy of env's bbolt store (the server goes
// on) and returns its path: the file a stopped server would leave.
func backup(t *testing.T, env *servertest.Env) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Server.Store().Backup(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMigrateFullRound migrates the bbolt store of a whole round
// (enrollments, wishes, rankings, a file, the run, the publication and its
// mails, a correction) into PostgreSQL, serves the database, and checks
// that it is the same server: checkpoint, old receipts, the same signed
// results, the log going on at the next index, the interns' keys.
func TestMigrateFullRound(t *testing.T) {
	ctx := context.Background()
	c := pgtest.Start(t, pgtest.Options{})
	dsn, err := c.CreateDB(ctx, "migrated")
	if err != nil {
		t.Fatal(err)
	}

	// The round, on the embedded store.
	env := servertest.Start(t, servertest.Options{})
	users := env.EnrollAll(t)
	for _, id := range env.RTS {
		users[id] = env.Enroll(t, id)
	}
	env.Transition(t, domain.StateWishesOpen)
	if _, err := users["i02"].Client.UploadFile(ctx, "cv.pdf", []byte("%PDF-1.7\n% cv\n")); err != nil {
		t.Fatal(err)
	}
	receipts := map[string]*api.Receipt{}
	sent := map[string]*envelope.Envelope{}
	for id, w := range map[string][]string{"i01": {"P1", "P2"}, "i02": {"P1", "P3"}, "i03": {"P2"}, "i04": {"P3"}} {
		e := users[id].WishList(env.Round, 1, w...)
		rc, err := users[id].Client.Submit(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		receipts[id], sent[id] = rc, e
	}
	env.Transition(t, domain.StateWishesClosed)
	env.Transition(t, domain.StateRankingsOpen)
	for _, r := range []struct {
		rts, poste string
		interns    []string
	}{{"rts1", "P1", []string{"i02", "i01"}}, {"rts2", "P2", []string{"i01", "i03"}}, {"rts1", "P3", []string{"i04", "i02"}}} {
		if _, err := users[r.rts].Client.Submit(ctx, users[r.rts].Ranking(env.Round, r.poste, 1, r.interns...)); err != nil {
			t.Fatal(err)
		}
	}
	env.Transition(t, domain.StateRankingsClosed)
	env.Run(t, env.Round)
	full := env.Publish(t, env.Round)
	personal, err := users["i01"].Client.Result(ctx, env.Round)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.FileCorrection(ctx, api.CorrectionRequest{Round: env.Round, Poste: "P2", Field: api.FieldDescription,
		Proposed: "Service de 30 lits", Message: "description fausse"}); err != nil {
		t.Fatal(err)
	}
	cpBefore, err := env.Anonymous().Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	from := backup(t, env)
	_, counts := records(t, from)

	// A dry run counts and writes nothing.
	code, out, errOut := run(t, "-from", from, "-to", dsn, "-signing-key", env.KeyFile, "-dry-run")
	if code != 0 || !strings.Contains(out, "à copier / to copy") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	if _, got := records(t, dsn); len(got) != 0 {
		t.Fatalf("the dry run wrote %v", got)
	}

	code, out, errOut = run(t, "-from", from, "-to", dsn, "-signing-key", env.KeyFile)
	t.Logf("migrate:\n%s%s", out, errOut)
	if code != 0 || !strings.Contains(out, "Vérification réussie") || !strings.Contains(out, "signed checkpoints verified on the target: 1") {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	if fr, en := strings.Index(out, "Journal :"), strings.Index(out, "log:"); fr < 0 || en < fr {
		t.Errorf("summary not French first, then English:\n%s", out)
	}
	_, got := records(t, dsn)
	for _, k := range []store.RecordKind{store.RecMeta, store.RecCounter, store.RecPerson, store.RecKey, store.RecKeyHistory,
		store.RecRound, store.RecPoste, store.RecEligible, store.RecInput, store.RecPreview, store.RecResult,
		store.RecTreeSize, store.RecLeaf, store.RecHash, store.RecAccepted, store.RecCurrent, store.RecCorrection,
		store.RecAudit, store.RecMail, store.RecBlob, store.RecFile, store.RecNonce} {
		if counts[k] == 0 || got[k] != counts[k] {
			t.Errorf("%s: %d in the source, %d migrated (want the same, not 0)", k, counts[k], got[k])
		}
	}

	// The database served, with the migrated admin's own key: the
	// bootstrap finds it there and changes nothing.
	env2 := servertest.Start(t, servertest.Options{Location: dsn, Empty: true, AdminKey: env.AdminKey,
		Configure: func(c *server.Config) { c.KeyFile = env.KeyFile }})
	if !bytes.Equal(env2.ServerKey.PublicKey, env.ServerKey.PublicKey) {
		t.Fatal("the migrated server has another key")
	}
	cpAfter, err := env2.Anonymous().Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cpAfter != cpBefore {
		t.Fatalf("checkpoint after the migration:\n%s\nwant\n%s", cpAfter, cpBefore)
	}
	v := env2.Verifier(t)
	on2 := func(id string) *servertest.User {
		u := *users[id]
		u.Client = env2.ClientAt(env2.URL, id, u.Key)
		return &u
	}
	for id, rc := range receipts {
		if err := v.VerifyReceipt(sent[id], rc); err != nil {
			t.Errorf("old receipt of %s: %v", id, err)
		}
		// The envelope sent again gets its first receipt back.
		again, err := on2(id).Client.Submit(ctx, sent[id])
		if err != nil || again.Index != rc.Index || !again.ServerTime.Equal(rc.ServerTime) {
			t.Errorf("%s's envelope again: %+v, %v; want index %d", id, again, err, rc.Index)
		}
	}
	if e, err := on2("i01").Client.Result(ctx, env.Round); err != nil || !bytes.Equal(e.Encode(), personal.Encode()) {
		t.Errorf("i01's result after the migration differs (%v)", err)
	}
	if e, err := on2("i03").Client.FullResult(ctx, env.Round); err != nil || !bytes.Equal(e.Encode(), full.Encode()) {
		t.Errorf("the full result after the migration differs (%v)", err)
	}
	cs, err := env2.Admin.Corrections(ctx, "", "")
	if err != nil || len(cs) != 1 || cs[0].ID != "CR000001" {
		t.Errorf("corrections after the migration: %+v, %v", cs, err)
	}

	// A new round: a migrated intern's key signs a new submission, which
	// gets the next index of the log.
	tree, err := v.OpenCheckpoint(cpAfter)
	if err != nil {
		t.Fatal(err)
	}
	size := tree.N
	if _, err := env2.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: "R2", Name: "Tour suivant", Procedure: domain.Appariement}); err != nil {
		t.Fatal(err)
	}
	postes, _ := json.Marshal([]domain.Poste{{ID: "Q1", Specialty: servertest.Specialty, Subdivision: servertest.Subdivision, RTS: "rts1", Capacity: 1}})
	if _, err := env2.Admin.ImportPostes(ctx, "R2", api.FormatJSON, postes, false); err != nil {
		t.Fatal(err)
	}
	env2.TransitionRound(t, "R2", domain.StateWishesOpen)
	e := users["i05"].WishList("R2", 1, "Q1")
	rc, err := on2("i05").Client.Submit(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Index != size {
		t.Errorf("first submission after the migration at index %d, want %d", rc.Index, size)
	}
	if err := v.VerifyReceipt(e, rc); err != nil {
		t.Error(err)
	}
}

// TestMigrateRefusesNonEmptyTarget: a target that holds anything (here,
// an earlier migration) is refused with a French then English message,
// exit 1, and keeps what it held.
func TestMigrateRefusesNonEmptyTarget(t *testing.T) {
	ctx := context.Background()
	c := pgtest.Start(t, pgtest.Options{})
	dsn, err := c.CreateDB(ctx, "target")
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, servertest.Options{})
	from := backup(t, env)
	if code, out, errOut := run(t, "-from", from, "-to", dsn); code != 0 {
		t.Fatalf("first migration: exit %d\n%s%s", code, out, errOut)
	}
	before, _ := records(t, dsn)
	code, out, errOut := run(t, "-from", from, "-to", dsn)
	fr, en := strings.Index(errOut, "la cible n'est pas vide"), strings.Index(errOut, "the target is not empty")
	if code != cmdrun.ExitFailure || fr < 0 || en < fr {
		t.Fatalf("second migration: exit %d, want %d with the French then English refusal\n%s%s", code, cmdrun.ExitFailure, out, errOut)
	}
	if after, _ := records(t, dsn); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Error("the refused migration changed the target")
	}
	// Usage errors: the same store on both sides, no -to.
	if code, _, _ := run(t, "-from", from, "-to", from); code != cmdrun.ExitUsage {
		t.Errorf("-from = -to: exit %d, want %d", code, cmdrun.ExitUsage)
	}
	if code, _, _ := run(t, "-from", from); code != cmdrun.ExitUsage {
		t.Errorf("no -to: exit %d, want %d", code, cmdrun.ExitUsage)
	}
}

// records returns the records of the store at location (encoded) and
// their counts by kind; the store is closed again.
func records(t *testing.T, location string) ([]string, map[store.RecordKind]int) {
	t.Helper()
	b, err := store.OpenBackend(location)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	return storetest.Records(t, b)
}

// mustOpen opens the backend at location, closed at the test's end.
func mustOpen(t *testing.T, location string) store.Backend {
	t.Helper()
	b, err := store.OpenBackend(location)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
