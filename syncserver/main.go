// Command syncserver is Appariement's central server and its tools.
//
//	syncserver serve -db store.db -addr 127.0.0.1:8080     serve the API
//	syncserver admin round show R1                         administer a server
//	syncserver match -in instance.json -out result.json   run a matching on files
//
// Run "syncserver help" for every command. Each command lives in its own
// package and is run by syncserver/cmdrun, which maps errors to exit codes
// (0 done, 1 failed, 2 bad usage, 130 interrupted); SIGINT and SIGTERM
// cancel the command's context. The demo and the load, crash and fault
// tests are in the test bench, syncserver/lab.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"appariement/syncserver/admincmd"
	"appariement/syncserver/backup"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/keycmd"
	"appariement/syncserver/matchcmd"
	"appariement/syncserver/migratecmd"
	"appariement/syncserver/releasecmd"
	"appariement/syncserver/servecmd"
	"appariement/syncserver/verifycmd"
	"appariement/syncserver/witness"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], cmdrun.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// run runs the command named by args and returns the exit code.
func run(ctx context.Context, args []string, stdio cmdrun.IO) int {
	return cmdrun.Main(ctx, "syncserver", root(stdio), stdio, args)
}

// root is the tree of syncserver's commands, bound to stdio.
func root(stdio cmdrun.IO) cmdrun.Command {
	cmds := []cmdrun.Command{
		admincmd.Command(stdio),
		matchcmd.Command(stdio),
		servecmd.Command(stdio),
		backup.Command(stdio),
		backup.RestoreCommand(stdio),
		migratecmd.Command(stdio),
		keycmd.Command(stdio),
	}
	cmds = append(cmds, releasecmd.Commands(stdio)...)
	cmds = append(cmds,
		verifycmd.Command(stdio),
		cmdrun.Command{
			Name: "witness",
			Summary: "témoin du journal : cosigne les points de contrôle cohérents / log witness: cosigns consistent checkpoints\n" +
				"(-server URL -name W -key witness.key -state f [-once] | keygen -name W -key-out f)",
			Raw:      true, // its own parser, exit codes (3: a fork) and signal handling
			Graceful: true,
			Run: func(_ context.Context, args []string) error {
				return cmdrun.ExitCode(witness.Run(args, stdio.Stdout, stdio.Stderr))
			},
		},
	)
	return cmdrun.Command{
		Usage: "<commande> [options]",
		Help:  "Commandes / commands:",
		Footer: "La démonstration et les essais de charge, de panne et de kill -9 sont dans le\n" +
			"banc d'essai / the demo and the load, crash and fault tests: go run ./syncserver/lab help",
		Sub: cmds,
	}
}
