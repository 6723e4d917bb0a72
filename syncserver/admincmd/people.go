package admincmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/paris"
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
	what := map[string]string{"people": "personnes", "postes": "postes"}[rep.Kind]
	if what == "" {
		what = rep.Kind
	}
	fmt.Fprintf(w, "%s : %d ligne(s) de %s lue(s), %d erreur(s), %d avertissement(s).\n",
		file, rep.Rows, what, len(rep.Problems), len(rep.Warnings))
}

// importFile runs the dry run, prints its report and, unless dryOnly or
// the report has errors, imports for real.
func (f *flags) importFile(path string, dryOnly bool, do func(c *client.Client, format string, data []byte, dry bool) (*api.ImportReport, error)) int {
	c, code := f.client()
	if code >= 0 {
		return code
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return f.fail("lecture du fichier", err)
	}
	format := formatOf(path)
	rep, err := do(c, format, data, true)
	if err != nil {
		return f.fail("vérification de "+path, err)
	}
	PrintReport(f.a.stdout, path, rep)
	if !rep.Valid {
		fmt.Fprintf(f.a.stderr, "%s : le fichier comporte %d erreur(s) : rien n'a été importé. Corrigez-le puis relancez.\n",
			f.Name(), len(rep.Problems))
		return exitFailure
	}
	if dryOnly {
		fmt.Fprintln(f.a.stdout, "Vérification seule (-dry-run) : fichier valide, rien n'a été importé.")
		return exitOK
	}
	rep, err = do(c, format, data, false)
	if err != nil {
		return f.fail("import de "+path, err)
	}
	fmt.Fprintf(f.a.stdout, "Import réussi : %d créé(s), %d modifié(s), %d inchangé(s)", rep.Created, rep.Updated, rep.Unchanged)
	if rep.Kind == "postes" {
		fmt.Fprintf(f.a.stdout, ", %d fermé(s), %d RTS ajouté(s), catalogue version %d", rep.Closed, rep.RTSAdded, rep.Version)
	}
	fmt.Fprintln(f.a.stdout, ".")
	return exitOK
}

func cmdImportPeople(a *app, args []string) int {
	f := a.newFlags("import-people", "import-people -file personnes.csv|xlsx|json [-dry-run]", true)
	file := f.String("file", "", "fichier des personnes (CSV, XLSX ou JSON)")
	dry := f.Bool("dry-run", false, "vérifier seulement, sans importer")
	if _, code := f.parse(args); code >= 0 {
		return code
	}
	if code := f.need("file", *file); code >= 0 {
		return code
	}
	return f.importFile(*file, *dry, func(c *client.Client, format string, data []byte, dry bool) (*api.ImportReport, error) {
		ctx, cancel := timeout()
		defer cancel()
		return c.ImportPeople(ctx, format, data, dry)
	})
}

func cmdImportPostes(a *app, args []string) int {
	f := a.newFlags("import-postes", "import-postes -round R -file postes.csv|xlsx|json [-dry-run] [-partial]", true)
	round := f.String("round", "", "tour (round id)")
	file := f.String("file", "", "fichier des postes (CSV, XLSX ou JSON)")
	dry := f.Bool("dry-run", false, "vérifier seulement, sans importer")
	partial := f.Bool("partial", false, "liste partielle : ne pas fermer les postes absents du fichier")
	if _, code := f.parse(args); code >= 0 {
		return code
	}
	if code := f.need("round", *round, "file", *file); code >= 0 {
		return code
	}
	return f.importFile(*file, *dry, func(c *client.Client, format string, data []byte, dry bool) (*api.ImportReport, error) {
		ctx, cancel := timeout()
		defer cancel()
		if *partial {
			return importPostesPartial(ctx, c, *round, format, data, dry)
		}
		return c.ImportPostes(ctx, *round, format, data, dry)
	})
}

func cmdPeople(a *app, args []string) int {
	f := a.newFlags("people", "people [-role intern|rts|coordinator|admin]", true)
	role := f.String("role", "", "ne montrer que ce rôle")
	if _, code := f.parse(args); code >= 0 {
		return code
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	people, err := c.People(ctx)
	if err != nil {
		return f.fail("liste des personnes", err)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDENTIFIANT\tRÔLE\tNOM\tE-MAIL\tDES\tSUBDIVISION\tRANG\tINSCRIT\tCODE EN ATTENTE")
	n := 0
	for _, s := range people {
		p := s.Person
		if *role != "" && string(p.Role) != *role {
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
	fmt.Fprintf(a.stdout, "%d personne(s).\n", n)
	return exitOK
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

func cmdCodes(a *app, args []string) int {
	f := a.newFlags("codes", "codes -people X[,Y…] | -all  (ou : codes X Y …)", true)
	people := f.String("people", "", "personnes à qui émettre un code, séparées par des virgules")
	all := f.Bool("all", false, "toutes les personnes sans clé enregistrée")
	// -id is the signing admin; the people are given by -people or as
	// arguments.
	if pos, code := f.parseLoose(args); code >= 0 {
		return code
	} else if len(pos) > 0 {
		*people = strings.Join(append(splitList(*people), pos...), ",")
	}
	ids := splitList(*people)
	if len(ids) == 0 && !*all {
		return f.usageErr("indiquez les personnes (-people X,Y ou en arguments) ou -all")
	}
	if len(ids) > 0 && *all {
		return f.usageErr("-all et une liste de personnes s'excluent")
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	if *all {
		// Everyone without a key, in batches: each code costs an Argon2id
		// hash and one request must end within the server's write timeout.
		people, err := c.People(ctx)
		if err != nil {
			return f.fail("liste des personnes", err)
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
			return f.fail("émission des codes", err)
		}
		res.Codes = append(res.Codes, part.Codes...)
		rest = rest[n:]
	}
	PrintCodes(a.stdout, res.Codes)
	fmt.Fprintf(a.stdout, "%d code(s) émis. Chaque code ne s'affiche qu'une fois ; le serveur en a aussi mis l'e-mail dans sa file d'envoi (serve -mail ; admin mail pour la suivre).\n", len(res.Codes))
	return exitOK
}

func cmdResetKey(a *app, args []string) int {
	f := a.newFlags("reset-key", "reset-key -person X -reason \"…\"  (ou : reset-key X -reason \"…\")", true)
	person := f.String("person", "", "personne dont la clé est révoquée")
	reason := f.String("reason", "", "motif, obligatoire et journalisé")
	pos, code := f.parseLoose(args)
	if code >= 0 {
		return code
	}
	if len(pos) == 1 && *person == "" {
		*person = pos[0]
	} else if len(pos) > 0 {
		return f.usageErr("argument inattendu %q", pos[len(pos)-1])
	}
	if code := f.need("person", *person, "reason", *reason); code >= 0 {
		return code
	}
	c, code := f.client()
	if code >= 0 {
		return code
	}
	ctx, cancel := timeout()
	defer cancel()
	ic, err := c.ResetKey(ctx, *person, *reason)
	if err != nil {
		return f.fail("réinitialisation de la clé de "+*person, err)
	}
	fmt.Fprintf(a.stdout, "Clé de %s révoquée. Nouveau code d'activation :\n", *person)
	PrintCodes(a.stdout, []api.IssuedCode{*ic})
	return exitOK
}
