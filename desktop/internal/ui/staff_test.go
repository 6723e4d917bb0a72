package ui

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/viewmodel"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/demodata"
	"appariement/syncserver/servertest"
)

// staffApp starts the app on a store already holding profile p (with the
// private key sealed under pass).
func staffApp(t *testing.T, env *servertest.Env, p *localstore.Profile) *App {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.LightTheme())
	store, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if p != nil {
		if err := store.SaveProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	app := New(a, store, Options{ServerURL: env.URL, KeyParams: keystore.TestParams, Synchronous: true})
	t.Cleanup(app.Stop)
	app.Window.Resize(fyne.NewSize(1280, 800))
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	return app
}

func typePassphrase(t *testing.T, app *App) {
	t.Helper()
	e := focusedEntry(t, app)
	test.Type(e, pass)
	e.OnSubmitted(e.Text)
}

// shoot saves the window as docs/screenshots/name.png when SCREENSHOTS
// names the folder (go test -run Staff ./desktop/internal/ui with
// SCREENSHOTS=$PWD/docs/screenshots).
func shoot(t *testing.T, app *App, name string) {
	dir := os.Getenv("SCREENSHOTS")
	if dir == "" {
		return
	}
	img := app.Window.Canvas().Capture()
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestStaffScreens(t *testing.T) {
	opts := demodata.Small(1)
	data := demodata.Generate(opts)
	env := servertest.Start(t, servertest.Options{Demo: &opts})
	ctx := context.Background()
	sealed, err := keystore.Seal(env.AdminKey, pass, keystore.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	adminApp := staffApp(t, env, &localstore.Profile{ServerURL: env.URL, ServerKey: env.ServerKey, Key: sealed,
		Person: domain.Person{ID: env.AdminID, Role: domain.RoleAdmin, FirstName: "Claire", LastName: "MARTIN"}})
	typePassphrase(t, adminApp)
	adm := adminApp.admin
	if adm == nil {
		t.Fatal("no admin screen")
	}
	markup := test.RenderObjectToMarkup(adm.quality)
	for _, pe := range data.Planted {
		want := ""
		switch pe.Kind {
		case demodata.PlantBadRTSEmail, demodata.PlantMissingRTSEmail:
			want = "• " + pe.IDs[len(pe.IDs)-1] + " — "
		case demodata.PlantShortage:
			want = "• " + viewmodel.CellName(pe.Specialty, pe.Subdivision) + " : "
		case demodata.PlantDuplicateIntern:
			want = strings.Join(pe.IDs, ", ")
		}
		if !strings.Contains(markup, want) {
			t.Errorf("dashboard misses %s (%q): no %q", pe.Kind, adm.VM.Error, want)
		}
	}
	// Nothing to read is cut: the round's name in its selector, the
	// malformed addresses the dashboard reports.
	if sel := adm.roundSelect.Selected; adm.roundSelect.Size().Width < fyne.MeasureText(sel, theme.TextSize(), fyne.TextStyle{}).Width {
		t.Errorf("round selector %.0f wide for %q", adm.roundSelect.Size().Width, sel)
	}
	for _, p := range adm.VM.Quality.BadEmail {
		if !strings.Contains(markup, p.RTSEmail) {
			t.Errorf("dashboard cuts the malformed address %q", p.RTSEmail)
		}
	}
	for _, l := range allLabels(adm.quality) {
		if l.Truncation != fyne.TextTruncateOff {
			t.Errorf("dashboard line %q may be cut", l.Text)
		}
	}
	shoot(t, adminApp, "admin-1-qualite")
	selectTab(t, adm.Tabs, "Tour")
	if !strings.Contains(adm.transition.Text, "vœux ouverts") || adm.transition.Disabled() {
		t.Fatalf("transition button %q", adm.transition.Text)
	}
	shoot(t, adminApp, "admin-2-tour")

	// The admin schedules the windows: a date out of order is refused
	// with the bound named, a good schedule reaches the server.
	test.Tap(adm.scheduleB)
	for i, v := range []string{"01/12/2026 09:00", "15/12/2026 18:00", "10/12/2026 09:00", "20/12/2026 18:00"} {
		adm.schedule[i].SetText(v)
	}
	test.Tap(adm.scheduleSave)
	if !strings.Contains(adm.scheduleErr.Text, "Ouverture des classements doit venir après Clôture des vœux") {
		t.Errorf("schedule out of order: %q", adm.scheduleErr.Text)
	}
	adm.schedule[2].SetText("16/12/2026 09:00")
	test.Tap(adm.scheduleSave) // no reason: refused before sending
	if !strings.Contains(adm.scheduleErr.Text, "Indiquez le motif") {
		t.Errorf("schedule without a reason: %q", adm.scheduleErr.Text)
	}
	if rs, err := env.Anonymous().Rounds(ctx); err != nil || !rs.Rounds[0].WishesClose.IsZero() {
		t.Errorf("a schedule without a reason reached the server: %+v %v", rs, err)
	}
	test.Type(adm.scheduleReason, "Calendrier de la commission")
	test.Tap(adm.scheduleSave)
	rs, err := env.Anonymous().Rounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	if r := rs.Rounds[0]; !r.WishesClose.Equal(time.Date(2026, 12, 15, 18, 0, 0, 0, paris)) || !r.RankingsOpen.Equal(time.Date(2026, 12, 16, 9, 0, 0, 0, paris)) {
		t.Errorf("windows on the server: %+v (error %q)", r, adm.scheduleErr.Text)
	}
	if w := adm.VM.Windows(); w[1] != "15/12/2026 18:00" {
		t.Errorf("windows shown after saving: %q", w)
	}
	// Back to no schedule: the rest of the test moves the round by hand.
	test.Tap(adm.scheduleB)
	for _, e := range adm.schedule {
		e.SetText("")
	}
	test.Type(adm.scheduleReason, "Retour au calendrier manuel")
	test.Tap(adm.scheduleSave)

	// The people tab finds an RTS and issues their code.
	selectTab(t, adm.Tabs, "Personnes")
	rtsID := data.Postes[1].RTS
	test.Type(adm.people.filter, rtsID)
	if len(adm.people.rows) != 1 || adm.people.issue.Disabled() == false {
		t.Fatalf("people search %q: %d rows", rtsID, len(adm.people.rows))
	}
	adm.people.list.Select(0)
	if adm.people.issue.Disabled() || !adm.people.reset.Disabled() {
		t.Fatal("issue a code to a person without a key: buttons wrong")
	}
	shoot(t, adminApp, "admin-8-personnes")
	test.Tap(adm.people.issue)
	if top := adminApp.Window.Canvas().Overlays().Top(); top == nil || !strings.Contains(test.RenderObjectToMarkup(top), rtsID) {
		t.Fatal("issued code not shown")
	}
	adminApp.Window.Canvas().Overlays().Top().Hide()

	// Open the wishes; three interns wish the first poste.
	if err := adm.VM.Transition(ctx, ""); err != nil {
		t.Fatal(err)
	}
	poste := data.Postes[0]
	var n int
	for _, p := range data.People {
		if p.Role == domain.RoleIntern && p.Specialty == poste.Specialty && p.Subdivision == poste.Subdivision && n < 3 {
			u := env.Enroll(t, p.ID)
			pdf := []byte("%PDF-1.4\n% CV de " + p.FullName() + "\n%%EOF\n")
			fr, err := u.Client.UploadFile(ctx, "cv.pdf", pdf)
			if err != nil {
				t.Fatal(err)
			}
			env := u.Sign(api.WishListType, api.Submission{Round: env.Round, Author: p.ID, Seq: 1, ClientTime: time.Now().UTC().Truncate(time.Second),
				List: []string{poste.ID}, Attachments: []api.Attachment{{Kind: "cv", Name: "cv.pdf", SHA256: fr.SHA256, Size: fr.Size}}})
			if _, err := u.Client.Submit(ctx, env); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	env.Transition(t, domain.StateRankingsOpen)
	adm.reload(env.Round)
	selectTab(t, adm.Tabs, "Relances")
	if len(adm.reminders) == 0 {
		t.Fatal("no reminders")
	}
	shoot(t, adminApp, "admin-3-relances")
	selectTab(t, adm.Tabs, "Journal d'audit")
	shoot(t, adminApp, "admin-4-journal")

	// The RTS enrolls through the UI and ranks.
	rtsApp := staffApp(t, env, nil)
	enrollAs(t, rtsApp, poste.RTS, env.Codes[poste.RTS])
	test.Tap(findButton(rtsApp.Window.Content(), "Continuer"))
	s := rtsApp.rts
	if s == nil {
		t.Fatal("no RTS screen")
	}
	i := slices.IndexFunc(s.VM.Postes, func(p domain.Poste) bool { return p.ID == poste.ID })
	if i < 0 {
		t.Fatalf("poste %s missing: %v", poste.ID, s.VM.PosteLabels())
	}
	s.postes.Select(i)

	// The RTS asks for one more place on their poste; the form refuses a
	// bad value in French before anything is sent.
	if s.askCorr.Disabled() {
		t.Fatal("no correction request on a selected poste")
	}
	test.Tap(s.askCorr)
	f := s.form
	f.field.SetSelected("Capacité (places)")
	if f.current.Text != strconv.Itoa(poste.Capacity) {
		t.Errorf("current capacity shown %q, want %d", f.current.Text, poste.Capacity)
	}
	test.Type(f.proposed, "0")
	test.Type(f.message, "Le service ouvre une place de plus ce semestre.")
	test.Tap(f.send)
	if !strings.Contains(f.errLabel.Text, "capacité « 0 » invalide") {
		t.Errorf("bad capacity: error %q", f.errLabel.Text)
	}
	f.proposed.SetText(strconv.Itoa(poste.Capacity + 1))
	shoot(t, rtsApp, "rts-3-correction")
	test.Tap(f.send)
	if !s.VM.Svc.Unlocked() {
		typePassphrase(t, rtsApp)
	}
	if f.errLabel.Text != "" || !strings.HasPrefix(s.corrSummary.Text, "1 demandée") {
		t.Fatalf("request not filed: error %q, summary %q", f.errLabel.Text, s.corrSummary.Text)
	}

	// The admin applies it from the queue; the catalogue changes.
	selectTab(t, adm.Tabs, "Corrections")
	if len(adm.corr.vm.Items) != 1 {
		t.Fatalf("admin queue %q", adm.corr.vm.Labels())
	}
	adm.corr.list.Select(0)
	if adm.corr.value.Text != strconv.Itoa(poste.Capacity+1) || adm.corr.apply.Disabled() {
		t.Fatalf("value to apply %q, apply disabled %v", adm.corr.value.Text, adm.corr.apply.Disabled())
	}
	shoot(t, adminApp, "admin-7-corrections")
	test.Tap(adm.corr.apply)
	cat, err := env.Anonymous().Catalogue(ctx, env.Round, 0)
	if err != nil {
		t.Fatal(err)
	}
	if j := slices.IndexFunc(cat.Postes, func(p domain.Poste) bool { return p.ID == poste.ID }); j < 0 || cat.Postes[j].Capacity != poste.Capacity+1 {
		t.Errorf("capacity not applied: %+v", cat.Postes[j])
	}
	s.loadCorrections()
	if !strings.HasPrefix(s.corrSummary.Text, "1 appliquée") {
		t.Errorf("RTS summary after the decision: %q", s.corrSummary.Text)
	}

	test.Tap(s.fetch)
	if !s.VM.Svc.Unlocked() {
		typePassphrase(t, rtsApp)
	}
	if len(s.VM.RankedIDs()) != n {
		t.Fatalf("%d candidates ranked, want %d (%q)", len(s.VM.RankedIDs()), n, s.VM.Error)
	}
	s.ranked.Select(1)
	test.Tap(s.up)
	s.ranked.Select(n - 1)
	test.Tap(s.reject)
	if len(s.VM.UnrankedIDs()) != 1 {
		t.Fatalf("unranked %v", s.VM.UnrankedIDs())
	}
	s.ranked.Select(0)
	if len(s.files.Objects) != 1 {
		t.Fatalf("files of the candidate: %d", len(s.files.Objects))
	}
	shoot(t, rtsApp, "rts-1-classement")
	path, err := s.VM.Svc.DownloadFile(ctx, t.TempDir(), s.VM.Files(s.VM.RankedIDs()[0])[0])
	if b, _ := os.ReadFile(path); err != nil || !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("download: %v", err)
	}
	test.Tap(s.sign)
	typePassphrase(t, rtsApp)
	s.VM.Svc.Outbox.Step(ctx)
	vs := s.VM.Versions()
	if len(vs) != 1 || vs[0].State != localstore.StateAccepted {
		t.Fatalf("versions %+v (%q)", vs, s.VM.Error)
	}
	if !strings.HasPrefix(vs[0].Status, "Accepté le ") {
		t.Fatalf("status %q", vs[0].Status)
	}
	shoot(t, rtsApp, "rts-2-signe")

	// The admin runs and publishes, then rounds 2 and 3.
	env.Transition(t, domain.StateRankingsClosed)
	adm.reload(env.Round)
	selectTab(t, adm.Tabs, "Tour")
	// Running states the numbers first (lists received, postes ranked).
	test.Tap(adm.run)
	if txt := test.RenderObjectToMarkup(adminApp.Window.Canvas().Overlays().Top()); !strings.Contains(txt, "listes de vœux reçues sur") ||
		!strings.Contains(txt, "avec un classement signé sur") {
		t.Errorf("run confirmation without the numbers: %s", txt)
	}
	shoot(t, adminApp, "admin-5a-confirmer-calcul")
	adm.confirm.Confirm()
	if len(adm.previewRows) == 0 || adm.publish.Disabled() {
		t.Fatalf("preview %d rows (%q)", len(adm.previewRows), adm.VM.Error)
	}
	shoot(t, adminApp, "admin-5-previsualisation")
	// Publishing with most postes unranked asks twice.
	adm.second = nil
	test.Tap(adm.publish)
	adm.confirm.Confirm()
	if adm.VM.UnrankedShare()*100 > viewmodel.UnrankedPublishThreshold {
		if adm.second == nil {
			t.Fatalf("publication with %.0f %% of postes unranked: no second confirmation", adm.VM.UnrankedShare()*100)
		}
		shoot(t, adminApp, "admin-5b-deuxieme-confirmation")
		adm.second.Confirm()
	}
	if !adm.VM.Detail.Published {
		t.Fatalf("not published: %q", adm.VM.Error)
	}
	r2, err := adm.VM.NextRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env.TransitionRound(t, r2.ID, domain.StateRankingsClosed)
	env.Run(t, r2.ID)
	env.Publish(t, r2.ID)
	adm.reload(r2.ID)
	r3, err := adm.VM.NextRound(ctx)
	if err != nil {
		t.Fatal(err)
	}
	adm.reload(r3.ID)
	if adm.round3.Hidden || len(adm.VM.Remaining()) == 0 {
		t.Fatalf("round 3: hidden %v, %d remaining", adm.round3.Hidden, len(adm.VM.Remaining()))
	}
	first := adm.VM.Remaining()[0]
	test.Type(adm.remainingFilter, first.ID)
	if len(adm.remainingRows) != 1 || adm.remainingRows[0].ID != first.ID {
		t.Errorf("search %q among the remaining interns: %d rows", first.ID, len(adm.remainingRows))
	}
	adm.remainingFilter.SetText("")
	if len(adm.remainingRows) != len(adm.VM.Remaining()) {
		t.Errorf("empty search: %d rows of %d", len(adm.remainingRows), len(adm.VM.Remaining()))
	}
	var target int = -1
	for i, p := range adm.VM.Remaining() {
		adm.remaining.Select(i)
		if len(adm.freeRows) > 0 {
			target = i
			_ = p
			break
		}
	}
	if target < 0 {
		t.Fatal("no remaining intern with a free poste")
	}
	adm.free.Select(0)
	test.Type(adm.reason, "Accord de l'interne en séance")
	if adm.assign.Disabled() {
		t.Fatal("assign disabled")
	}
	shoot(t, adminApp, "admin-6-tour3")
	in := adm.VM.Remaining()[target]
	before := adm.round3Counters.Text
	test.Tap(adm.assign)
	adm.confirm.Confirm()
	if slices.ContainsFunc(adm.VM.Remaining(), func(x domain.Person) bool { return x.ID == in.ID }) {
		t.Errorf("assigned intern still remaining (%q)", adm.VM.Error)
	}
	if adm.round3Counters.Text == before || adm.round3Counters.Text == "" {
		t.Errorf("round-3 counters not updated: %q", before)
	}
	// Once published, the round-3 panel gives way to the result.
	env.Run(t, r3.ID)
	env.Publish(t, r3.ID)
	adm.reload(r3.ID)
	if !adm.round3.Hidden || adm.previewBox.Hidden {
		t.Errorf("round 3 published: panel hidden %v, result hidden %v", adm.round3.Hidden, adm.previewBox.Hidden)
	}
}

func TestCoordinatorScreen(t *testing.T) {
	opts := demodata.Small(1)
	data := demodata.Generate(opts)
	env := servertest.Start(t, servertest.Options{Demo: &opts})
	env.Transition(t, domain.StateWishesOpen)
	var coord domain.Person
	for _, p := range data.People {
		if p.Role == domain.RoleCoordinator {
			coord = p
			break
		}
	}
	app := staffApp(t, env, nil)
	enrollAs(t, app, coord.ID, env.Codes[coord.ID])
	test.Tap(findButton(app.Window.Content(), "Continuer"))
	typePassphrase(t, app)
	s := app.coord
	if s == nil || s.VM.Quality == nil {
		t.Fatalf("no coordinator dashboard (%q)", s.VM.Error)
	}
	if s.VM.Quality.Postes == 0 {
		t.Fatalf("no postes for %s/%s", coord.Specialty, coord.Subdivision)
	}
	for _, b := range s.VM.Quality.Balances {
		if (coord.Specialty != "" && b.Specialty != coord.Specialty) || (coord.Subdivision != "" && b.Subdivision != coord.Subdivision) {
			t.Errorf("out of scope: %+v", b)
		}
	}
	if len(s.posteRows) != s.VM.Quality.Postes || len(s.internRows) != s.VM.Quality.Interns {
		t.Errorf("lists: %d postes (dashboard %d), %d interns (dashboard %d)", len(s.posteRows), s.VM.Quality.Postes, len(s.internRows), s.VM.Quality.Interns)
	}
	shoot(t, app, "coordinator-1-tableau")

	// The coordinator flags an error on a poste of their scope.
	flag := findButton(s.Content, "Signaler une erreur…")
	if flag == nil {
		t.Fatal("no flag button")
	}
	test.Tap(flag)
	f := s.form
	if f.poste.Text == "" || f.kind.Hidden {
		t.Fatalf("flag form: poste %q, kinds hidden %v", f.poste.Text, f.kind.Hidden)
	}
	f.field.SetSelected("E-mail du RTS")
	test.Type(f.proposed, "secretariat.rts@chu.example.fr")
	test.Type(f.message, "Le RTS a changé d'adresse.")
	shoot(t, app, "coordinator-2-signalement")
	test.Tap(f.send)
	if f.errLabel.Text != "" {
		t.Fatalf("flag refused: %q", f.errLabel.Text)
	}
	s.corr.reload()
	if len(s.corr.vm.Items) != 1 || s.corr.vm.Items[0].Field != api.FieldRTSEmail || s.corr.vm.Items[0].Status != api.CorrectionRequested {
		t.Fatalf("coordinator's flags: %q", s.corr.vm.Labels())
	}
}

// selectTab selects the tab of the given title.
func selectTab(t *testing.T, tabs *container.AppTabs, title string) {
	t.Helper()
	for i, it := range tabs.Items {
		if it.Text == title {
			tabs.SelectIndex(i)
			return
		}
	}
	t.Fatalf("no tab %q", title)
}

// allLabels lists the labels under o.
func allLabels(o fyne.CanvasObject) []*widget.Label {
	switch v := o.(type) {
	case *widget.Label:
		return []*widget.Label{v}
	case *fyne.Container:
		var out []*widget.Label
		for _, c := range v.Objects {
			out = append(out, allLabels(c)...)
		}
		return out
	}
	return nil
}
