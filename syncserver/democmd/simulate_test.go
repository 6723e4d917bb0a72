package democmd

import (
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"appariement/shared/audit"
	"appariement/shared/domain"
	"appariement/shared/frozen"
	"appariement/syncserver/demodata"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
)

// TestDemoRound1PlacesMost runs the demo data's round 1 through the real
// server: the simulated interns sign their wish lists, the rankings open,
// the simulated RTS sign rankings of their candidates (the background
// simulation's own code), and the run places most interns who sent a list.
func TestDemoRound1PlacesMost(t *testing.T) {
	t.Run("small", func(t *testing.T) { round1PlacesMost(t, demodata.Small(1)) })
	t.Run("national", func(t *testing.T) {
		// About 1,200 wish lists one at a time and 2,500 rankings: 75 s
		// on two cores (1,227 of 1,231 placed when last run).
		if os.Getenv("APPARIEMENT_NATIONAL_DEMO") == "" {
			t.Skip("APPARIEMENT_NATIONAL_DEMO=1 runs the national data set")
		}
		round1PlacesMost(t, demodata.DefaultOptions())
	})
}

func round1PlacesMost(t *testing.T, opts demodata.Options) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Demo: &opts, NoCodes: true,
		Configure: func(c *server.Config) { c.IPRate, c.IPBurst = demoIPRate, 2*demoIPRate }})
	env.Transition(t, domain.StateWishesOpen)
	data := demodata.Generate(opts)
	var people []domain.Person
	for _, p := range data.People {
		if p.Role != domain.RoleAdmin {
			people = append(people, p)
		}
	}
	st := env.Server.Store()
	sim, err := registerSimulated(st, people, data.Showcase, 0.3, filepath.Join(t.TempDir(), SimulationFile))
	if err != nil {
		t.Fatal(err)
	}
	pl := newPlan(data.Postes, people, data.Showcase, sim)
	if len(pl.rts) == 0 || len(pl.interns) == 0 {
		t.Fatalf("plan: %d interns, %d RTS", len(pl.interns), len(pl.rts))
	}
	base := env.Anonymous()
	rng := rand.New(rand.NewPCG(1, 2))
	sent := map[string]bool{}
	for _, id := range pl.interns {
		list := pl.wishList(id, rng)
		if err := submitWishes(ctx, base.WithIdentity(id, sim[id]), st, Round, id, list); err != nil {
			t.Fatalf("wish list of %s: %v", id, err)
		}
		sent[id] = len(list) > 0
	}
	env.Transition(t, domain.StateRankingsOpen)

	// The simulation's watcher sees the rankings open and ranks.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	simulateRankings(ctx, base, st, Options{Data: opts, Logger: log}, pl, sim)
	d, err := env.Admin.RoundDetail(ctx, Round)
	if err != nil {
		t.Fatal(err)
	}
	if d.Rankings == 0 {
		t.Fatalf("no ranking signed: %+v", d)
	}
	env.Transition(t, domain.StateRankingsClosed)
	res := env.Run(t, Round)

	placed := map[string]bool{}
	for _, a := range res.Assignments {
		placed[a.Intern] = true
	}
	with, got := 0, 0
	for id, s := range sent {
		if s {
			with++
			if placed[id] {
				got++
			}
		}
	}
	t.Logf("%d of %d interns with a list placed, %d rankings", got, with, d.Rankings)
	if with < 30 || got*10 < with*8 {
		t.Errorf("%d of %d interns with a list placed, want at least 80%%", got, with)
	}

	// Some demo rankings have a tie group: the published round reveals its
	// draw, and its audit bundle verifies (the re-run breaks the ties with
	// the seed of the revealed secret and the frozen root hash).
	env.Publish(t, Round)
	b, _, err := env.Admin.AuditBundle(ctx, Round)
	if err != nil {
		t.Fatal(err)
	}
	in, err := frozen.Decode(b.Input)
	if err != nil {
		t.Fatal(err)
	}
	if in.Round.TieBreakSecret == "" || in.Round.TieBreakCommitment != d.Round.TieBreakCommitment {
		t.Fatalf("the demo round reveals no draw: %+v (commitment %q)", in.Round, d.Round.TieBreakCommitment)
	}
	rep, err := audit.Verify(b, env.ServerKey.PublicKey)
	if err != nil {
		t.Fatalf("audit of the demo round with ties: %v", err)
	}
	if rep.TieBreak == "" {
		t.Errorf("report without the draw: %+v", rep)
	}
}

// TestWishListsOfTheShowcase: each simulated intern lists postes of its
// scope, without repeats; those of the showcase all list its poste among
// their first three wishes, so that on the default data set the
// showcase's poste has 30 or more candidates.
func TestWishListsOfTheShowcase(t *testing.T) {
	data := demodata.Generate(demodata.DefaultOptions())
	sc := data.Showcase
	sim := map[string]bool{}
	for _, id := range sc.Interns[HumanInterns:] {
		sim[id] = true
	}
	pl := newPlan(data.Postes, data.People, sc, fakeKeys(sim))
	rng := rand.New(rand.NewPCG(3, 4))
	candidates := 0
	for _, id := range pl.interns {
		list := pl.wishList(id, rng)
		if len(list) == 0 || len(list) > 12 {
			t.Fatalf("%s lists %d postes", id, len(list))
		}
		for i, p := range list {
			if !slices.Contains(pl.scope[id], p) || slices.Index(list, p) != i {
				t.Fatalf("%s lists %q: %v", id, p, list)
			}
		}
		if i := slices.Index(list, sc.Poste); i >= 0 && i < 3 {
			candidates++
		}
	}
	if candidates != len(sc.Interns)-HumanInterns || candidates < 30 {
		t.Errorf("showcase poste %s: %d candidates of %d simulated interns", sc.Poste, candidates, len(sc.Interns)-HumanInterns)
	}
}

// fakeKeys is a set of simulated people without real keys (newPlan only
// asks who is simulated).
func fakeKeys(ids map[string]bool) map[string]ed25519.PrivateKey {
	m := make(map[string]ed25519.PrivateKey, len(ids))
	for id := range ids {
		m[id] = nil
	}
	return m
}

// TestREADMENamesTheShowcase: the people the README tells to try are the
// ones the national demo lists first.
func TestREADMENamesTheShowcase(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sc := demodata.Generate(demodata.DefaultOptions()).Showcase
	names := slices.Concat(sc.Interns[:HumanInterns], sc.RTS[:HumanRTS], []string{sc.Poste})
	for _, id := range names {
		if !strings.Contains(string(readme), "`"+id+"`") {
			t.Errorf("README.md does not name %s (showcase %v)", id, names)
		}
	}
}
