package outbox

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"appariement/desktop/internal/cache"
	"appariement/desktop/internal/fakeserver"
	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
)

type fixture struct {
	srv    *fakeserver.Server
	store  *cache.Store
	sender *Sender
	priv   ed25519.PrivateKey
	now    time.Time
	cli    *client.Client
}

func setup(t *testing.T) *fixture {
	t.Helper()
	intern := domain.Person{ID: "i1", Role: domain.RoleIntern, LastName: "Durand", FirstName: "Léa"}
	srv := fakeserver.New(nil, nil)
	t.Cleanup(srv.Close)
	pub, priv, _ := ed25519.GenerateKey(nil)
	srv.Register(intern, pub)
	srv.SetRound(domain.Round{ID: "r1", Name: "Tour 1", Procedure: domain.ChoixAuRang, Number: 1, State: domain.StateWishesOpen})
	store, err := cache.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	c, err := client.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(store, c, srv.Key())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: srv, store: store, sender: s, priv: priv, now: time.Unix(1_800_000_000, 0), cli: c}
	s.Now = func() time.Time { return f.now }
	s.Rand = func() float64 { return 0 }
	return f
}

func (f *fixture) queue(t *testing.T, list ...string) cache.Item {
	t.Helper()
	it, err := f.store.EnqueueSigned("r1", nil, func(seq uint64) (cache.Item, error) {
		payload, _ := json.Marshal(api.Submission{Round: "r1", Author: "i1", Seq: seq, ClientTime: f.now, List: list})
		env := envelope.Sign(f.priv, api.WishListType, payload)
		return cache.Item{Kind: cache.KindEnvelope, Round: "r1", Seq: seq, Envelope: env.Encode(), Digest: env.Digest(), List: list}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func (f *fixture) item(t *testing.T, id uint64) cache.Item {
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
	return cache.Item{}
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
	if got.State != cache.StateAccepted || got.Receipt == nil || got.Receipt.Digest != it.Digest {
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
	f.srv.Lock()
	f.srv.Down = true
	f.srv.Unlock()
	ctx := context.Background()
	for attempt, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		f.sender.Step(ctx)
		got := f.item(t, it.ID)
		if got.State != cache.StatePending || got.Attempts != attempt+1 || !got.NextAttempt.Equal(f.now.Add(want)) {
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
	f.srv.Lock()
	f.srv.Down = false
	f.srv.Unlock()
	f.sender.Ping(ctx)
	if st := f.sender.Status(); !st.Online {
		t.Fatalf("after ping: %+v", st)
	}
	f.sender.Step(ctx)
	if got := f.item(t, it.ID); got.State != cache.StateAccepted {
		t.Fatalf("after coming back: %+v", got)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	f := setup(t)
	it := f.queue(t, "P1")
	f.srv.Lock()
	f.srv.RetryAfter, f.srv.RetryAfterN = 30, 1
	f.srv.Unlock()
	ctx := context.Background()
	f.sender.Step(ctx)
	got := f.item(t, it.ID)
	if got.State != cache.StatePending || got.NextAttempt.Before(f.now.Add(30*time.Second)) || !got.NotBefore.Equal(f.now.Add(30*time.Second)) {
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
	if got := f.item(t, it.ID); got.State != cache.StateAccepted {
		t.Fatalf("after Retry-After: %+v", got)
	}
}

func TestResendAfterLostAnswerIsIdempotent(t *testing.T) {
	f := setup(t)
	it := f.queue(t, "P1")
	f.srv.Lock()
	f.srv.DropAnswers = 1
	f.srv.Unlock()
	ctx := context.Background()
	f.sender.Step(ctx)
	if got := f.item(t, it.ID); got.State != cache.StatePending || got.Attempts != 1 {
		t.Fatalf("after lost answer: %+v", got)
	}
	f.now = f.now.Add(time.Hour)
	f.sender.Step(ctx)
	got := f.item(t, it.ID)
	if got.State != cache.StateAccepted || got.Receipt.Index != 0 {
		t.Fatalf("after resend: %+v", got)
	}
	f.srv.Lock()
	defer f.srv.Unlock()
	if f.srv.Submits != 2 || f.srv.SubmitsLogged != 1 {
		t.Fatalf("server saw %d submits, logged %d; want 2, 1", f.srv.Submits, f.srv.SubmitsLogged)
	}
}

func TestRefusalRecorded(t *testing.T) {
	f := setup(t)
	it := f.queue(t, "P1")
	next := f.queue(t, "P2")
	f.srv.Lock()
	f.srv.Refuse = api.Errorf(api.CodeWindowClosed, "la période des vœux est close", "the wishes window is closed")
	f.srv.Unlock()
	f.sender.Step(context.Background())
	got := f.item(t, it.ID)
	if got.State != cache.StateRefused || got.Refusal == nil || got.Refusal.Message != "la période des vœux est close" || got.Refusal.Code != api.CodeWindowClosed {
		t.Fatalf("refused item = %+v", got)
	}
	// The queue goes on with the next item.
	f.srv.Lock()
	f.srv.Refuse = nil
	f.srv.Unlock()
	f.sender.Step(context.Background())
	if got := f.item(t, next.ID); got.State != cache.StateAccepted {
		t.Fatalf("next item = %+v", got)
	}
}

func TestReceiptFromAnotherKeyIsNotAccepted(t *testing.T) {
	f := setup(t)
	other := fakeserver.New(nil, nil)
	defer other.Close()
	s, err := New(f.store, f.cli, other.Key()) // pinned key is not the server's
	if err != nil {
		t.Fatal(err)
	}
	s.Now = f.sender.Now
	it := f.queue(t, "P1")
	s.Step(context.Background())
	got := f.item(t, it.ID)
	if got.State != cache.StatePending || !strings.Contains(got.LastError, "receipt does not verify") {
		t.Fatalf("item = %+v", got)
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
	items, err := f.store.Enqueue(cache.Item{Kind: cache.KindFile, Round: "r1", FileSHA: sha, FileName: "cv.pdf", FileKind: "cv"})
	if err != nil {
		t.Fatal(err)
	}
	if wait := f.sender.Step(context.Background()); wait != idle || !f.sender.Status().NeedsKey {
		t.Fatalf("locked: wait %v, status %+v", wait, f.sender.Status())
	}
	f.sender.SetClient(f.cli.WithIdentity("i1", f.priv))
	f.sender.Step(context.Background())
	if got := f.item(t, items[0].ID); got.State != cache.StateAccepted || !f.srv.HasFile(sha) {
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
	for f.item(t, it.ID).State != cache.StateAccepted {
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
	e := api.Errorf(api.CodeStorageUnavailable, "le serveur ne peut pas enregistrer pour l'instant", "the server cannot store anything right now")
	e.RetryAfter = 10
	f.srv.Lock()
	f.srv.Refuse = e
	f.srv.Unlock()
	ctx := context.Background()
	f.sender.Step(ctx)
	got := f.item(t, it.ID)
	if got.State != cache.StatePending || !got.NotBefore.Equal(f.now.Add(10*time.Second)) {
		t.Fatalf("after 503 storage_unavailable: %+v", got)
	}
	st := f.sender.Status()
	if !st.Online || st.Busy != api.CodeStorageUnavailable || st.Pending != 1 || st.NextAttempt.Before(f.now.Add(10*time.Second)) {
		t.Fatalf("status after 503 storage_unavailable: %+v", st)
	}
	if wait := f.sender.Step(ctx); wait < 10*time.Second {
		t.Fatalf("wait %v < Retry-After", wait)
	}
	f.srv.Lock()
	f.srv.Refuse = nil
	f.srv.Unlock()
	f.now = f.now.Add(11 * time.Second)
	f.sender.Step(ctx)
	if got := f.item(t, it.ID); got.State != cache.StateAccepted {
		t.Fatalf("once the server can store: %+v", got)
	}
	if st := f.sender.Status(); st.Busy != "" {
		t.Fatalf("busy after acceptance: %+v", st)
	}
}
