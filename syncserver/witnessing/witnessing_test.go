package witnessing

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func code(err error) api.Code {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not an api.Error"
	}
	return ""
}

// open returns the witnesses' use cases over a real store in t.TempDir()
// whose log holds one leaf, with round R1, and the store.
func open(t *testing.T) (*Service, *store.Store) {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Name: "test.appariement", Key: key, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Update(func(tx store.Tx) error {
		return tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1", Name: "R", Procedure: domain.Appariement, Number: 1, State: domain.StateDraft}})
	}); err != nil {
		t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	env := envelope.Sign(priv, api.WishListType, []byte(`{"round":"R1","author":"i1","seq":1,"client_time":"2026-03-02T09:00:00Z","list":[]}`))
	if _, err := st.Append(context.Background(), &store.Pending{Env: env,
		Current: store.Current{Round: "R1", Author: "i1", PayloadType: api.WishListType, Seq: 1}}); err != nil {
		t.Fatal(err)
	}
	return New(st, &rounds.Updater{Store: st, Clock: func() time.Time { return now }}), st
}

func witnessKey(t *testing.T, name string) (note.Signer, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

func TestAddCosignList(t *testing.T) {
	w, st := open(t)
	signer, vkey := witnessKey(t, "witness.example")
	for _, tc := range []struct {
		name string
		in   api.AddWitnessRequest
		want api.Code
	}{
		{"bad key", api.AddWitnessRequest{Key: "nope"}, api.CodeBadRequest},
		{"wrong name", api.AddWitnessRequest{Name: "x", Key: vkey}, api.CodeBadRequest},
		{"server's name", api.AddWitnessRequest{Key: mustKey(t, "test.appariement")}, api.CodeBadRequest},
		{"ok", api.AddWitnessRequest{Key: vkey}, ""},
		{"again", api.AddWitnessRequest{Name: "witness.example", Key: vkey}, ""},
	} {
		if got, err := w.Add("adm", now, tc.in); code(err) != tc.want || (tc.want == "" && got.Name != "witness.example") {
			t.Errorf("%s: %+v, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	text, _, err := st.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	v, err := translog.NewVerifier(api.ServerKey(st.ServerKey()))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, _, err := v.Cosign(text, signer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   api.CosignatureRequest
		want api.Code
	}{
		{"unknown witness", api.CosignatureRequest{Witness: "other.example", Checkpoint: cosigned}, api.CodeUnknownWitness},
		{"not cosigned", api.CosignatureRequest{Witness: "witness.example", Checkpoint: text}, api.CodeBadSignature},
		{"ok", api.CosignatureRequest{Witness: "witness.example", Checkpoint: cosigned}, ""},
	} {
		got, err := w.Cosign(now, tc.in)
		if code(err) != tc.want || (tc.want == "" && got.TreeSize != 1) {
			t.Errorf("%s: %+v, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	list, err := w.List()
	if err != nil || len(list.Witnesses) != 1 || list.Witnesses[0].TreeSize != 1 || list.Checkpoint == "" {
		t.Errorf("List: %+v, %v", list, err)
	}
	// The same key again keeps the cosignature.
	if _, err := w.Add("adm", now, api.AddWitnessRequest{Key: vkey}); err != nil {
		t.Fatal(err)
	}
	if list, _ := w.List(); list.Witnesses[0].Cosigned == "" {
		t.Error("registering the same key again dropped its cosignature")
	}
}

func mustKey(t *testing.T, name string) string {
	_, vkey := witnessKey(t, name)
	return vkey
}

func TestSetAndCheckCosignatures(t *testing.T) {
	w, st := open(t)
	for _, tc := range []struct {
		round string
		n     int
		want  api.Code
	}{
		{"R1", -1, api.CodeBadRequest}, {"R1", 101, api.CodeBadRequest}, {"R9", 1, api.CodeUnknownRound}, {"R1", 1, ""},
	} {
		if _, err := w.SetMinCosignatures("adm", now, tc.round, tc.n); code(err) != tc.want {
			t.Errorf("SetMinCosignatures(%s, %d): %v, want %q", tc.round, tc.n, err, tc.want)
		}
	}
	text, _, err := st.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	r := domain.Round{ID: "R1", MinCosignatures: 1, Checkpoint: text}
	if err := st.View(func(tx store.Tx) error { return w.CheckCosignatures(tx, &r) }); code(err) != api.CodeNotCosigned {
		t.Errorf("CheckCosignatures without a witness: %v, want not_cosigned", err)
	}
	signer, vkey := witnessKey(t, "witness.example")
	if _, err := w.Add("adm", now, api.AddWitnessRequest{Key: vkey}); err != nil {
		t.Fatal(err)
	}
	v, _ := translog.NewVerifier(api.ServerKey(st.ServerKey()))
	cosigned, _, err := v.Cosign(text, signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Cosign(now, api.CosignatureRequest{Witness: "witness.example", Checkpoint: cosigned}); err != nil {
		t.Fatal(err)
	}
	if err := st.View(func(tx store.Tx) error { return w.CheckCosignatures(tx, &r) }); err != nil {
		t.Errorf("CheckCosignatures with the witness: %v", err)
	}
	// A published round keeps its requirement.
	if err := st.Update(func(tx store.Tx) error {
		rec, err := tx.Round("R1")
		if err != nil {
			return err
		}
		rec.State = domain.StatePublished
		return tx.PutRound(rec)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.SetMinCosignatures("adm", now, "R1", 0); code(err) != api.CodeInvalidState {
		t.Errorf("SetMinCosignatures of a published round: %v, want invalid_state", err)
	}
}
