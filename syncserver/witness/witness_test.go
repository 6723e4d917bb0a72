package witness_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/translog"
	"appariement/syncserver/servertest"
	"appariement/syncserver/witness"
)

type testWitness struct {
	*witness.Witness
	tr  *servertest.ForkingTransport
	key string
}

// newWitness makes a witness named name, registered by the admin if
// register, talking to env through a ForkingTransport.
func newWitness(t *testing.T, env *servertest.Env, name string, register bool) *testWitness {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := translog.NewWitnessSigner(name, priv)
	if err != nil {
		t.Fatal(err)
	}
	vkey, err := translog.WitnessKey(name, pub)
	if err != nil {
		t.Fatal(err)
	}
	if register {
		if _, err := env.Admin.AddWitness(context.Background(), api.AddWitnessRequest{Name: name, Key: vkey}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := witness.LoadState(filepath.Join(t.TempDir(), "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &servertest.ForkingTransport{Env: env}
	c := env.Anonymous()
	c.SetTransport(tr)
	w := &witness.Witness{Name: name, Signer: signer, Client: c, State: st,
		Fingerprint: env.ServerKey.Fingerprint, Log: nil}
	return &testWitness{Witness: w, tr: tr, key: vkey}
}

func submit(t *testing.T, env *servertest.Env, u *servertest.User, seq uint64) {
	t.Helper()
	if _, err := u.Client.Submit(context.Background(), u.WishList(env.Round, seq, env.Postes[0].ID)); err != nil {
		t.Fatalf("submit: %v", err)
	}
}

func TestWitnessCosignsHonestLogAndRefusesForks(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	env.Transition(t, domain.StateWishesOpen)
	alice := env.Register(t, env.Interns[0])
	submit(t, env, alice, 1)

	w := newWitness(t, env, "temoin.example", true)
	n, err := w.Step(ctx)
	if err != nil || n != 1 {
		t.Fatalf("first step: %d, %v", n, err)
	}
	submit(t, env, alice, 2)
	submit(t, env, alice, 3)
	if n, err := w.Step(ctx); err != nil || n != 3 {
		t.Fatalf("honest growing log: %d, %v", n, err)
	}

	// The server keeps the cosignature and serves it with the checkpoint.
	cs, err := env.Anonymous().Cosignatures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Witnesses) != 1 || cs.Witnesses[0].TreeSize != 3 {
		t.Fatalf("cosignatures: %+v", cs.Witnesses)
	}
	if tree, err := env.Verifier(t).OpenCosigned(cs.Witnesses[0].Cosigned, cs.Witnesses[0].Witness); err != nil || tree.N != 3 {
		t.Fatalf("served cosignature: %v %v", tree, err)
	}
	trusted := w.State.State.Cosigned

	for _, m := range []servertest.ForkMode{servertest.Fork, servertest.SameSize, servertest.Rollback} {
		w.tr.SetMode(m)
		_, err := w.Step(ctx)
		if !translog.IsFork(err) {
			t.Fatalf("mode %d: want a fork, got %v", m, err)
		}
		if w.State.State.Cosigned != trusted {
			t.Fatalf("mode %d: the witness's state moved to the forked checkpoint", m)
		}
	}
	forks, _ := filepath.Glob(w.State.Path + ".fork-*.json")
	if len(forks) != 3 {
		t.Fatalf("evidence files: %v", forks)
	}
	var out bytes.Buffer
	if code := w.Loop(ctx, 0, true, &out); code != witness.ExitFork || !strings.Contains(out.String(), "historique incompatible") {
		t.Fatalf("loop on a fork: exit %d, %q", code, out.String())
	}
	// Nothing of the fork reached the server's record.
	cs, _ = env.Anonymous().Cosignatures(ctx)
	if cs.Witnesses[0].TreeSize != 3 {
		t.Fatalf("cosigned tree after the fork: %d", cs.Witnesses[0].TreeSize)
	}

	// The honest log again: cosigned again.
	w.tr.SetMode(servertest.Honest)
	submit(t, env, alice, 4)
	if n, err := w.Step(ctx); err != nil || n != 4 {
		t.Fatalf("after the fork, honest: %d %v", n, err)
	}
}

func TestServerRefusesUnknownAndForgedCosignatures(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	stranger := newWitness(t, env, "inconnu.example", false)
	_, err := stranger.Step(ctx)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != api.CodeUnknownWitness {
		t.Fatalf("unregistered witness: %v", err)
	}
	// A registered name, signed with another key.
	w := newWitness(t, env, "temoin.example", true)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	w.Signer, _ = translog.NewWitnessSigner("temoin.example", other)
	_, err = w.Step(ctx)
	if !errors.As(err, &ae) || ae.Code != api.CodeBadSignature {
		t.Fatalf("forged cosignature: %v", err)
	}
	// A checkpoint the server never signed, cosigned by the real witness.
	cp, _ := env.Anonymous().Checkpoint(ctx)
	_, wpriv, _ := ed25519.GenerateKey(rand.Reader)
	ws, _ := translog.NewWitnessSigner("w2.example", wpriv)
	vk, _ := translog.WitnessKey("w2.example", wpriv.Public().(ed25519.PublicKey))
	if _, err := env.Admin.AddWitness(ctx, api.AddWitnessRequest{Name: "w2.example", Key: vk}); err != nil {
		t.Fatal(err)
	}
	n, _ := note.Open([]byte(cp), note.VerifierList(mustVerifier(t, env)))
	forged, _ := note.Sign(&note.Note{Text: n.Text}, ws)
	_, err = env.Anonymous().PostCosignature(ctx, api.CosignatureRequest{Witness: "w2.example", Checkpoint: string(forged)})
	if !errors.As(err, &ae) || ae.Code != api.CodeBadSignature {
		t.Fatalf("cosignature without the server's signature: %v", err)
	}
}

func mustVerifier(t *testing.T, env *servertest.Env) note.Verifier {
	v, err := note.NewVerifier(env.ServerKey.NoteKey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPublishNeedsCosignatures(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	env.Transition(t, domain.StateWishesOpen)
	for i, id := range env.Interns[:2] {
		u := env.Register(t, id)
		submit(t, env, u, uint64(i+1))
	}
	w1 := newWitness(t, env, "w1.example", true)
	if _, err := w1.Step(ctx); err != nil { // an earlier, smaller tree
		t.Fatal(err)
	}
	if _, err := env.Admin.SetMinCosignatures(ctx, env.Round, 2); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateRankingsClosed)
	env.Run(t, env.Round)

	_, err := env.Admin.Publish(ctx, env.Round)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != api.CodeNotCosigned || ae.Status != http.StatusConflict && ae.Status != 0 && ae.Status != http.StatusUnprocessableEntity {
		t.Fatalf("publish with 0 cosignatures of the frozen checkpoint: %v", err)
	}
	if !strings.Contains(ae.Message, "exige 2 cosignature") || !strings.Contains(ae.MessageEN, "requires 2 witness cosignature") {
		t.Fatalf("refusal: %q / %q", ae.Message, ae.MessageEN)
	}
	if _, err := w1.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.Publish(ctx, env.Round); !errors.As(err, &ae) || ae.Code != api.CodeNotCosigned {
		t.Fatalf("publish with 1 of 2: %v", err)
	}
	w2 := newWitness(t, env, "w2.example", true)
	if _, err := w2.Step(ctx); err != nil {
		t.Fatal(err)
	}
	env.Publish(t, env.Round)
}

// TestCommand: keygen prints the key an admin registers; one poll with
// -once cosigns and says so.
func TestCommand(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := witness.Run([]string{"keygen", "-name", "cli.example", "-key-out", filepath.Join(dir, "w.key")}, &out, &errb); code != 0 {
		t.Fatalf("keygen: %d %s", code, errb.String())
	}
	var vkey string
	for _, f := range strings.Fields(out.String()) {
		if strings.HasPrefix(f, "cli.example+") {
			vkey = f
		}
	}
	if _, err := env.Admin.AddWitness(context.Background(), api.AddWitnessRequest{Name: "cli.example", Key: vkey}); err != nil {
		t.Fatalf("register %q: %v", vkey, err)
	}
	out.Reset()
	args := []string{"-server", env.URL, "-name", "cli.example", "-key", filepath.Join(dir, "w.key"),
		"-state", filepath.Join(dir, "state.json"), "-fingerprint", env.ServerKey.Fingerprint, "-once"}
	if code := witness.Run(args, &out, &errb); code != 0 || !strings.Contains(out.String(), "cosigned: arbre de taille / tree size 0") {
		t.Fatalf("witness -once: %d %q %s", code, out.String(), errb.String())
	}
	// Another fingerprint on a fresh state: refused before anything is signed.
	args[len(args)-2] = "00 11"
	args[len(args)-4] = filepath.Join(dir, "other.json")
	if code := witness.Run(args, &out, &errb); code != witness.ExitError {
		t.Fatalf("wrong fingerprint: exit %d", code)
	}
}
