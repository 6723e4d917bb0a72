//go:build unix

package keycmd_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/domain"
	"appariement/shared/translog"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/keycmd"
	"appariement/syncserver/pgtest"
	"appariement/syncserver/servertest"
)

// key runs "syncserver key args…" as the command line does.
func key(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	stdio := cmdrun.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}
	root := cmdrun.Command{Usage: "<commande>", Sub: []cmdrun.Command{keycmd.Command(stdio)}}
	code := cmdrun.Main(context.Background(), "syncserver", root, stdio, append([]string{"key"}, args...))
	return code, out.String(), errOut.String()
}

// TestRotateOnBothBackends: "syncserver key rotate" on the bbolt store
// (-db) and on a PostgreSQL database (-store … -key …), through the store
// contract. It is refused while a server still has the store open (bbolt:
// its file lock; PostgreSQL: the node's session, listed), the key file
// unchanged; done with the server stopped, the server restarted on the new
// key file signs with the new key: a client pinned on the old key verifies
// the rotation statement (signed by both keys; the file's, and the same
// served by GET /v1/server-key/rotations, followed from the pinned key to
// the offered one), then the new checkpoints
// with the new key, their consistency with the last checkpoint it saw
// under the old key, its old receipt, and a new receipt.
func TestRotateOnBothBackends(t *testing.T) {
	for _, backend := range []string{"bbolt", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			var opts servertest.Options
			if backend == "postgres" {
				c := pgtest.Start(t, pgtest.Options{})
				dsn, err := c.CreateDB(ctx, "rotate")
				if err != nil {
					t.Fatal(err)
				}
				opts.Location = dsn
			}
			env := servertest.Start(t, opts)
			where := func(db, keyFile string) []string {
				if backend == "postgres" {
					return []string{"-store", db, "-key", keyFile}
				}
				return []string{"-db", db} // the key file beside it
			}
			i1 := env.Enroll(t, env.Interns[0])
			env.Transition(t, domain.StateWishesOpen)
			first := i1.WishList(env.Round, 1, env.Postes[0].ID)
			rc1, err := i1.Client.Submit(ctx, first)
			if err != nil {
				t.Fatal(err)
			}
			pinned := env.ServerKey // what the app pinned at enrollment
			oldV := env.Verifier(t)
			if err := oldV.VerifyReceipt(first, rc1); err != nil {
				t.Fatal(err)
			}
			keyBefore, err := os.ReadFile(env.KeyFile)
			if err != nil {
				t.Fatal(err)
			}

			// While the server runs: refused, nothing changes.
			code, out, errOut := key(t, append([]string{"rotate"}, where(env.DBPath, env.KeyFile)...)...)
			want := "le serveur est-il arrêté"
			if backend == "postgres" && !strings.HasPrefix(errOut, "key rotate : Rotation de la clé du serveur refusée : ") {
				t.Errorf("the refusal does not start with what was refused, in French:\n%s", errOut)
			}
			if backend == "postgres" {
				want = "sessions ouvertes sur la base ; arrêtez chaque nœud" // one per connection of the node's pool
			}
			if code != cmdrun.ExitFailure || !strings.Contains(errOut, want) {
				t.Fatalf("rotate while the server runs: exit %d, want %d with %q\n%s%s", code, cmdrun.ExitFailure, want, out, errOut)
			}
			if backend == "postgres" && !strings.Contains(errOut, "appariement (127.0.0.1:") {
				t.Errorf("the refusal does not list the node's session:\n%s", errOut)
			}
			if now, _ := os.ReadFile(env.KeyFile); !bytes.Equal(now, keyBefore) {
				t.Fatal("the refused rotation changed the key file")
			}
			if left, _ := filepath.Glob(env.KeyFile + ".*"); len(left) != 0 {
				t.Fatalf("the refused rotation left files: %v", left)
			}
			if backend == "postgres" {
				// show works beside a running node, and lists it.
				code, out, errOut := key(t, "show", "-store", env.DBPath)
				if code != 0 || !strings.Contains(out, "empreinte "+pinned.Fingerprint) || !strings.Contains(out, "other sessions open on the store: ") {
					t.Fatalf("show beside a node: exit %d\n%s%s", code, out, errOut)
				}
			}

			// Server stopped: rotated, and restarted on the new key file.
			var rotateOut string
			env.Restart(t, func(db, keyFile string) error {
				code, out, errOut := key(t, append([]string{"rotate"}, where(db, keyFile)...)...)
				if code != 0 {
					t.Fatalf("rotate, server stopped: exit %d\n%s%s", code, out, errOut)
				}
				rotateOut = out
				return nil
			})
			fresh := env.ServerKey
			if bytes.Equal(fresh.PublicKey, pinned.PublicKey) {
				t.Fatal("the restarted server kept the old key")
			}
			if !strings.Contains(rotateOut, fresh.Fingerprint) || !strings.Contains(rotateOut, pinned.Fingerprint) {
				t.Errorf("the rotation's output does not name both fingerprints:\n%s", rotateOut)
			}
			code, out, errOut = key(t, append([]string{"show"}, where(env.DBPath, env.KeyFile)[:2]...)...)
			if backend == "bbolt" {
				// The server holds the file: show is refused while it runs.
				if code != cmdrun.ExitFailure {
					t.Errorf("show on a bbolt file held by the server: exit %d", code)
				}
			} else if code != 0 || !strings.Contains(out, "empreinte "+fresh.Fingerprint) ||
				!strings.Contains(out, pinned.Fingerprint[:12]) {
				t.Errorf("show after the rotation: exit %d\n%s%s", code, out, errOut)
			}

			// The client pinned on the old key.
			cp, err := env.Anonymous().Checkpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := oldV.OpenCheckpoint(cp); err == nil {
				t.Fatal("the old key verifies a checkpoint signed after the rotation")
			}
			notes, _ := filepath.Glob(env.KeyFile + ".rotation-*.note")
			if len(notes) != 1 {
				t.Fatalf("rotation statements: %v", notes)
			}
			statement, err := os.ReadFile(notes[0])
			if err != nil {
				t.Fatal(err)
			}
			offered, err := env.Anonymous().ServerKey(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := translog.VerifyRotation(statement, pinned.Name, pinned.PublicKey, offered.PublicKey); err != nil {
				t.Fatalf("the statement, against the pinned key and the one served: %v", err)
			}
			if !strings.Contains(string(statement), "new "+offered.Fingerprint) || !strings.Contains(string(statement), "old "+pinned.Fingerprint) {
				t.Errorf("the statement does not name both keys:\n%s", statement)
			}
			// The server serves the statement: the pinned client follows it.
			rots, err := env.Anonymous().KeyRotations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(rots) != 1 || rots[0].Statement != string(statement) {
				t.Fatalf("served rotations %+v, want the one statement of the file", rots)
			}
			if err := translog.FollowRotations(pinned, *offered, rots); err != nil {
				t.Fatalf("the pinned client cannot follow the served rotation: %v", err)
			}
			newV, err := translog.NewVerifier(*offered)
			if err != nil {
				t.Fatal(err)
			}
			tree, err := newV.OpenCheckpoint(cp)
			if err != nil {
				t.Fatalf("the new checkpoint under the new key: %v", err)
			}
			older, err := oldV.OpenCheckpoint(rc1.Checkpoint)
			if err != nil {
				t.Fatal(err)
			}
			proof, err := env.Anonymous().ConsistencyProof(ctx, older.N, tree.N)
			if err != nil {
				t.Fatal(err)
			}
			hs := make(tlog.TreeProof, len(proof))
			for i, p := range proof {
				copy(hs[i][:], p)
			}
			if err := tlog.CheckTree(hs, tree.N, tree.Hash, older.N, older.Hash); err != nil {
				t.Fatalf("the log after the rotation does not extend the one before: %v", err)
			}
			if err := oldV.VerifyReceipt(first, rc1); err != nil {
				t.Errorf("the receipt from before the rotation: %v", err)
			}
			i1.Client = env.ClientAt(env.URL, i1.ID, i1.Key)
			second := i1.WishList(env.Round, 2, env.Postes[1].ID)
			rc2, err := i1.Client.Submit(ctx, second)
			if err != nil {
				t.Fatal(err)
			}
			if err := newV.VerifyReceipt(second, rc2); err != nil || rc2.Index != rc1.Index+1 {
				t.Errorf("a receipt after the rotation: index %d (want %d), %v", rc2.Index, rc1.Index+1, err)
			}
			if _, err := env.Anonymous().Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
