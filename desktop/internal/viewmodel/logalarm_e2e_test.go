package viewmodel

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/translog"
	"appariement/syncserver/servertest"
	"appariement/syncserver/witness"
)

// TestForkedLogRaisesTheAlarm: against a real server, an intern's app
// follows an honest, growing log (receipts, syncs, a witness's
// cosignatures: "cosigné par 1 sur 1 témoin connu"); then the server shows it
// another history signed with the same key (a fork, two hashes for one
// size, a rollback): each time the alarm is raised with both signed
// checkpoints kept, and the trusted checkpoint stays the honest one.
func TestForkedLogRaisesTheAlarm(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	i18n.SetLanguage("fr")
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	env.Transition(t, domain.StateWishesOpen)
	alice, bob := env.Register(t, env.Interns[0]), env.Register(t, env.Interns[1])

	svc := userSession(t, env, alice)
	tr := &servertest.ForkingTransport{Env: env}
	svc.Client.SetTransport(tr)
	if err := svc.Unlock(pass); err != nil { // the outbox's client, through tr too
		t.Fatal(err)
	}
	intern, err := NewIntern(svc)
	if err != nil {
		t.Fatal(err)
	}
	sync := func() error {
		t.Helper()
		d := intern.Sync(ctx, env.Round)
		if err := intern.ApplySync(d); err != nil {
			t.Fatal(err)
		}
		return d.Err
	}
	if err := sync(); err != nil {
		t.Fatal(err)
	}

	// A witness, registered by the admin.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := translog.NewWitnessSigner("temoin.example", priv)
	vkey, _ := translog.WitnessKey("temoin.example", pub)
	if _, err := env.Admin.AddWitness(ctx, api.AddWitnessRequest{Name: "temoin.example", Key: vkey}); err != nil {
		t.Fatal(err)
	}
	st, _ := witness.LoadState(filepath.Join(t.TempDir(), "w.json"))
	w := &witness.Witness{Name: "temoin.example", Signer: signer, Client: env.Anonymous(), State: st}

	// Honest and growing: alice's list is accepted, bob submits, the
	// witness cosigns, alice's app syncs.
	if _, err := intern.Wishes.Add(env.Postes[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sign(env.Round); err != nil {
		t.Fatal(err)
	}
	svc.Outbox.Step(ctx)
	if _, err := bob.Client.Submit(ctx, bob.WishList(env.Round, 1, env.Postes[1].ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sync(); err != nil {
		t.Fatalf("honest sync: %v", err)
	}
	vs := intern.Wishes.Versions()
	if len(vs) != 1 || vs[0].State != localstore.StateAccepted || !strings.Contains(vs[0].Status, "cosigné par 1 sur 1 témoin connu") {
		t.Fatalf("accepted version: %+v", vs)
	}
	if intern.Alarm() != nil {
		t.Fatal("alarm on an honest log")
	}
	trusted, _ := svc.Store.TrustedCheckpoint()
	if tree, _ := svc.Verifier.OpenCheckpoint(trusted); tree.N != 2 {
		t.Fatalf("trusted tree size %d, want 2", tree.N)
	}

	for i, m := range []servertest.ForkMode{servertest.Fork, servertest.SameSize, servertest.Rollback} {
		tr.SetMode(m)
		if err := sync(); !translog.IsFork(err) {
			t.Fatalf("mode %d: sync error %v, want a fork", m, err)
		}
		if !strings.Contains(intern.SyncError, "historique incompatible avec celui qu'il vous a déjà montré") {
			t.Fatalf("mode %d: sync error shown %q", m, intern.SyncError)
		}
		a := intern.Alarm()
		if a == nil || !strings.Contains(a.Text, "le serveur présente un historique incompatible avec celui qu'il vous a déjà montré") {
			t.Fatalf("mode %d: alarm %+v", m, a)
		}
		forks, _ := svc.Store.Forks()
		if len(forks) != i+1 || forks[i].Trusted != trusted || forks[i].Offered == "" || !strings.Contains(a.Evidence, forks[i].Offered) {
			t.Fatalf("mode %d: evidence %+v", m, forks)
		}
		if got, _ := svc.Store.TrustedCheckpoint(); got != trusted {
			t.Fatalf("mode %d: trusted checkpoint overwritten", m)
		}
	}
	// The same lie again is kept once.
	if err := sync(); !translog.IsFork(err) {
		t.Fatal(err)
	}
	if forks, _ := svc.Store.Forks(); len(forks) != 3 {
		t.Fatalf("evidence kept %d times", len(forks))
	}
	// Back to the honest log: its receipts still extend the trusted view.
	tr.SetMode(servertest.Honest)
	if _, err := bob.Client.Submit(ctx, bob.WishList(env.Round, 2, env.Postes[2].ID)); err != nil {
		t.Fatal(err)
	}
	if err := sync(); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.Store.TrustedCheckpoint(); got == trusted {
		t.Fatal("the honest, grown log did not become the trusted checkpoint")
	}
	if intern.Alarm() == nil {
		t.Fatal("the alarm must stay until the user has seen the evidence")
	}
	// APPARIEMENT_SHOT_DIR=dir keeps this cache as dir/appariement.db, for
	// a screenshot of the real app (go run ./desktop -data dir).
	if dir := os.Getenv("APPARIEMENT_SHOT_DIR"); dir != "" {
		src := svc.Store.Path()
		svc.Store.Close()
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "appariement.db"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestResultShowsCosignatures: a round that requires one witness's
// cosignature is published once the witness cosigned its frozen
// checkpoint; the intern's verified result says it, and why her wish was
// not granted.
func TestResultShowsCosignatures(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	i18n.SetLanguage("fr")
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	env.Transition(t, domain.StateWishesOpen)
	alice := env.Register(t, env.Interns[0])
	svc := userSession(t, env, alice)
	intern, err := NewIntern(svc)
	if err != nil {
		t.Fatal(err)
	}
	if err := intern.ApplySync(intern.Sync(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if _, err := intern.Wishes.Add(env.Postes[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sign(env.Round); err != nil {
		t.Fatal(err)
	}
	svc.Outbox.Step(ctx)

	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := translog.NewWitnessSigner("temoin.example", priv)
	vkey, _ := translog.WitnessKey("temoin.example", pub)
	if _, err := env.Admin.AddWitness(ctx, api.AddWitnessRequest{Name: "temoin.example", Key: vkey}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.SetMinCosignatures(ctx, env.Round, 1); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateRankingsClosed)
	env.Run(t, env.Round)
	st, _ := witness.LoadState(filepath.Join(t.TempDir(), "w.json"))
	w := &witness.Witness{Name: "temoin.example", Signer: signer, Client: env.Anonymous(), State: st}
	if _, err := w.Step(ctx); err != nil {
		t.Fatal(err)
	}
	env.Publish(t, env.Round)

	d := intern.Sync(ctx, env.Round)
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	if err := intern.ApplySync(d); err != nil {
		t.Fatal(err)
	}
	rows := intern.Results.Rows()
	if len(rows) != 1 || !rows[0].Verified || !strings.Contains(rows[0].Status, "cosigné par 1 sur 1 témoin connu") {
		t.Fatalf("result rows: %+v", rows)
	}
	// Her one wish was not granted, and the signed result says why.
	if w := rows[0].WhyNot; len(w) != 1 || !strings.HasPrefix(w[0], "Vœu n°\u00a01, ") ||
		!strings.HasSuffix(w[0], " : le RTS n'a signé aucun classement pour ce poste, qui ne retient donc personne") {
		t.Fatalf("why not: %q", w)
	}
	if intern.Alarm() != nil {
		t.Fatal("alarm on an honest round")
	}
}
