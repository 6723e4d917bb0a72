package translog

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"appariement/shared/api"
	"appariement/shared/envelope"
)

// ErrRotation is returned (wrapped) by VerifyRotation and FollowRotations
// for a statement or a chain of rotations that does not hold.
var ErrRotation = errors.New("translog: key rotation not proven")

// RotationStatement returns the statement of a rotation of server name's
// signing key from old to fresh at t: a note naming both fingerprints,
// signed by both keys.
func RotationStatement(name string, old, fresh ed25519.PrivateKey, t time.Time) ([]byte, error) {
	text := rotationText(name, old.Public().(ed25519.PublicKey), fresh.Public().(ed25519.PublicKey), t)
	s1, err := NewSigner(name, old)
	if err != nil {
		return nil, err
	}
	s2, err := NewSigner(name, fresh)
	if err != nil {
		return nil, err
	}
	statement, err := note.Sign(&note.Note{Text: text}, s1, s2)
	if err != nil {
		return nil, fmt.Errorf("translog: sign the rotation statement: %w", err)
	}
	return statement, nil
}

func rotationText(name string, oldPub, newPub ed25519.PublicKey, t time.Time) string {
	return fmt.Sprintf("appariement server key rotation\nname %s\nold %s\nnew %s\ntime %s\n",
		name, envelope.Fingerprint(oldPub), envelope.Fingerprint(newPub), t.UTC().Format(time.RFC3339))
}

// VerifyRotation checks a rotation statement of server name from oldPub to
// newPub: signed by both keys, and naming the server and both fingerprints
// in that order.
func VerifyRotation(statement []byte, name string, oldPub, newPub ed25519.PublicKey) error {
	var vs []note.Verifier
	for _, pub := range []ed25519.PublicKey{oldPub, newPub} {
		vk, err := NoteKey(name, pub)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrRotation, err)
		}
		v, err := note.NewVerifier(vk)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrRotation, err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open(statement, note.VerifierList(vs...))
	if err != nil {
		return fmt.Errorf("%w: rotation statement: %v", ErrRotation, err)
	}
	if len(n.Sigs) != 2 || bytes.Equal(oldPub, newPub) {
		return fmt.Errorf("%w: rotation statement not signed by both keys", ErrRotation)
	}
	want := strings.TrimSuffix(rotationText(name, oldPub, newPub, time.Time{}), "time 0001-01-01T00:00:00Z\n")
	if !strings.HasPrefix(n.Text, want) {
		return fmt.Errorf("%w: the rotation statement names other keys or another server", ErrRotation)
	}
	return nil
}

// FollowRotations checks that the server's rotations lead from the key a
// client pinned to the key it now offers: starting at pinned, each
// rotation whose old key is the current one must carry a statement signed
// by both its keys (VerifyRotation), and moves to its new key; the last
// key reached must be offered's. It returns nil if so (offered may then
// be pinned instead), or an error wrapping ErrRotation.
func FollowRotations(pinned, offered api.ServerKey, rotations []api.KeyRotation) error {
	if pinned.Name != offered.Name {
		return fmt.Errorf("%w: the server's name changed (%q, then %q)", ErrRotation, pinned.Name, offered.Name)
	}
	cur := ed25519.PublicKey(pinned.PublicKey)
	for _, r := range rotations {
		if !bytes.Equal(r.Old, cur) {
			continue // a rotation before the pinned key
		}
		if err := VerifyRotation([]byte(r.Statement), pinned.Name, r.Old, r.New); err != nil {
			return fmt.Errorf("rotation of %s: %w", r.Time.UTC().Format(time.RFC3339), err)
		}
		cur = r.New
	}
	if !bytes.Equal(cur, offered.PublicKey) {
		return fmt.Errorf("%w: no signed rotation leads from the pinned key %s to the offered %s", ErrRotation,
			envelope.Fingerprint(pinned.PublicKey), envelope.Fingerprint(offered.PublicKey))
	}
	return nil
}
