// Package democmd implements the "demo" subcommand of the sync server: it
// generates the national demo data set (syncserver/demodata), creates a
// store with a first admin, serves it on loopback, imports the people and
// the postes through the admin API, opens round 1 for wishes, issues an
// activation code to everyone and writes them to DIR/codes.txt; then, in
// the background, a share of the interns submit signed wish lists over time
// and, once the rankings of round 1 open, the RTS sign rankings of their
// candidates, so that running round 1 places most interns who sent a list.
// The first people of codes.txt are typical (demodata.Showcase): interns
// with many postes to choose from, the RTS of a poste with many candidates.
//
//	lab demo -dir DIR -addr 127.0.0.1:8080 [-seed N] [-interns N] [-postes N] [-simulate=false]
//
// Run again on the same DIR, it reuses the store: nothing is regenerated.
package democmd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/importer"
	"appariement/shared/paris"
	"appariement/syncserver/admincmd"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/demodata"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/servecmd"
	"appariement/syncserver/server"
	"appariement/syncserver/store"
)

// Files written in the demo directory.
const (
	StoreFile      = "store.db"
	AdminKeyFile   = "admin.key"
	CodesFile      = "codes.txt"
	PostesFile     = "postes.csv"
	PeopleFile     = "personnes.csv"
	SimulationFile = "simulation.keys"
	OutboxDir      = "outbox"
)

// Round is the id of the demo's first round.
const Round = "R1"

// ChoixRound is the demo's "choix au rang" round, limited to the
// subdivision ChoixSubdivision, with a published call list: its interns see
// the simulation des choix move as the simulated interns submit.
const ChoixRound = "C1"

// ChoixSubdivision is the subdivision of ChoixRound.
const ChoixSubdivision = "AMIENS"

// demoIPRate is the demo server's limit of requests a second per client
// address: on loopback, every person trying the demo and the simulation
// share one address.
const demoIPRate = 1000

// KeyName names the demo server's key in its checkpoints.
const KeyName = "appariement.demo"

// Options configures a demo.
type Options struct {
	Dir  string // data directory (created if missing)
	Addr string // listen address, e.g. 127.0.0.1:8080 (port 0 picks one)
	Data demodata.Options
	// Window is how long the wishes stay open from now (default 72h).
	Window time.Duration
	// Simulate makes a share of the interns submit wish lists over time.
	Simulate bool
	// SimulateShare is the share of interns simulated (default 0.3).
	SimulateShare float64
	// SimulateEvery is the pause between two simulated submissions (default 2s).
	SimulateEvery time.Duration
	// Logger receives the server's logs (slog.Default if nil).
	Logger *slog.Logger
	// Ready, if set, is called once the demo is set up and codes.txt written,
	// with the server's URL.
	Ready func(url string)
}

const help = `Démonstration nationale : génère les données (28 subdivisions, 44 DES, postes,
internes, erreurs plantées), crée la base et l'administrateur, importe tout par
l'API d'administration, ouvre les vœux du tour R1, émet les codes d'activation
(DIR/codes.txt) et sert jusqu'à Ctrl-C. Relancée sur le même dossier, elle
reprend la base existante.`

// Command is "lab demo", writing to stdio: it serves the demo until its
// context is cancelled (Ctrl-C).
func Command(stdio cmdrun.IO) cmdrun.Command {
	def := demodata.DefaultOptions()
	var dir, addr, logFormat, logLevel string
	var seed uint64
	var interns, postes int
	var plant, simulate bool
	var window, every time.Duration
	var share float64
	var logger *slog.Logger
	return cmdrun.Command{
		Name: "demo",
		Summary: "démonstration nationale sur la boucle locale / national demo on loopback\n" +
			"(-dir DIR -addr 127.0.0.1:8080 [-seed N] [-interns N] [-postes N] [-simulate])",
		Usage:    "-dir DIR -addr 127.0.0.1:8080 [-seed N] [-interns N] [-postes N] [-simulate=false]",
		Help:     help,
		Graceful: true,
		Required: []string{"dir"},
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&dir, "dir", "", "dossier de la démonstration (base, clé admin, codes, CSV)")
			fs.StringVar(&addr, "addr", "127.0.0.1:8080", "adresse d'écoute (boucle locale de préférence)")
			fs.Uint64Var(&seed, "seed", def.Seed, "graine des données générées")
			fs.IntVar(&interns, "interns", def.Interns, "nombre d'internes")
			fs.IntVar(&postes, "postes", def.Postes, "nombre de postes")
			fs.BoolVar(&plant, "plant", true, "planter les erreurs de données documentées")
			fs.DurationVar(&window, "window", 72*time.Hour, "durée d'ouverture des vœux à partir de maintenant")
			fs.BoolVar(&simulate, "simulate", true, "une part des internes dépose des vœux au fil du temps")
			fs.Float64Var(&share, "simulate-share", 0.3, "part des internes simulés (0 à 1)")
			fs.DurationVar(&every, "simulate-every", 2*time.Second, "intervalle entre deux dépôts simulés")
			fs.StringVar(&logFormat, "log-format", "text", "format des journaux : text ou json")
			fs.StringVar(&logLevel, "log-level", "warn", "niveau des journaux du serveur")
		},
		Check: func([]string) (err error) {
			if share < 0 || share > 1 {
				return cmdrun.Usagef("-simulate-share doit être entre 0 et 1")
			}
			if logger, err = servecmd.NewLogger(stdio.Stderr, logFormat, logLevel); err != nil {
				return cmdrun.Usagef("%v", err)
			}
			return nil
		},
		Run: func(ctx context.Context, _ []string) error {
			opts := Options{Dir: dir, Addr: addr, Data: demodata.Options{Seed: seed, Interns: interns, Postes: postes, Plant: plant},
				Window: window, Simulate: simulate, SimulateShare: share, SimulateEvery: every, Logger: logger}
			if err := Demo(ctx, opts, stdio.Stdout); err != nil {
				return err
			}
			fmt.Fprintln(stdio.Stdout, "Démonstration arrêtée (demo stopped).")
			return nil
		},
	}
}

// Run runs the demo subcommand with the arguments that follow "demo",
// through cmdrun, without an end (the lab binary runs Command with a
// context that SIGINT and SIGTERM cancel). It returns 1 on failure, 2 on
// bad usage.
func Run(args []string, stdout, stderr io.Writer) int {
	ctx := context.Background()
	stdio := cmdrun.IO{Stdout: stdout, Stderr: stderr}
	return cmdrun.RunCommand(ctx, "lab", Command(stdio), stdio, args)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Demo sets up the demo in opts.Dir (or reuses it) and serves it until
// ctx is done.
func Demo(ctx context.Context, opts Options, out io.Writer) error {
	if opts.Window <= 0 {
		opts.Window = 72 * time.Hour
	}
	if opts.SimulateShare == 0 {
		opts.SimulateShare = 0.3
	}
	if opts.SimulateEvery <= 0 {
		opts.SimulateEvery = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return fmt.Errorf("dossier de démonstration %s: %w", opts.Dir, err)
	}
	path := func(name string) string { return filepath.Join(opts.Dir, name) }
	setUp := exists(path(CodesFile))
	if setUp {
		fmt.Fprintf(out, "Démonstration existante reprise dans %s (rien n'est régénéré) ; codes : %s\n", opts.Dir, path(CodesFile))
	} else {
		fmt.Fprintf(out, "Génération des données de démonstration dans %s…\n", opts.Dir)
	}
	data := demodata.Generate(opts.Data)
	var admin *domain.Person
	var people []domain.Person
	var admins []domain.Person // the other admins: they enroll with the app
	for i, p := range data.People {
		if p.Role == domain.RoleAdmin {
			if admin == nil {
				admin = &data.People[i]
			} else {
				admins = append(admins, p)
			}
			continue
		}
		people = append(people, p)
	}
	if admin == nil {
		return errors.New("les données générées n'ont pas d'administrateur")
	}
	keyPath := path(AdminKeyFile)
	if !exists(keyPath) {
		if err := admincmd.Init(path(StoreFile), KeyName, *admin, keyPath); err != nil {
			return fmt.Errorf("création de l'administrateur de démonstration (supprimez %s pour repartir de zéro): %w", opts.Dir, err)
		}
	}
	adminKey, err := keyfile.Read(keyPath)
	if err != nil {
		return err
	}
	if !setUp {
		if err := writeCSVs(path(PostesFile), path(PeopleFile), data.Postes, people); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("écoute sur %s (listen): %w", opts.Addr, err)
	}
	cfg := server.Config{DBPath: path(StoreFile), Name: KeyName, OutboxDir: path(OutboxDir), Logger: opts.Logger,
		IPRate: demoIPRate, IPBurst: 2 * demoIPRate}
	url := servecmd.URL(cfg, ln.Addr())
	cfg.PublicURL = url
	srv, err := server.Open(cfg)
	if err != nil {
		ln.Close()
		return fmt.Errorf("ouverture du serveur (open %s): %w", cfg.DBPath, err)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- servecmd.ServeOn(sctx, srv, ln, nil) }()
	fail := func(err error) error {
		cancel()
		<-served
		return err
	}
	// No per-request timeout: issuing a batch of activation codes hashes
	// each with Argon2id, which takes longer than a client's usual 30 s on
	// a busy machine; the command's context bounds every request.
	c, err := client.New(url, &http.Client{})
	if err != nil {
		return fail(err)
	}
	c = c.WithIdentity(admin.ID, adminKey)
	sim, err := loadSimulated(path(SimulationFile))
	if err != nil {
		return fail(err)
	}
	if !setUp {
		if sim, err = setup(ctx, c, srv.Store(), opts, data, people, sim, out); err != nil {
			return fail(fmt.Errorf("mise en place de la démonstration: %w", err))
		}
		// The import refuses admins (only an admin creates an admin): the
		// demo writes the other admins in the store itself, as "admin
		// init" does, and issues their codes like everyone's.
		err := srv.Store().Update(func(tx store.Tx) error {
			for _, a := range admins {
				if err := tx.PutPerson(a); err != nil {
					return err
				}
				if err := tx.Audit(store.AuditEntry{Time: time.Now(), Actor: admin.ID, Action: "demo-admin", Target: a.ID}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fail(fmt.Errorf("administrateurs de démonstration: %w", err))
		}
		listed := firstListed(append(slices.Clone(people), admins...), data)
		if err := writeCodes(ctx, c, api.ServerKey(srv.Store().ServerKey()), url, *admin, listed, sim, path(CodesFile), out); err != nil {
			return fail(fmt.Errorf("codes d'activation: %w", err))
		}
	}
	key := srv.Store().ServerKey()
	fmt.Fprintf(out, `
Serveur de démonstration : %s
Empreinte de la clé du serveur : %s
Codes d'activation       : %s
Fichiers à importer      : %s, %s (avec les erreurs plantées)
Administration           : syncserver admin round show %s -server %s -id %s -key %s
`, url, key.Fingerprint, path(CodesFile), path(PostesFile), path(PeopleFile), Round, url, admin.ID, keyPath)
	for _, p := range data.Planted {
		fmt.Fprintf(out, "Erreur plantée (%s) : %s\n", p.Kind, p.Description)
	}
	if opts.Simulate && len(sim) > 0 {
		fmt.Fprintf(out, "Simulation : %d personnes simulées ; les internes déposent des vœux, un toutes les %s, "+
			"les RTS signent leurs classements dès l'ouverture des classements du tour %s (-simulate=false pour l'arrêter).\n",
			len(sim), opts.SimulateEvery, Round)
		go simulate(sctx, url, srv.Store(), opts, newPlan(data.Postes, people, data.Showcase, sim), sim)
	}
	fmt.Fprintln(out, "Ctrl-C pour arrêter.")
	if opts.Ready != nil {
		opts.Ready(url)
	}
	if err := <-served; err != nil {
		return err
	}
	return nil
}

func writeCSVs(postesPath, peoplePath string, postes []domain.Poste, people []domain.Person) error {
	var b bytes.Buffer
	if err := importer.WritePostesCSV(&b, postes); err != nil {
		return fmt.Errorf("écriture de %s: %w", postesPath, err)
	}
	if err := os.WriteFile(postesPath, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("écriture de %s: %w", postesPath, err)
	}
	b.Reset()
	if err := importer.WritePeopleCSV(&b, people); err != nil {
		return fmt.Errorf("écriture de %s: %w", peoplePath, err)
	}
	if err := os.WriteFile(peoplePath, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("écriture de %s: %w", peoplePath, err)
	}
	return nil
}

// DemoRankingCoverage is the minimum share of its candidates, in percent,
// each RTS of the demo's appariement must rank: 80, as in 2020.
const DemoRankingCoverage = 80

// setup imports the data through the admin API, creates and opens round
// 1 and registers the keys of the simulated interns. Every step can be
// run again after an interruption.
func setup(ctx context.Context, c *client.Client, st *store.Store, opts Options, data *demodata.Data,
	people []domain.Person, sim map[string]ed25519.PrivateKey, out io.Writer) (map[string]ed25519.PrivateKey, error) {
	// The generated files carry the planted errors, which the CSV import
	// refuses (as it should): the demo imports the same rows as JSON, which
	// the server checks less strictly, so that the errors reach the
	// data-quality dashboard.
	b, err := json.Marshal(people)
	if err != nil {
		return nil, err
	}
	rep, err := c.ImportPeople(ctx, api.FormatJSON, b, false)
	if err != nil {
		return nil, fmt.Errorf("import des personnes: %w", err)
	}
	fmt.Fprintf(out, "Personnes importées : %d lignes, %d créées.\n", rep.Rows, rep.Created)
	_, err = c.CreateRound(ctx, api.CreateRoundRequest{ID: Round, Name: "Appariement — tour 1 (démonstration)", Procedure: domain.Appariement,
		MinRankingCoverage: DemoRankingCoverage})
	var ae *api.Error
	if err != nil && !(errors.As(err, &ae) && ae.Code == api.CodeConflict) {
		return nil, fmt.Errorf("création du tour %s: %w", Round, err)
	}
	d, err := c.RoundDetail(ctx, Round)
	if err != nil {
		return nil, err
	}
	if d.Round.State == domain.StateDraft {
		b, err = json.Marshal(data.Postes)
		if err != nil {
			return nil, err
		}
		rep, err = c.ImportPostes(ctx, Round, api.FormatJSON, b, false)
		if err != nil {
			return nil, fmt.Errorf("import des postes: %w", err)
		}
		fmt.Fprintf(out, "Postes importés : %d lignes, %d créés, %d RTS ajoutés.\n", rep.Rows, rep.Created, rep.RTSAdded)
		now := st.Now()
		closes := now.Add(opts.Window).Truncate(time.Minute)
		if _, err := c.Schedule(ctx, Round, api.ScheduleRequest{WishesOpen: now.Add(-time.Minute).Truncate(time.Minute), WishesClose: closes,
			RankingsOpen: closes.Add(time.Hour), RankingsClose: closes.Add(time.Hour + opts.Window), Reason: "démonstration"}); err != nil {
			return nil, fmt.Errorf("calendrier du tour %s: %w", Round, err)
		}
		if _, err := c.Transition(ctx, Round, domain.StateWishesOpen, "démonstration"); err != nil {
			return nil, fmt.Errorf("ouverture des vœux du tour %s: %w", Round, err)
		}
		fmt.Fprintf(out, "Tour %s : vœux ouverts jusqu'au %s.\n", Round, paris.Format(closes, "fr"))
	}
	if err := setupChoix(ctx, c, st, opts, data, out); err != nil {
		return nil, err
	}
	if opts.Simulate && len(sim) == 0 {
		if sim, err = registerSimulated(st, people, data.Showcase, opts.SimulateShare, filepath.Join(opts.Dir, SimulationFile)); err != nil {
			return nil, err
		}
	}
	return sim, nil
}

// setupChoix creates ChoixRound with the postes of ChoixSubdivision,
// computes and publishes its call list from the interns' ranks (ties
// broken by the seed the server drew and committed when it created the
// round), and opens its wishes window. A call list that fails its
// checks is reported and left as a draft: the admin sees why.
func setupChoix(ctx context.Context, c *client.Client, st *store.Store, opts Options, data *demodata.Data, out io.Writer) error {
	_, err := c.CreateRound(ctx, api.CreateRoundRequest{ID: ChoixRound, Procedure: domain.ChoixAuRang, Subdivision: ChoixSubdivision,
		Name: "Choix au rang — " + domain.LookupSubdivision(ChoixSubdivision).Name + " (démonstration)"})
	var ae *api.Error
	if err != nil && !(errors.As(err, &ae) && ae.Code == api.CodeConflict) {
		return fmt.Errorf("création du tour %s: %w", ChoixRound, err)
	}
	d, err := c.RoundDetail(ctx, ChoixRound)
	if err != nil {
		return err
	}
	if d.Round.State != domain.StateDraft {
		return nil
	}
	var postes []domain.Poste
	for _, p := range data.Postes {
		if p.Subdivision == ChoixSubdivision {
			postes = append(postes, p)
		}
	}
	b, err := json.Marshal(postes)
	if err != nil {
		return err
	}
	if _, err := c.ImportPostes(ctx, ChoixRound, api.FormatJSON, b, false); err != nil {
		return fmt.Errorf("import des postes du tour %s: %w", ChoixRound, err)
	}
	draft, err := c.ComputeCallList(ctx, ChoixRound, api.ComputeCallListRequest{})
	if err != nil {
		return fmt.Errorf("liste d'appel du tour %s: %w", ChoixRound, err)
	}
	if draft.Report != nil && !draft.Report.OK {
		fmt.Fprintf(out, "Liste d'appel du tour %s non publiée :\n  %s\n", ChoixRound, strings.Join(draft.Report.Messages, "\n  "))
	} else if pub, err := c.PublishCallList(ctx, ChoixRound, "liste d'appel initiale"); err != nil {
		fmt.Fprintf(out, "Liste d'appel du tour %s non publiée : %v\n", ChoixRound, err)
	} else {
		n, word := len(draft.List.Entries), "internes"
		if n <= 1 {
			word = "interne" // French: 0 and 1 take the singular
		}
		fmt.Fprintf(out, "Liste d'appel du tour %s publiée (version %d, %d %s).\n", ChoixRound, pub.Version, n, word)
	}
	now := st.Now()
	closes := now.Add(opts.Window).Truncate(time.Minute)
	if _, err := c.Schedule(ctx, ChoixRound, api.ScheduleRequest{WishesOpen: now.Add(-time.Minute).Truncate(time.Minute), WishesClose: closes,
		Reason: "démonstration"}); err != nil {
		return fmt.Errorf("calendrier du tour %s: %w", ChoixRound, err)
	}
	if _, err := c.Transition(ctx, ChoixRound, domain.StateWishesOpen, "démonstration"); err != nil {
		return fmt.Errorf("ouverture des vœux du tour %s: %w", ChoixRound, err)
	}
	fmt.Fprintf(out, "Tour %s (choix au rang, %s) : vœux ouverts jusqu'au %s ; simulation des choix recalculée chaque minute.\n",
		ChoixRound, domain.LookupSubdivision(ChoixSubdivision).Name, paris.Format(closes, "fr"))
	return nil
}

// firstListed orders people for codes.txt: the showcase's first interns
// and RTS (demodata.Showcase: an intern with many postes to choose from, the
// RTS of the poste that draws many candidates), the coordinator of the cell
// planted short of places (the demo shows them flagging it), then everyone
// else in their order.
func firstListed(people []domain.Person, data *demodata.Data) []domain.Person {
	sc := data.Showcase
	prio := map[string]int{}
	for i, id := range sc.Interns[:min(HumanInterns, len(sc.Interns))] {
		prio[id] = i + 1
	}
	for i, id := range sc.RTS[:min(HumanRTS, len(sc.RTS))] {
		prio[id] = i + 1
	}
	for _, pe := range data.Planted {
		if pe.Kind != demodata.PlantShortage {
			continue
		}
		for _, p := range people {
			if p.Role == domain.RoleCoordinator && p.Specialty == pe.Specialty && p.Subdivision == pe.Subdivision {
				prio[p.ID] = 1
			}
		}
	}
	listed := slices.Clone(people)
	slices.SortStableFunc(listed, func(a, b domain.Person) int {
		pa, pb := prio[a.ID], prio[b.ID]
		switch {
		case pa > 0 && pb > 0:
			return pa - pb
		case pa > 0:
			return -1
		case pb > 0:
			return 1
		}
		return 0
	})
	return listed
}

// registerSimulated picks the people the simulation plays: every intern of
// the showcase but the first HumanInterns, a share of the other interns
// spread over the list, and every RTS but the showcase's first HumanRTS
// (so that the postes have rankings when round 1 runs). It registers a
// fresh key for each directly in the store and saves the keys.
func registerSimulated(st *store.Store, people []domain.Person, sc demodata.Showcase, share float64, path string) (map[string]ed25519.PrivateKey, error) {
	human := map[string]bool{}
	for _, id := range sc.Interns[:min(HumanInterns, len(sc.Interns))] {
		human[id] = true
	}
	for _, id := range sc.RTS[:min(HumanRTS, len(sc.RTS))] {
		human[id] = true
	}
	showcase := map[string]bool{}
	for _, id := range sc.Interns {
		showcase[id] = true
	}
	var interns, chosen []string
	for _, p := range people {
		switch {
		case human[p.ID]:
		case p.Role == domain.RoleIntern && showcase[p.ID]:
			chosen = append(chosen, p.ID)
		case p.Role == domain.RoleIntern:
			interns = append(interns, p.ID)
		case p.Role == domain.RoleRTS:
			chosen = append(chosen, p.ID)
		}
	}
	sim := map[string]ed25519.PrivateKey{}
	if share <= 0 || len(interns) < 10 {
		return sim, nil
	}
	// The first few of the other interns stay for people to try with
	// their codes.
	for x := 5.0; int(x) < len(interns); x += 1 / share {
		chosen = append(chosen, interns[int(x)])
	}
	var b strings.Builder
	err := st.Update(func(tx store.Tx) error {
		for _, id := range chosen {
			pub, priv, err := ed25519.GenerateKey(nil)
			if err != nil {
				return err
			}
			if err := tx.RegisterKey(id, pub, st.Now()); err != nil {
				return err
			}
			sim[id] = priv
			fmt.Fprintf(&b, "%s %s\n", id, base64.StdEncoding.EncodeToString(priv.Seed()))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("clés des personnes simulées: %w", err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return nil, fmt.Errorf("écriture de %s: %w", path, err)
	}
	return sim, nil
}

func loadSimulated(path string) (map[string]ed25519.PrivateKey, error) {
	sim := map[string]ed25519.PrivateKey{}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return sim, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lecture de %s: %w", path, err)
	}
	for n, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		seed, err := base64.StdEncoding.DecodeString(f[len(f)-1])
		if len(f) != 2 || err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("%s, ligne %d : clé illisible", path, n+1)
		}
		sim[f[0]] = ed25519.NewKeyFromSeed(seed)
	}
	return sim, nil
}

// writeCodes issues an activation code to everyone without a key, in
// batches, and writes codes.txt (atomically: scripts wait for the file).
func writeCodes(ctx context.Context, c *client.Client, key api.ServerKey, url string, admin domain.Person,
	people []domain.Person, sim map[string]ed25519.PrivateKey, path string, out io.Writer) error {
	status, err := c.People(ctx)
	if err != nil {
		return err
	}
	enrolled := map[string]bool{}
	for _, s := range status {
		enrolled[s.Person.ID] = s.Enrolled
	}
	var ids []string
	for _, p := range people {
		if !enrolled[p.ID] {
			ids = append(ids, p.ID)
		}
	}
	fmt.Fprintf(out, "Émission de %d codes d'activation (haché chacun par Argon2id : environ une minute)…\n", len(ids))
	codes := map[string]string{}
	for len(ids) > 0 {
		n := min(admincmd.CodeBatch, len(ids))
		res, err := c.IssueCodes(ctx, api.IssueCodesRequest{People: ids[:n]})
		if err != nil {
			return err
		}
		for _, ic := range res.Codes {
			codes[ic.Person] = ic.Code
		}
		ids = ids[n:]
	}
	// A few interns, then RTS, a coordinator and an admin (who signs in
	// with the app: the bootstrap admin's key is for the command line)
	// first; everyone else after.
	roles := []domain.Role{domain.RoleIntern, domain.RoleRTS, domain.RoleCoordinator, domain.RoleAdmin}
	quota := map[domain.Role]int{domain.RoleIntern: 4, domain.RoleRTS: 2, domain.RoleCoordinator: 1, domain.RoleAdmin: 1}
	firsts := map[domain.Role][]domain.Person{}
	var rest []domain.Person
	for _, p := range people {
		if codes[p.ID] == "" {
			continue
		}
		if quota[p.Role] > 0 {
			quota[p.Role]--
			firsts[p.Role] = append(firsts[p.Role], p)
		} else {
			rest = append(rest, p)
		}
	}
	var first []domain.Person
	for _, r := range roles {
		first = append(first, firsts[r]...)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Appariement, démonstration : codes d'activation (personnels, à usage unique).\n")
	fmt.Fprintf(&b, "# Pour s'inscrire dans l'application : serveur %s, identifiant et code ci-dessous.\n", url)
	fmt.Fprintf(&b, "# Empreinte du serveur à vérifier : %s\n", key.Fingerprint)
	fmt.Fprintf(&b, "# identifiant\trôle\tnom\tcode\n")
	fmt.Fprintf(&b, "%s\t%s\t%s\t(pas de code : clé dans %s, pour syncserver admin)\n", admin.ID, admin.Role, admin.FullName(), AdminKeyFile)
	for _, p := range append(first, rest...) {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", p.ID, p.Role, p.FullName(), codes[p.ID])
	}
	if len(sim) > 0 {
		fmt.Fprintf(&b, "# %d internes et RTS simulés (sans code) déposent vœux et classements automatiquement.\n", len(sim))
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
