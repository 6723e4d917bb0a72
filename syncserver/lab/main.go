// Command lab is Appariement's test bench: the national demo and the
// robustness tests, kept out of the production server binary (syncserver)
// so that what runs in production holds no data generator and no tool
// that starts, loads or kills servers.
//
//	lab demo -dir DIR -addr 127.0.0.1:8080      the national demo on loopback
//	lab loadtest -interns 20000 -window 60s     simultaneous signed submissions
//	lab crashtest -kills 5 -interns 2000        kill -9 of a server, nothing lost
//	lab faulttest                               full disk, jumping clock, dying network
package main

import (
	"fmt"
	"io"
	"os"

	"appariement/syncserver/crashtest"
	"appariement/syncserver/democmd"
	"appariement/syncserver/faulttest"
	"appariement/syncserver/loadtest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// commands are the bench's subcommands. crashtest and faulttest start
// this same executable as their child server ("crashtest -serve …").
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"demo":      democmd.Run,
	"loadtest":  loadtest.Run,
	"crashtest": crashtest.Run,
	"faulttest": faulttest.Run,
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(args[1:], stdout, stderr)
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "lab: commande inconnue %q (unknown command)\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: lab <commande> [options]   (banc d'essai / test bench; le serveur est "syncserver")

Commandes / commands:
  demo    démonstration nationale sur la boucle locale / national demo on loopback
          (-dir DIR -addr 127.0.0.1:8080 [-seed N] [-interns N] [-postes N] [-simulate])
  loadtest  dépôts simultanés de N internes, reçus vérifiés / load test
          (-interns 20000 -window 60s [-burst] [-addr URL] [-catalogue])
  crashtest  kill -9 répétés du serveur, aucun reçu perdu / crash test
          (-kills 5 -interns 2000)
  faulttest  disque plein, horloge qui saute, réseau qui coupe : rien de perdu / fault test
          (-requests 10000 [-short] [-only disk,clock,network])
`)
}
