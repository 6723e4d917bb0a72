// Package admincmd implements the "admin" subcommand of the sync server: a
// thin command line over the admin routes of the API (appariement/shared/client),
// plus "init", which creates the first admin offline.
//
//	syncserver admin init -db store.db -id A0001 -last-name … -first-name … -email … -key-out admin.key
//	syncserver admin import-people -server URL -id A0001 -key admin.key -file personnes.csv
//	syncserver admin round show R1 -server URL -id A0001 -key admin.key
//
// The connection flags -server, -id and -key default to the environment
// variables APPARIEMENT_SERVER, APPARIEMENT_ADMIN_ID and
// APPARIEMENT_ADMIN_KEY. Every refusal of the server is printed with its
// French message, its code and its English message; the exit status is 0
// on success, 1 on failure and 2 on bad usage.
package admincmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/syncserver/keyfile"
)

// Exit codes of Run.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// Environment variables giving the defaults of -server, -id and -key.
const (
	EnvServer = "APPARIEMENT_SERVER"
	EnvID     = "APPARIEMENT_ADMIN_ID"
	EnvKey    = "APPARIEMENT_ADMIN_KEY"
)

// requestTimeout bounds one command's requests (imports and code issuing
// of a national list take a while).
const requestTimeout = 10 * time.Minute

type command struct {
	name, help string
	run        func(a *app, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"init", "crée le premier administrateur, hors ligne (-db -id -last-name -first-name -email -key-out)", cmdInit},
		{"import-people", "importe la liste des personnes (-file f.csv|xlsx|json [-dry-run])", cmdImportPeople},
		{"import-postes", "importe les postes d'un tour (-round R -file f [-dry-run] [-partial])", cmdImportPostes},
		{"people", "liste les personnes et leur inscription", cmdPeople},
		{"codes", "émet des codes d'activation (-people X[,Y…] | -all)", cmdCodes},
		{"reset-key", "révoque la clé d'une personne et émet un nouveau code (-person X -reason …)", cmdResetKey},
		{"round", "tours : create, show, schedule, open-wishes, close-wishes, open-rankings, close-rankings", cmdRound},
		{"run", "lance l'appariement d'un tour (aperçu) : run R", cmdRun},
		{"publish", "signe et publie le résultat d'un tour : publish R", cmdPublish},
		{"live", "lance (ou règle) le direct d'un choix au rang apparié : live R -pace N [-reason …]", cmdLive},
		{"next", "crée le tour suivant (2e ou 3e) d'un tour publié : next R [-new-id R2] [-name …]", cmdNext},
		{"assign", "affecte à la main au 3e tour (-round R -intern I -poste P -reason …)", cmdAssign},
		{"export", "exporte le résultat (-round R -format csv|xlsx -out fichier)", cmdExport},
		{"corrections", "liste la file des corrections ([-status open|…] [-round R])", cmdCorrections},
		{"decide", "décide d'une demande de correction : decide CR000001 -status accepted|applied|refused [-reason …] [-value …]", cmdDecide},
		{"audit", "affiche le journal d'audit ([-after N] [-limit N])", cmdAudit},
		{"witness", "témoins du journal : add -name W -key CLÉ | require -round R -n N", cmdWitness},
		{"mail", "affiche la file des e-mails : en attente, envoyés, abandonnés ([-status queued|sent|failed] [-limit N])", cmdMail},
		{"log-entries", "affiche les feuilles du journal de transparence ([-start N] [-end N])", cmdLogEntries},
	}
}

type app struct {
	stdout, stderr io.Writer
}

// Run runs the admin subcommand with the arguments that follow "admin".
// It returns 0 on success, 1 on failure (a refusal of the server, a file
// that cannot be read or written, an import report with errors) and 2 on
// bad usage.
func Run(args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		a.usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		a.usage(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(a, args[1:])
		}
	}
	fmt.Fprintf(stderr, "admin : sous-commande inconnue %q (unknown subcommand)\n", args[0])
	a.usage(stderr)
	return exitUsage
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage : syncserver admin <sous-commande> [options]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Connexion (sauf init) : -server URL -id A0001 -key admin.key")
	fmt.Fprintf(w, "  (par défaut : $%s, $%s, $%s)\n\n", EnvServer, EnvID, EnvKey)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.help)
	}
	fmt.Fprintln(w, "\n« syncserver admin <sous-commande> -h » détaille ses options.")
}

// flags is a flag set of one subcommand with the connection flags.
type flags struct {
	*flag.FlagSet
	a                   *app
	server, id, keyPath *string
}

func (a *app) newFlags(name, synopsis string, conn bool) *flags {
	fs := flag.NewFlagSet("admin "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	f := &flags{FlagSet: fs, a: a}
	if conn {
		f.server = fs.String("server", os.Getenv(EnvServer), "adresse du serveur, ex. http://127.0.0.1:8080 (server URL)")
		f.id = fs.String("id", os.Getenv(EnvID), "identifiant de l'administrateur (admin id)")
		f.keyPath = fs.String("key", os.Getenv(EnvKey), "fichier de la clé privée de l'administrateur (admin key file)")
	}
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage : syncserver admin %s\n\nOptions :\n", synopsis)
		fs.PrintDefaults()
	}
	return f
}

// parseLoose parses args, flags and positional arguments in any order,
// and returns the positional ones, or an exit code.
func (f *flags) parseLoose(args []string) ([]string, int) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK
			}
			return nil, exitUsage
		}
		rest := f.Args()
		if len(rest) == 0 {
			return pos, -1
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// parse parses args (flags and positional arguments in any order);
// positional names the positional arguments expected. It returns them, or
// an exit code.
func (f *flags) parse(args []string, positional ...string) ([]string, int) {
	pos, code := f.parseLoose(args)
	if code >= 0 {
		return nil, code
	}
	if len(pos) > len(positional) {
		return nil, f.usageErr("argument inattendu %q (unexpected argument)", pos[len(positional)])
	}
	if len(pos) < len(positional) {
		return nil, f.usageErr("argument manquant : %s (missing argument)", positional[len(pos)])
	}
	return pos, -1
}

func (f *flags) usageErr(format string, args ...any) int {
	fmt.Fprintf(f.a.stderr, "%s : "+format+"\n", append([]any{f.Name()}, args...)...)
	fmt.Fprintf(f.a.stderr, "voir « syncserver %s -h »\n", f.Name())
	return exitUsage
}

// need reports a missing mandatory flag value as a usage error.
func (f *flags) need(values ...string) int {
	for i := 0; i+1 < len(values); i += 2 {
		if strings.TrimSpace(values[i+1]) == "" {
			return f.usageErr("l'option -%s est obligatoire (required)", values[i])
		}
	}
	return -1
}

// client builds the admin's client from the connection flags.
func (f *flags) client() (*client.Client, int) {
	if code := f.need("server", *f.server, "id", *f.id, "key", *f.keyPath); code >= 0 {
		return nil, code
	}
	key, err := keyfile.Read(*f.keyPath)
	if err != nil {
		fmt.Fprintf(f.a.stderr, "%s : %v\n", f.Name(), err)
		return nil, exitFailure
	}
	c, err := client.New(*f.server, &http.Client{Timeout: requestTimeout})
	if err != nil {
		fmt.Fprintf(f.a.stderr, "%s : adresse du serveur invalide (bad server URL): %v\n", f.Name(), err)
		return nil, exitFailure
	}
	return c.WithIdentity(*f.id, key), -1
}

// fail prints err and returns exitFailure. A refusal of the server is
// printed with its French message first, then its code and English message.
func (f *flags) fail(what string, err error) int {
	fmt.Fprintln(f.a.stderr, describe(f.Name()+" : "+what, err))
	return exitFailure
}

// describe formats an error for people: the server's refusal in French
// with its code, or the wrapped error.
func describe(prefix string, err error) string {
	var ae *api.Error
	if errors.As(err, &ae) {
		s := fmt.Sprintf("%s : refusé par le serveur : %s [%s]", prefix, ae.Message, ae.Code)
		if ae.MessageEN != "" {
			s += "\n  (" + ae.MessageEN + ")"
		}
		if ae.RetryAfter > 0 {
			s += fmt.Sprintf("\n  réessayez dans %d s (retry after)", ae.RetryAfter)
		}
		return s
	}
	var re *client.RetryError
	if errors.As(err, &re) {
		return fmt.Sprintf("%s : serveur injoignable ou surchargé, réessayez plus tard (server unreachable or busy): %v", prefix, err)
	}
	return fmt.Sprintf("%s : %v", prefix, err)
}

// connect parses the arguments like parse, then builds the signed client
// like client: the start of every command that talks to the server.
func (f *flags) connect(args []string, positional ...string) ([]string, *client.Client, int) {
	pos, code := f.parse(args, positional...)
	if code >= 0 {
		return nil, nil, code
	}
	c, code := f.client()
	if code >= 0 {
		return nil, nil, code
	}
	return pos, c, -1
}

func timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), requestTimeout)
}

// splitList splits a comma- or space-separated list of ids.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}
