package translog

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

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
