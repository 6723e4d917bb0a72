package verifycmd_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/audit"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/frozen"
	"appariement/shared/translog"
	"appariement/syncserver/demodata"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
	"appariement/syncserver/verifycmd"
)

// publishedDemoRound runs round 1 of the small demo data set: every intern
// sends a list of the postes of their specialty and subdivision, every RTS
// ranks the candidates of their postes, the admin runs and publishes. It
// returns the environment and an enrolled auditor.
func publishedDemoRound(t *testing.T) (env *servertest.Env, aud, sender *servertest.User, interns map[string]*servertest.User) {
	t.Helper()
	ctx := context.Background()
	opts := demodata.Small(1)
	env = servertest.Start(t, servertest.Options{Demo: &opts, NoCodes: true, Configure: func(c *server.Config) {
		c.IPRate, c.IdentityRate = rate.Inf, rate.Inf
	}})
	auditor, _ := json.Marshal([]domain.Person{{ID: "U0001", Role: domain.RoleAuditor, LastName: "SYNDICAT",
		FirstName: "Claude", Email: "audit@isni.example"}})
	if _, err := env.Admin.ImportPeople(ctx, api.FormatJSON, auditor, false); err != nil {
		t.Fatalf("import auditor: %v", err)
	}
	aud = env.Register(t, "U0001")
	people := map[string]domain.Person{}
	var all []domain.Person
	if err := env.Server.Store().View(func(tx store.Tx) error {
		var err error
		all, err = tx.People()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		people[p.ID] = p
	}
	env.Transition(t, domain.StateWishesOpen)
	candidates := map[string][]string{} // poste → interns, in wish order
	interns = map[string]*servertest.User{}
	sent := 0
	for _, id := range env.Interns {
		me := people[id]
		var list []string
		for _, p := range env.Postes {
			if p.Specialty == me.Specialty && p.Subdivision == me.Subdivision && !p.Closed && len(list) < 5 {
				list = append(list, p.ID)
			}
		}
		if len(list) == 0 {
			continue
		}
		u := env.Register(t, id)
		interns[id] = u
		if sender == nil {
			sender = u
		}
		// A first list, then a second: the round uses the second.
		if _, err := env.Anonymous().Submit(ctx, u.WishList(env.Round, 1, list[0])); err != nil {
			t.Fatalf("wish list of %s: %v", id, err)
		}
		if _, err := env.Anonymous().Submit(ctx, u.WishList(env.Round, 2, list...)); err != nil {
			t.Fatalf("wish list of %s: %v", id, err)
		}
		sent++
		for _, p := range list {
			candidates[p] = append(candidates[p], id)
		}
	}
	if sent < 50 {
		t.Fatalf("only %d interns could send a list", sent)
	}
	env.Transition(t, domain.StateRankingsOpen)
	rts := map[string]*servertest.User{}
	for _, p := range env.Postes {
		c := candidates[p.ID]
		if len(c) == 0 || p.RTS == "" {
			continue
		}
		u, ok := rts[p.RTS]
		if !ok {
			u = env.Register(t, p.RTS)
			rts[p.RTS] = u
		}
		ranked := slices.Clone(c)
		slices.Reverse(ranked) // the RTS's own order
		if _, err := env.Anonymous().Submit(ctx, u.Ranking(env.Round, p.ID, 1, ranked...)); err != nil {
			t.Fatalf("ranking of %s: %v", p.ID, err)
		}
	}
	env.Transition(t, domain.StateRankingsClosed)
	res := env.Run(t, env.Round)
	if len(res.Assignments) < 20 || res.InputDigest == "" {
		t.Fatalf("run: %d assignments, input digest %q", len(res.Assignments), res.InputDigest)
	}
	env.Publish(t, env.Round)
	return env, aud, sender, interns
}

// TestVerifyRound (issue 12, points 2–4): the auditor downloads the bundle
// of a round run on the demo data and "syncserver verify" accepts it, on
// the file and from the server; every tampered bundle is refused with the
// discrepancy named.
func TestVerifyRound(t *testing.T) {
	ctx := context.Background()
	env, aud, sender, interns := publishedDemoRound(t)
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "auditeur.key")
	if err := keyfile.Write(keyPath, aud.Key); err != nil {
		t.Fatal(err)
	}
	bundlePath := filepath.Join(dir, "audit-R1.json")
	var out, errOut bytes.Buffer
	code := verifycmd.Run([]string{"-server", env.URL, "-round", env.Round, "-id", aud.ID, "-key", keyPath,
		"-out", bundlePath, "-fingerprint", env.ServerKey.Fingerprint}, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "VÉRIFIÉ / VERIFIED") {
		t.Fatalf("verify -server: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := verifycmd.Run([]string{"-bundle", bundlePath}, &out, &errOut); code != 0 {
		t.Fatalf("verify -bundle: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	t.Log(out.String())

	data, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() *audit.Bundle {
		b, err := audit.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := fresh()
	in, err := frozen.Decode(b.Input)
	if err != nil {
		t.Fatal(err)
	}
	var res domain.Result
	json.Unmarshal(b.Result.Payload, &res)
	if len(res.WhyNot) == 0 {
		t.Fatal("the demo round explains no wish")
	}
	// resign makes a lying server's bundle: a result it signs itself.
	resign := func(b *audit.Bundle, edit func(*domain.Result)) {
		r := res
		r.Assignments = slices.Clone(res.Assignments)
		edit(&r)
		payload, _ := json.Marshal(r)
		b.Result = env.Server.Store().Sign(api.ResultType, payload)
	}
	// An assigned poste and two interns with different postes.
	a0 := res.Assignments[0]
	var a1 domain.Assignment
	for _, a := range res.Assignments[1:] {
		if a.Poste != a0.Poste {
			a1 = a
			break
		}
	}
	_, otherKey, _ := ed25519.GenerateKey(nil)

	cases := []struct {
		name   string
		tamper func(*audit.Bundle)
		kind   audit.Kind
		names  string // what the message must name
	}{
		{"dropped envelope", func(b *audit.Bundle) {
			b.Leaves = slices.Delete(b.Leaves, 3, 4)
		}, audit.KindEnvelope, in.Envelopes[3].Author},
		{"altered capacity", func(b *audit.Bundle) {
			d, _ := frozen.Decode(b.Input)
			for k := range d.Postes {
				if d.Postes[k].ID == a0.Poste {
					d.Postes[k].Capacity++
				}
			}
			b.Input = d.Encode()
		}, audit.KindInput, "empreinte"},
		{"altered capacity, signed by a lying server", func(b *audit.Bundle) {
			d, _ := frozen.Decode(b.Input)
			for k := range d.Postes {
				if d.Postes[k].ID == a0.Poste {
					d.Postes[k].Capacity = 0
				}
			}
			b.Input = d.Encode()
			resign(b, func(r *domain.Result) { r.InputDigest = frozen.Digest(b.Input) })
		}, audit.KindMatching, a0.Poste},
		{"swapped assignment", func(b *audit.Bundle) {
			resign(b, func(r *domain.Result) {
				for k := range r.Assignments {
					switch r.Assignments[k].Intern {
					case a0.Intern:
						r.Assignments[k].Poste = a1.Poste
					case a1.Intern:
						r.Assignments[k].Poste = a0.Poste
					}
				}
			})
		}, audit.KindMatching, min(a0.Intern, a1.Intern)},
		{"altered why not, signed by a lying server", func(b *audit.Bundle) {
			resign(b, func(r *domain.Result) {
				r.WhyNot = slices.Clone(res.WhyNot)
				r.WhyNot[0].Kind = domain.WhyNotRanked
				if res.WhyNot[0].Kind == domain.WhyNotRanked {
					r.WhyNot[0].Kind = domain.WhyNoRanking
				}
			})
		}, audit.KindWhyNot, res.WhyNot[0].Intern},
		{"dropped why not, signed by a lying server", func(b *audit.Bundle) {
			resign(b, func(r *domain.Result) { r.WhyNot = slices.Clone(res.WhyNot[1:]) })
		}, audit.KindWhyNot, "pourquoi pas"},
		{"forged checkpoint", func(b *audit.Bundle) {
			lines := strings.SplitN(b.FrozenCheckpoint, "\n", 4)
			lines[2] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
			b.FrozenCheckpoint = strings.Join(lines, "\n")
		}, audit.KindCheckpoint, "figé"},
		{"altered envelope", func(b *audit.Bundle) {
			at, e, err := translog.ParseLeaf(b.Leaves[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			e.Payload = bytes.Replace(e.Payload, []byte(`"list":["`), []byte(`"list":["X`), 1)
			b.Leaves[0].Data = translog.LeafData(at, e)
		}, audit.KindEnvelope, in.Envelopes[0].Author},
		{"result signed by another key", func(b *audit.Bundle) {
			b.Result = envelope.Sign(otherKey, api.ResultType, b.Result.Payload)
		}, audit.KindResult, "signé"},
		{"a later checkpoint of another history", func(b *audit.Bundle) {
			b.Consistency = [][]byte{make([]byte, 32)}
		}, audit.KindConsistency, "réécrit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := fresh()
			c.tamper(b)
			_, err := audit.Verify(b, nil)
			var d *audit.Discrepancy
			if !errors.As(err, &d) {
				t.Fatalf("tampered bundle accepted (%v)", err)
			}
			if d.Kind != c.kind || !strings.Contains(d.Message, c.names) || d.MessageEN == "" {
				t.Fatalf("discrepancy [%s] %q, want [%s] naming %q", d.Kind, d.Message, c.kind, c.names)
			}
			// Through the command: exit 1, the discrepancy printed.
			path := filepath.Join(t.TempDir(), "b.json")
			enc, _ := json.Marshal(b)
			os.WriteFile(path, enc, 0o600)
			var out, errOut bytes.Buffer
			if code := verifycmd.Run([]string{"-bundle", path}, &out, &errOut); code != 1 ||
				!strings.Contains(out.String(), "ÉCART / DISCREPANCY ["+string(c.kind)+"]") {
				t.Fatalf("verify: exit %d\n%s%s", code, out.String(), errOut.String())
			}
		})
	}
	// A result signed before the "why not" existed (no such field) still
	// verifies.
	old := fresh()
	resign(old, func(r *domain.Result) { r.WhyNot = nil })
	if bytes.Contains(old.Result.Payload, []byte("why_not")) {
		t.Fatal("an old result names why_not")
	}
	if _, err := audit.Verify(old, nil); err != nil {
		t.Fatalf("a result without why not: %v", err)
	}
	// Another server's fingerprint expected: refused.
	out.Reset()
	if code := verifycmd.Run([]string{"-bundle", bundlePath, "-fingerprint", envelope.Fingerprint(otherKey.Public().(ed25519.PublicKey))}, &out, &errOut); code != 1 {
		t.Fatalf("verify with another fingerprint: exit %d\n%s", code, out.String())
	}

	// The bundle is for auditors and admins only.
	u := sender
	_, _, err = u.Client.AuditBundle(ctx, env.Round)
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeForbidden {
		t.Fatalf("an intern downloading the bundle: %v", err)
	}
	// Each intern's result says their last list is in the frozen input.
	pr := personalResult(t, u)
	if pr.InputDigest != res.InputDigest || pr.LastSubmission == nil || !pr.LastSubmission.InInput {
		t.Fatalf("personal result: input %q, last %+v", pr.InputDigest, pr.LastSubmission)
	}
	// An intern's signed result carries their own "why not", as the full one.
	var mine []domain.WhyNot
	for _, w := range res.WhyNot {
		if w.Intern == u.ID {
			mine = append(mine, w)
		}
	}
	if !slices.Equal(pr.WhyNot, mine) {
		t.Fatalf("personal why not %v, want %v", pr.WhyNot, mine)
	}
	// And that of an intern who did not get their first wish.
	if p := personalResult(t, interns[res.WhyNot[0].Intern]); len(p.WhyNot) == 0 || p.WhyNot[0] != res.WhyNot[0] {
		t.Fatalf("why not of %s: %v", res.WhyNot[0].Intern, p.WhyNot)
	}
}

func personalResult(t *testing.T, u *servertest.User) *api.PersonalResult {
	t.Helper()
	env, err := u.Client.Result(context.Background(), "R1")
	if err != nil {
		t.Fatal(err)
	}
	var pr api.PersonalResult
	if err := json.Unmarshal(env.Payload, &pr); err != nil {
		t.Fatal(err)
	}
	return &pr
}
