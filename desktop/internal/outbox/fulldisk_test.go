package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/faulttest"
	"appariement/syncserver/servertest"
)

// TestRealServerWithFullDisk: a real server whose store sits on a full
// tmpfs answers 503 storage_unavailable with Retry-After; the list stays
// in the outbox, the status says the server is up but cannot record, and
// the list goes in by itself once space is freed (no server restart).
func TestRealServerWithFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := faulttest.MountTmpfs(dir, 8<<20); err != nil {
		if errors.Is(err, faulttest.ErrMountNotPermitted) && os.Getenv("CI") == "" {
			t.Skipf("full disk not tested: %v (run as root)", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { faulttest.Unmount(dir) })
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 1, Dir: dir})
	env.Transition(t, domain.StateWishesOpen)
	alice := env.Enroll(t, env.Interns[0])
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s, err := New(store, alice.Client, env.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s.Now = func() time.Time { return now }
	s.Rand = func() float64 { return 0 }

	// Fill the tmpfs.
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	for chunk := make([]byte, 64<<10); ; {
		if _, err := f.Write(chunk); errors.Is(err, syscall.ENOSPC) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	// Lists until one meets the full disk (bbolt may have free pages left).
	ctx := context.Background()
	var it localstore.Item
	for seq := uint64(1); ; seq++ {
		if seq > 200 {
			t.Fatal("200 lists accepted on a full disk")
		}
		it, err = store.EnqueueSigned(env.Round, nil, func(n uint64) (localstore.Item, error) {
			payload, _ := json.Marshal(api.Submission{Round: env.Round, Author: alice.ID, Seq: n, ClientTime: now,
				List: []string{env.Postes[0].ID}})
			e := envelope.Sign(alice.Key, api.WishListType, payload)
			return localstore.Item{Kind: localstore.KindEnvelope, Round: env.Round, Seq: n, Envelope: e.Encode(), Digest: e.Digest()}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		s.Step(ctx)
		if st := s.Status(); st.Busy != "" {
			break
		}
	}
	st := s.Status()
	got := itemByID(t, store, it.ID)
	if st.Busy != api.CodeStorageUnavailable || !st.Online || st.Pending != 1 || got.State != localstore.StatePending ||
		got.NotBefore.Before(now.Add(10*time.Second)) {
		t.Fatalf("on a full disk: status %+v, item %+v", st, got)
	}
	resp, err := http.Get(env.URL + "/readyz")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz on a full disk: %v %v", resp, err)
	}
	resp.Body.Close()

	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	now = now.Add(11 * time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for itemByID(t, store, it.ID).State != localstore.StateAccepted {
		if time.Now().After(deadline) {
			t.Fatalf("not accepted 20 s after space came back: %+v", s.Status())
		}
		now = now.Add(time.Minute) // past any backoff
		s.Step(ctx)
		time.Sleep(100 * time.Millisecond)
	}
	if st := s.Status(); st.Busy != "" || st.Pending != 0 {
		t.Fatalf("after acceptance: %+v", st)
	}
}

func itemByID(t *testing.T, store *localstore.Store, id uint64) localstore.Item {
	t.Helper()
	all, err := store.Items()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range all {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("no item %d", id)
	return localstore.Item{}
}
