package admincmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/paris"
	"appariement/shared/plural"
	"appariement/syncserver/cmdrun"
)

// formatOf tells the import format from a file name: .xlsx, .json, or CSV.
func formatOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		return api.FormatXLSX
	case ".json":
		return api.FormatJSON
	}
	return api.FormatCSV
}

// PrintReport writes an import report in French, one line per problem
// then one per warning, and a summary line.
func PrintReport(w io.Writer, file string, rep *api.ImportReport) {
	line := func(kind string, p api.ImportProblem) {
		var b strings.Builder
		b.WriteString(kind)
		if p.Row > 0 {
			fmt.Fprintf(&b, "ligne %d", p.Row)
		} else {
			b.WriteString("fichier")
		}
		if p.Column != "" {
			fmt.Fprintf(&b, ", colonne « %s »", p.Column)
		}
		if p.ID != "" {
			fmt.Fprintf(&b, ", « %s »", p.ID)
		}
		fmt.Fprintf(&b, " : %s", p.Message)
		fmt.Fprintln(w, b.String())
	}
	for _, p := range rep.Problems {
		line("ERREUR ", p)
	}
	for _, p := range rep.Warnings {
		line("avertissement ", p)
	}
	for _, p := range rep.Notes {
		line("note ", p)
	}
	what := map[string]string{"people": "personnes", "postes": "postes"}[rep.Kind]
	if what == "" {
		what = rep.Kind
	}
	header := ""
	if rep.HeaderRow > 0 {
		header = fmt.Sprintf(" sous l'en-tête de la ligne %d", rep.HeaderRow)
	}
	fmt.Fprintf(w, "%s : %s de %s %s%s, %s, %s.\n",
		file, count(rep.Rows, "ligne", "lignes"), what, plural.FR(rep.Rows, "lue", "lues"), header,
		count(len(rep.Problems), "erreur", "erreurs"), count(len(rep.Warnings), "avertissement", "avertissements"))
}

// importFile runs the dry run, prints its report and, unless dryOnly or
// the report has errors, imports for real.
func (a *app) importFile(c *client.Client, path string, dryOnly bool, do func(format string, data []byte, dry bool) (*api.ImportReport, error)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fail("lecture du fichier", err)
	}
	format := formatOf(path)
	rep, err := do(format, data, true)
	if err != nil {
		return fail("vérification de "+path, err)
	}
	PrintReport(a.stdout, path, rep)
	if !rep.Valid {
		return fmt.Errorf("le fichier comporte %s : rien n'a été importé. Corrigez-le puis relancez.", count(len(rep.Problems), "erreur", "erreurs"))
	}
	if dryOnly {
		fmt.Fprintln(a.stdout, "Vérification seule (-dry-run) : fichier valide, rien n'a été importé.")
		return nil
	}
	rep, err = do(format, data, false)
	if err != nil {
		return fail("import de "+path, err)
	}
	fmt.Fprintf(a.stdout, "Import réussi : %s, %s, %s", count(rep.Created, "créé", "créés"), count(rep.Updated, "modifié", "modifiés"), count(rep.Unchanged, "inchangé", "inchangés"))
	if rep.Kind == "postes" {
		fmt.Fprintf(a.stdout, ", %s, %s, %s par e-mail, catalogue version %d",
			count(rep.Closed, "fermé", "fermés"), count(rep.RTSAdded, "RTS ajouté", "RTS ajoutés"), count(rep.RTSMatched, "RTS trouvé", "RTS trouvés"), rep.Version)
	}
	fmt.Fprintln(a.stdout, ".")
	return nil
}

func (a *app) cmdImportPeople() cmdrun.Command {
	var file string
	var dry bool
	return remote(cmdrun.Command{
		Name:     "import-people",
		Summary:  "importe la liste des personnes (-file f.csv|xlsx|json [-dry-run])",
		Usage:    "-file personnes.csv|xlsx|json [-dry-run]",
		Required: []string{"file"},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "file", "", "fichier des personnes (CSV, XLSX ou JSON)")
		fs.BoolVar(&dry, "dry-run", false, "vérifier seulement, sans importer")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		return a.importFile(c, file, dry, func(format string, data []byte, dry bool) (*api.ImportReport, error) {
			return c.ImportPeople(ctx, format, data, dry)
		})
	})
}

func (a *app) cmdImportPostes() cmdrun.Command {
	var round, file string
	var dry, partial bool
	return remote(cmdrun.Command{
		Name:     "import-postes",
		Summary:  "importe les postes d'un tour (-round R -file f [-dry-run] [-partial])",
		Usage:    "-round R -file postes.csv|xlsx|json [-dry-run] [-partial]",
		Required: []string{"round", "file"},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&round, "round", "", "tour (round id)")
		fs.StringVar(&file, "file", "", "fichier des postes (CSV, XLSX ou JSON)")
		fs.BoolVar(&dry, "dry-run", false, "vérifier seulement, sans importer")
		fs.BoolVar(&partial, "partial", false, "liste partielle : ne pas fermer les postes absents du fichier")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		return a.importFile(c, file, dry, func(format string, data []byte, dry bool) (*api.ImportReport, error) {
			if partial {
				return importPostesPartial(ctx, c, round, format, data, dry)
			}
			return c.ImportPostes(ctx, round, format, data, dry)
		})
	})
}

func (a *app) cmdPeople() cmdrun.Command {
	var role string
	return remote(cmdrun.Command{
		Name:    "people",
		Summary: "liste les personnes et leur inscription",
		Usage:   "[-role intern|rts|coordinator|admin]",
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "ne montrer que ce rôle")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		people, err := c.People(ctx)
		if err != nil {
			return fail("liste des personnes", err)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "IDENTIFIANT\tRÔLE\tNOM\tE-MAIL\tDES\tSUBDIVISION\tRANG\tINSCRIT\tCODE EN ATTENTE")
		n := 0
		for _, s := range people {
			p := s.Person
			if role != "" && string(p.Role) != role {
				continue
			}
			n++
			rank := ""
			if p.Rank > 0 {
				rank = fmt.Sprint(p.Rank)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Role, p.FullName(), p.Email, p.Specialty, p.Subdivision,
				rank, yesNo(s.Enrolled), yesNo(s.PendingCode))
		}
		tw.Flush()
		fmt.Fprintf(a.stdout, "%s.\n", count(n, "personne", "personnes"))
		return nil
	})
}

func yesNo(b bool) string {
	if b {
		return "oui"
	}
	return "non"
}

// PrintCodes writes issued codes, one per line.
func PrintCodes(w io.Writer, codes []api.IssuedCode) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDENTIFIANT\tCODE\tE-MAIL\tEXPIRE LE\tE-MAIL ÉCRIT")
	for _, c := range codes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Person, c.Code, c.Email, paris.Format(c.Expires, "fr"), c.Outbox)
	}
	tw.Flush()
}

// CodeBatch is the number of people per activation-code request.
const CodeBatch = 400

func (a *app) cmdCodes() cmdrun.Command {
	var people string
	var all bool
	var ids []string
	// -id is the signing admin; the people are given by -people or as
	// arguments.
	return remote(cmdrun.Command{
		Name:    "codes",
		Summary: "émet des codes d'activation (-people X[,Y…] | -all)",
		Usage:   "-people X[,Y…] | -all  (ou : codes X Y …)",
		Args:    cmdrun.Any("personne"),
		Check: func(args []string) error {
			ids = append(splitList(people), args...)
			if len(ids) == 0 && !all {
				return cmdrun.Usagef("indiquez les personnes (-people X,Y ou en arguments) ou -all")
			}
			if len(ids) > 0 && all {
				return cmdrun.Usagef("-all et une liste de personnes s'excluent")
			}
			return nil
		},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&people, "people", "", "personnes à qui émettre un code, séparées par des virgules")
		fs.BoolVar(&all, "all", false, "toutes les personnes sans clé enregistrée")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		if all {
			// Everyone without a key, in batches: each code costs an
			// Argon2id hash and one request must end within the server's
			// write timeout.
			people, err := c.People(ctx)
			if err != nil {
				return fail("liste des personnes", err)
			}
			for _, p := range people {
				if !p.Enrolled {
					ids = append(ids, p.Person.ID)
				}
			}
		}
		res := &api.IssueCodesResponse{}
		for rest := ids; len(rest) > 0; {
			n := min(CodeBatch, len(rest))
			part, err := c.IssueCodes(ctx, api.IssueCodesRequest{People: rest[:n]})
			if err != nil {
				PrintCodes(a.stdout, res.Codes)
				return fail("émission des codes", err)
			}
			res.Codes = append(res.Codes, part.Codes...)
			rest = rest[n:]
		}
		PrintCodes(a.stdout, res.Codes)
		fmt.Fprintf(a.stdout, "%s. Chaque code ne s'affiche qu'une fois ; le serveur en a aussi mis l'e-mail dans sa file d'envoi (serve -mail ; admin mail pour la suivre).\n", count(len(res.Codes), "code émis", "codes émis"))
		return nil
	})
}

func (a *app) cmdResetKey() cmdrun.Command {
	var person, reason string
	return remote(cmdrun.Command{
		Name:     "reset-key",
		Summary:  "révoque la clé d'une personne et émet un nouveau code (-person X -reason …)",
		Usage:    "-person X -reason \"…\"  (ou : reset-key X -reason \"…\")",
		Args:     cmdrun.Optional("X"),
		Required: []string{"reason"},
		Check: func(args []string) (err error) {
			person, err = cmdrun.FlagOrArg("person", person, args)
			return err
		},
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&person, "person", "", "personne dont la clé est révoquée")
		fs.StringVar(&reason, "reason", "", "motif, obligatoire et journalisé")
	}, func(ctx context.Context, c *client.Client, _ []string) error {
		ic, err := c.ResetKey(ctx, person, reason)
		if err != nil {
			return fail("réinitialisation de la clé de "+person, err)
		}
		fmt.Fprintf(a.stdout, "Clé de %s révoquée. Nouveau code d'activation :\n", person)
		PrintCodes(a.stdout, []api.IssuedCode{*ic})
		return nil
	})
}
