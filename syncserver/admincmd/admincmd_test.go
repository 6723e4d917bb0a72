package admincmd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/importer"
	"appariement/shared/paris"
	"appariement/shared/translog"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/servecmd"
	"appariement/syncserver/server"
)

// admin runs one admin command and returns its exit code and outputs.
func admin(t *testing.T, conn []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	full := append([]string{}, args...)
	full = append(full, conn...)
	code := Run(full, &out, &errb)
	t.Logf("admin %s → %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	return code, out.String(), errb.String()
}

func mustOK(t *testing.T, conn []string, args ...string) string {
	t.Helper()
	code, out, errs := admin(t, conn, args...)
	if code != 0 {
		t.Fatalf("admin %v: exit %d\n%s%s", args, code, out, errs)
	}
	return out
}

func TestAdminEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "store.db")
	keyPath := filepath.Join(dir, "admin.key")
	mustOK(t, nil, "init", "-db", db, "-id", "A0001", "-last-name", "Pasquier", "-first-name", "Mathilde",
		"-email", "mathilde.pasquier@ars.example.fr", "-key-out", keyPath)
	if fi, err := os.Stat(keyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if code, _, errs := admin(t, nil, "init", "-db", db, "-id", "A0001", "-last-name", "X", "-email", "x@y.fr", "-key-out", keyPath); code != 1 || !strings.Contains(errs, "existe déjà") {
		t.Fatalf("init over an existing key: exit %d %s", code, errs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	cfg := server.Config{DBPath: db, OutboxDir: filepath.Join(dir, "outbox"), PublicURL: "http://127.0.0.1"}
	go func() {
		done <- servecmd.Serve(ctx, cfg, "127.0.0.1:0", func(_ *server.Server, a net.Addr) { urlc <- servecmd.URL(cfg, a) })
	}()
	var url string
	select {
	case url = <-urlc:
	case err := <-done:
		t.Fatal(err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	conn := []string{"-server", url, "-id", "A0001", "-key", keyPath}

	// People: a bad row is reported by line and nothing is imported.
	interns := []domain.Person{
		{ID: "I1", Role: domain.RoleIntern, LastName: "Martin", FirstName: "Léa", Email: "lea.martin@etu.example.fr", Specialty: "CARDIO", Subdivision: "LYON", Rank: 1},
		{ID: "I2", Role: domain.RoleIntern, LastName: "Bernard", FirstName: "Hugo", Email: "hugo.bernard@etu.example.fr", Specialty: "CARDIO", Subdivision: "LYON", Rank: 2},
		{ID: "I3", Role: domain.RoleIntern, LastName: "Petit", FirstName: "Inès", Email: "ines.petit@etu.example.fr", Specialty: "CARDIO", Subdivision: "LYON", Rank: 3},
	}
	bad := append([]domain.Person{}, interns...)
	bad[1].Specialty = "PASUNDES"
	badFile := writeCSV(t, dir, "personnes-erreur.csv", func(b *bytes.Buffer) error { return importer.WritePeopleCSV(b, bad) })
	code, out, errs := admin(t, conn, "import-people", "-file", badFile)
	if code != 1 || !strings.Contains(out, "ligne 3") || !strings.Contains(out, "PASUNDES") || !strings.Contains(errs, "rien n'a été importé") {
		t.Fatalf("bad people file: exit %d\n%s%s", code, out, errs)
	}
	out = mustOK(t, conn, "people")
	if strings.Contains(out, "I1") {
		t.Fatalf("a bad file imported people:\n%s", out)
	}
	goodFile := writeCSV(t, dir, "personnes.csv", func(b *bytes.Buffer) error { return importer.WritePeopleCSV(b, interns) })
	if out := mustOK(t, conn, "import-people", "-file", goodFile, "-dry-run"); !strings.Contains(out, "rien n'a été importé") {
		t.Fatalf("dry run: %s", out)
	}
	if out := mustOK(t, conn, "import-people", "-file", goodFile); !strings.Contains(out, "3 créés") {
		t.Fatalf("import: %s", out)
	}

	// A round, its postes, its window.
	mustOK(t, conn, "round", "create", "-round", "R1", "-name", "Tour 1", "-specialty", "CARDIO", "-subdivision", "LYON")
	// A round requiring each RTS to rank 80 % of their candidates says so.
	if out := mustOK(t, conn, "round", "create", "-round", "RC", "-name", "Tour 80 %", "-min-ranking-coverage", "80"); !strings.Contains(out, "classe au moins 80 % de ses candidats") {
		t.Fatalf("round with coverage: %s", out)
	}
	// A round allowing wishes ex aequo, and a choix au rang with binômes, say so.
	if out := mustOK(t, conn, "round", "create", "-round", "RT", "-name", "Tour ex aequo", "-wish-ties"); !strings.Contains(out, "les internes mettre des vœux ex aequo ; tirage au sort engagé : ") {
		t.Fatalf("round with wish ties: %s", out)
	}
	if out := mustOK(t, conn, "round", "create", "-round", "RB", "-name", "Choix en binôme", "-procedure", "choix-au-rang", "-binomes"); !strings.Contains(out, "Binômes     : permis") || strings.Contains(out, "Ex aequo") ||
		!strings.Contains(out, "Liste d'appel : ex aequo départagés par le tirage du serveur, engagé : ") {
		t.Fatalf("round with binômes: %s", out)
	}
	postes := []domain.Poste{
		{ID: "P1", Specialty: "CARDIO", Subdivision: "LYON", Etablissement: "CHU de Lyon", Service: "Cardiologie", Town: "Lyon",
			Title: "Cardiologie interventionnelle", RTS: "R1S", RTSName: "Dr Roux", RTSEmail: "roux@chu-lyon.example.fr", Capacity: 1},
		{ID: "P2", Specialty: "CARDIO", Subdivision: "LYON", Etablissement: "CH de Villefranche", Service: "Cardiologie", Town: "Villefranche-sur-Saône",
			Title: "Cardiologie générale", RTS: "R1S", RTSName: "Dr Roux", RTSEmail: "roux@chu-lyon.example.fr", Capacity: 1},
	}
	postesFile := writeCSV(t, dir, "postes.csv", func(b *bytes.Buffer) error { return importer.WritePostesCSV(b, postes) })
	if out := mustOK(t, conn, "import-postes", "-round", "R1", "-file", postesFile); !strings.Contains(out, "2 créés") {
		t.Fatalf("import postes: %s", out)
	}
	// A partial list updates what it lists and closes nothing.
	changed := []domain.Poste{postes[1]}
	changed[0].Capacity = 2
	partialFile := writeCSV(t, dir, "postes-partiel.csv", func(b *bytes.Buffer) error { return importer.WritePostesCSV(b, changed) })
	if out := mustOK(t, conn, "import-postes", "-round", "R1", "-file", partialFile, "-partial"); !strings.Contains(out, "1 modifié") || !strings.Contains(out, "0 fermé") {
		t.Fatalf("partial import: %s", out)
	}
	// The correction queue: a request filed through the API, listed and
	// applied from the command line.
	key, err := keyfile.Read(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	ac, err := client.New(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.WithIdentity("A0001", key).FileCorrection(context.Background(), api.CorrectionRequest{Round: "R1", Poste: "P1",
		Field: api.FieldDescription, Proposed: "Salle de cathétérisme, astreintes partagées", Message: "description manquante"}); err != nil {
		t.Fatal(err)
	}
	if out := mustOK(t, conn, "corrections"); !strings.Contains(out, "CR000001") || !strings.Contains(out, "requested") || !strings.Contains(out, "1 demande") {
		t.Fatalf("corrections: %s", out)
	}
	if code, _, errs := admin(t, conn, "decide", "CR000001", "-status", "refused"); code != 1 || !strings.Contains(errs, "motif obligatoire") {
		t.Fatalf("refusal without a reason: exit %d %s", code, errs)
	}
	if out := mustOK(t, conn, "decide", "CR000001", "-status", "applied"); !strings.Contains(out, "CR000001 : applied") {
		t.Fatalf("decide: %s", out)
	}
	if out := mustOK(t, conn, "corrections", "-status", "applied"); !strings.Contains(out, "CR000001") {
		t.Fatalf("applied corrections: %s", out)
	}

	now := time.Now()
	mustOK(t, conn, "round", "schedule", "R1", "-wishes-open", now.Add(-time.Minute).Format(time.RFC3339),
		"-wishes-close", now.Add(time.Hour).Format(time.RFC3339))
	mustOK(t, conn, "round", "open-wishes", "R1")
	if out := mustOK(t, conn, "round", "show", "R1"); !strings.Contains(out, "wishes_open") || !strings.Contains(out, "3 participants") {
		t.Fatalf("round show: %s", out)
	}

	// Codes, enrollment, wish lists.
	out = mustOK(t, conn, "codes", "-all")
	codes := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "I1" || f[0] == "I2" || f[0] == "I3" || f[0] == "R1S") {
			codes[f[0]] = f[1]
		}
	}
	if len(codes) != 4 {
		t.Fatalf("codes: %v", codes)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "outbox")); len(ents) != 4 {
		t.Fatalf("outbox: %d e-mails", len(ents))
	}
	enroll := func(id string) *client.Client {
		pub, priv, _ := ed25519.GenerateKey(nil)
		c, err := client.New(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Enroll(context.Background(), id, codes[id], pub); err != nil {
			t.Fatalf("enroll %s: %v", id, err)
		}
		return c.WithIdentity(id, priv)
	}
	submit := func(c *client.Client, typ string, sub api.Submission) {
		b, _ := json.Marshal(sub)
		if _, err := c.Submit(context.Background(), envelope.Sign(c.Key, typ, b)); err != nil {
			t.Fatalf("submit %s: %v", sub.Author, err)
		}
	}
	i1, i2, rts := enroll("I1"), enroll("I2"), enroll("R1S")
	submit(i1, api.WishListType, api.Submission{Round: "R1", Author: "I1", Seq: 1, ClientTime: now, List: []string{"P1", "P2"}})
	submit(i2, api.WishListType, api.Submission{Round: "R1", Author: "I2", Seq: 1, ClientTime: now, List: []string{"P1"}})

	// Running too early is refused with the server's French message.
	code, _, errs = admin(t, conn, "run", "R1")
	if code != 1 || !strings.Contains(errs, "ne peut pas être lancé") || !strings.Contains(errs, "[invalid_state]") {
		t.Fatalf("early run: exit %d %s", code, errs)
	}
	mustOK(t, conn, "round", "close-wishes", "R1")
	mustOK(t, conn, "round", "open-rankings", "R1")
	submit(rts, api.RankingType, api.Submission{Round: "R1", Author: "R1S", Seq: 1, ClientTime: now, Poste: "P1", List: []string{"I2", "I1"}})
	submit(rts, api.RankingType, api.Submission{Round: "R1", Author: "R1S", Seq: 1, ClientTime: now, Poste: "P2", List: []string{"I1"}})
	mustOK(t, conn, "round", "close-rankings", "R1")
	if out := mustOK(t, conn, "run", "R1"); !strings.Contains(out, "2 internes affectés, 1 sans poste") {
		t.Fatalf("run: %s", out)
	}
	mustOK(t, conn, "publish", "R1")
	exp := filepath.Join(dir, "resultats.csv")
	mustOK(t, conn, "export", "-round", "R1", "-format", "csv", "-out", exp)
	data, err := os.ReadFile(exp)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.Contains(text, "I1") || !strings.Contains(text, "P2") || !strings.Contains(text, "I2") || !strings.Contains(text, "P1") {
		t.Fatalf("export:\n%s", text)
	}
	xlsx := filepath.Join(dir, "resultats.xlsx")
	mustOK(t, conn, "export", "-round", "R1", "-out", xlsx)
	if data, err := os.ReadFile(xlsx); err != nil || !bytes.HasPrefix(data, []byte("PK")) {
		t.Fatalf("xlsx export: %v %.4q", err, data)
	}
	code, _, errs = admin(t, conn, "assign", "-round", "R1", "-intern", "I1", "-poste", "P1", "-reason", "test")
	if code != 1 || !strings.Contains(errs, "refusé par le serveur") {
		t.Fatalf("assign in round 1: exit %d %s", code, errs)
	}
	if out := mustOK(t, conn, "next", "R1", "-name", "Tour 2"); !strings.Contains(out, "Tour R2 créé") {
		t.Fatalf("next: %s", out)
	}
	// Round 2 with nobody's list, then round 3 where I3 is assigned by hand.
	for _, step := range []string{"open-wishes", "close-wishes", "open-rankings", "close-rankings"} {
		mustOK(t, conn, "round", step, "R2")
	}
	mustOK(t, conn, "run", "R2")
	mustOK(t, conn, "publish", "R2")
	mustOK(t, conn, "next", "R2", "-name", "Tour 3")
	if out := mustOK(t, conn, "assign", "-round", "R3", "-intern", "I3", "-poste", "P2", "-reason", "choix en amphi"); !strings.Contains(out, "I3 affecté(e) au poste P2") {
		t.Fatalf("assign: %s", out)
	}
	if out := mustOK(t, conn, "run", "R3"); !strings.Contains(out, "1 affectation manuelle") {
		t.Fatalf("run R3: %s", out)
	}
	mustOK(t, conn, "publish", "R3")
	if out := mustOK(t, conn, "audit"); !strings.Contains(out, "import-people") || !strings.Contains(out, "publish") {
		t.Fatalf("audit: %s", out)
	}
	if out := mustOK(t, conn, "mail"); !strings.Contains(out, "activation") || !strings.Contains(out, "result") || !strings.Contains(out, "En attente : 0,") || !strings.Contains(out, "abandonnés : 0") {
		t.Fatalf("mail: %s", out)
	}
	if out := mustOK(t, conn, "log-entries"); !strings.Contains(out, "auteur=I1") {
		t.Fatalf("log-entries: %s", out)
	}
	// A witness: its -key is the witness's verifier key, the admin's key
	// file is -admin-key (both flags named -key made the command panic).
	wpub, _, _ := ed25519.GenerateKey(nil)
	vkey, err := translog.WitnessKey("temoin.example", wpub)
	if err != nil {
		t.Fatal(err)
	}
	if out := mustOK(t, nil, "witness", "add", "-name", "temoin.example", "-key", vkey, "-server", url, "-id", "A0001", "-admin-key", keyPath); !strings.Contains(out, "Témoin enregistré") {
		t.Fatalf("witness add: %s", out)
	}
	if out := mustOK(t, conn, "reset-key", "-person", "I1", "-reason", "ordinateur perdu"); !strings.Contains(out, "révoquée") {
		t.Fatalf("reset-key: %s", out)
	}
	// A wrong key is refused with a French message and its code.
	_, other, _ := ed25519.GenerateKey(nil)
	otherKey := filepath.Join(dir, "other.key")
	if err := keyfile.Write(otherKey, other); err != nil {
		t.Fatal(err)
	}
	code, _, errs = admin(t, []string{"-server", url, "-id", "A0001", "-key", otherKey}, "people")
	if code != 1 || !strings.Contains(errs, "refusé par le serveur") {
		t.Fatalf("wrong key: exit %d %s", code, errs)
	}
}

func writeCSV(t *testing.T, dir, name string, fn func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := fn(&b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseTime(t *testing.T) {
	got, err := paris.Parse("2026-09-01 00:01")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 8, 31, 22, 1, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := paris.Parse("2026-09-01T00:01:00Z"); err != nil {
		t.Fatal(err)
	}
	if _, err := paris.Parse("demain"); err == nil {
		t.Fatal("no error for a bad time")
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run(nil, &out, &errb); code != 2 {
		t.Fatalf("no subcommand: exit %d", code)
	}
	if code := Run([]string{"frobnicate"}, &out, &errb); code != 2 {
		t.Fatalf("unknown subcommand: exit %d", code)
	}
	if code := Run([]string{"people"}, &out, &errb); code != 2 {
		t.Fatalf("no connection flags: exit %d", code)
	}
	if code := Run([]string{"round", "show"}, &out, &errb); code != 2 {
		t.Fatalf("round show without R: exit %d", code)
	}
	if code := Run([]string{"witness", "add", "-h"}, &out, &errb); code != 0 {
		t.Fatalf("witness add -h: exit %d", code)
	}
	errb.Reset()
	if code := Run([]string{"witness", "add", "-name", "W", "-key", "W+1+x", "-server", "http://127.0.0.1:1", "-id", "A0001"}, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "-admin-key est obligatoire") {
		t.Fatalf("witness add without the admin's key: exit %d %s", code, errb.String())
	}
	if nextID("R1") != "R2" || nextID("tour") != "tour-2" {
		t.Fatal("nextID")
	}
}
