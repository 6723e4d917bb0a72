// Package verifycmd is "syncserver verify": an auditor's check of a
// published round from its audit bundle (shared/audit), offline on a file
// or fetched from a server with the auditor's key.
//
//	syncserver verify -bundle audit-R1.json [-fingerprint "ab12 …"]
//	syncserver verify -server URL -round R1 -id U0001 -key auditeur.key [-out audit-R1.json]
package verifycmd

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"appariement/shared/audit"
	"appariement/shared/client"
	"appariement/shared/envelope"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/keyfile"
)

const help = `Vérifie un tour publié sur son dossier d'audit : signatures, preuves
d'inclusion, cohérence du journal, empreinte de l'entrée figée, puis recalcule
l'appariement et le compare au résultat signé, affectation par affectation.
Sort en 0 si tout concorde, 1 au premier écart (nommé), 2 sur un usage erroné.
Verifies a published round from its audit bundle; exits 1 on the first
discrepancy, naming it.`

// Command is "syncserver verify", writing to stdio.
func Command(stdio cmdrun.IO) cmdrun.Command {
	var bundlePath, server, round, id, keyPath, out, fingerprint string
	return cmdrun.Command{
		Name: "verify",
		Summary: "vérifie un tour publié sur son dossier d'audit et le recalcule / verifies a published round\n" +
			"(-bundle audit.json | -server URL -round R1 -id U0001 -key auditeur.key) [-fingerprint …]",
		Usage: "-bundle audit-R1.json [-fingerprint \"ab12 cd34 …\"]\n" +
			"        syncserver verify -server URL -round R1 -id U0001 -key auditeur.key [-out audit-R1.json] [-fingerprint …]",
		Help:    help,
		Timeout: 10 * time.Minute,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&bundlePath, "bundle", "", "dossier d'audit à vérifier (audit bundle file)")
			fs.StringVar(&server, "server", "", "adresse du serveur, pour télécharger le dossier (server URL)")
			fs.StringVar(&round, "round", "", "tour à vérifier, avec -server (round id)")
			fs.StringVar(&id, "id", "", "identifiant de l'auditeur ou de l'administrateur, avec -server")
			fs.StringVar(&keyPath, "key", "", "clé privée de l'auditeur (PEM), avec -server")
			fs.StringVar(&out, "out", "", "avec -server : enregistrer le dossier téléchargé dans ce fichier")
			fs.StringVar(&fingerprint, "fingerprint", "", "empreinte attendue de la clé du serveur, telle que publiée (expected server key fingerprint)")
		},
		Check: func([]string) error {
			switch {
			case bundlePath != "" && server == "":
				return nil
			case bundlePath == "" && server != "":
				if round == "" || id == "" || keyPath == "" {
					return cmdrun.Usagef("-server demande -round, -id et -key (requires -round, -id and -key)")
				}
				return nil
			}
			return cmdrun.Usagef("donnez -bundle FICHIER ou -server URL (give -bundle or -server)")
		},
		Run: func(ctx context.Context, _ []string) error {
			var (
				b   *audit.Bundle
				err error
			)
			if server != "" {
				b, err = fetch(ctx, server, round, id, keyPath, out)
			} else {
				var data []byte
				if data, err = os.ReadFile(bundlePath); err == nil {
					b, err = audit.Decode(data)
				}
			}
			if err != nil {
				return err
			}
			return report(stdio.Stdout, b, fingerprint)
		},
	}
}

// Run runs the verify subcommand with the arguments that follow "verify",
// through cmdrun, and returns the exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	stdio := cmdrun.IO{Stdout: stdout, Stderr: stderr}
	return cmdrun.RunCommand(context.Background(), "syncserver", Command(stdio), stdio, args)
}

// report verifies b against the expected fingerprint (none if empty) and
// prints the verdict; a discrepancy is printed on stdout, then
// ExitCode(1) returned.
func report(stdout io.Writer, b *audit.Bundle, fingerprint string) error {
	fp := envelope.Fingerprint(b.ServerKey.PublicKey)
	fmt.Fprintf(stdout, "Clé du serveur (server key) : %s, empreinte (fingerprint) %s\n", b.ServerKey.Name, fp)
	var expected ed25519.PublicKey
	if fingerprint != "" {
		if normalize(fingerprint) != normalize(fp) {
			fmt.Fprintf(stdout, "ÉCART / DISCREPANCY [server_key]\n  l'empreinte de la clé du dossier n'est pas celle attendue (%s)\n  the bundle's key fingerprint is not the expected one (%s)\n", fingerprint, fingerprint)
			return cmdrun.ExitCode(cmdrun.ExitFailure)
		}
		expected = b.ServerKey.PublicKey
	} else {
		fmt.Fprintln(stdout, "  (comparez-la à l'empreinte publiée, ou passez -fingerprint / compare it with the published one, or pass -fingerprint)")
	}
	rep, err := audit.Verify(b, expected)
	if err != nil {
		var d *audit.Discrepancy
		if errors.As(err, &d) {
			fmt.Fprintf(stdout, "ÉCART / DISCREPANCY [%s]\n  %s\n  %s\n", d.Kind, d.Message, d.MessageEN)
			return cmdrun.ExitCode(cmdrun.ExitFailure)
		}
		return err
	}
	fmt.Fprintf(stdout, "VÉRIFIÉ / VERIFIED : tour %s (%s)\n", rep.Round, rep.Procedure)
	fmt.Fprintf(stdout, "  entrée figée (frozen input) %s : %d postes, %d internes, %d enveloppes\n",
		rep.InputDigest, rep.Postes, rep.Interns, rep.Envelopes)
	fmt.Fprintf(stdout, "  journal figé à %d entrées, prolongé sans réécriture jusqu'à %d (log frozen at %d, consistent up to %d)\n",
		rep.TreeSize, rep.LatestSize, rep.TreeSize, rep.LatestSize)
	fmt.Fprintf(stdout, "  chaque enveloppe est signée par son auteur et incluse dans le journal ; le recalcul donne le résultat signé, affectation par affectation (%d affectés, %d sans poste)\n",
		rep.Assigned, rep.Unmatched)
	fmt.Fprintln(stdout, "  every envelope is signed by its author and in the log; the re-run gives the signed result, assignment by assignment")
	if rep.TieBreak != "" {
		fmt.Fprintf(stdout, "  tirage au sort : le secret révélé correspond à l'engagement %s (comparez-le à celui publié avec le tour) ; graine %s\n",
			rep.TieBreakCommitment, rep.TieBreak)
		fmt.Fprintln(stdout, "  draw: the revealed secret matches the commitment above (compare it with the one published with the round); seed above")
	}
	if rep.CallListSeed != "" {
		fmt.Fprintf(stdout, "  liste d'appel : sa graine %s correspond à l'engagement %s (comparez-le à celui publié avec le tour)\n",
			rep.CallListSeed, rep.CallListCommitment)
		fmt.Fprintln(stdout, "  call list: its seed matches the commitment above (compare it with the one published with the round)")
	}
	return nil
}

// fetch downloads the bundle of round with the auditor's key, and writes it
// to out when asked.
func fetch(ctx context.Context, server, round, id, keyPath, out string) (*audit.Bundle, error) {
	key, err := keyfile.Read(keyPath)
	if err != nil {
		return nil, err
	}
	c, err := client.New(server, &http.Client{}) // the command's -timeout bounds the download
	if err != nil {
		return nil, err
	}
	b, data, err := c.WithIdentity(id, key).AuditBundle(ctx, round)
	if err != nil {
		return nil, fmt.Errorf("téléchargement du dossier d'audit de %s (download audit bundle): %w", round, err)
	}
	if out != "" {
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return nil, fmt.Errorf("écriture du dossier (write bundle): %w", err)
		}
	}
	return b, nil
}

func normalize(fp string) string {
	return strings.ToLower(strings.Join(strings.Fields(fp), ""))
}
