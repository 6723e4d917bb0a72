// Command syncserver is Appariement's central server and its tools.
//
//	syncserver match -in instance.json -out result.json   run a matching on files
//
// Run "syncserver help" for every command. The demo and the load, crash
// and fault tests are in the test bench, syncserver/lab.
package main

import (
	"fmt"
	"io"
	"os"

	"appariement/syncserver/admincmd"
	"appariement/syncserver/backup"
	"appariement/syncserver/keycmd"
	"appariement/syncserver/matchcmd"
	"appariement/syncserver/releasecmd"
	"appariement/syncserver/servecmd"
	"appariement/syncserver/verifycmd"
	"appariement/syncserver/witness"
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
	case "admin":
		return admincmd.Run(args[1:], stdout, stderr)
	case "match":
		return matchcmd.Run(args[1:], stdout, stderr)
	case "serve":
		return servecmd.Run(args[1:], stdout, stderr)
	case "backup":
		return backup.Run(args[1:], stdout, stderr)
	case "restore":
		return backup.RunRestore(args[1:], stdout, stderr)
	case "key":
		return keycmd.Run(args[1:], stdout, stderr)
	case "release-keygen":
		return releasecmd.RunKeygen(args[1:], stdout, stderr)
	case "sign-release":
		return releasecmd.RunSign(args[1:], stdout, stderr)
	case "verify-release":
		return releasecmd.RunVerify(args[1:], stdout, stderr)
	case "verify":
		return verifycmd.Run(args[1:], stdout, stderr)
	case "witness":
		return witness.Run(args[1:], stdout, stderr)
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
  admin   administre un serveur / administers a server
          (init, import-people, import-postes, codes, round, run, publish, export…;
          "syncserver admin help")
  match   calcule un appariement sur fichiers / runs a matching on files
          (-in instance.json -out result.json)
  serve   sert l'API / serves the API
          (-db store.db -addr 127.0.0.1:8080 [-mail dir:D|smtp://u:p@host:587|smtps://…] [-tls-cert f -tls-key f])
  backup  copie vérifiée : à chaud d'un serveur en marche, ou du fichier d'un serveur arrêté
          / verified copy: hot from a running server, or of a stopped store's file
          (-server URL -id A0001 -key admin.key -out backup.db | -db store.db -out backup.db)
  restore  vérifie et restaure une copie / verifies and restores a backup
          (-from backup.db -db store.db [-force])
  key     la clé de signature du serveur, dans son propre fichier / the server's signing key
          (show -db store.db | rotate -db store.db [-key store.db.key], serveur arrêté)
  verify-release  vérifie la signature de SHA256SUMS et les fichiers téléchargés
          / checks the signed SHA256SUMS and the downloads
          (-key 'appariement-release+…' [fichier…]; sign-release, release-keygen : docs/release.md)
  verify  vérifie un tour publié sur son dossier d'audit et le recalcule / verifies a published round
          (-bundle audit.json | -server URL -round R1 -id U0001 -key auditeur.key) [-fingerprint …]
  witness  témoin du journal : cosigne les points de contrôle cohérents / log witness: cosigns consistent checkpoints
          (-server URL -name W -key witness.key -state f [-once] | keygen -name W -key-out f)

La démonstration et les essais de charge, de panne et de kill -9 sont dans le
banc d'essai / the demo and the load, crash and fault tests: go run ./syncserver/lab help
`)
}
