package translog

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/envelope"
)

// TestFollowRotations: a client pinned on a key follows a chain of signed
// rotations to the key offered now, from any key of the chain; a
// statement signed by one key only, one of other keys, a chain that does
// not reach the offered key or a changed server name are refused.
func TestFollowRotations(t *testing.T) {
	const name = "appariement.test"
	keys := make([]ed25519.PrivateKey, 4)
	for i := range keys {
		_, keys[i], _ = ed25519.GenerateKey(nil)
	}
	sk := func(k ed25519.PrivateKey) api.ServerKey {
		pub := k.Public().(ed25519.PublicKey)
		return api.ServerKey{Name: name, PublicKey: pub, Fingerprint: envelope.Fingerprint(pub)}
	}
	rot := func(from, to ed25519.PrivateKey, at time.Time) api.KeyRotation {
		st, err := RotationStatement(name, from, to, at)
		if err != nil {
			t.Fatal(err)
		}
		return api.KeyRotation{Time: at, Old: sk(from).PublicKey, New: sk(to).PublicKey, Statement: string(st)}
	}
	t0 := time.Unix(1_800_000_000, 0)
	chain := []api.KeyRotation{rot(keys[0], keys[1], t0), rot(keys[1], keys[2], t0.Add(time.Hour))}
	for _, pinned := range []int{0, 1, 2} {
		if err := FollowRotations(sk(keys[pinned]), sk(keys[2]), chain); err != nil {
			t.Errorf("pinned on key %d: %v", pinned, err)
		}
	}
	if err := FollowRotations(sk(keys[0]), sk(keys[0]), nil); err != nil {
		t.Errorf("no rotation, same key: %v", err)
	}

	// Signed by the new key only.
	s2, _ := NewSigner(name, keys[1])
	oneSig, _ := note.Sign(&note.Note{Text: rotationText(name, sk(keys[0]).PublicKey, sk(keys[1]).PublicKey, t0)}, s2)
	forged := []api.KeyRotation{{Time: t0, Old: sk(keys[0]).PublicKey, New: sk(keys[1]).PublicKey, Statement: string(oneSig)}}
	// A statement of other keys, signed by both of them.
	other := rot(keys[2], keys[3], t0)
	other.Old, other.New = sk(keys[0]).PublicKey, sk(keys[3]).PublicKey
	for _, tc := range []struct {
		what            string
		pinned, offered api.ServerKey
		rots            []api.KeyRotation
	}{
		{"signed by the new key only", sk(keys[0]), sk(keys[1]), forged},
		{"a statement of other keys", sk(keys[0]), sk(keys[3]), []api.KeyRotation{other}},
		{"a chain that does not reach the offered key", sk(keys[0]), sk(keys[3]), chain},
		{"no rotation, another key", sk(keys[0]), sk(keys[1]), nil},
		{"another server name", sk(keys[0]), api.ServerKey{Name: "autre", PublicKey: sk(keys[2]).PublicKey}, chain},
	} {
		if err := FollowRotations(tc.pinned, tc.offered, tc.rots); !errors.Is(err, ErrRotation) {
			t.Errorf("%s: %v, want ErrRotation", tc.what, err)
		}
	}
	if err := VerifyRotation([]byte(chain[0].Statement), name, sk(keys[1]).PublicKey, sk(keys[1]).PublicKey); err == nil {
		t.Error("a statement verified without the old key")
	}
}

// TestVerifierRetiredKeys: a verifier with a retired key opens that key's
// checkpoints of trees up to the rotation's size only, and the pinned
// key's of any size; Adopt makes an existing verifier follow a rotation.
func TestVerifierRetiredKeys(t *testing.T) {
	const name = "appariement.test"
	_, oldPriv, _ := ed25519.GenerateKey(nil)
	_, newPriv, _ := ed25519.GenerateKey(nil)
	sk := func(k ed25519.PrivateKey) api.ServerKey {
		return api.ServerKey{Name: name, PublicKey: k.Public().(ed25519.PublicKey)}
	}
	sign := func(k ed25519.PrivateKey, n int64) string {
		s, err := NewSigner(name, k)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := SignTree(s, tlog.Tree{N: n})
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	v, err := NewVerifier(sk(oldPriv))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.OpenCheckpoint(sign(newPriv, 3)); err == nil {
		t.Fatal("the old key's verifier opens the new key's checkpoint")
	}
	next, err := NewVerifier(sk(newPriv), RetiredKey{Key: sk(oldPriv), UpTo: 10})
	if err != nil {
		t.Fatal(err)
	}
	v.Adopt(next)
	if !bytes.Equal(v.PublicKey(), sk(newPriv).PublicKey) || v.Name() != name {
		t.Fatalf("after Adopt: key %x, name %q", v.PublicKey(), v.Name())
	}
	for _, tc := range []struct {
		key  ed25519.PrivateKey
		n    int64
		want bool
	}{{oldPriv, 10, true}, {oldPriv, 11, false}, {newPriv, 11, true}, {newPriv, 1000, true}} {
		if tree, err := v.OpenCheckpoint(sign(tc.key, tc.n)); (err == nil) != tc.want || (err == nil && tree.N != tc.n) {
			t.Errorf("checkpoint of %d leaves by the %s key: %v, want accepted %v", tc.n, map[bool]string{true: "old", false: "new"}[bytes.Equal(tc.key, oldPriv)], err, tc.want)
		}
	}
}
