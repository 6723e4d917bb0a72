// Package admincmd implements the "admin" subcommand of the sync server: a
// thin command line over the admin routes of the API (appariement/shared/client),
// plus "init", which creates the first admin offline.
//
//	syncserver admin init -db store.db -id A0001 -last-name … -first-name … -email … -key-out admin.key
//	syncserver admin import-people -server URL -id A0001 -key admin.key -file personnes.csv
//	syncserver admin round show R1 -server URL -id A0001 -key admin.key
//
// The connection flags -server, -id and -key default to the environment
// variables of adminconn (APPARIEMENT_SERVER, APPARIEMENT_ADMIN_ID,
// APPARIEMENT_ADMIN_KEY); -timeout bounds a command's requests. Every
// refusal of the server is printed with its French message, its code and
// its English message; the exit status is 0 on success, 1 on failure and
// 2 on bad usage (cmdrun).
//
// The subcommands are grouped in files by what they act on: people.go,
// rounds.go, corrections.go, mail.go, journal.go, witness.go and key.go
// (init).
package admincmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/syncserver/adminconn"
	"appariement/syncserver/cmdrun"
)

// requestTimeout is the default -timeout of a command's requests (imports
// and code issuing of a national list take a while).
const requestTimeout = 10 * time.Minute

// Command returns the "admin" command group, writing to stdio. Its flags
// are bound to this call's values: build one per run.
func Command(stdio cmdrun.IO) cmdrun.Command {
	a := &app{stdout: stdio.Stdout, stderr: stdio.Stderr}
	return cmdrun.Command{
		Name: "admin",
		Summary: "administre un serveur / administers a server\n" +
			"(init, import-people, import-postes, codes, round, run, publish, export…;\n" +
			"\"syncserver admin help\")",
		Usage: "<sous-commande> [options]",
		Help: fmt.Sprintf("Connexion (sauf init) : -server URL -id A0001 -key admin.key [-timeout %s]\n"+
			"  (par défaut : $%s, $%s, $%s)", requestTimeout, adminconn.EnvServer, adminconn.EnvID, adminconn.EnvKey),
		Footer: "« syncserver admin <sous-commande> -h » détaille ses options.",
		Sub: []cmdrun.Command{
			a.cmdInit(),
			a.cmdImportPeople(),
			a.cmdImportPostes(),
			a.cmdPeople(),
			a.cmdCodes(),
			a.cmdResetKey(),
			a.cmdRound(),
			a.cmdRun(),
			a.cmdPublish(),
			a.cmdLive(),
			a.cmdNext(),
			a.cmdAssign(),
			a.cmdExport(),
			a.cmdCorrections(),
			a.cmdDecide(),
			a.cmdAudit(),
			a.cmdWitness(),
			a.cmdMail(),
			a.cmdLogEntries(),
		},
	}
}

// Run runs the admin subcommand with the arguments that follow "admin",
// through cmdrun.Main, and returns the exit code: 0 on success, 1 on
// failure (a refusal of the server, a file that cannot be read or written,
// an import report with errors) and 2 on bad usage.
func Run(args []string, stdout, stderr io.Writer) int {
	stdio := cmdrun.IO{Stdout: stdout, Stderr: stderr}
	return cmdrun.RunCommand(context.Background(), "syncserver", Command(stdio), stdio, args)
}

type app struct {
	stdout, stderr io.Writer
}

// remote completes c, a command that talks to the server: its flags
// (flags, then the connection flags), the connection flags required, the
// -timeout, and a Run that builds the signed client and calls run.
func remote(c cmdrun.Command, flags func(fs *flag.FlagSet), run func(ctx context.Context, c *client.Client, args []string) error) cmdrun.Command {
	var conn adminconn.Flags
	c.Flags = func(fs *flag.FlagSet) {
		if flags != nil {
			flags(fs)
		}
		conn.Register(fs)
	}
	c.Required = append(c.Required, adminconn.Names...)
	c.Timeout = requestTimeout
	c.Run = func(ctx context.Context, args []string) error {
		cl, err := conn.Client()
		if err != nil {
			return err
		}
		return run(ctx, cl, args)
	}
	return c
}

// refusal is a failed step of a command: what was being done, and why.
type refusal struct {
	what string
	err  error
}

// fail returns the failure of the step what: a refusal of the server is
// printed with its French message first, then its code and English message.
func fail(what string, err error) error { return &refusal{what: what, err: err} }

func (r *refusal) Unwrap() error { return r.err }

// Error formats the failure for people: the server's refusal in French
// with its code, or the wrapped error.
func (r *refusal) Error() string {
	var ae *api.Error
	if errors.As(r.err, &ae) {
		s := fmt.Sprintf("%s : refusé par le serveur : %s [%s]", r.what, ae.Message, ae.Code)
		if ae.MessageEN != "" {
			s += "\n  (" + ae.MessageEN + ")"
		}
		if ae.RetryAfter > 0 {
			s += fmt.Sprintf("\n  réessayez dans %d s (retry after)", ae.RetryAfter)
		}
		return s
	}
	var re *client.RetryError
	if errors.As(r.err, &re) {
		return fmt.Sprintf("%s : serveur injoignable ou surchargé, réessayez plus tard (server unreachable or busy): %v", r.what, r.err)
	}
	return fmt.Sprintf("%s : %v", r.what, r.err)
}

// splitList splits a comma- or space-separated list of ids.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}
