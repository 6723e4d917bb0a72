package viewmodel

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/demodata"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
)

// adminSession opens a desktop session for the servertest admin.
func adminSession(t *testing.T, env *servertest.Env) *service.Service {
	t.Helper()
	return keySession(t, env, domain.Person{ID: env.AdminID, Role: domain.RoleAdmin, LastName: "ADMIN"}, env.AdminKey)
}

// keySession opens an unlocked desktop session for person p whose key is
// already registered on the server.
func keySession(t *testing.T, env *servertest.Env, p domain.Person, key ed25519.PrivateKey) *service.Service {
	t.Helper()
	store, err := localstore.Open(filepath.Join(t.TempDir(), p.ID+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sealed, err := keystore.Seal(key, pass, keystore.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SaveProfile(&localstore.Profile{ServerURL: env.URL, Person: p, ServerKey: env.ServerKey, Key: sealed}); err != nil {
		t.Fatal(err)
	}
	svc, err := service.Open(store, "")
	if err != nil {
		t.Fatal(err)
	}
	svc.Client.Now = env.Clock.Now
	if err := svc.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	return svc
}

// enrolledSession enrolls person id through the app's own enrollment.
func enrolledSession(t *testing.T, env *servertest.Env, id string) *service.Service {
	t.Helper()
	store, err := localstore.Open(filepath.Join(t.TempDir(), id+".db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	if _, err := service.Enroll(ctx, store, service.EnrollRequest{ServerURL: env.URL, Identifier: id, Code: env.Codes[id], Passphrase: pass, Confirm: pass, Params: keystore.TestParams, ServerKey: env.ServerKey}); err != nil {
		t.Fatalf("enroll %s: %v", id, err)
	}
	svc, err := service.Open(store, "")
	if err != nil {
		t.Fatal(err)
	}
	svc.Client.Now = env.Clock.Now
	return svc
}

func TestStaffEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	opts := demodata.Small(1)
	data := demodata.Generate(opts)
	env := servertest.Start(t, servertest.Options{Demo: &opts})
	ctx := context.Background()

	// The admin's dashboard finds the planted errors.
	adm := NewAdmin(adminSession(t, env))
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	q := adm.Quality
	for _, pe := range data.Planted {
		switch pe.Kind {
		case demodata.PlantShortage:
			if !slices.ContainsFunc(q.Shortages(), func(b Balance) bool {
				return b.Specialty == pe.Specialty && b.Subdivision == pe.Subdivision
			}) {
				t.Errorf("shortage %s/%s not found in %+v", pe.Specialty, pe.Subdivision, q.Shortages())
			}
		case demodata.PlantBadRTSEmail:
			for _, id := range pe.IDs[1:] {
				if !slices.ContainsFunc(q.BadEmail, func(p domain.Poste) bool { return p.ID == id }) {
					t.Errorf("bad e-mail of poste %s not found", id)
				}
			}
			if !slices.ContainsFunc(q.BadPeople, func(p domain.Person) bool { return p.ID == pe.IDs[0] }) {
				t.Errorf("bad e-mail of RTS %s not found", pe.IDs[0])
			}
		case demodata.PlantMissingRTSEmail:
			if !slices.ContainsFunc(q.MissingEmail, func(p domain.Poste) bool { return p.ID == pe.IDs[0] }) {
				t.Errorf("missing e-mail of poste %s not found", pe.IDs[0])
			}
		case demodata.PlantDuplicateIntern:
			if !slices.ContainsFunc(q.Duplicates, func(d Duplicate) bool { return slices.Equal(d.IDs, pe.IDs) }) {
				t.Errorf("duplicate %v not found in %+v", pe.IDs, q.Duplicates)
			}
		}
	}
	if len(q.NoKey) == 0 || q.RTSWithoutKey == 0 {
		t.Errorf("nobody is enrolled yet, NoKey=%d RTS=%d", len(q.NoKey), q.RTSWithoutKey)
	}

	// The planted errors are corrected through the queue: a coordinator
	// flags the specialty short of places, the RTS of a poste there asks
	// for more places, the RTS with the malformed address asks to fix it;
	// the admin applies the two corrections and closes the flag.
	sessions := map[string]*service.Service{}
	rtsSession := func(id string) *service.Service {
		if sessions[id] == nil {
			sessions[id] = enrolledSession(t, env, id)
			if err := sessions[id].Unlock(pass); err != nil {
				t.Fatal(err)
			}
		}
		return sessions[id]
	}
	plant := func(kind demodata.PlantKind) demodata.PlantedError {
		i := slices.IndexFunc(data.Planted, func(p demodata.PlantedError) bool { return p.Kind == kind })
		if i < 0 {
			t.Fatalf("no planted %s", kind)
		}
		return data.Planted[i]
	}
	short, bad := plant(demodata.PlantShortage), plant(demodata.PlantBadRTSEmail)
	coordP := domain.Person{ID: "C9999", Role: domain.RoleCoordinator, LastName: "COORD", FirstName: "Claude",
		Email: "coord@chu.example.fr", Specialty: short.Specialty, Subdivision: short.Subdivision}
	if err := env.Server.Store().Update(func(tx store.Tx) error { return tx.PutPerson(coordP) }); err != nil {
		t.Fatal(err)
	}
	coordSvc := keySession(t, env, coordP, env.Register(t, coordP.ID).Key)
	coord := NewCoordinator(coordSvc)
	if err := coord.Apply(coord.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if !coord.InternsKnown || len(coord.Quality.Shortages()) != 1 || len(coord.Issues()) == 0 {
		t.Fatalf("coordinator's dashboard: interns known %v, shortages %+v, issues %q", coord.InternsKnown, coord.Quality.Shortages(), coord.Issues())
	}
	cell := coord.Quality.Shortages()[0]
	deficit := cell.Interns - cell.Places
	coordQ := NewCorrections(coordSvc)
	flag, err := coordQ.File(ctx, Form{Round: env.Round, Specialty: cell.Specialty, Subdivision: cell.Subdivision,
		Field: api.FieldOther, Message: fmt.Sprintf("%d internes pour %d places", cell.Interns, cell.Places)})
	if err != nil {
		t.Fatal(err)
	}
	// The form refuses what the server would refuse, in French.
	if _, err := coordQ.File(ctx, Form{Round: env.Round, Poste: coord.ScopePostes()[0].ID, Field: api.FieldCapacity, Proposed: "zéro", Message: "faux"}); err == nil || !strings.Contains(Message(err), "capacité « zéro » invalide") {
		t.Errorf("bad capacity: %v", err)
	}
	shortPoste := coord.ScopePostes()[0]
	capRTS, err := NewRTS(rtsSession(shortPoste.RTS))
	if err != nil {
		t.Fatal(err)
	}
	if err := capRTS.ApplySync(capRTS.Sync(ctx, "")); err != nil {
		t.Fatal(err)
	}
	capQ := NewCorrections(capRTS.Svc)
	capReq, err := capQ.File(ctx, Form{Round: env.Round, Poste: shortPoste.ID, Field: api.FieldCapacity,
		Proposed: fmt.Sprint(shortPoste.Capacity + deficit), Message: "Le service peut accueillir plus d'internes ce semestre."})
	if err != nil {
		t.Fatal(err)
	}
	badRTS, err := NewRTS(rtsSession(bad.IDs[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := badRTS.ApplySync(badRTS.Sync(ctx, "")); err != nil {
		t.Fatal(err)
	}
	if len(badRTS.Postes) == 0 || badRTS.SelectPoste(0) != nil || !strings.Contains(badRTS.PosteDetail()[5][1], "mal formée") {
		t.Fatalf("the RTS does not see their malformed address: %v", badRTS.PosteDetail())
	}
	badP := badRTS.Poste()
	goodEmail := badP.RTSEmail + ".fr"
	mailReq, err := NewCorrections(badRTS.Svc).File(ctx, Form{Round: env.Round, Poste: badP.ID, Field: api.FieldRTSEmail,
		Proposed: goodEmail, Message: "Il manque « .fr » à mon adresse."})
	if err != nil {
		t.Fatal(err)
	}
	queue := NewCorrections(adm.Svc)
	queue.OpenOnly = true
	if err := queue.Apply(queue.Load(ctx)); err != nil {
		t.Fatal(err)
	}
	if len(queue.Items) != 3 || queue.Items[0].ID != mailReq.ID {
		t.Fatalf("admin queue %q", queue.Labels())
	}
	decide := func(id string, to api.CorrectionStatus, reason string) {
		t.Helper()
		queue.Selected = slices.IndexFunc(queue.Items, func(c api.Correction) bool { return c.ID == id })
		if !queue.CanDecide(to) {
			t.Fatalf("cannot move %s to %s", id, to)
		}
		if _, err := queue.Decide(ctx, id, to, reason, ""); err != nil {
			t.Fatalf("%s → %s: %v", id, to, err)
		}
		if err := queue.Apply(queue.Load(ctx)); err != nil {
			t.Fatal(err)
		}
	}
	decide(capReq.ID, api.CorrectionAccepted, "")
	decide(capReq.ID, api.CorrectionApplied, "")
	decide(mailReq.ID, api.CorrectionApplied, "")
	decide(flag.ID, api.CorrectionApplied, fmt.Sprintf("capacité du poste %s portée à %d (%s)", shortPoste.ID, shortPoste.Capacity+deficit, capReq.ID))
	if len(queue.Items) != 0 {
		t.Errorf("queue not empty: %q", queue.Labels())
	}
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if sh := adm.Quality.Shortages(); slices.ContainsFunc(sh, func(b Balance) bool { return b.Specialty == cell.Specialty && b.Subdivision == cell.Subdivision }) {
		t.Errorf("still short of places after the correction: %+v", sh)
	}
	if len(adm.Quality.BadEmail) != 0 || slices.ContainsFunc(adm.Quality.BadPeople, func(p domain.Person) bool { return p.ID == bad.IDs[0] }) {
		t.Errorf("malformed addresses left: postes %d, people %+v", len(adm.Quality.BadEmail), adm.Quality.BadPeople)
	}
	// The requesters see their requests applied.
	if err := capQ.Apply(capQ.Load(ctx)); err != nil || len(capQ.Items) != 1 || capQ.Items[0].Status != api.CorrectionApplied {
		t.Errorf("RTS's requests: %q, %v", capQ.Labels(), err)
	}
	if err := coordQ.Apply(coordQ.Load(ctx)); err != nil || len(coordQ.Items) != 1 || coordQ.Items[0].Status != api.CorrectionApplied || coordQ.Items[0].Reason == "" {
		t.Errorf("coordinator's flags: %q, %v", coordQ.Labels(), err)
	}

	// A dry-run import reports the bad rows and changes nothing.
	badCSV := "Identifiant;Spécialité;Subdivision;Établissement;Service;Ville;Intitulé;RTS;Nom RTS;E-mail RTS;Capacité;Description\n" +
		"P-NEW-1;CARDIO;LYON;CHU;Cardio;Lyon;Cardiologie;R00001;Dr X;x@chu.fr;deux;\n"
	rep, err := adm.Import(ctx, "postes", FormatFromName("postes.csv"), []byte(badCSV), true)
	if err != nil || rep == nil || rep.Valid || len(rep.Problems) == 0 {
		t.Fatalf("dry run: %+v, %v", rep, err)
	}
	if rows := ReportRows(rep); len(rows) < 2 || !strings.Contains(rows[1], "ligne 2") && !strings.Contains(rows[1], "ligne 1") {
		t.Errorf("report rows %q", rows)
	}
	if _, err := adm.Import(ctx, "postes", "csv", []byte(badCSV), false); err == nil || Message(err) == "" {
		t.Errorf("a bad real import must be refused: %v", err)
	}

	// The admin opens the wishes window.
	if adm.NextState() != domain.StateWishesOpen {
		t.Fatalf("next state %q", adm.NextState())
	}
	step := func(want domain.RoundState) {
		t.Helper()
		if err := adm.Transition(ctx, "test"); err != nil {
			t.Fatalf("transition to %s: %v", want, err)
		}
		if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
			t.Fatal(err)
		}
		if adm.Round.State != want {
			t.Fatalf("state %s, want %s", adm.Round.State, want)
		}
	}
	step(domain.StateWishesOpen)

	// Three interns of the poste's specialty and subdivision wish it.
	poste := data.Postes[0]
	var interns []string
	for _, p := range data.People {
		if p.Role == domain.RoleIntern && p.Specialty == poste.Specialty && p.Subdivision == poste.Subdivision && len(interns) < 3 {
			interns = append(interns, p.ID)
		}
	}
	if len(interns) < 2 {
		t.Fatalf("only %d interns for %s", len(interns), poste.ID)
	}
	for _, id := range interns {
		u := env.Enroll(t, id)
		if _, err := u.Client.Submit(ctx, u.WishList(env.Round, 1, poste.ID)); err != nil {
			t.Fatalf("wish list of %s: %v", id, err)
		}
	}
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if !adm.Quality.WishesKnown || slices.ContainsFunc(adm.Quality.Unwished, func(p domain.Poste) bool { return p.ID == poste.ID }) {
		t.Errorf("poste %s is wished", poste.ID)
	}
	rms := adm.Reminders()
	if slices.ContainsFunc(rms, func(r Reminder) bool { return r.Person.ID == interns[0] }) ||
		!slices.ContainsFunc(rms, func(r Reminder) bool { return r.Kind == "rts_no_key" && r.Person.ID == poste.RTS }) {
		t.Errorf("reminders wrong: %d", len(rms))
	}
	dir := t.TempDir()
	if n, _, err := adm.WriteReminders(dir, "ars@example.fr", rms[:2]); err != nil || n == 0 {
		t.Fatalf("write reminders: %d %v", n, err)
	}

	step(domain.StateWishesClosed)
	step(domain.StateRankingsOpen)

	// The RTS ranks the candidates of the poste and signs.
	rsvc := rtsSession(poste.RTS)
	rsvc.Lock()
	rts, err := NewRTS(rsvc)
	if err != nil {
		t.Fatal(err)
	}
	if err := rts.ApplySync(rts.Sync(ctx, "")); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rts.Postes, func(p domain.Poste) bool { return p.ID == poste.ID })
	if i < 0 {
		t.Fatalf("poste %s not among the RTS's %v", poste.ID, rts.PosteLabels())
	}
	if err := rts.SelectPoste(i); err != nil {
		t.Fatal(err)
	}
	if !rts.Editable() {
		t.Fatal("ranking not editable while rankings are open")
	}
	if err := rts.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if err := rts.CandidatesDone(rts.FetchCandidates(ctx)); err != nil {
		t.Fatal(err)
	}
	if got := len(rts.RankedIDs()); got != len(interns) {
		t.Fatalf("%d candidates, want %d", got, len(interns))
	}
	last := rts.RankedIDs()[len(interns)-1]
	if err := rts.MarkUnacceptable(len(interns) - 1); err != nil {
		t.Fatal(err)
	}
	if err := rts.Move(1, -1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rts.UnrankedIDs(), []string{last}) {
		t.Fatalf("unranked %v", rts.UnrankedIDs())
	}
	want := rts.RankedIDs()
	// The draft is in the cache: a restarted app finds it, offline.
	again, err := NewRTS(rsvc)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.SelectPoste(i); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.RankedIDs(), want) || !slices.Equal(again.UnrankedIDs(), []string{last}) {
		t.Fatalf("after restart: %v / %v", again.RankedIDs(), again.UnrankedIDs())
	}
	if err := rts.SignDone(rts.Sign(ctx, "")); err != nil {
		t.Fatal(err)
	}
	// The admin's round tab shows "0 classement" until the ranking
	// arrives, then its counts follow by themselves (ApplyCounts).
	if !adm.CountsLive() || !strings.Contains(adm.RoundSummary(), "0 classement") {
		t.Fatalf("before the ranking: live %v, %q", adm.CountsLive(), adm.RoundSummary())
	}
	rsvc.Outbox.Step(ctx)
	if d, err := adm.FetchCounts(ctx, env.Round); err != nil || adm.ApplyCounts(env.Round, d) {
		t.Fatalf("counts: %v", err)
	}
	if !strings.Contains(adm.RoundSummary(), "1 classement") {
		t.Fatalf("after the ranking: %q", adm.RoundSummary())
	}
	if err := rts.Refresh(); err != nil {
		t.Fatal(err)
	}
	vs := rts.Versions()
	if len(vs) != 1 || vs[0].State != localstore.StateAccepted {
		t.Fatalf("versions %+v", vs)
	}
	subs, err := must(rsvc.Signed()).Submissions(ctx, env.Round)
	if err != nil || len(subs) != 1 || subs[0].PayloadType != api.RankingType || subs[0].Poste != poste.ID {
		t.Fatalf("server has %+v, %v", subs, err)
	}
	// Files of candidates, when any, download.
	for _, id := range want {
		for _, a := range rts.Files(id) {
			if _, err := rts.OpenFile(ctx, a); err != nil {
				t.Errorf("open file %s: %v", a.Name, err)
			}
		}
	}

	// The admin closes, runs, publishes and creates round 2.
	step(domain.StateRankingsClosed)
	if label, on, _ := adm.RunButton(); !adm.CanRun() || !on || label != "Lancer l'appariement" {
		t.Fatalf("cannot run: %q %v", label, on)
	}
	res, err := adm.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if label, on, _ := adm.RunButton(); !adm.CanRun() || !on || label != "Relancer (même entrée gelée, même résultat)" {
		t.Fatalf("after the run: %q %v", label, on)
	}
	if !slices.ContainsFunc(res.Assignments, func(a domain.Assignment) bool { return a.Intern == want[0] && a.Poste == poste.ID }) {
		t.Errorf("the RTS's first choice %s did not get %s", want[0], poste.ID)
	}
	if slices.ContainsFunc(res.Assignments, func(a domain.Assignment) bool { return a.Intern == last }) {
		t.Errorf("the unacceptable candidate %s was matched", last)
	}
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if !adm.CanPublish() {
		t.Fatal("cannot publish")
	}
	if err := adm.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := adm.Apply(adm.Load(ctx, env.Round)); err != nil {
		t.Fatal(err)
	}
	if sum := adm.RoundSummary(); !strings.Contains(sum, "\nRésultat publié : ") || strings.Contains(sum, "Prévisualisation") {
		t.Errorf("summary after publication: %q", sum)
	}
	if _, on, note := adm.RunButton(); adm.CanRun() || on || adm.CanPublish() || !strings.HasPrefix(note, "Résultat publié : l'appariement est définitif") {
		t.Fatalf("after publication: run %v, publish %v, note %q", on, adm.CanPublish(), note)
	}
	if _, err := adm.Run(ctx); err == nil || !strings.Contains(Message(err), "est publié : son appariement ne peut plus être relancé") {
		t.Fatalf("run after publication: %v", err)
	}
	if !adm.CanNextRound() {
		t.Fatal("cannot create round 2")
	}
	var csv bytes.Buffer
	if err := adm.Export(ctx, "csv", &csv); err != nil || csv.Len() == 0 {
		t.Fatalf("export: %v", err)
	}
	r2, err := adm.NextRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Number != 2 || r2.Parent != env.Round || r2.Name != "Tour 2 (démo)" {
		t.Fatalf("round 2: %+v", r2)
	}
	if err := adm.Apply(adm.Load(ctx, r2.ID)); err != nil {
		t.Fatal(err)
	}
	// Round 2 runs its course from the app, then round 3 assigns the
	// remaining interns by hand.
	for _, st := range []domain.RoundState{domain.StateWishesOpen, domain.StateWishesClosed, domain.StateRankingsOpen, domain.StateRankingsClosed} {
		if err := adm.Transition(ctx, "tour 2"); err != nil {
			t.Fatalf("round 2 to %s: %v", st, err)
		}
		if err := adm.Apply(adm.Load(ctx, r2.ID)); err != nil || adm.Round.State != st {
			t.Fatalf("round 2 in %s, want %s (%v)", adm.Round.State, st, err)
		}
	}
	if _, err := adm.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := adm.Apply(adm.Load(ctx, r2.ID)); err != nil {
		t.Fatal(err)
	}
	if err := adm.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := adm.Apply(adm.Load(ctx, r2.ID)); err != nil {
		t.Fatal(err)
	}
	r3, err := adm.NextRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Name != "Tour 3 (démo)" {
		t.Fatalf("round 3 named %q, want \"Tour 3 (démo)\"", r3.Name)
	}
	if err := adm.Apply(adm.Load(ctx, r3.ID)); err != nil {
		t.Fatal(err)
	}
	if r3.Number != 3 || len(adm.Remaining()) == 0 {
		t.Fatalf("round 3 %+v: %d remaining", r3, len(adm.Remaining()))
	}
	assigned := false
	for _, in := range adm.Remaining() {
		if free := adm.FreePostes(&in); len(free) > 0 {
			if err := adm.Assign(ctx, in.ID, free[0].Poste.ID, "Choix de l'interne en séance"); err != nil {
				t.Fatal(err)
			}
			if err := adm.Apply(adm.Load(ctx, r3.ID)); err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(adm.Remaining(), func(p domain.Person) bool { return p.ID == in.ID }) {
				t.Errorf("%s still remaining after the assignment", in.ID)
			}
			assigned = true
			break
		}
	}
	if !assigned {
		t.Fatal("no remaining intern with a free poste in round 3")
	}
	rows := strings.Join(adm.AuditRows(), "\n")
	for _, action := range []string{"correction-request", "correction-applied", "transition", "run", "publish", "next-round", "assign"} {
		if !strings.Contains(rows, action) {
			t.Errorf("audit log without %q", action)
		}
	}
	// An error of the server comes back in French.
	if err := adm.Publish(ctx); err == nil || Message(err) == "" {
		t.Errorf("publishing a draft round: %v", err)
	}
	// Round 3 is finished from the app: its buttons follow the one rule
	// the server applies (they were all greyed before).
	if adm.NextState() != "" || !adm.CanRun() {
		t.Fatalf("round 3 in the app: next state %q, can run %v", adm.NextState(), adm.CanRun())
	}
	if _, err := adm.Run(ctx); err != nil {
		t.Fatalf("run round 3: %v", err)
	}
	if err := adm.Apply(adm.Load(ctx, r3.ID)); err != nil || !adm.CanPublish() {
		t.Fatalf("round 3 after run: can publish %v (%v)", adm.CanPublish(), err)
	}
	if err := adm.Publish(ctx); err != nil {
		t.Fatalf("publish round 3: %v", err)
	}
	if err := adm.Apply(adm.Load(ctx, r3.ID)); err != nil || adm.Round.State != domain.StatePublished || adm.CanRun() || adm.CanPublish() || adm.CanNextRound() {
		t.Fatalf("round 3 after publication: %s, run %v, publish %v, next %v (%v)", adm.Round.State, adm.CanRun(), adm.CanPublish(), adm.CanNextRound(), err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
