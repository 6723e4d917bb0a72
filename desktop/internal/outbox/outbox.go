// Package outbox sends what the user signed when the network allows: signed
// envelopes and candidate files queued in the local cache, in order, with
// exponential backoff and jitter, honouring the server's Retry-After. Items
// live in bbolt, so closing or killing the app loses nothing; a receipt is
// verified against the pinned server key before an envelope is marked
// accepted; a refusal is recorded with the server's reason.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/envelope"
	"appariement/shared/translog"
)

// Backoff computes retry delays: Base·2^(attempt-1), at most Max, of which
// a random part (Jitter, 0..1) is taken off so that clients that failed
// together do not come back together.
type Backoff struct {
	Base   time.Duration
	Max    time.Duration
	Jitter float64
}

// DefaultBackoff starts at 2 s and caps at 5 min, with 50 % jitter.
var DefaultBackoff = Backoff{Base: 2 * time.Second, Max: 5 * time.Minute, Jitter: 0.5}

// Delay returns the delay before attempt number attempt+1, given a random
// number r in [0, 1).
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	d := b.Base
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	if d > b.Max {
		d = b.Max
	}
	return d - time.Duration(float64(d)*b.Jitter*r)
}

// Status is what the user sees of the outbox.
type Status struct {
	Online      bool      // the server answered the last request or ping
	Checked     bool      // false until the first ping or request
	Pending     int       // items still to send
	Done        int       // items sent (or refused) since the queue was last empty
	Sending     bool      // a request is under way
	NeedsKey    bool      // an upload waits for the passphrase (signed request)
	LastError   string    // last transient failure, in English, for details
	NextAttempt time.Time // when the head item will be tried again
	KeyMismatch bool      // the server's key differs from the pinned one
	// Busy is the code of the server's last "come back later" refusal
	// (storage_unavailable, clock_behind, rate_limited…) while the head
	// item waits for its next attempt; empty otherwise. The item stays in
	// the outbox.
	Busy api.Code
	// Server is the address that answered last, when the server has
	// several (Sender.Answering); empty otherwise.
	Server   string
	Accepted int // items accepted in this session (for notifications)
	Refused  int // items refused in this session
}

// Progress is Done/(Done+Pending), 1 when nothing is pending.
func (s Status) Progress() float64 {
	if s.Pending == 0 {
		return 1
	}
	return float64(s.Done) / float64(s.Done+s.Pending)
}

// Sender is the outbox's sending loop.
type Sender struct {
	store    *localstore.Store
	verifier *translog.Verifier
	pinned   api.ServerKey

	// Backoff and Rand set the retry policy (DefaultBackoff, rand.Float64).
	Backoff Backoff
	Rand    func() float64
	// Now is the clock (time.Now).
	Now func() time.Time
	// OnChange, if set, is called (from the sender's goroutines) after the
	// status changed.
	OnChange func(Status)
	// Answering, if set, names the address that answered last (a server
	// with several addresses); Status.Server shows it.
	Answering func() string
	// Keeper, if set, must accept a receipt's checkpoint (consistent with
	// the one the app trusts) before the item counts as accepted.
	Keeper *translog.CheckpointKeeper
	// FollowKey, if set, is called by Ping when the server offers another
	// key than the pinned one: it returns nil only once it proved the
	// rotation and re-pinned the key (Repin); any error keeps KeyMismatch,
	// with the error as LastError, and nothing is sent.
	FollowKey func(ctx context.Context, offered api.ServerKey) error

	// step serialises Step: two steps never send the same head item at
	// once nor count it twice.
	step   sync.Mutex
	mu     sync.Mutex
	client *client.Client
	status Status
	kick   chan struct{}
}

// New returns a sender of store's outbox to the server of c, verifying
// receipts with the pinned server key (and the keys it replaced, for old
// receipts).
func New(store *localstore.Store, c *client.Client, pinned api.ServerKey, retired ...translog.RetiredKey) (*Sender, error) {
	v, err := translog.NewVerifier(pinned, retired...)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	s := &Sender{
		store: store, verifier: v, pinned: pinned, client: c,
		Backoff: DefaultBackoff, Rand: rand.Float64, Now: time.Now,
		kick: make(chan struct{}, 1),
	}
	if p, err := store.Pending(); err == nil {
		s.status.Pending = len(p)
	}
	return s, nil
}

// Verifier returns the verifier of receipts: the pinned key's. It follows
// Repin.
func (s *Sender) Verifier() *translog.Verifier { return s.verifier }

// Repin makes the sender verify with next (the key pinned after a proven
// rotation, see FollowKey) and compare the server's key with pinned; the
// key mismatch clears and the loop wakes.
func (s *Sender) Repin(pinned api.ServerKey, next *translog.Verifier) {
	s.verifier.Adopt(next)
	s.mu.Lock()
	s.pinned = pinned
	s.mu.Unlock()
	s.update(func(st *Status) { st.KeyMismatch = false })
	s.Kick()
}

func (s *Sender) pinnedKey() api.ServerKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pinned
}

// SetClient replaces the client, e.g. with one that carries the unlocked
// identity (needed for uploads), and wakes the loop.
func (s *Sender) SetClient(c *client.Client) {
	s.mu.Lock()
	s.client = c
	s.mu.Unlock()
	s.Kick()
}

func (s *Sender) currentClient() *client.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// Status returns the current status.
func (s *Sender) Status() Status {
	s.mu.Lock()
	st, answering := s.status, s.Answering
	s.mu.Unlock()
	if answering != nil {
		st.Server = answering()
	}
	return st
}

func (s *Sender) update(f func(*Status)) {
	s.mu.Lock()
	f(&s.status)
	st := s.status
	cb, answering := s.OnChange, s.Answering
	s.mu.Unlock()
	if cb != nil {
		if answering != nil {
			st.Server = answering()
		}
		cb(st)
	}
}

// Kick wakes the loop: something was queued or the network came back.
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run sends until ctx is done.
func (s *Sender) Run(ctx context.Context) {
	for {
		wait := s.Step(ctx)
		if ctx.Err() != nil {
			return
		}
		if wait <= 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// idle is how long the loop sleeps with nothing to do (a Kick wakes it).
const idle = time.Hour

// Step tries to send the head of the queue if it is due, and returns how
// long to wait before the next step (0: go on at once).
func (s *Sender) Step(ctx context.Context) time.Duration {
	s.step.Lock()
	defer s.step.Unlock()
	pending, err := s.store.Pending()
	if err != nil {
		s.update(func(st *Status) { st.LastError = err.Error() })
		return time.Minute
	}
	s.update(func(st *Status) {
		st.Pending = len(pending)
		if len(pending) == 0 {
			st.Done = 0
			st.Busy = ""
			st.NeedsKey = false
			st.NextAttempt = time.Time{}
		}
	})
	if len(pending) == 0 {
		return idle
	}
	if s.Status().KeyMismatch {
		// Nothing leaves for a server whose key is not proven (Ping
		// follows a proven rotation and wakes the loop).
		return idle
	}
	it := pending[0]
	now := s.Now()
	if it.NextAttempt.After(now) {
		s.update(func(st *Status) { st.NextAttempt = it.NextAttempt })
		return it.NextAttempt.Sub(now)
	}
	c := s.currentClient()
	if it.Kind == localstore.KindFile && c.Key == nil {
		s.update(func(st *Status) { st.NeedsKey = true })
		return idle
	}
	s.update(func(st *Status) { st.Sending, st.NeedsKey = true, false })
	err = s.send(ctx, c, &it)
	s.update(func(st *Status) { st.Sending = false })
	if ctx.Err() != nil {
		return 0
	}
	var apiErr *api.Error
	retry, after := client.Retryable(err)
	var change func(*Status)
	switch {
	case err == nil:
		it.State, it.DoneAt, it.LastError = localstore.StateAccepted, s.Now(), ""
		change = func(st *Status) {
			st.Online, st.Checked, st.LastError, st.Busy = true, true, "", ""
			st.Done++
			st.Accepted++
		}
	case !retry && errors.As(err, &apiErr):
		it.State, it.DoneAt, it.Refusal = localstore.StateRefused, s.Now(), apiErr
		change = func(st *Status) {
			st.Online, st.Checked, st.Busy = true, true, ""
			st.Done++
			st.Refused++
		}
	default:
		// Transient: network down, server busy, receipt not verifiable yet.
		it.Attempts++
		d := s.Backoff.Delay(it.Attempts, s.Rand())
		if after > 0 && d < after {
			d = after + time.Duration(float64(after)*0.1*s.Rand())
		}
		it.NextAttempt = s.Now().Add(d)
		it.NotBefore = time.Time{}
		if after > 0 {
			it.NotBefore = s.Now().Add(after)
		}
		it.LastError = err.Error()
		network := retry && !errors.As(err, &apiErr)
		var busy api.Code
		if retry && apiErr != nil {
			busy = apiErr.Code
		}
		change = func(st *Status) {
			st.LastError = err.Error()
			st.Busy = busy
			st.NextAttempt = it.NextAttempt
			st.Checked = true
			if network {
				st.Online = false
			} else if retry {
				st.Online = true
			}
		}
	}
	// Durable first, then tell the screens.
	if err := s.store.UpdateItem(&it); err != nil {
		s.update(func(st *Status) { st.LastError = err.Error() })
		return time.Minute
	}
	// The count left is read back from the store, not decremented: an item
	// queued meanwhile counts, and the count never goes below zero.
	left, lerr := s.store.Pending()
	s.update(func(st *Status) {
		change(st)
		if lerr == nil {
			st.Pending = len(left)
		}
	})
	return 0
}

// errReceipt marks a receipt that does not verify: the item stays pending
// (re-sending is idempotent) and the user is told.
var errReceipt = errors.New("the server's receipt does not verify against the pinned key")

func (s *Sender) send(ctx context.Context, c *client.Client, it *localstore.Item) error {
	switch it.Kind {
	case localstore.KindEnvelope, localstore.KindBinome:
		env, err := envelope.Decode(it.Envelope)
		if err != nil {
			return &api.Error{Code: api.CodeMalformed, Message: "enveloppe locale illisible : " + err.Error(), MessageEN: "unreadable local envelope: " + err.Error()}
		}
		r, err := c.Submit(ctx, env)
		if err != nil {
			return err
		}
		if err := s.verifier.VerifyReceipt(env, r); err != nil {
			return fmt.Errorf("%w: %v", errReceipt, err)
		}
		if s.Keeper != nil {
			if err := s.Keeper.Observe(ctx, "receipt", r.Checkpoint); err != nil {
				return fmt.Errorf("%w: %w", errReceipt, err)
			}
		}
		it.Receipt = r
		return nil
	case localstore.KindFile:
		data, err := s.store.Blob(it.FileSHA)
		if err != nil {
			return &api.Error{Code: api.CodeNotFound, Message: "fichier local introuvable", MessageEN: "local file missing"}
		}
		r, err := c.UploadFile(ctx, it.FileName, data)
		if err != nil {
			return err
		}
		if r.SHA256 != it.FileSHA {
			return fmt.Errorf("upload %s: server stored sha256 %s, want %s", it.FileName, r.SHA256, it.FileSHA)
		}
		return nil
	}
	return &api.Error{Code: api.CodeBadRequest, Message: "élément inconnu", MessageEN: "unknown item kind " + string(it.Kind)}
}

// Ping checks that the server answers and still has the pinned key. When
// it comes back online, items waiting for the network are tried at once
// (but never before a Retry-After the server gave).
func (s *Sender) Ping(ctx context.Context) {
	k, err := s.currentClient().ServerKey(ctx)
	if ctx.Err() != nil {
		return
	}
	online := err == nil
	mismatch := online && (string(k.PublicKey) != string(s.pinnedKey().PublicKey))
	if mismatch && s.FollowKey != nil {
		if ferr := s.FollowKey(ctx, *k); ferr == nil {
			mismatch = false
		} else {
			err = ferr
		}
	}
	was := s.Status()
	s.update(func(st *Status) {
		st.Online, st.Checked, st.KeyMismatch = online, true, mismatch
		if err != nil {
			st.LastError = err.Error()
		}
	})
	if online && (!was.Online || (was.KeyMismatch && !mismatch)) {
		s.wakeNetworkWaiters()
	}
}

// wakeNetworkWaiters makes the head item due now if it waits for a network
// failure's backoff (not for a server's Retry-After).
func (s *Sender) wakeNetworkWaiters() {
	pending, err := s.store.Pending()
	if err != nil || len(pending) == 0 {
		return
	}
	it := pending[0]
	if now := s.Now(); it.NextAttempt.After(now) && !it.NotBefore.After(now) {
		it.NextAttempt = time.Time{}
		_ = s.store.UpdateItem(&it)
	}
	s.Kick()
}

// RunPinger pings every interval until ctx is done.
func (s *Sender) RunPinger(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.Ping(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
