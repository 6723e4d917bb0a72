package admincmd

import (
	"context"
	"encoding/json"
	"flag"
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
	"appariement/syncserver/cmdrun"
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

// cmdRound is the group of a round's life: create, show, schedule and
// the transitions of its state.
func (a *app) cmdRound() cmdrun.Command {
	return cmdrun.Command{
		Name:    "round",
		Summary: "tours : create, show, schedule, open-wishes, close-wishes, open-rankings, close-rankings",
		Usage:   "<sous-commande> [options de connexion]",
		Sub: []cmdrun.Command{
			a.roundCreate(),
			a.roundShow(),
			a.roundSchedule(),
			a.roundTransition("open-wishes", domain.StateWishesOpen),
			a.roundTransition("close-wishes", domain.StateWishesClosed),
			a.roundTransition("open-rankings", domain.StateRankingsOpen),
			a.roundTransition("close-rankings", domain.StateRankingsClosed),
		},
	}
}

func (a *app) roundCreate() cmdrun.Command {
	var id, name, proc, sub, spec string
	var coverage int
	var binomes, wishTies bool
	return remote(cmdrun.Command{
		Name:    "create",
		Summary: "crée un tour : -round R1 -name \"…\" [-procedure appariement|choix-au-rang] [-subdivision S] [-specialty D] [-min-ranking-coverage 80] [-wish-ties] [-binomes]",
		Usage:   "-round R1 -name \"Tour 1\" [-procedure appariement|choix-au-rang] [-subdivision S] [-specialty D] [-min-ranking-coverage 80] [-wish-ties] [-binomes]",
		Args:    cmdrun.Optional("R1"),
		Check: func(args []string) (err error) {
			id, err = cmdrun.FlagOrArg("round", id, args)
			return err
		},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "round", "", "identifiant du tour (round id)")
		fs.StringVar(&name, "name", "", "nom du tour")
		fs.StringVar(&proc, "procedure", string(domain.Appariement), "procédure : appariement ou choix-au-rang")
		fs.StringVar(&sub, "subdivision", "", "subdivision (vide : toutes)")
		fs.StringVar(&spec, "specialty", "", "DES (vide : tous)")
		fs.IntVar(&coverage, "min-ranking-coverage", 0, "part minimale des candidats que chaque RTS doit classer, en % (0 : aucune)")
		fs.BoolVar(&wishTies, "wish-ties", false, "les internes peuvent mettre des vœux ex aequo (appariement seulement)")
		fs.BoolVar(&binomes, "binomes", false, "les internes peuvent choisir en binôme (choix au rang seulement)")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		r, err := c.CreateRound(ctx, api.CreateRoundRequest{ID: id, Name: name, Procedure: domain.Procedure(proc), Subdivision: sub, Specialty: spec,
			MinRankingCoverage: coverage, WishTies: wishTies, Binomes: binomes})
		if err != nil {
			return fail("création du tour "+id, err)
		}
		fmt.Fprintf(a.stdout, "Tour %s créé (état %s).\n", r.ID, r.State)
		PrintRound(a.stdout, r)
		return nil
	})
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
	if r.MinRankingCoverage > 0 {
		fmt.Fprintf(w, "Couverture  : chaque RTS classe au moins %d %% de ses candidats\n", r.MinRankingCoverage)
	}
	if r.TieBreakCommitment != "" {
		ties := "les RTS peuvent classer ex aequo"
		if r.WishTies {
			ties += ", les internes mettre des vœux ex aequo"
		}
		fmt.Fprintf(w, "Ex aequo    : %s ; tirage au sort engagé : %s\n", ties, r.TieBreakCommitment)
	}
	if r.CallListCommitment != "" {
		fmt.Fprintf(w, "Liste d'appel : ex aequo départagés par le tirage du serveur, engagé : %s\n", r.CallListCommitment)
	}
	if r.Binomes {
		fmt.Fprintf(w, "Binômes     : permis (deux internes choisissent ensemble au plus tardif de leurs rangs)\n")
	}
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

func (a *app) roundShow() cmdrun.Command {
	return remote(cmdrun.Command{
		Name:    "show",
		Summary: "montre un tour, ses postes, ses listes : show R",
		Usage:   "R",
		Args:    cmdrun.Exactly("R"),
	}, nil, func(ctx context.Context, c *client.Client, args []string) error {
		d, err := c.RoundDetail(ctx, args[0])
		if err != nil {
			return fail("tour "+args[0], err)
		}
		PrintRound(a.stdout, &d.Round)
		fmt.Fprintf(a.stdout, "Postes      : %d ouverts, %d places (catalogue version %d)\n", d.Postes, d.Places, d.CatalogueVersion)
		fmt.Fprintf(a.stdout, "Internes    : %d participants, %d listes de vœux, %d classements\n", d.Eligible, d.WishLists, d.Rankings)
		if d.Preview != nil {
			fmt.Fprintf(a.stdout, "Résultat    : %s, %d sans poste (journal figé à %d entrées)%s\n",
				count(len(d.Preview.Assignments), "affecté", "affectés"), len(d.Preview.Unmatched), d.Preview.TreeSize, map[bool]string{true: ", publié", false: ", aperçu non publié"}[d.Published])
		}
		return nil
	})
}

func (a *app) roundSchedule() cmdrun.Command {
	var wo, wc, ro, rc, reason string
	var req api.ScheduleRequest
	return remote(cmdrun.Command{
		Name:    "schedule",
		Summary: "fixe le calendrier : schedule R -wishes-open T -wishes-close T [-rankings-open T -rankings-close T]",
		Usage:   "R -wishes-open T -wishes-close T [-rankings-open T -rankings-close T] [-reason …]",
		Help:    "T : RFC 3339 ou « 2026-09-01 00:01 » (heure de Paris)",
		Args:    cmdrun.Exactly("R"),
		Check: func([]string) error {
			req = api.ScheduleRequest{Reason: reason}
			for _, x := range []struct {
				name, v string
				t       *time.Time
			}{{"wishes-open", wo, &req.WishesOpen}, {"wishes-close", wc, &req.WishesClose},
				{"rankings-open", ro, &req.RankingsOpen}, {"rankings-close", rc, &req.RankingsClose}} {
				if x.v == "" {
					continue
				}
				t, err := paris.Parse(x.v)
				if err != nil {
					return cmdrun.Usagef("-%s : %v", x.name, err)
				}
				*x.t = t
			}
			return nil
		},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&wo, "wishes-open", "", "ouverture des vœux")
		fs.StringVar(&wc, "wishes-close", "", "clôture des vœux")
		fs.StringVar(&ro, "rankings-open", "", "ouverture des classements")
		fs.StringVar(&rc, "rankings-close", "", "clôture des classements")
		fs.StringVar(&reason, "reason", "", "motif (journalisé)")
	}, func(ctx context.Context, c *client.Client, args []string) error {
		r, err := c.Schedule(ctx, args[0], req)
		if err != nil {
			return fail("calendrier du tour "+args[0], err)
		}
		fmt.Fprintln(a.stdout, "Calendrier enregistré.")
		PrintRound(a.stdout, r)
		return nil
	})
}

// roundTransition moves a round to the state to.
func (a *app) roundTransition(name string, to domain.RoundState) cmdrun.Command {
	var reason string
	return remote(cmdrun.Command{
		Name:    name,
		Summary: fmt.Sprintf("passe le tour à l'état %s : %s R [-reason …]", to, name),
		Usage:   "R [-reason …]",
		Args:    cmdrun.Exactly("R"),
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&reason, "reason", "", "motif (journalisé)")
	}, func(ctx context.Context, c *client.Client, args []string) error {
		r, err := c.Transition(ctx, args[0], to, reason)
		if err != nil {
			return fail(fmt.Sprintf("passage du tour %s à l'état %s", args[0], to), err)
		}
		fmt.Fprintf(a.stdout, "Tour %s : état %s.\n", r.ID, r.State)
		return nil
	})
}

// PrintResult writes a summary of a round's result.
func PrintResult(w io.Writer, res *domain.Result) {
	manual := 0
	for _, as := range res.Assignments {
		if as.Manual {
			manual++
		}
	}
	fmt.Fprintf(w, "Tour %s (%s) : %s, %d sans poste", res.Round, res.Procedure, count(len(res.Assignments), "interne affecté", "internes affectés"), len(res.Unmatched))
	if manual > 0 {
		fmt.Fprintf(w, " (%s)", count(manual, "affectation manuelle", "affectations manuelles"))
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintf(w, "Entrée figée au point de contrôle du journal de %d entrées ; calculé le %s.\n", res.TreeSize, paris.Format(res.ComputedAt, "fr"))
}

func (a *app) cmdRun() cmdrun.Command {
	return remote(cmdrun.Command{
		Name:    "run",
		Summary: "lance l'appariement d'un tour (aperçu) : run R",
		Usage:   "R",
		Args:    cmdrun.Exactly("R"),
	}, nil, func(ctx context.Context, c *client.Client, args []string) error {
		res, err := c.Run(ctx, args[0])
		if err != nil {
			return fail("appariement du tour "+args[0], err)
		}
		fmt.Fprintln(a.stdout, "Aperçu du résultat (non publié) :")
		PrintResult(a.stdout, res)
		fmt.Fprintf(a.stdout, "Vérifiez-le (admin export -round %s), puis publiez-le : admin publish %s\n", args[0], args[0])
		return nil
	})
}

// cmdLive starts the live reveal of a matched choix-au-rang round, or
// changes its pace.
func (a *app) cmdLive() cmdrun.Command {
	var pace int
	var reason string
	return remote(cmdrun.Command{
		Name:    "live",
		Summary: "lance (ou règle) le direct d'un choix au rang apparié : live R -pace N [-reason …]",
		Usage:   "R -pace N [-reason …]",
		Args:    cmdrun.Exactly("R"),
	}, func(fs *flag.FlagSet) {
		fs.IntVar(&pace, "pace", 60, "rangs révélés par minute (1 à 100000)")
		fs.StringVar(&reason, "reason", "", "motif (journalisé)")
	}, func(ctx context.Context, c *client.Client, args []string) error {
		r, err := c.StartLive(ctx, args[0], pace, reason)
		if err != nil {
			return fail("direct du tour "+args[0], err)
		}
		fmt.Fprintf(a.stdout, "Tour %s : direct lancé à %s (heure du serveur), %s par minute.\n",
			r.ID, r.LiveStart.Format(time.RFC3339), count(r.LivePace, "rang", "rangs"))
		fmt.Fprintf(a.stdout, "Publiez le résultat quand vous le voulez : admin publish %s\n", r.ID)
		return nil
	})
}

func (a *app) cmdPublish() cmdrun.Command {
	return remote(cmdrun.Command{
		Name:    "publish",
		Summary: "signe et publie le résultat d'un tour : publish R",
		Usage:   "R",
		Args:    cmdrun.Exactly("R"),
	}, nil, func(ctx context.Context, c *client.Client, args []string) error {
		env, err := c.Publish(ctx, args[0])
		if err != nil {
			return fail("publication du tour "+args[0], err)
		}
		var res domain.Result
		if err := json.Unmarshal(env.Payload, &res); err != nil {
			return fail("lecture du résultat signé", err)
		}
		fmt.Fprintln(a.stdout, "Résultat signé et publié :")
		PrintResult(a.stdout, &res)
		fmt.Fprintf(a.stdout, "Empreinte du résultat signé : %s\n", env.Digest())
		return nil
	})
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

func (a *app) cmdNext() cmdrun.Command {
	var newID, name string
	return remote(cmdrun.Command{
		Name:    "next",
		Summary: "crée le tour suivant (2e ou 3e) d'un tour publié : next R [-new-id R2] [-name …]",
		Usage:   "R [-new-id R2] [-name \"Tour 2\"]",
		Args:    cmdrun.Exactly("R"),
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&newID, "new-id", "", "identifiant du nouveau tour (défaut : R1 → R2)")
		fs.StringVar(&name, "name", "", "nom du nouveau tour")
	}, func(ctx context.Context, c *client.Client, args []string) error {
		if newID == "" {
			newID = nextID(args[0])
		}
		r, err := c.NextRound(ctx, args[0], api.NextRoundRequest{ID: newID, Name: name})
		if err != nil {
			return fail("création du tour suivant de "+args[0], err)
		}
		fmt.Fprintf(a.stdout, "Tour %s créé à partir de %s.\n", r.ID, args[0])
		PrintRound(a.stdout, r)
		return nil
	})
}

func (a *app) cmdAssign() cmdrun.Command {
	var round, intern, poste, reason string
	return remote(cmdrun.Command{
		Name:     "assign",
		Summary:  "affecte à la main au 3e tour (-round R -intern I -poste P -reason …)",
		Usage:    "-round R -intern I -poste P -reason \"…\"",
		Required: []string{"round", "intern", "poste", "reason"},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&round, "round", "", "tour (3e tour)")
		fs.StringVar(&intern, "intern", "", "interne")
		fs.StringVar(&poste, "poste", "", "poste")
		fs.StringVar(&reason, "reason", "", "motif, obligatoire et journalisé")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		as, err := c.Assign(ctx, round, api.ManualAssignmentRequest{Intern: intern, Poste: poste, Reason: reason})
		if err != nil {
			return fail("affectation de "+intern, err)
		}
		fmt.Fprintf(a.stdout, "%s affecté(e) au poste %s (tour %s), motif : %s\n", as.Intern, as.Poste, round, as.Reason)
		return nil
	})
}

func (a *app) cmdExport() cmdrun.Command {
	var round, format, out string
	return remote(cmdrun.Command{
		Name:     "export",
		Summary:  "exporte le résultat (-round R -format csv|xlsx -out fichier)",
		Usage:    "-round R -format csv|xlsx -out fichier",
		Required: []string{"round", "out"},
		Check: func([]string) error {
			if format == "" {
				format = api.FormatCSV
				if strings.EqualFold(filepath.Ext(out), ".xlsx") {
					format = api.FormatXLSX
				}
			}
			if format != api.FormatCSV && format != api.FormatXLSX {
				return cmdrun.Usagef("format %q inconnu : csv ou xlsx", format)
			}
			return nil
		},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&round, "round", "", "tour")
		fs.StringVar(&format, "format", "", "csv ou xlsx (défaut : d'après l'extension de -out, sinon csv)")
		fs.StringVar(&out, "out", "", "fichier à écrire")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
		if err != nil {
			return fail("écriture de "+out, err)
		}
		defer os.Remove(tmp.Name())
		if err := c.Export(ctx, round, format, tmp); err != nil {
			tmp.Close()
			return fail("export du tour "+round, err)
		}
		if err := tmp.Close(); err != nil {
			return fail("écriture de "+out, err)
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			return fail("écriture de "+out, err)
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			return fail("écriture de "+out, err)
		}
		fmt.Fprintf(a.stdout, "Résultats du tour %s écrits dans %s (%s).\n", round, out, format)
		return nil
	})
}
