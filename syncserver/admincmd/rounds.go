package admincmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/paris"
)

// importPostesPartial is ImportPostes with partial=1: postes absent from
// the file are left open.
func importPostesPartial(ctx context.Context, c *client.Client, round, format string, data []byte, dry bool) (*api.ImportReport, error) {
	q := url.Values{"format": {format}, "partial": {"1"}}
	if dry {
		q.Set("dry_run", "1")
	}
	ct := map[string]string{api.FormatCSV: "text/csv", api.FormatJSON: "application/json",
		api.FormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]
	var r api.ImportReport
	err := c.Do(ctx, http.MethodPost, "/v1/admin/rounds/"+url.PathEscape(round)+"/postes?"+q.Encode(), data, ct, true, &r)
	return &r, err
}

var roundCommands = []command{
	{"create", "create -round R1 -name \"…\" [-procedure appariement|choix-au-rang] [-subdivision S] [-specialty D]", roundCreate},
	{"show", "show R", roundShow},
	{"schedule", "schedule R -wishes-open T -wishes-close T [-rankings-open T -rankings-close T]", roundSchedule},
	{"open-wishes", "open-wishes R [-reason …]", roundTransition(domain.StateWishesOpen)},
	{"close-wishes", "close-wishes R [-reason …]", roundTransition(domain.StateWishesClosed)},
	{"open-rankings", "open-rankings R [-reason …]", roundTransition(domain.StateRankingsOpen)},
	{"close-rankings", "close-rankings R [-reason …]", roundTransition(domain.StateRankingsClosed)},
}

func cmdRound(a *app, args []string) int {
	if len(args) > 0 {
		for _, c := range roundCommands {
			if c.name == args[0] {
				return c.run(a, args[1:])
			}
		}
	}
	w := a.stderr
	code := exitUsage
	if len(args) > 0 && (args[0] == "-h" || args[0] == "help" || args[0] == "-help" || args[0] == "--help") {
		w, code = a.stdout, exitOK
	} else if len(args) > 0 {
		fmt.Fprintf(w, "admin round : sous-commande inconnue %q\n", args[0])
	}
	fmt.Fprintln(w, "Usage : syncserver admin round <sous-commande> [options de connexion]")
	for _, c := range roundCommands {
		fmt.Fprintf(w, "  %s\n", c.help)
	}
	return code
}

func roundCreate(a *app, args []string) int {
	f := a.newFlags("round create", "round create -round R1 -name \"Tour 1\" [-procedure appariement|choix-au-rang] [-subdivision S] [-specialty D]", true)
	id := f.String("round", "", "identifiant du tour (round id)")
	name := f.String("name", "", "nom du tour")
	proc := f.String("procedure", string(domain.Appariement), "procédure : appariement ou choix-au-rang")
	sub := f.String("subdivision", "", "subdivision (vide : toutes)")
	spec := f.String("specialty", "", "DES (vide : tous)")
	pos, code := f.parseLoose(args)
	if code >= 0 {
		return code
	}
	if len(pos) == 1 && *id == "" {
		*id = pos[0]
	} else if len(pos) > 0 {
		return f.usageErr("argument inattendu %q", pos[0])
	}
	if code := f.need("round", *id); code >= 0 {
		return code
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	r, err := c.CreateRound(ctx, api.CreateRoundRequest{ID: *id, Name: *name, Procedure: domain.Procedure(*proc), Subdivision: *sub, Specialty: *spec})
	if err != nil {
		return f.fail("création du tour "+*id, err)
	}
	fmt.Fprintf(a.stdout, "Tour %s créé (état %s).\n", r.ID, r.State)
	PrintRound(a.stdout, r)
	return exitOK
}

// PrintRound writes a round's description in French.
func PrintRound(w io.Writer, r *domain.Round) {
	scope := "national"
	if r.Subdivision != "" || r.Specialty != "" {
		scope = strings.Trim(r.Subdivision+" "+r.Specialty, " ")
	}
	fmt.Fprintf(w, "Tour        : %s — %s\n", r.ID, r.Name)
	fmt.Fprintf(w, "Procédure   : %s, tour n° %d, périmètre %s\n", r.Procedure, r.Number, scope)
	if r.Parent != "" {
		fmt.Fprintf(w, "Tour parent : %s\n", r.Parent)
	}
	fmt.Fprintf(w, "État        : %s\n", r.State)
	win := func(label string, from, to time.Time) {
		if from.IsZero() && to.IsZero() {
			return
		}
		fmt.Fprintf(w, "%-12s: du %s au %s\n", label, orDash(paris.Format(from, "fr")), orDash(paris.Format(to, "fr")))
	}
	win("Vœux", r.WishesOpen, r.WishesClose)
	win("Classements", r.RankingsOpen, r.RankingsClose)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func roundShow(a *app, args []string) int {
	f := a.newFlags("round show", "round show R", true)
	pos, c, code := f.connect(args, "R")
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	d, err := c.RoundDetail(ctx, pos[0])
	if err != nil {
		return f.fail("tour "+pos[0], err)
	}
	PrintRound(a.stdout, &d.Round)
	fmt.Fprintf(a.stdout, "Postes      : %d ouverts, %d places (catalogue version %d)\n", d.Postes, d.Places, d.CatalogueVersion)
	fmt.Fprintf(a.stdout, "Internes    : %d participants, %d listes de vœux, %d classements\n", d.Eligible, d.WishLists, d.Rankings)
	if d.Preview != nil {
		fmt.Fprintf(a.stdout, "Résultat    : %d affecté(s), %d sans poste (journal figé à %d entrées)%s\n",
			len(d.Preview.Assignments), len(d.Preview.Unmatched), d.Preview.TreeSize, map[bool]string{true: ", publié", false: ", aperçu non publié"}[d.Published])
	}
	return exitOK
}

func roundSchedule(a *app, args []string) int {
	f := a.newFlags("round schedule", "round schedule R -wishes-open T -wishes-close T [-rankings-open T -rankings-close T] [-reason …]\n  T : RFC 3339 ou « 2026-09-01 00:01 » (heure de Paris)", true)
	wo := f.String("wishes-open", "", "ouverture des vœux")
	wc := f.String("wishes-close", "", "clôture des vœux")
	ro := f.String("rankings-open", "", "ouverture des classements")
	rc := f.String("rankings-close", "", "clôture des classements")
	reason := f.String("reason", "", "motif (journalisé)")
	pos, code := f.parse(args, "R")
	if code >= 0 {
		return code
	}
	req := api.ScheduleRequest{Reason: *reason}
	for _, x := range []struct {
		name, v string
		t       *time.Time
	}{{"wishes-open", *wo, &req.WishesOpen}, {"wishes-close", *wc, &req.WishesClose},
		{"rankings-open", *ro, &req.RankingsOpen}, {"rankings-close", *rc, &req.RankingsClose}} {
		if x.v == "" {
			continue
		}
		t, err := paris.Parse(x.v)
		if err != nil {
			return f.usageErr("-%s : %v", x.name, err)
		}
		*x.t = t
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	r, err := c.Schedule(ctx, pos[0], req)
	if err != nil {
		return f.fail("calendrier du tour "+pos[0], err)
	}
	fmt.Fprintln(a.stdout, "Calendrier enregistré.")
	PrintRound(a.stdout, r)
	return exitOK
}

func roundTransition(to domain.RoundState) func(a *app, args []string) int {
	return func(a *app, args []string) int {
		f := a.newFlags("round", "round <transition> R [-reason …]", true)
		reason := f.String("reason", "", "motif (journalisé)")
		pos, c, code := f.connect(args, "R")
		if code >= 0 {
			return code
		}
		ctx, cancel := timeout()
		defer cancel()
		r, err := c.Transition(ctx, pos[0], to, *reason)
		if err != nil {
			return f.fail(fmt.Sprintf("passage du tour %s à l'état %s", pos[0], to), err)
		}
		fmt.Fprintf(a.stdout, "Tour %s : état %s.\n", r.ID, r.State)
		return exitOK
	}
}

// PrintResult writes a summary of a round's result.
func PrintResult(w io.Writer, res *domain.Result) {
	manual := 0
	for _, as := range res.Assignments {
		if as.Manual {
			manual++
		}
	}
	fmt.Fprintf(w, "Tour %s (%s) : %d interne(s) affecté(s), %d sans poste", res.Round, res.Procedure, len(res.Assignments), len(res.Unmatched))
	if manual > 0 {
		fmt.Fprintf(w, " (%d affectation(s) manuelle(s))", manual)
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintf(w, "Entrée figée au point de contrôle du journal de %d entrées ; calculé le %s.\n", res.TreeSize, paris.Format(res.ComputedAt, "fr"))
}

func cmdRun(a *app, args []string) int {
	f := a.newFlags("run", "run R", true)
	pos, c, code := f.connect(args, "R")
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	res, err := c.Run(ctx, pos[0])
	if err != nil {
		return f.fail("appariement du tour "+pos[0], err)
	}
	fmt.Fprintln(a.stdout, "Aperçu du résultat (non publié) :")
	PrintResult(a.stdout, res)
	fmt.Fprintf(a.stdout, "Vérifiez-le (admin export -round %s), puis publiez-le : admin publish %s\n", pos[0], pos[0])
	return exitOK
}

// cmdLive starts the live reveal of a matched choix-au-rang round, or
// changes its pace.
func cmdLive(a *app, args []string) int {
	f := a.newFlags("live", "live R -pace N [-reason …]", true)
	pace := f.Int("pace", 60, "rangs révélés par minute (1 à 100000)")
	reason := f.String("reason", "", "motif (journalisé)")
	pos, c, code := f.connect(args, "R")
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	r, err := c.StartLive(ctx, pos[0], *pace, *reason)
	if err != nil {
		return f.fail("direct du tour "+pos[0], err)
	}
	fmt.Fprintf(a.stdout, "Tour %s : direct lancé à %s (heure du serveur), %d rang(s) par minute.\n",
		r.ID, r.LiveStart.Format(time.RFC3339), r.LivePace)
	fmt.Fprintf(a.stdout, "Publiez le résultat quand vous le voulez : admin publish %s\n", r.ID)
	return exitOK
}

func cmdPublish(a *app, args []string) int {
	f := a.newFlags("publish", "publish R", true)
	pos, c, code := f.connect(args, "R")
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	env, err := c.Publish(ctx, pos[0])
	if err != nil {
		return f.fail("publication du tour "+pos[0], err)
	}
	var res domain.Result
	if err := json.Unmarshal(env.Payload, &res); err != nil {
		return f.fail("lecture du résultat signé", err)
	}
	fmt.Fprintln(a.stdout, "Résultat signé et publié :")
	PrintResult(a.stdout, &res)
	fmt.Fprintf(a.stdout, "Empreinte du résultat signé : %s\n", env.Digest())
	return exitOK
}

var trailingNumber = regexp.MustCompile(`^(.*?)(\d+)$`)

// nextID proposes the id of the round after id: "R1" gives "R2".
func nextID(id string) string {
	if m := trailingNumber.FindStringSubmatch(id); m != nil {
		n, _ := strconv.Atoi(m[2])
		return m[1] + strconv.Itoa(n+1)
	}
	return id + "-2"
}

func cmdNext(a *app, args []string) int {
	f := a.newFlags("next", "next R [-new-id R2] [-name \"Tour 2\"]", true)
	newID := f.String("new-id", "", "identifiant du nouveau tour (défaut : R1 → R2)")
	name := f.String("name", "", "nom du nouveau tour")
	pos, code := f.parse(args, "R")
	if code >= 0 {
		return code
	}
	if *newID == "" {
		*newID = nextID(pos[0])
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	r, err := c.NextRound(ctx, pos[0], api.NextRoundRequest{ID: *newID, Name: *name})
	if err != nil {
		return f.fail("création du tour suivant de "+pos[0], err)
	}
	fmt.Fprintf(a.stdout, "Tour %s créé à partir de %s.\n", r.ID, pos[0])
	PrintRound(a.stdout, r)
	return exitOK
}

func cmdAssign(a *app, args []string) int {
	f := a.newFlags("assign", "assign -round R -intern I -poste P -reason \"…\"", true)
	round := f.String("round", "", "tour (3e tour)")
	intern := f.String("intern", "", "interne")
	poste := f.String("poste", "", "poste")
	reason := f.String("reason", "", "motif, obligatoire et journalisé")
	if _, code := f.parse(args); code >= 0 {
		return code
	}
	if code := f.need("round", *round, "intern", *intern, "poste", *poste, "reason", *reason); code >= 0 {
		return code
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	as, err := c.Assign(ctx, *round, api.ManualAssignmentRequest{Intern: *intern, Poste: *poste, Reason: *reason})
	if err != nil {
		return f.fail("affectation de "+*intern, err)
	}
	fmt.Fprintf(a.stdout, "%s affecté(e) au poste %s (tour %s), motif : %s\n", as.Intern, as.Poste, *round, as.Reason)
	return exitOK
}

func cmdExport(a *app, args []string) int {
	f := a.newFlags("export", "export -round R -format csv|xlsx -out fichier", true)
	round := f.String("round", "", "tour")
	format := f.String("format", "", "csv ou xlsx (défaut : d'après l'extension de -out, sinon csv)")
	out := f.String("out", "", "fichier à écrire")
	if _, code := f.parse(args); code >= 0 {
		return code
	}
	if code := f.need("round", *round, "out", *out); code >= 0 {
		return code
	}
	if *format == "" {
		*format = api.FormatCSV
		if strings.EqualFold(filepath.Ext(*out), ".xlsx") {
			*format = api.FormatXLSX
		}
	}
	if *format != api.FormatCSV && *format != api.FormatXLSX {
		return f.usageErr("format %q inconnu : csv ou xlsx", *format)
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*")
	if err != nil {
		return f.fail("écriture de "+*out, err)
	}
	defer os.Remove(tmp.Name())
	ctx, cancel := timeout()
	defer cancel()
	if err := c.Export(ctx, *round, *format, tmp); err != nil {
		tmp.Close()
		return f.fail("export du tour "+*round, err)
	}
	if err := tmp.Close(); err != nil {
		return f.fail("écriture de "+*out, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return f.fail("écriture de "+*out, err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return f.fail("écriture de "+*out, err)
	}
	fmt.Fprintf(a.stdout, "Résultats du tour %s écrits dans %s (%s).\n", *round, *out, *format)
	return exitOK
}

func cmdAudit(a *app, args []string) int {
	f := a.newFlags("audit", "audit [-after N] [-limit N]", true)
	after := f.Uint64("after", 0, "n'afficher que les entrées après ce numéro")
	limit := f.Int("limit", 100, "nombre maximal d'entrées")
	if _, code := f.parse(args); code >= 0 {
		return code
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	entries, err := c.AuditLog(ctx, *after, *limit)
	if err != nil {
		return f.fail("journal d'audit", err)
	}
	for _, e := range entries {
		fmt.Fprintf(a.stdout, "%d\t%s\t%s\t%s", e.Seq, paris.Format(e.Time, "fr"), e.Actor, e.Action)
		if e.Round != "" {
			fmt.Fprintf(a.stdout, "\ttour=%s", e.Round)
		}
		if e.Target != "" {
			fmt.Fprintf(a.stdout, "\tcible=%s", e.Target)
		}
		if e.Reason != "" {
			fmt.Fprintf(a.stdout, "\tmotif=%q", e.Reason)
		}
		if len(e.Detail) > 0 {
			fmt.Fprintf(a.stdout, "\t%s", e.Detail)
		}
		fmt.Fprintln(a.stdout)
	}
	fmt.Fprintf(a.stdout, "%d entrée(s).", len(entries))
	if len(entries) == *limit {
		fmt.Fprintf(a.stdout, " Suite : admin audit -after %d", entries[len(entries)-1].Seq)
	}
	fmt.Fprintln(a.stdout)
	return exitOK
}

func cmdLogEntries(a *app, args []string) int {
	f := a.newFlags("log-entries", "log-entries [-start N] [-end N]", true)
	start := f.Int64("start", 0, "première feuille")
	end := f.Int64("end", 0, "fin (exclue ; 0 : start+100)")
	if _, code := f.parse(args); code >= 0 {
		return code
	}
	if *end == 0 {
		*end = *start + 100
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	res, err := c.LogEntries(ctx, *start, *end)
	if err != nil {
		return f.fail("journal de transparence", err)
	}
	for _, e := range res.Entries {
		what := ""
		if e.Envelope != nil {
			what = e.Envelope.PayloadType
			if sub, err := api.DecodeSubmission(e.Envelope.Payload); err == nil {
				kind := "vœux"
				if e.Envelope.PayloadType == api.RankingType {
					kind = "classement " + sub.Poste
				}
				what = fmt.Sprintf("%s\ttour=%s\tauteur=%s\tn°%d\t%d élément(s)", kind, sub.Round, sub.Author, sub.Seq, len(sub.List))
			}
		}
		fmt.Fprintf(a.stdout, "%d\t%s\t%s\t%s\n", e.Index, paris.Format(e.ServerTime, "fr"), e.Digest, what)
	}
	fmt.Fprintf(a.stdout, "%d entrée(s) affichée(s) sur %d.\n", len(res.Entries), res.TreeSize)
	return exitOK
}
