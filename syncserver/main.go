// Command syncserver is Appariement's central server and its tools.
//
//	syncserver match -in instance.json -out result.json   run a matching on files
//
// Run "syncserver help" for every command.
package main

import (
	"fmt"
	"io"
	"os"

	"appariement/syncserver/admincmd"
	"appariement/syncserver/backup"
	"appariement/syncserver/crashtest"
	"appariement/syncserver/democmd"
	"appariement/syncserver/loadtest"
	"appariement/syncserver/matchcmd"
	"appariement/syncserver/servecmd"
	"appariement/syncserver/verifycmd"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "demo":
		return democmd.Run(args[1:], stdout, stderr)
	case "admin":
		return admincmd.Run(args[1:], stdout, stderr)
	case "match":
		return matchcmd.Run(args[1:], stdout, stderr)
	case "serve":
		return servecmd.Run(args[1:], stdout, stderr)
	case "loadtest":
		return loadtest.Run(args[1:], stdout, stderr)
	case "crashtest":
		return crashtest.Run(args[1:], stdout, stderr)
	case "backup":
		return backup.Run(args[1:], stdout, stderr)
	case "restore":
		return backup.RunRestore(args[1:], stdout, stderr)
	case "verify":
		return verifycmd.Run(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "syncserver: commande inconnue %q (unknown command)\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: syncserver <commande> [options]

Commandes / commands:
  demo    démonstration nationale sur la boucle locale / national demo on loopback
          (-dir DIR -addr 127.0.0.1:8080 [-seed N] [-interns N] [-postes N] [-simulate])
  admin   administre un serveur / administers a server
          (init, import-people, import-postes, codes, round, run, publish, export…;
          "syncserver admin help")
  match   calcule un appariement sur fichiers / runs a matching on files
          (-in instance.json -out result.json)
  serve   sert l'API / serves the API
          (-db store.db -addr 127.0.0.1:8080 [-mail dir:D|smtp://u:p@host:587|smtps://…] [-tls-cert f -tls-key f])
  loadtest  dépôts simultanés de N internes, reçus vérifiés / load test
          (-interns 20000 -window 60s [-burst] [-addr URL] [-catalogue])
  crashtest  kill -9 répétés du serveur, aucun reçu perdu / crash test
          (-kills 5 -interns 2000)
  backup  copie vérifiée : à chaud d'un serveur en marche, ou du fichier d'un serveur arrêté
          / verified copy: hot from a running server, or of a stopped store's file
          (-server URL -id A0001 -key admin.key -out backup.db | -db store.db -out backup.db)
  restore  vérifie et restaure une copie / verifies and restores a backup
          (-from backup.db -db store.db [-force])
  verify  vérifie un tour publié sur son dossier d'audit et le recalcule / verifies a published round
          (-bundle audit.json | -server URL -round R1 -id U0001 -key auditeur.key) [-fingerprint …]
`)
}
