package storetest

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"appariement/syncserver/store"
)

// testSessions: a backend alone reports no other session; a second
// handle on its data (a second node) is reported, and a key rotation is
// refused while it is open (the key unchanged), then done once it is
// closed.
func testSessions(t *testing.T, bs Backends) {
	s := open(t, bs, store.Options{Key: ServerKey})
	others, err := s.OtherSessions()
	if err != nil || len(others) != 0 {
		t.Fatalf("other sessions of a backend alone: %v, %v; want none", others, err)
	}
	if bs.Another == nil {
		t.Skip("one process holds this backend alone (its file lock): no other session to see")
	}
	node := bs.Another(t, s.Backend())
	must(t, node.View(func(tx store.Tx) error { _, err := tx.GetMeta(store.MetaName); return err }))
	others, err = s.OtherSessions()
	if err != nil || len(others) == 0 {
		t.Fatalf("other sessions with a second node open: %v, %v; want it", others, err)
	}
	if others[0].Application == "" || others[0].Since.IsZero() {
		t.Errorf("a session without its application or start: %+v", others[0])
	}
	old := s.ServerKey()
	_, newKey, _ := ed25519.GenerateKey(nil)
	err = s.RotateKey(newKey, time.Unix(1_800_000_000, 0))
	var se *store.OtherSessionsError
	if !errors.Is(err, store.ErrOtherSessions) || !errors.As(err, &se) || len(se.Sessions) == 0 {
		t.Fatalf("rotation with a second node open: %v, want ErrOtherSessions listing it", err)
	}
	if !bytes.Equal(s.ServerKey().PublicKey, old.PublicKey) {
		t.Fatal("the refused rotation changed the key")
	}
	if rots, err := s.KeyRotations(); err != nil || len(rots) != 0 {
		t.Fatalf("the refused rotation was recorded: %v, %v", rots, err)
	}
	must(t, node.Close())
	deadline := time.Now().Add(10 * time.Second)
	for {
		others, err = s.OtherSessions()
		must(t, err)
		if len(others) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions left after the second node closed: %v", others)
		}
		time.Sleep(50 * time.Millisecond)
	}
	must(t, s.RotateKey(newKey, time.Unix(1_800_000_000, 0)))
}
