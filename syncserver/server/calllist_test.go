package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/draw"
	"appariement/shared/envelope"
	"appariement/syncserver/servertest"
)

// signedRaw sends a request signed by the admin and returns the status and
// the body, to read what the Go client does not keep (a refusal's report).
func signedRaw(t *testing.T, env *servertest.Env, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	env.Sign(req.Header, env.AdminKey, env.AdminID, method, path, body, env.Clock.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// refusedReport publishes the draft and expects invalid_call_list with
// the full report.
func refusedReport(t *testing.T, env *servertest.Env, round string) *api.CallListRefusal {
	t.Helper()
	status, body := signedRaw(t, env, "POST", "/v1/admin/rounds/"+round+"/call-list/publish", []byte(`{}`))
	var ref api.CallListRefusal
	if err := json.Unmarshal(body, &ref); err != nil || status != http.StatusUnprocessableEntity ||
		ref.Code != api.CodeInvalidCallList || ref.Report == nil || ref.Message == "" || ref.MessageEN == "" {
		t.Fatalf("publish: want invalid_call_list with a report, got %d %s", status, body)
	}
	return &ref
}

func kinds(rep *api.CallListReport) []calllist.Kind {
	var out []calllist.Kind
	for _, p := range rep.Problems {
		out = append(out, p.Kind)
	}
	return out
}

// TestCallListRefusedWithReport: a list with a missing and a duplicated
// intern, and a round with more interns than places, are stored as drafts
// but refused at publication with the full report naming them.
func TestCallListRefusedWithReport(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 4, Postes: 2, Capacity: 1, NoCodes: true})
	entries := []calllist.Entry{{Rank: 1, Intern: "i01"}, {Rank: 2, Intern: "i02"}, {Rank: 3, Intern: "i01"}, {Rank: 4, Intern: "i03"}}
	d := must[*api.CallListDraft](t)(env.Admin.ImportCallList(ctx, env.Round, api.ImportCallListRequest{Entries: entries}))
	if d.Report.OK || d.Report.Eligible != 4 || d.Report.Places != 2 {
		t.Fatalf("draft report: %+v", d.Report)
	}
	ref := refusedReport(t, env, env.Round)
	got := kinds(ref.Report)
	for _, k := range []calllist.Kind{calllist.KindDuplicateIntern, calllist.KindMissing, calllist.KindTooFewPlaces} {
		if !slices.Contains(got, k) {
			t.Errorf("report lacks %s: %v", k, ref.Report.MessagesEN)
		}
	}
	all := strings.Join(ref.Report.Messages, "\n")
	for _, want := range []string{"i04", "i01", "CARDIO"} {
		if !strings.Contains(all, want) {
			t.Errorf("French report does not name %s:\n%s", want, all)
		}
	}
	wantCode(t, try(env.Admin.PublishCallList(ctx, env.Round, "")), api.CodeInvalidCallList)
	wantCode(t, try(env.Admin.CallList(ctx, env.Round, 0)), api.CodeNotFound)

	// Computed from the ranks, the list is right but the places still miss.
	d = must[*api.CallListDraft](t)(env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{}))
	if got := kinds(d.Report); !slices.Equal(got, []calllist.Kind{calllist.KindTooFewPlaces}) {
		t.Fatalf("computed draft: %v", d.Report.MessagesEN)
	}
	if ref := refusedReport(t, env, env.Round); ref.Report.Problems[0].Count != 4 || ref.Report.Problems[0].Places != 2 {
		t.Fatalf("places problem: %+v", ref.Report.Problems)
	}
	// Unknown interns are refused by id.
	wantCode(t, try(env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{Absences: []string{"zz9"}})), api.CodeUnknownIntern)
}

// TestCallListSeedDrawnByServer: over HTTP, a compute or an import naming
// a seed is refused (bad_request, French and English) and leaves the draft
// as it was; two computes give the same list, and the published list's
// seed, read from the signed envelope, matches the commitment the rounds
// API published with the round (draw.CheckDraw).
func TestCallListSeedDrawnByServer(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 4, Postes: 2, Capacity: 2, NoCodes: true})
	first := must[*api.CallListDraft](t)(env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{}))
	for _, err := range []error{
		try(env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{Seed: "graine-favorable"})),
		try(env.Admin.ImportCallList(ctx, env.Round, api.ImportCallListRequest{Seed: "graine-favorable", Entries: first.List.Entries})),
	} {
		wantCode(t, err, api.CodeBadRequest)
		var e *api.Error
		if !errors.As(err, &e) || !strings.Contains(e.Message, "tirée par le serveur et engagée à la création du tour") ||
			!strings.Contains(e.MessageEN, "drawn by the server and committed when the round is created") {
			t.Fatalf("refusal %#v", err)
		}
	}
	again := must[*api.CallListDraft](t)(env.Admin.CallListDraft(ctx, env.Round))
	if !slices.Equal(again.List.Entries, first.List.Entries) || again.List.Seed != first.List.Seed || !again.UpdatedAt.Equal(first.UpdatedAt) {
		t.Fatalf("the draft changed after the refusals: %+v, was %+v", again, first)
	}
	second := must[*api.CallListDraft](t)(env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{}))
	if !slices.Equal(second.List.Entries, first.List.Entries) || second.List.Seed != first.List.Seed {
		t.Fatalf("second compute %v (seed %s), first %v (seed %s)", second.List.Entries, second.List.Seed, first.List.Entries, first.List.Seed)
	}
	must[*api.PublishedCallList](t)(env.Admin.PublishCallList(ctx, env.Round, ""))

	rs := must[*api.RoundsResponse](t)(env.Anonymous().Rounds(ctx))
	commitment := ""
	for _, r := range rs.Rounds {
		if r.ID == env.Round {
			commitment = r.CallListCommitment
		}
	}
	payload, err := env.Verifier(t).VerifyEnvelope(must[*envelope.Envelope](t)(env.Admin.CallList(ctx, env.Round, 0)), api.CallListType)
	if err != nil {
		t.Fatal(err)
	}
	l, err := calllist.Decode(payload)
	if err != nil {
		t.Fatal(err)
	}
	if err := draw.CheckDraw(commitment, l.Seed); err != nil || l.Seed != first.List.Seed {
		t.Fatalf("published seed %s against the round's commitment %q: %v", l.Seed, commitment, err)
	}
}

// TestCallListReclassification: a list computed from the ranks and
// seniority is published, verified, then republished with a correction:
// the moved intern's notice says by how much and why, in French and in
// English, every version is kept and the publication is audited.
func TestCallListReclassification(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Procedure: domain.ChoixAuRang, Interns: 4, Postes: 2, Capacity: 2})
	d := must[*api.CallListDraft](t)(env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{
		Seniority: map[string]int{"i04": 2}, Absences: []string{"i03"}}))
	if !d.Report.OK {
		t.Fatalf("draft: %v", d.Report.MessagesEN)
	}
	order := func(l *calllist.List) string {
		var ids []string
		for _, e := range l.Entries {
			ids = append(ids, e.Intern)
		}
		return strings.Join(ids, ",")
	}
	if got := order(d.List); got != "i04,i01,i02,i03" || !d.List.Entries[3].Absent {
		t.Fatalf("computed order %s %+v", got, d.List.Entries)
	}
	p1 := must[*api.PublishedCallList](t)(env.Admin.PublishCallList(ctx, env.Round, ""))
	if p1.Version != 1 || len(p1.Moves) != 0 {
		t.Fatalf("first publication: %+v", p1)
	}
	wantCode(t, try(env.Admin.PublishCallList(ctx, env.Round, "encore")), api.CodeConflict)

	// i04's semesters were not validated after all: back to its classement.
	must[*api.CallListDraft](t)(env.Admin.ComputeCallList(ctx, env.Round, api.ComputeCallListRequest{
		Absences: []string{"i03"}, Notes: map[string]string{"i04": "ancienneté non validée"}}))
	wantCode(t, try(env.Admin.PublishCallList(ctx, env.Round, "")), api.CodeBadRequest)
	p2 := must[*api.PublishedCallList](t)(env.Admin.PublishCallList(ctx, env.Round, "reclassement après vérification des semestres"))
	if p2.Version != 2 || len(p2.Moves) != 4 {
		t.Fatalf("second publication: %+v", p2)
	}

	u := env.Enroll(t, "i04")
	n := must[*api.CallListNotices](t)(u.Client.CallListNotices(ctx, env.Round))
	if n.Version != 2 || n.Rank != 4 || len(n.Notices) != 1 {
		t.Fatalf("notices: %+v", n)
	}
	no := n.Notices[0]
	if no.Move.OldRank != 1 || no.Move.NewRank != 4 || no.Move.Delta != -3 || no.FromVersion != 1 || no.ToVersion != 2 ||
		!strings.Contains(no.Message, "1 à 4") || !strings.Contains(no.Message, "ancienneté non validée") ||
		!strings.Contains(no.MessageEN, "from 1 to 4") {
		t.Fatalf("notice: %+v", no)
	}
	o := env.Enroll(t, "i01")
	n = must[*api.CallListNotices](t)(o.Client.CallListNotices(ctx, env.Round))
	if len(n.Notices) != 1 || n.Notices[0].Move.Delta != 1 || !strings.Contains(n.Notices[0].Message, "reclassement après vérification") {
		t.Fatalf("i01 notices: %+v", n)
	}

	// Every version is signed and kept.
	for v, want := range map[int]string{0: "i01,i02,i03,i04", 1: "i04,i01,i02,i03", 2: "i01,i02,i03,i04"} {
		e := must[*envelope.Envelope](t)(u.Client.CallList(ctx, env.Round, v))
		payload, err := env.Verifier(t).VerifyEnvelope(e, api.CallListType)
		if err != nil {
			t.Fatal(err)
		}
		l, err := calllist.Decode(payload)
		if err != nil || order(l) != want || l.ID != env.Round {
			t.Fatalf("version %d: %v %+v", v, err, l)
		}
	}
	vs := must[[]api.CallListVersionInfo](t)(u.Client.CallListVersions(ctx, env.Round))
	if len(vs) != 2 || vs[1].Reason == "" || vs[1].Digest != p2.Digest {
		t.Fatalf("versions: %+v", vs)
	}
	audit := must[[]api.AuditEntry](t)(env.Admin.AuditLog(ctx, 0, 1000))
	var published []string
	for _, a := range audit {
		if a.Action == "call-list-publish" {
			published = append(published, a.Reason)
		}
	}
	if len(published) != 2 || published[1] != "reclassement après vérification des semestres" {
		t.Fatalf("audit: %v", published)
	}

	// The round follows the published list: i03 is absent and gets nothing.
	env.Transition(t, domain.StateWishesOpen)
	last := submitted{}
	users := map[string]*servertest.User{"i01": o, "i04": u}
	for _, id := range []string{"i02", "i03"} {
		users[id] = env.Enroll(t, id)
	}
	for _, id := range env.Interns {
		last.submit(t, env, users[id], users[id].WishList(env.Round, 1, "P1", "P2"))
	}
	env.Transition(t, domain.StateWishesClosed)
	res := env.Run(t, env.Round)
	got := map[string]string{}
	for _, a := range res.Assignments {
		got[a.Intern] = a.Poste
	}
	if got["i01"] != "P1" || got["i02"] != "P1" || got["i04"] != "P2" || got["i03"] != "" || res.CallListVersion != 2 || res.CallListDigest != p2.Digest {
		t.Fatalf("result: %+v", res)
	}
	wantCode(t, try(env.Admin.PublishCallList(ctx, env.Round, "trop tard")), api.CodeInvalidState)
}
