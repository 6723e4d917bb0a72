// Command lab is Appariement's test bench: the national demo and the
// robustness tests, kept out of the production server binary (syncserver)
// so that what runs in production holds no data generator and no tool
// that starts, loads or kills servers.
//
//	lab demo -dir DIR -addr 127.0.0.1:8080      the national demo on loopback
//	lab loadtest -interns 20000 -window 60s     simultaneous signed submissions
//	lab crashtest -kills 5 -interns 2000        kill -9 of a server, nothing lost
//	lab faulttest                               full disk, jumping clock, dying network
//	lab clustertest -interns 200 -each 10       PostgreSQL failover under load, API nodes killed -9
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"appariement/syncserver/clustertest"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/crashtest"
	"appariement/syncserver/democmd"
	"appariement/syncserver/faulttest"
	"appariement/syncserver/loadtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stdio := cmdrun.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	code := cmdrun.Main(ctx, "lab", root(stdio), stdio, os.Args[1:])
	stop()
	os.Exit(code)
}

// root is the bench's commands. crashtest and faulttest start this same
// executable as their child server ("crashtest -serve …"); they keep their
// own parsers (Raw), and an interruption ends them at once, as before.
func root(stdio cmdrun.IO) cmdrun.Command {
	raw := func(name, summary string, run func(args []string, stdout, stderr io.Writer) int) cmdrun.Command {
		return cmdrun.Command{Name: name, Summary: summary, Raw: true, Run: func(_ context.Context, args []string) error {
			return cmdrun.ExitCode(run(args, stdio.Stdout, stdio.Stderr))
		}}
	}
	return cmdrun.Command{
		Usage: "<commande> [options]   (banc d'essai / test bench; le serveur est \"syncserver\")",
		Help:  "Commandes / commands:",
		Sub: []cmdrun.Command{
			democmd.Command(stdio),
			raw("loadtest", "dépôts simultanés de N internes, reçus vérifiés / load test\n"+
				"(-interns 20000 -window 60s [-burst] [-addr URL] [-catalogue])", loadtest.Run),
			raw("crashtest", "kill -9 répétés du serveur, aucun reçu perdu / crash test\n"+
				"(-kills 5 -interns 2000)", crashtest.Run),
			raw("faulttest", "disque plein, horloge qui saute, réseau qui coupe : rien de perdu / fault test\n"+
				"(-requests 10000 [-short] [-only disk,clock,network])", faulttest.Run),
			raw("clustertest", "PostgreSQL primaire + secours synchrone, deux nœuds API : kill -9 d'un nœud puis du primaire, rien de perdu / failover test\n"+
				"(-interns 200 -each 10)", clustertest.Run),
		},
	}
}
