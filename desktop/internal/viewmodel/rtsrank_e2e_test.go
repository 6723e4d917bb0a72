package viewmodel

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
)

// rankingEnv is a round in its rankings window where n interns listed P1
// (of rts1), and rts1's view model on P1 with its candidates fetched.
func rankingEnv(t *testing.T, n int) (*servertest.Env, *RTS) {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Interns: n, Postes: 2})
	users := env.EnrollAll(t)
	wishes := map[string][]string{}
	for i, id := range env.Interns {
		if i%2 == 0 {
			wishes[id] = []string{"P1", "P2"}
		} else {
			wishes[id] = []string{"P2", "P1"} // P1 second: the RTS must not tell
		}
	}
	env.SubmitWishes(t, users, wishes)
	env.Transition(t, domain.StateWishesClosed)
	env.Transition(t, domain.StateRankingsOpen)
	me := domain.Person{ID: "rts1", Role: domain.RoleRTS, LastName: "RTS", FirstName: "Un"}
	svc := keySession(t, env, me, env.Register(t, me.ID).Key)
	r, err := NewRTS(svc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.ApplySync(r.Sync(ctx, "")); err != nil {
		t.Fatal(err)
	}
	if len(r.Postes) != 1 || r.Poste().ID != "P1" {
		t.Fatalf("rts1's postes: %q", r.PosteLabels())
	}
	if err := r.CandidatesDone(r.FetchCandidates(ctx)); err != nil {
		t.Fatal(err)
	}
	if got := len(r.RankedIDs()); got != n {
		t.Fatalf("%d candidates ranked by default, want %d", got, n)
	}
	return env, r
}

func TestRankingManyCandidates(t *testing.T) {
	env, r := rankingEnv(t, 32)
	ctx := context.Background()

	// Nothing tells the RTS where the intern put the poste.
	for _, row := range append(r.Ranked(), r.Unranked()...) {
		if strings.Contains(row, "vœu") || strings.Contains(row, "wish") {
			t.Errorf("row shows the wish rank: %q", row)
		}
	}
	if c := r.Counts(); c != (RankCounts{Ranked: 32, Unranked: 0, Candidates: 32}) {
		t.Errorf("counts %+v", c)
	}
	if got, want := r.CountsLabel(), "32 classés, 0 non classé — 32 candidats"; got != want {
		t.Errorf("counts label %q, want %q", got, want)
	}
	if st := r.PosteStates(); !slices.Equal(st, []RankingState{RankingToDo}) || !strings.Contains(r.PosteLabels()[0], "à faire") {
		t.Errorf("states %v, labels %q", st, r.PosteLabels())
	}

	// Move the last candidate to rank 3, then a selection of three to rank 10.
	before := r.RankedIDs()
	last := before[31]
	if err := r.MoveTo(31, 3); err != nil {
		t.Fatal(err)
	}
	if got := r.RankedIDs(); got[2] != last || len(got) != 32 || r.Cursor != 2 || got[3] != before[2] {
		t.Fatalf("after MoveTo: %v (cursor %d)", got, r.Cursor)
	}
	before = r.RankedIDs()
	if err := r.MoveSelection([]int{20, 0, 5}, 10); err != nil {
		t.Fatal(err)
	}
	got := r.RankedIDs()
	if !slices.Equal(got[9:12], []string{before[0], before[5], before[20]}) {
		t.Fatalf("selection not at ranks 10-12: %v", got[9:12])
	}
	for _, bad := range []int{0, 31, -4} { // three moved: ranks 1…30 only
		if err := r.MoveSelection([]int{1, 2, 3}, bad); err == nil || !strings.Contains(Message(err), "entre 1 et 30") {
			t.Errorf("rank %d: %v", bad, err)
		}
	}
	if !slices.Equal(r.RankedIDs(), got) {
		t.Error("a refused move changed the ranking")
	}
	if st := r.PosteStates(); st[0] != RankingDraftState {
		t.Errorf("state after edits %v", st)
	}

	// Signed and accepted: "signé".
	out := r.Sign(ctx, pass)
	if err := r.SignDone(out); err != nil {
		t.Fatal(err)
	}
	if r.PosteStates()[0] != RankingSending {
		t.Errorf("state once signed %v", r.PosteStates())
	}
	r.Svc.Outbox.Step(ctx)
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	if r.PosteStates()[0] != RankingSigned || !strings.Contains(r.PosteLabels()[0], "signé") {
		t.Errorf("state once accepted %v %q", r.PosteStates(), r.PosteLabels())
	}

	// A refused version is in the headline, not "À jour".
	f := env.Faults()
	r.Svc.Client.SetTransport(f)
	f.Refuse("POST /v1/submissions", 1, &api.Error{Code: api.CodeWindowClosed, Message: "classements clos", MessageEN: "rankings closed"})
	if err := r.MoveTo(0, 2); err != nil {
		t.Fatal(err)
	}
	if err := r.SignDone(r.Sign(ctx, pass)); err != nil {
		t.Fatal(err)
	}
	r.Svc.Outbox.Step(ctx)
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	h := r.DraftStatus()
	if !strings.HasPrefix(h, "Refusé") || !strings.Contains(h, "classements clos") || !strings.Contains(h, "n°\u00a01, acceptée") {
		t.Errorf("headline after a refusal: %q", h)
	}
	if r.PosteStates()[0] != RankingRefused || !strings.Contains(r.PosteLabels()[0], "refusé") {
		t.Errorf("state after a refusal %v", r.PosteStates())
	}

	// Signed again and accepted: the old refusal is history.
	if err := r.SignDone(r.Sign(ctx, pass)); err != nil {
		t.Fatal(err)
	}
	r.Svc.Outbox.Step(ctx)
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	vs := r.Versions()
	if len(vs) != 3 || vs[0].State != localstore.StateAccepted || vs[1].State != Superseded || !strings.Contains(vs[1].Status, "remplacée depuis par la version n°\u00a03") {
		t.Errorf("versions after a new acceptance: %+v", vs)
	}
	if h := r.DraftStatus(); strings.Contains(h, "Refusé") || r.PosteStates()[0] != RankingSigned {
		t.Errorf("headline %q, state %v", h, r.PosteStates())
	}
}

func TestImportRanking(t *testing.T) {
	_, r := rankingEnv(t, 6)
	ids := r.RankedIDs() // i01…i06
	xlsx := func(rows [][]any) []byte {
		f := excelize.NewFile()
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		var b bytes.Buffer
		if err := f.Write(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, tc := range []struct {
		name, file string
		data       []byte
		ranked     []string // nil: refused
		want       []string // in the message
		ranks      []string // RankLabel of each ranked candidate, if given
	}{
		{name: "equal ranks are ex aequo", file: "c.csv", data: []byte("Rang;Identifiant\n4;i04\n1;i01\n2;i02\n2;i03\n"),
			ranked: []string{"i01", "i02", "i03", "i04"}, ranks: []string{"1", "2 (ex aequo)", "2 (ex aequo)", "4"}},
		{name: "order of the rows", file: "c.csv", data: []byte("Identifiant;Nom\ni03;X\n I02 ;Y\ni01;Z\n"), ranked: []string{"i03", "i02", "i01"}},
		{name: "rank column, blank rank not ranked", file: "c.csv", data: []byte("Rang;Identifiant\n2;i01\n1;i05\n;i06\n3;i04\n"), ranked: []string{"i05", "i01", "i04"}},
		{name: "xlsx with numbers", file: "c.xlsx", data: xlsx([][]any{{"Rang", "Identifiant"}, {2, "i02"}, {1, "i06"}}), ranked: []string{"i06", "i02"}},
		{name: "every bad row named", file: "c.csv", data: []byte("Rang;Identifiant\n1;i01\n2;i99\n3;i01\ndeux;i02\n0;i03\n7;\n"),
			want: []string{"5 problèmes", "ligne 3 : l'interne i99 n'est pas candidat au poste P1", "ligne 4 : l'interne i01 figure déjà ligne 2",
				"ligne 5 : rang « deux » de l'interne i02 invalide", "ligne 6 : rang « 0 » de l'interne i03 invalide", "ligne 7 : identifiant manquant"}},
		{name: "no id column", file: "c.csv", data: []byte("Nom;Prénom\nX;Y\n"), want: []string{"colonne « Identifiant » introuvable", "1;I000123"}},
		{name: "not a table", file: "c.xlsx", data: []byte("PK\x03\x04garbage"), want: []string{"c.xlsx : fichier illisible", "attendu un CSV ou XLSX"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, beforeU := r.RankedIDs(), r.UnrankedIDs()
			n, err := r.ImportRanking(tc.file, tc.data)
			if tc.ranked == nil {
				if err == nil {
					t.Fatalf("imported %d", n)
				}
				for _, w := range tc.want {
					if !strings.Contains(Message(err), w) {
						t.Errorf("message %q lacks %q", Message(err), w)
					}
				}
				if ae, ok := err.(*api.Error); !ok || ae.MessageEN == "" || ae.MessageEN == ae.Message {
					t.Errorf("no English half: %#v", err)
				}
				if !slices.Equal(r.RankedIDs(), before) || !slices.Equal(r.UnrankedIDs(), beforeU) {
					t.Error("a refused import changed the ranking")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := r.RankedIDs()
			if n != len(tc.ranked) || !slices.Equal(got, tc.ranked) {
				t.Fatalf("ranked %v, want %v", got, tc.ranked)
			}
			if len(got)+len(r.UnrankedIDs()) != len(ids) {
				t.Errorf("candidates lost: %v + %v", got, r.UnrankedIDs())
			}
			var labels []string
			for i := range got {
				labels = append(labels, r.RankLabel(i))
			}
			if tc.ranks != nil && !slices.Equal(labels, tc.ranks) {
				t.Errorf("ranks %q, want %q", labels, tc.ranks)
			}
			if tc.ranks == nil && r.HasTies() {
				t.Errorf("ties after a strict import: %q", labels)
			}
		})
	}
	// A tie group survives the exported template.
	if _, err := r.ImportRanking("c.csv", []byte("Rang;Identifiant\n1;i01\n2;i02\n2;i03\n4;i04\n")); err != nil {
		t.Fatal(err)
	}
	if tmpl := r.RankingTemplate(); !strings.Contains(tmpl, "2;i02;") || !strings.Contains(tmpl, "2;i03;") || !strings.Contains(tmpl, "4;i04;") {
		t.Errorf("template of a tie group:\n%s", tmpl)
	}
	if _, err := r.ImportRanking("t.csv", []byte(r.RankingTemplate())); err != nil || !slices.Equal(r.RankLabels(), []string{"1", "2 (ex aequo)", "2 (ex aequo)", "4"}) {
		t.Fatalf("template with ties back: %v, %q", err, r.RankLabels())
	}
	// The exported template imports back to the same ranking.
	if _, err := r.ImportRanking("t.csv", []byte(r.RankingTemplate())); err != nil {
		t.Fatalf("template: %v\n%s", err, r.RankingTemplate())
	}
}

// TestRankingTies: the RTS puts a candidate ex aequo with the one above,
// sees the shared rank, signs; the server accepts the ranks, and the signed
// version keeps them; a move takes the candidate out of its group.
func TestRankingTies(t *testing.T) {
	env, r := rankingEnv(t, 4)
	ctx := context.Background()
	if err := r.ToggleTie(0); err != nil || r.HasTies() {
		t.Fatalf("the first candidate tied: %v", err)
	}
	if err := r.ToggleTie(2); err != nil {
		t.Fatal(err)
	}
	if got, want := r.RankLabels(), []string{"1", "2 (ex aequo)", "2 (ex aequo)", "4"}; !slices.Equal(got, want) {
		t.Fatalf("rank labels %q, want %q", got, want)
	}
	if row := r.Ranked()[2]; !strings.HasPrefix(row, "2 (ex aequo). ") {
		t.Errorf("row %q", row)
	}
	if !r.TiedWithPrevious(2) || r.TiedWithPrevious(1) {
		t.Error("TiedWithPrevious")
	}
	if r.DrawInfo() == "" || !strings.Contains(r.DrawInfo(), "engagement") {
		t.Errorf("draw info %q (round %+v)", r.DrawInfo(), r.Round)
	}
	if err := r.SignDone(r.Sign(ctx, pass)); err != nil {
		t.Fatal(err)
	}
	r.Svc.Outbox.Step(ctx)
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	if r.PosteStates()[0] != RankingSigned {
		t.Fatalf("state %v, versions %+v", r.PosteStates(), r.Versions())
	}
	if v := r.versions[0]; !slices.Equal(v.Ranks, []int{1, 2, 2, 3}) {
		t.Errorf("signed ranks %v", v.Ranks)
	}
	// Untying is a change to sign.
	if err := r.ToggleTie(2); err != nil {
		t.Fatal(err)
	}
	if r.HasTies() || r.PosteStates()[0] != RankingDraftState {
		t.Errorf("after untying: ties %v, state %v", r.HasTies(), r.PosteStates())
	}
	// A candidate moved leaves the group.
	if err := r.ToggleTie(3); err != nil {
		t.Fatal(err)
	}
	if err := r.MoveTo(3, 1); err != nil {
		t.Fatal(err)
	}
	if r.HasTies() {
		t.Errorf("moved candidate still tied: %q", r.RankLabels())
	}
	_ = env
}
