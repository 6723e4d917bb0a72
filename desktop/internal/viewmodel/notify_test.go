package viewmodel

import (
	"context"
	"testing"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// TestWatcherResultAndPreferences: the watcher reports a round published
// after its first look, once; the user's notification settings go to the
// server and come back.
func TestWatcherResultAndPreferences(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 2})
	svc := enrolledSession(t, env, env.Interns[0])
	if err := svc.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	w := NewWatcher(svc)
	if n, err := w.Check(ctx); err != nil || len(n) != 0 {
		t.Fatalf("first look: %v %v", n, err)
	}
	env.Transition(t, domain.StateWishesOpen)
	env.Transition(t, domain.StateWishesClosed)
	env.Run(t, env.Round)
	if n, err := w.Check(ctx); err != nil || len(n) != 0 {
		t.Fatalf("matched, not published: %v %v", n, err)
	}
	env.Publish(t, env.Round)
	n, err := w.Check(ctx)
	if err != nil || len(n) != 1 || n[0].Kind != "result" || n[0].Round != env.Round {
		t.Fatalf("after publish: %v %v", n, err)
	}
	if n, _ := w.Check(ctx); len(n) != 0 {
		t.Fatalf("told twice: %v", n)
	}
	if _, err := SetPreferences(ctx, svc, []string{api.NotifyCallList}); err != nil {
		t.Fatal(err)
	}
	if p, err := Preferences(ctx, svc); err != nil || len(p.Off) != 1 || p.Off[0] != api.NotifyCallList {
		t.Fatalf("%+v %v", p, err)
	}
}
