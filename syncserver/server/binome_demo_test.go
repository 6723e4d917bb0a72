package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/simulation"
	"appariement/syncserver/demodata"
	"appariement/syncserver/servertest"
)

// TestBinomesDemoRound (issue 18, point 4) is a full choix au rang with
// binômes on the demo data: the interns of its busiest cell list its
// postes, two binômes are proposed, each partner reads the proposal
// through GET /v1/rounds/{round}/binomes (receipt checked) and accepts it
// by signing the joint list read from it, mirrored; the run places each
// binôme on a pair of its joint list, the live reveal shows the earlier
// member waiting and the pair's turn at the later rank, the published
// result agrees, and the call list marks the four interns.
func TestBinomesDemoRound(t *testing.T) {
	ctx := context.Background()
	opts := demodata.Small(1)
	opts.Plant = false
	data := demodata.Generate(opts)
	sc := busiestCell(data)
	env := servertest.Start(t, servertest.Options{Demo: &opts, Procedure: domain.ChoixAuRang, NoCodes: true})

	// A round of that cell that allows binômes, with its postes and a published call list.
	env.Round = "B1"
	must[*domain.Round](t)(env.Admin.CreateRound(ctx, api.CreateRoundRequest{ID: env.Round, Name: "Choix au rang en binômes (démo)",
		Procedure: domain.ChoixAuRang, Specialty: sc.Specialty, Subdivision: sc.Subdivision, Binomes: true}))
	var postes []domain.Poste
	for _, p := range data.Postes {
		if p.Specialty == sc.Specialty && p.Subdivision == sc.Subdivision {
			postes = append(postes, p)
		}
	}
	b, _ := json.Marshal(postes)
	if _, err := env.Admin.ImportPostes(ctx, env.Round, api.FormatJSON, b, false); err != nil {
		t.Fatal(err)
	}
	if d, err := env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{}); err != nil || !d.Report.OK {
		t.Fatalf("call list: %v %+v", err, d)
	}
	if _, err := env.Admin.PublishCallList(ctx, env.Round, ""); err != nil {
		t.Fatal(err)
	}
	payload, err := env.Verifier(t).VerifyEnvelope(must[*envelope.Envelope](t)(env.Admin.CallList(ctx, env.Round, 0)), api.CallListType)
	if err != nil {
		t.Fatal(err)
	}
	list := must[*calllist.List](t)(calllist.Decode(payload))
	var order []string // the cell's interns in call order
	for _, e := range list.Entries {
		order = append(order, e.Intern)
	}
	if len(order) < 6 || len(postes) < 4 {
		t.Fatalf("cell too small: %d interns, %d postes", len(order), len(postes))
	}

	env.Transition(t, domain.StateWishesOpen)
	users := map[string]*servertest.User{}
	for k, id := range order {
		users[id] = env.Register(t, id)
		// Everyone lists the cell's postes, each from its own starting point.
		var wishes []string
		for j := range postes {
			wishes = append(wishes, postes[(k+j)%len(postes)].ID)
		}
		if _, err := users[id].Client.Submit(ctx, users[id].WishList(env.Round, 1, wishes...)); err != nil {
			t.Fatalf("wishes of %s: %v", id, err)
		}
	}
	// Two binômes: ranks 1 and 4, ranks 2 and 3; each joint list holds every pair of distinct postes.
	var pairs [][2]string
	for _, p := range postes {
		for _, q := range postes {
			if p.ID != q.ID && len(pairs) < api.MaxListLength {
				pairs = append(pairs, [2]string{p.ID, q.ID})
			}
		}
	}
	binomes := [][2]string{{order[0], order[3]}, {order[1], order[2]}}
	for _, bn := range binomes {
		proposer, partner := users[bn[0]], users[bn[1]]
		if _, err := proposer.Client.Submit(ctx, proposer.BinomeLink(env.Round, 1, partner.ID, pairs...)); err != nil {
			t.Fatalf("%s proposes: %v", proposer.ID, err)
		}
		// The partner reads the proposal through the new endpoint.
		r := must[*api.BinomeLinksResponse](t)(partner.Client.BinomeLinks(ctx, env.Round))
		if len(r.Links) != 1 || len(r.Binomes) != 0 {
			t.Fatalf("%s reads %+v", partner.ID, r)
		}
		if err := env.Verifier(t).VerifyReceipt(r.Links[0].Envelope, r.Links[0].Receipt); err != nil {
			t.Fatalf("receipt of the proposal: %v", err)
		}
		got := must[*api.BinomeLink](t)(r.Links[0].Link())
		if got.Author != proposer.ID || got.Partner != partner.ID || r.Links[0].AuthorName == "" {
			t.Fatalf("%s reads %+v (%q)", partner.ID, got, r.Links[0].AuthorName)
		}
		mirror := make([][2]string, len(got.Pairs))
		for k, pq := range got.Pairs {
			mirror[k] = [2]string{pq[1], pq[0]}
		}
		if _, err := partner.Client.Submit(ctx, partner.BinomeLink(env.Round, 1, proposer.ID, mirror...)); err != nil {
			t.Fatalf("%s accepts: %v", partner.ID, err)
		}
		r = must[*api.BinomeLinksResponse](t)(proposer.Client.BinomeLinks(ctx, env.Round))
		if len(r.Binomes) != 1 || !slices.Contains(r.Binomes[0].Interns[:], partner.ID) {
			t.Fatalf("%s: binôme not formed: %+v", proposer.ID, r.Binomes)
		}
	}
	// An intern named by no link sees nothing; the admin sees both binômes.
	if r := must[*api.BinomeLinksResponse](t)(users[order[4]].Client.BinomeLinks(ctx, env.Round)); len(r.Links) != 0 {
		t.Fatalf("outsider reads %+v", r)
	}
	all := must[*api.BinomeLinksResponse](t)(env.Admin.BinomeLinks(ctx, env.Round))
	if len(all.Links) != 4 || len(all.Binomes) != 2 {
		t.Fatalf("admin reads %d links, %d binômes", len(all.Links), len(all.Binomes))
	}

	env.Transition(t, domain.StateWishesClosed)
	res := env.Run(t, env.Round)
	got := map[string]string{}
	for _, a := range res.Assignments {
		got[a.Intern] = a.Poste
	}
	rank := map[string]int{}
	for _, e := range list.Entries {
		rank[e.Intern] = e.Rank
	}
	for _, bn := range binomes {
		a, b := got[bn[0]], got[bn[1]]
		if a == "" || b == "" || !slices.Contains(pairs, [2]string{a, b}) {
			t.Errorf("binôme %s + %s got %q + %q, not a pair of their joint list", bn[0], bn[1], a, b)
		}
	}

	// The live reveal: the earlier member waits, the pair chooses at the later rank.
	if _, err := env.Admin.StartLive(ctx, env.Round, api.MaxLivePace, "amphi"); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(time.Minute)
	live := must[*api.LiveReplay](t)(users[order[4]].Client.Live(ctx, env.Round, 1, 0))
	byIntern := map[string]simulation.Step{}
	for _, st := range live.Steps {
		byIntern[st.Intern] = st
	}
	for _, bn := range binomes {
		first, second := byIntern[bn[0]], byIntern[bn[1]]
		if !first.Waits || first.Partner != bn[1] || first.PartnerRank != rank[bn[1]] || first.Poste != "" {
			t.Errorf("turn of %s: %+v", bn[0], first)
		}
		if second.Waits || second.Partner != bn[0] || second.Rank != rank[bn[1]] || second.Pair == 0 ||
			second.Poste != got[bn[1]] || second.PartnerPoste != got[bn[0]] {
			t.Errorf("the pair's turn (%s + %s): %+v", bn[0], bn[1], second)
		}
	}

	// Published, each binôme's personal results agree; the call list marks the four.
	env.Publish(t, env.Round)
	for _, bn := range binomes {
		for _, id := range bn {
			e := must[*envelope.Envelope](t)(users[id].Client.Result(ctx, env.Round))
			var pr api.PersonalResult
			if payload, err := env.Verifier(t).VerifyEnvelope(e, api.PersonalResultType); err != nil || json.Unmarshal(payload, &pr) != nil {
				t.Fatalf("personal result of %s: %v", id, err)
			}
			if len(pr.Assignments) != 1 || pr.Assignments[0].Poste != got[id] {
				t.Errorf("%s: personal result %+v, run %q", id, pr.Assignments, got[id])
			}
		}
	}
	var linked [][2]string
	for _, bn := range all.Binomes {
		linked = append(linked, bn.Interns)
	}
	marks := list.PairMarks(linked)
	want := map[string]calllist.PairMark{
		order[0]: {Partner: order[3], ChoosesAt: rank[order[3]]}, order[3]: {Partner: order[0], ChoosesAt: rank[order[3]]},
		order[1]: {Partner: order[2], ChoosesAt: rank[order[2]]}, order[2]: {Partner: order[1], ChoosesAt: rank[order[2]]},
	}
	if fmt.Sprint(marks) != fmt.Sprint(want) {
		t.Errorf("call list marks %v, want %v", marks, want)
	}
}

// busiestCell is the (specialty, subdivision) of the demo data with the
// most interns among those with at least four postes, the first by name
// on a tie.
func busiestCell(d *demodata.Data) demodata.Showcase {
	interns, postes := map[[2]string]int{}, map[[2]string]int{}
	for _, p := range d.People {
		if p.Role == domain.RoleIntern {
			interns[[2]string{p.Specialty, p.Subdivision}]++
		}
	}
	for _, p := range d.Postes {
		postes[[2]string{p.Specialty, p.Subdivision}]++
	}
	var best [2]string
	for k, n := range interns {
		if postes[k] >= 4 && (n > interns[best] || n == interns[best] && fmt.Sprint(k) < fmt.Sprint(best)) {
			best = k
		}
	}
	return demodata.Showcase{Specialty: best[0], Subdivision: best[1]}
}
