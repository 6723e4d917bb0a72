package servertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"syscall"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/servertest"
)

// TestFaultTransport: each fault, switched on and off while the real
// server runs, does what it says to the requests it matches and nothing to
// the others.
func TestFaultTransport(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 2, Postes: 1})
	users := env.ChoixRound(t, nil)
	alice := users["i01"]
	ft := env.Faults()
	alice.Client.SetTransport(ft)
	seq := uint64(0)
	submit := func() (*api.Receipt, error) {
		seq++
		return alice.Client.Submit(ctx, alice.WishList(env.Round, seq, env.Postes[0].ID))
	}
	logSize := func() int64 {
		_, tree, err := env.Server.Store().Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		return tree.N
	}
	for _, tc := range []struct {
		name   string
		on     func()
		check  func(rc *api.Receipt, err error)
		logged int64 // entries the server appended
	}{
		{"none", func() {}, func(rc *api.Receipt, err error) {
			if err != nil || rc == nil {
				t.Errorf("no fault: %v", err)
			}
		}, 1},
		{"cut", func() { ft.Cut(true) }, func(_ *api.Receipt, err error) {
			if ok, _ := client.Retryable(err); !ok || !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("cut: %v, want a retryable connection refused", err)
			}
		}, 0},
		{"503", func() { ft.Unavailable("POST /v1/submissions", 1, 7) }, func(_ *api.Receipt, err error) {
			var e *api.Error
			if ok, after := client.Retryable(err); !ok || after != 7*time.Second || !errors.As(err, &e) ||
				e.Code != api.CodeStorageUnavailable || e.Status != http.StatusServiceUnavailable {
				t.Errorf("503: %v", err)
			}
		}, 0},
		{"429", func() {
			ft.Refuse("POST /v1/submissions", 1, &api.Error{Code: api.CodeRateLimited, Message: "trop de requêtes", MessageEN: "too many requests", RetryAfter: 30})
		}, func(_ *api.Receipt, err error) {
			if ok, after := client.Retryable(err); !ok || after != 30*time.Second {
				t.Errorf("429: %v", err)
			}
		}, 0},
		{"other route", func() { ft.Unavailable("GET /v1/rounds", servertest.Always, 1) }, func(rc *api.Receipt, err error) {
			if err != nil {
				t.Errorf("a fault of another route: %v", err)
			}
		}, 1},
		{"lost answer", func() { ft.DropAnswer("POST /v1/submissions", 1) }, func(_ *api.Receipt, err error) {
			if ok, _ := client.Retryable(err); !ok {
				t.Errorf("lost answer: %v", err)
			}
		}, 1},
		{"tampered receipt", func() {
			servertest.TamperJSON(ft, "POST /v1/submissions", 1, func(rc *api.Receipt) { rc.Digest = "ff" + rc.Digest[2:] })
		}, func(rc *api.Receipt, err error) {
			if err != nil || rc == nil || rc.Digest[:2] != "ff" {
				t.Errorf("tampered receipt: %+v, %v", rc, err)
			}
		}, 1},
		{"flipped byte", func() { ft.TamperBody("POST /v1/submissions", 1, servertest.FlipByte(0)) }, func(rc *api.Receipt, err error) {
			if err == nil {
				t.Errorf("a receipt whose first byte is flipped decodes: %+v", rc)
			}
		}, 1},
		{"slow", func() { ft.Slow(time.Hour) }, func(_ *api.Receipt, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("slow: %v", err)
			}
		}, 0},
	} {
		ft.Reset()
		tc.on()
		before := logSize()
		var rc *api.Receipt
		var err error
		if tc.name == "slow" {
			c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			seq++
			rc, err = alice.Client.Submit(c, alice.WishList(env.Round, seq, env.Postes[0].ID))
			cancel()
		} else {
			rc, err = submit()
		}
		tc.check(rc, err)
		if got := logSize() - before; got != tc.logged {
			t.Errorf("%s: the server logged %d entries, want %d", tc.name, got, tc.logged)
		}
		if tc.name == "other route" {
			if _, err := alice.Client.Rounds(ctx); err == nil {
				t.Error("GET /v1/rounds not refused")
			}
		}
	}
	ft.Reset()
	if _, err := alice.Client.Rounds(ctx); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
	if n := ft.Count("POST /v1/submissions"); n != 9 {
		t.Errorf("Count(POST /v1/submissions) = %d, want 9", n)
	}
}

// TestTamperResult: a personal result changed by the hook is signed again
// with the server's key (it verifies) and carries the change.
func TestTamperResult(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 1, Postes: 1})
	users := env.ChoixRound(t, map[string][]string{"i01": {env.Postes[0].ID}})
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)
	env.Publish(t, env.Round)
	ft := env.Faults()
	u := users["i01"]
	u.Client.SetTransport(ft)
	ft.TamperResult(1, func(pr *api.PersonalResult) { pr.Assignments = nil })
	for i, wantAssigned := range []bool{false, true} {
		e, err := u.Client.Result(ctx, env.Round)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.SignedBy(env.ServerKey.PublicKey); err != nil {
			t.Fatalf("result %d not signed by the server: %v", i, err)
		}
		pr, err := decodeResult(e)
		if err != nil {
			t.Fatal(err)
		}
		if (len(pr.Assignments) == 1) != wantAssigned {
			t.Fatalf("result %d: %+v", i, pr)
		}
	}
}

// TestFront: code that dials an address itself goes through the faults.
func TestFront(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 1})
	ft := env.Faults()
	c, err := client.New(env.Front(t, ft), nil)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := c.ServerKey(ctx); err != nil || envelope.KeyID(k.PublicKey) != envelope.KeyID(env.ServerKey.PublicKey) {
		t.Fatalf("through the front: %v", err)
	}
	ft.Cut(true)
	if _, err := c.ServerKey(ctx); err == nil {
		t.Fatal("cut network: answered")
	}
	ft.Cut(false)
	ft.Unavailable("/", 1, 3)
	if ok, after := client.Retryable(try(c.ServerKey(ctx))); !ok || after != 3*time.Second {
		t.Fatalf("503 through the front: %v %v", ok, after)
	}
	if _, err := c.ServerKey(ctx); err != nil {
		t.Fatal(err)
	}
	// 4 asked; Go's client may send a GET again once on a connection
	// closed without an answer.
	if n := ft.Count("GET /v1/server-key"); n != 4 && n != 5 {
		t.Fatalf("count %d, want 4 (or 5)", n)
	}
}

func try[T any](_ T, err error) error { return err }

func decodeResult(e *envelope.Envelope) (*api.PersonalResult, error) {
	var pr api.PersonalResult
	if e.PayloadType != api.PersonalResultType {
		return nil, errors.New("not a personal result: " + e.PayloadType)
	}
	return &pr, json.Unmarshal(e.Payload, &pr)
}
