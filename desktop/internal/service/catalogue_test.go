package service

import (
	"context"
	"testing"

	"appariement/syncserver/servertest"
)

// TestCatalogueContacts (issue 11, point 11): against the real server, a
// locked session caches the public catalogue, which carries no RTS e-mail;
// once unlocked, the next sync fetches the signed catalogue again from the
// start and every poste has its RTS e-mail back, for the RTS's and the
// coordinator's checks of the "adresse du RTS".
func TestCatalogueContacts(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{})
	want := map[string]string{}
	for _, p := range env.Postes {
		want[p.ID] = p.RTSEmail
	}
	s := sessionOf(t, env, env.Register(t, env.Interns[0]))
	s.Lock()
	if _, err := s.SyncCatalogue(ctx, env.Round); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Store.Postes(env.Round)
	if err != nil || len(ps) != len(env.Postes) {
		t.Fatalf("locked sync: %d postes, %v", len(ps), err)
	}
	for _, p := range ps {
		if p.RTSEmail != "" {
			t.Fatalf("the public catalogue gave the RTS e-mail of %s", p.ID)
		}
	}
	if err := s.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncCatalogue(ctx, env.Round); err != nil {
		t.Fatal(err)
	}
	ps, err = s.Store.Postes(env.Round)
	if err != nil || len(ps) != len(env.Postes) {
		t.Fatalf("unlocked sync: %d postes, %v", len(ps), err)
	}
	for _, p := range ps {
		if p.RTSEmail != want[p.ID] {
			t.Errorf("poste %s: RTS e-mail %q after a signed sync, want %q", p.ID, p.RTSEmail, want[p.ID])
		}
	}
}
