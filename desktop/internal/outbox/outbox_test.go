package outbox

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
)

// fixture is an outbox in front of a real server (servertest) with an
// open choix-au-rang round "R1" (postes P1, P2), a registered intern i01,
// and a fault-injecting transport between them.
type fixture struct {
	env    *servertest.Env
	faults *servertest.FaultTransport
	store  *localstore.Store
	sender *Sender
	priv   ed25519.PrivateKey
	now    time.Time // the sender's clock (backoff), not the server's
	cli    *client.Client
}

func setup(t *testing.T) *fixture {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 1, Postes: 2, NoCodes: true})
	env.Transition(t, domain.StateWishesOpen)
	intern := env.Register(t, env.Interns[0])
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	faults := env.Faults()
	c := env.Anonymous()
	c.SetTransport(faults)
	s, err := New(store, c, env.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{env: env, faults: faults, store: store, sender: s, priv: intern.Key, now: time.Unix(1_800_000_000, 0), cli: c}
	s.Now = func() time.Time { return f.now }
	s.Rand = func() float64 { return 0 }
	return f
}

func (f *fixture) queue(t *testing.T, list ...string) localstore.Item {
	t.Helper()
	round := f.env.Round
	it, err := f.store.EnqueueSigned(round, nil, func(seq uint64) (localstore.Item, error) {
		payload, _ := json.Marshal(api.Submission{Round: round, Author: f.env.Interns[0], Seq: seq, ClientTime: f.env.Clock.Now(), List: list})
		env := envelope.Sign(f.priv, api.WishListType, payload)
		return localstore.Item{Kind: localstore.KindEnvelope, Round: round, Seq: seq, Envelope: env.Encode(), Digest: env.Digest(), List: list}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func (f *fixture) item(t *testing.T, id uint64) localstore.Item {
	t.Helper()
	all, err := f.store.Items()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range all {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("item %d not found", id)
	return localstore.Item{}
}

// logSize is the size of the server's log.
func (f *fixture) logSize(t *testing.T) int64 {
	t.Helper()
	_, tree, err := f.env.Server.Store().Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	return tree.N
}

// hasFile reports whether the server holds the file of digest sha from the
// intern.
func (f *fixture) hasFile(t *testing.T, sha string) bool {
	t.Helper()
	err := f.env.Server.Store().View(func(tx store.Tx) error {
		_, err := tx.FileOf(f.env.Interns[0], sha)
		return err
	})
	return err == nil
}

func TestBackoff(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 10 * time.Second, Jitter: 0.5}
	for _, tc := range []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{1, 0, time.Second}, {2, 0, 2 * time.Second}, {3, 0, 4 * time.Second},
		{4, 0, 8 * time.Second}, {5, 0, 10 * time.Second}, {50, 0, 10 * time.Second},
		{3, 0.5, 3 * time.Second}, {3, 0.999, 2*time.Second + 2*time.Millisecond},
	} {
		if got := b.Delay(tc.attempt, tc.r); got.Round(time.Millisecond) != tc.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", tc.attempt, tc.r, got, tc.want)
		}
	}
}

func TestAcceptedWithVerifiedReceipt(t *testing.T) {
	f := setup(t)
	it := f.queue(t, "P1", "P2")
	if wait := f.sender.Step(context.Background()); wait != 0 {
		t.Fatalf("step wait %v", wait)
	}
	got := f.item(t, it.ID)
	if got.State != localstore.StateAccepted || got.Receipt == nil || got.Receipt.Digest != it.Digest {
		t.Fatalf("item = %+v", got)
	}
	st := f.sender.Status()
	if !st.Online || st.Pending != 0 || st.Accepted != 1 {
		t.Fatalf("status = %+v", st)
	}
	if wait := f.sender.Step(context.Background()); wait != idle {
		t.Fatalf("nothing pending: wait %v, want idle", wait)
	}
}

func TestOfflineBackoffThenBackOnline(t *testing.T) {
	f := setup(t)
	f.sender.Backoff = Backoff{Base: 2 * time.Second, Max: time.Minute}
	it := f.queue(t, "P1")
	f.faults.Cut(true)
	ctx := context.Background()
	for attempt, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		f.sender.Step(ctx)
		got := f.item(t, it.ID)
		if got.State != localstore.StatePending || got.Attempts != attempt+1 || !got.NextAttempt.Equal(f.now.Add(want)) {
			t.Fatalf("attempt %d: item = %+v, want next in %v", attempt+1, got, want)
		}
		if st := f.sender.Status(); st.Online || st.Pending != 1 {
			t.Fatalf("status = %+v", st)
		}
		// Not due yet: the step only says how long to wait.
		if wait := f.sender.Step(ctx); wait != want {
			t.Fatalf("wait = %v, want %v", wait, want)
		}
		f.now = f.now.Add(want)
	}
	// Still 8 s to wait, but a ping finds the server back: send at once.
	f.sender.Step(ctx)
	f.faults.Cut(false)
	f.sender.Ping(ctx)
	if st := f.sender.Status(); !st.Online {
		t.Fatalf("after ping: %+v", st)
	}
	f.sender.Step(ctx)
	if got := f.item(t, it.ID); got.State != localstore.StateAccepted {
		t.Fatalf("after coming back: %+v", got)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	f := setup(t)
	it := f.queue(t, "P1")
	f.faults.Refuse("POST /v1/submissions", 1, &api.Error{Code: api.CodeRateLimited, Message: "serveur chargé, réessayez", MessageEN: "server busy, retry", RetryAfter: 30})
	ctx := context.Background()
	f.sender.Step(ctx)
	got := f.item(t, it.ID)
	if got.State != localstore.StatePending || got.NextAttempt.Before(f.now.Add(30*time.Second)) || !got.NotBefore.Equal(f.now.Add(30*time.Second)) {
		t.Fatalf("after 429: %+v", got)
	}
	if st := f.sender.Status(); !st.Online {
		t.Fatalf("a 429 means the server is up: %+v", st)
	}
	// A ping does not shorten the server's delay.
	f.sender.Ping(ctx)
	if wait := f.sender.Step(ctx); wait < 30*time.Second {
		t.Fatalf("wait %v < Retry-After", wait)
	}
	f.now = f.now.Add(31 * time.Second)
	f.sender.Step(ctx)
	if got := f.item(t, it.ID); got.State != localstore.StateAccepted {
		t.Fatalf("after Retry-After: %+v", got)
	}
}

func TestResendAfterLostAnswerIsIdempotent(t *testing.T) {
	f := setup(t)
	it := f.queue(t, "P1")
	f.faults.DropAnswer("POST /v1/submissions", 1)
	ctx := context.Background()
	f.sender.Step(ctx)
	if got := f.item(t, it.ID); got.State != localstore.StatePending || got.Attempts != 1 {
		t.Fatalf("after lost answer: %+v", got)
	}
	f.now = f.now.Add(time.Hour)
	f.sender.Step(ctx)
	got := f.item(t, it.ID)
	if got.State != localstore.StateAccepted || got.Receipt.Index != 0 {
		t.Fatalf("after resend: %+v", got)
	}
	if n, logged := f.faults.Count("POST /v1/submissions"), f.logSize(t); n != 2 || logged != 1 {
		t.Fatalf("server saw %d submits, logged %d; want 2, 1", n, logged)
	}
}

// TestRefusalRecorded: the real server's refusal (a poste that is not in
// the round) is recorded with its code and French message naming the
// poste, and the queue goes on with the next item.
func TestRefusalRecorded(t *testing.T) {
	f := setup(t)
	it := f.queue(t, "P9")
	next := f.queue(t, "P2")
	f.sender.Step(context.Background())
	got := f.item(t, it.ID)
	if got.State != localstore.StateRefused || got.Refusal == nil || got.Refusal.Code != api.CodeUnknownPoste ||
		!strings.Contains(got.Refusal.Message, "P9") || got.Refusal.MessageEN == got.Refusal.Message {
		t.Fatalf("refused item = %+v", got)
	}
	f.sender.Step(context.Background())
	if got := f.item(t, next.ID); got.State != localstore.StateAccepted {
		t.Fatalf("next item = %+v", got)
	}
}

func TestReceiptFromAnotherKeyIsNotAccepted(t *testing.T) {
	f := setup(t)
	other := servertest.Start(t, servertest.Options{Empty: true})
	s, err := New(f.store, f.cli, other.ServerKey) // pinned key is not the server's
	if err != nil {
		t.Fatal(err)
	}
	s.Now = f.sender.Now
	it := f.queue(t, "P1")
	s.Step(context.Background())
	got := f.item(t, it.ID)
	if got.State != localstore.StatePending || !strings.Contains(got.LastError, "receipt does not verify") {
		t.Fatalf("item = %+v", got)
	}
}

// TestKeyMismatchSendsNothing: once Ping saw another server key than the
// pinned one, and FollowKey did not prove a rotation, nothing is posted
// (the old code went on posting); once FollowKey proves it (Repin), the
// item leaves and its receipt verifies under the key re-pinned.
func TestKeyMismatchSendsNothing(t *testing.T) {
	f := setup(t)
	other := servertest.Start(t, servertest.Options{Empty: true})
	s, err := New(f.store, f.cli, other.ServerKey) // the pinned key is not the server's
	if err != nil {
		t.Fatal(err)
	}
	s.Now = f.sender.Now
	var offered []api.ServerKey
	proven := false
	s.FollowKey = func(_ context.Context, k api.ServerKey) error {
		offered = append(offered, k)
		if !proven {
			return errors.New("pas de déclaration / no statement")
		}
		v, err := translog.NewVerifier(k)
		if err != nil {
			return err
		}
		s.Repin(k, v)
		return nil
	}
	it := f.queue(t, "P1")
	s.Ping(context.Background())
	if st := s.Status(); !st.KeyMismatch || st.LastError != "pas de déclaration / no statement" {
		t.Fatalf("status %+v", st)
	}
	s.Step(context.Background())
	if n := f.faults.Count("POST /v1/submissions"); n != 0 {
		t.Fatalf("%d submissions posted with a key mismatch", n)
	}
	if got := f.item(t, it.ID); got.State != localstore.StatePending || got.Attempts != 0 {
		t.Fatalf("item %+v", got)
	}
	proven = true
	s.Ping(context.Background())
	if st := s.Status(); st.KeyMismatch {
		t.Fatalf("after Repin: status %+v", st)
	}
	s.Step(context.Background())
	if got := f.item(t, it.ID); got.State != localstore.StateAccepted {
		t.Fatalf("after Repin: item %+v", got)
	}
	if len(offered) != 2 || !bytes.Equal(offered[1].PublicKey, f.env.ServerKey.PublicKey) {
		t.Fatalf("FollowKey offered %+v", offered)
	}
}

func TestUploadNeedsIdentity(t *testing.T) {
	f := setup(t)
	pdf := []byte("%PDF-1.4\n% test\n")
	sum := sha256.Sum256(pdf)
	sha := hex.EncodeToString(sum[:])
	if err := f.store.PutBlob(sha, pdf); err != nil {
		t.Fatal(err)
	}
	items, err := f.store.Enqueue(localstore.Item{Kind: localstore.KindFile, Round: f.env.Round, FileSHA: sha, FileName: "cv.pdf", FileKind: "cv"})
	if err != nil {
		t.Fatal(err)
	}
	if wait := f.sender.Step(context.Background()); wait != idle || !f.sender.Status().NeedsKey {
		t.Fatalf("locked: wait %v, status %+v", wait, f.sender.Status())
	}
	f.sender.SetClient(f.cli.WithIdentity(f.env.Interns[0], f.priv))
	f.sender.Step(context.Background())
	if got := f.item(t, items[0].ID); got.State != localstore.StateAccepted || !f.hasFile(t, sha) {
		t.Fatalf("upload: %+v", got)
	}
}

func TestRunSendsQueuedItems(t *testing.T) {
	f := setup(t)
	f.sender.Now = time.Now
	changed := make(chan Status, 100)
	f.sender.OnChange = func(s Status) { changed <- s }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.sender.Run(ctx); close(done) }()
	it := f.queue(t, "P1")
	f.sender.Kick()
	deadline := time.After(10 * time.Second)
	for f.item(t, it.ID).State != localstore.StateAccepted {
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("not sent")
		}
	}
	cancel()
	<-done
}

// TestServerCannotStore: a 503 storage_unavailable with Retry-After keeps
// the list in the outbox, says the server is up but busy, waits the delay,
// and the list goes in once the server can record again.
func TestServerCannotStore(t *testing.T) {
	f := setup(t)
	it := f.queue(t, "P1")
	f.faults.Unavailable("POST /v1/submissions", servertest.Always, 10)
	ctx := context.Background()
	f.sender.Step(ctx)
	got := f.item(t, it.ID)
	if got.State != localstore.StatePending || !got.NotBefore.Equal(f.now.Add(10*time.Second)) {
		t.Fatalf("after 503 storage_unavailable: %+v", got)
	}
	st := f.sender.Status()
	if !st.Online || st.Busy != api.CodeStorageUnavailable || st.Pending != 1 || st.NextAttempt.Before(f.now.Add(10*time.Second)) {
		t.Fatalf("status after 503 storage_unavailable: %+v", st)
	}
	if wait := f.sender.Step(ctx); wait < 10*time.Second {
		t.Fatalf("wait %v < Retry-After", wait)
	}
	f.faults.Reset()
	f.now = f.now.Add(11 * time.Second)
	f.sender.Step(ctx)
	if got := f.item(t, it.ID); got.State != localstore.StateAccepted {
		t.Fatalf("once the server can store: %+v", got)
	}
	if st := f.sender.Status(); st.Busy != "" {
		t.Fatalf("busy after acceptance: %+v", st)
	}
}

// TestTamperedReceiptIsNotAccepted: a receipt changed on the way (another
// digest, another server time, a flipped byte of its checkpoint) does not
// verify: the item stays pending, and is accepted with the real receipt
// when sent again.
func TestTamperedReceiptIsNotAccepted(t *testing.T) {
	for name, edit := range map[string]func(*api.Receipt){
		"digest":      func(rc *api.Receipt) { rc.Digest = "00" + rc.Digest[2:] },
		"server time": func(rc *api.Receipt) { rc.ServerTime = rc.ServerTime.Add(time.Second) },
		"checkpoint": func(rc *api.Receipt) {
			rc.Checkpoint = string(servertest.FlipByte(len(rc.Checkpoint) / 3)([]byte(rc.Checkpoint)))
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := setup(t)
			it := f.queue(t, "P1")
			servertest.TamperJSON(f.faults, "POST /v1/submissions", 1, edit)
			f.sender.Step(context.Background())
			got := f.item(t, it.ID)
			if got.State != localstore.StatePending || got.Receipt != nil || !strings.Contains(got.LastError, "receipt") {
				t.Fatalf("after a tampered receipt: %+v", got)
			}
			f.now = f.now.Add(time.Hour)
			f.sender.Step(context.Background())
			if got := f.item(t, it.ID); got.State != localstore.StateAccepted || got.Receipt.Digest != it.Digest {
				t.Fatalf("sent again: %+v", got)
			}
		})
	}
}

// TestPendingCountsWhatIsQueuedMeanwhile: a list signed while the head
// item is on the wire still counts once the head is accepted (the count
// was decremented, so it said 0 with one list waiting), and two steps at
// once never take the count below zero.
func TestPendingCountsWhatIsQueuedMeanwhile(t *testing.T) {
	f := setup(t)
	f.queue(t, "P1")
	f.faults.OnResponse("POST /v1/submissions", 1, func(*http.Request, *http.Response) error {
		f.queue(t, "P2")
		return nil
	})
	if wait := f.sender.Step(context.Background()); wait != 0 {
		t.Fatalf("step wait %v", wait)
	}
	if st := f.sender.Status(); st.Pending != 1 || st.Accepted != 1 {
		t.Fatalf("one accepted, one queued meanwhile: status = %+v", st)
	}

	var mu sync.Mutex
	lowest := 0
	f.sender.OnChange = func(s Status) {
		mu.Lock()
		lowest = min(lowest, s.Pending)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { f.sender.Step(context.Background()) })
	}
	wg.Wait()
	if st := f.sender.Status(); st.Pending != 0 || lowest < 0 {
		t.Fatalf("after concurrent steps: status = %+v, lowest pending seen %d", st, lowest)
	}
}
