package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
)

// getHealth reads /healthz or /readyz: status, Retry-After and the body.
func getHealth(t *testing.T, env *servertest.Env, path string) (int, string, map[string]any) {
	t.Helper()
	resp, err := http.Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%s: %v: %s", path, err, b)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), body
}

// wantRetry fails unless err is a 503 refusal with code and a retry delay.
func wantRetry(t *testing.T, err error, code api.Code) time.Duration {
	t.Helper()
	wantCode(t, err, code)
	ok, after := client.Retryable(err)
	if !ok || after <= 0 {
		t.Fatalf("%s without a retry delay: %v", code, err)
	}
	return after
}

// TestClockBackwardsRefusesSubmissionsAndRoundChanges: with the server's
// clock stepped back before the last leaf, a new list is refused with 503
// clock_behind and a retry delay, the round does not move, /readyz is not
// ready and says why, an envelope already accepted still gets its receipt;
// once the clock is past the last leaf again everything is accepted and
// leaf times never went backwards.
func TestClockBackwardsRefusesSubmissionsAndRoundChanges(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 2, Postes: 2})
	env.Transition(t, domain.StateWishesOpen)
	alice, bob := env.Enroll(t, env.Interns[0]), env.Enroll(t, env.Interns[1])
	first := alice.WishList(env.Round, 1, env.Postes[0].ID)
	rc1 := must[*api.Receipt](t)(alice.Client.Submit(ctx, first))

	env.Clock.Advance(-time.Hour) // an NTP step, a VM snapshot restored
	_, err := bob.Client.Submit(ctx, bob.WishList(env.Round, 1, env.Postes[1].ID))
	wantRetry(t, err, api.CodeClockBehind)
	if e, _ := errors.AsType[*api.Error](err); !strings.Contains(e.Message, "horloge") || !strings.Contains(e.MessageEN, "clock") {
		t.Fatalf("refusal does not say why: %+v", e)
	}
	_, err = env.Admin.Transition(ctx, env.Round, domain.StateWishesClosed, "test")
	wantRetry(t, err, api.CodeClockBehind)
	d := must[*api.RoundDetail](t)(env.Admin.RoundDetail(ctx, env.Round))
	if d.Round.State != domain.StateWishesOpen {
		t.Fatalf("round moved to %s with the clock behind", d.Round.State)
	}
	again := must[*api.Receipt](t)(alice.Client.Submit(ctx, first))
	if again.Index != rc1.Index || !again.ServerTime.Equal(rc1.ServerTime) {
		t.Fatalf("resent envelope: %+v, first %+v", again, rc1)
	}
	status, retry, body := getHealth(t, env, "/readyz")
	if status != http.StatusServiceUnavailable || retry == "" || !strings.Contains(mustJSON(t, body), "clock_behind") {
		t.Fatalf("/readyz with the clock behind: %d, Retry-After %q, %v", status, retry, body)
	}
	if status, _, body := getHealth(t, env, "/healthz"); status != http.StatusOK || body["status"] != "degraded" {
		t.Fatalf("/healthz (liveness) with the clock behind: %d %v", status, body)
	}
	metrics := string(scrape(t, env.Server))
	if !strings.Contains(metrics, "appariement_clock_behind_seconds 3") {
		t.Fatalf("metrics without the clock behind:\n%s", metrics)
	}

	env.Clock.Advance(time.Hour + time.Second)
	must[*api.Receipt](t)(bob.Client.Submit(ctx, bob.WishList(env.Round, 1, env.Postes[1].ID)))
	if status, _, _ := getHealth(t, env, "/readyz"); status != http.StatusOK {
		t.Fatalf("/readyz once the clock is right: %d", status)
	}
	must[*domain.Round](t)(env.Admin.Transition(ctx, env.Round, domain.StateWishesClosed, "test"))
	checkLeafTimes(t, env)
}

// TestClockForwardThenBack: a clock stepped forward stamps its leaves in
// the future; stepped back to the right time it refuses until real time
// passes the last leaf (never a leaf earlier than the previous one), and
// the step is counted.
func TestClockForwardThenBack(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 1, Postes: 1})
	env.Transition(t, domain.StateWishesOpen)
	alice := env.Enroll(t, env.Interns[0])
	must[*api.Receipt](t)(alice.Client.Submit(ctx, alice.WishList(env.Round, 1, env.Postes[0].ID)))
	env.Clock.Advance(10 * time.Minute)
	must[*api.Receipt](t)(alice.Client.Submit(ctx, alice.WishList(env.Round, 2, env.Postes[0].ID)))
	env.Clock.Advance(-10 * time.Minute)
	_, err := alice.Client.Submit(ctx, alice.WishList(env.Round, 3, env.Postes[0].ID))
	after := wantRetry(t, err, api.CodeClockBehind)
	if after < 10*time.Minute/2 || after > 5*time.Minute+time.Second {
		t.Fatalf("retry delay %s: want the time left until the last leaf, at most 5 min", after)
	}
	if m := string(scrape(t, env.Server)); !strings.Contains(m, "appariement_clock_steps_total ") ||
		strings.Contains(m, "appariement_clock_steps_total 0\n") {
		t.Fatalf("clock steps not counted:\n%s", m)
	}
	env.Clock.Advance(10*time.Minute + time.Millisecond)
	must[*api.Receipt](t)(alice.Client.Submit(ctx, alice.WishList(env.Round, 3, env.Postes[0].ID)))
	checkLeafTimes(t, env)
}

// checkLeafTimes fails if a leaf's time is earlier than the previous leaf's.
func checkLeafTimes(t *testing.T, env *servertest.Env) {
	t.Helper()
	var prev time.Time
	err := env.Server.Store().View(func(tx store.Tx) error {
		return tx.ForEachLeaf(0, tx.TreeSize(), func(i int64, data []byte) error {
			ts, _, err := store.ParseLeaf(data)
			if err != nil {
				return err
			}
			if ts.Before(prev) {
				t.Errorf("leaf %d at %s, before the previous leaf at %s", i, ts, prev)
			}
			prev = ts
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestLiveRevealWithClockSteppedBack: the live reveal is paced by the
// monotonic clock once started; a wall clock stepped back an hour hides no
// rank already revealed.
func TestLiveRevealWithClockSteppedBack(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 4, Postes: 2})
	both := []string{"P1", "P2"}
	users := env.ChoixRound(t, map[string][]string{"i01": both, "i02": both, "i03": both, "i04": both})
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)
	must[*domain.Round](t)(env.Admin.StartLive(ctx, env.Round, 2, "amphi"))
	env.Clock.Advance(time.Minute) // 2 ranks a minute: 3 shown
	intern := users[env.Interns[3]].Client
	before := must[*api.LiveReplay](t)(intern.Live(ctx, env.Round, 1, 0))
	if before.Revealed != 3 {
		t.Fatalf("revealed %d after a minute at 2 a minute, want 3", before.Revealed)
	}
	env.Clock.Advance(-time.Hour)
	after := must[*api.LiveReplay](t)(intern.Live(ctx, env.Round, 1, 0))
	if after.Revealed < before.Revealed {
		t.Fatalf("clock stepped back: %d revealed, %d before", after.Revealed, before.Revealed)
	}
}
