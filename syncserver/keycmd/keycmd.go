// Package keycmd is "syncserver key": the server's signing key, which
// lives in its own file beside the store (server.Config.KeyFile), never in
// the store or its backups.
//
//	syncserver key show -db store.db                                  fingerprint of the store's key
//	syncserver key rotate -db store.db [-key f]                       new key, server stopped
//	syncserver key show -store 'postgres://…'                         the same, on a PostgreSQL database
//	syncserver key rotate -store 'postgres://…' -key server.key       every node stopped
//
// Both work through the store contract (store.Open), on either backend. A
// rotation keeps the log: checkpoints and results signed from then on use
// the new key, and a statement signed by both keys says so, for the
// administration to publish with the new fingerprint. It is refused while
// any other process has the store open (store.Sessions: a node still
// running would sign on with the old key).
package keycmd

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"appariement/shared/envelope"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/store"
	_ "appariement/syncserver/store/boltstore" // the file backend of -db
	"appariement/syncserver/store/pgstore"     // the postgres:// backend of -store
)

// Command is "syncserver key": show and rotate, writing to stdio.
func Command(stdio cmdrun.IO) cmdrun.Command {
	return cmdrun.Command{
		Name: "key",
		Summary: "la clé de signature du serveur, dans son propre fichier / the server's signing key\n" +
			"(show -db store.db | rotate -db store.db [-key store.db.key], ou/or -store 'postgres://…' -key server.key ; serveur arrêté / server stopped)",
		Usage: "show|rotate -db store.db [-key store.db.key] | show|rotate -store 'postgres://…' -key server.key",
		Sub: []cmdrun.Command{
			keyCommand("show", "empreinte de la clé de la base / fingerprint of the store's key", false, func(loc, _ string) error {
				return Show(loc, stdio.Stdout)
			}),
			keyCommand("rotate", "nouvelle clé, serveur (chaque nœud) arrêté / new key, server (every node) stopped", true, func(loc, keyPath string) error {
				return Rotate(loc, keyPath, time.Now(), stdio.Stdout)
			}),
		},
	}
}

// keyCommand is a subcommand of "key" on the store (a bbolt file, -db,
// or a database, -store) and its key file (-key; needed with -store if
// needKey).
func keyCommand(name, summary string, needKey bool, run func(location, keyPath string) error) cmdrun.Command {
	var db, location, keyPath string
	return cmdrun.Command{
		Name:    name,
		Summary: summary,
		Usage:   "-db store.db [-key store.db.key] | -store 'postgres://…' -key server.key",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&db, "db", "store.db", "fichier de la base, serveur arrêté (store file, server stopped)")
			fs.StringVar(&location, "store", "", "base PostgreSQL, à la place de -db, chaque nœud arrêté : postgres://… "+
				"(PostgreSQL database instead of -db, every node stopped)")
			fs.StringVar(&keyPath, "key", "", "fichier de la clé de signature (défaut : <db>.key ; obligatoire avec -store, "+
				"le fichier -signing-key des nœuds) / signing key file (default <db>.key; required with -store: the nodes' -signing-key file)")
		},
		Check: func([]string) error {
			if location == "" {
				return nil
			}
			if !pgstore.IsDSN(location) {
				return cmdrun.Usagef("-store attend une adresse postgres://… (a postgres:// location), pas %q", location)
			}
			if needKey && keyPath == "" {
				return cmdrun.Usagef("-store demande -key : le fichier de la clé de signature des nœuds (-store needs -key, the nodes' signing key file)")
			}
			return nil
		},
		Run: func(context.Context, []string) error {
			if location == "" {
				location = db
				if keyPath == "" {
					keyPath = db + ".key"
				}
			}
			return run(location, keyPath)
		},
	}
}

// openStore opens the store at location (a bbolt file, which must
// exist, or a postgres:// database) with key (nil: without it).
func openStore(location string, key ed25519.PrivateKey) (*store.Store, error) {
	if !strings.Contains(location, "://") {
		// bbolt would create a missing file: a mistyped path must not
		// give a new store.
		if _, err := os.Stat(location); err != nil {
			return nil, fmt.Errorf("base / store: %w", err)
		}
	}
	st, err := store.Open(location, store.Options{Key: key})
	if err != nil {
		return nil, fmt.Errorf("ouverture de %s (le serveur est-il arrêté ? / open, is the server stopped?): %w", pgstore.Redact(location), err)
	}
	return st, nil
}

// Show prints the fingerprint of the signing key recorded by the store at
// location, its past rotations and the other sessions open on it.
func Show(location string, w io.Writer) error {
	st, err := openStore(location, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	k := st.ServerKey()
	if k.PublicKey == nil {
		return fmt.Errorf("%s n'a pas encore de clé de serveur enregistrée / has no server key recorded yet", st.Backend())
	}
	fmt.Fprintf(w, "Clé du serveur %s : empreinte %s (base %s)\n", k.Name, k.Fingerprint, st.Backend())
	rots, err := st.KeyRotations()
	if err != nil {
		return err
	}
	for _, r := range rots {
		fmt.Fprintf(w, "  rotation du %s : %s → %s\n", r.Time.Format(time.RFC3339), envelope.Fingerprint(r.Old), envelope.Fingerprint(r.New))
	}
	others, err := st.OtherSessions()
	if err != nil {
		return err
	}
	if len(others) > 0 {
		fmt.Fprintf(w, "Autres sessions ouvertes sur la base / other sessions open on the store: %d\n", len(others))
		for _, s := range others {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	return nil
}

// Rotate replaces the signing key of the store at location (a stopped
// server's bbolt file, or a PostgreSQL database whose every node is
// stopped), whose key is in keyPath: a new key is made, recorded by the
// store (the old public key goes to its history), written to keyPath (the
// old file is kept as keyPath.old-TIME), and a statement of the rotation
// signed by both keys is written to keyPath.rotation-TIME.note and
// printed. While another process has the store open the rotation is
// refused (store.ErrOtherSessions) and nothing changes.
func Rotate(location, keyPath string, now time.Time, w io.Writer) error {
	old, err := keyfile.Read(keyPath)
	if err != nil {
		return err
	}
	st, err := openStore(location, old)
	if err != nil {
		return err
	}
	defer st.Close()
	_, fresh, err := ed25519.GenerateKey(nil)
	if err != nil {
		return err
	}
	stamp := now.UTC().Format("20060102T150405Z")
	tmp := keyPath + ".new-" + stamp
	if err := keyfile.Write(tmp, fresh); err != nil {
		return err
	}
	name := st.ServerKey().Name
	oldPub, newPub := old.Public().(ed25519.PublicKey), fresh.Public().(ed25519.PublicKey)
	if err := st.RotateKey(fresh, now); err != nil {
		os.Remove(tmp)
		var others *store.OtherSessionsError
		if errors.As(err, &others) {
			return others // French first: what to do, and the sessions
		}
		return err
	}
	// From here the store expects the new key: the files follow, with
	// the statement the store recorded (and serves).
	rots, err := st.KeyRotations()
	if err != nil || len(rots) == 0 || len(rots[len(rots)-1].Statement) == 0 {
		return fmt.Errorf("read the recorded rotation statement: %v (the new key is in %s)", err, tmp)
	}
	statement := rots[len(rots)-1].Statement
	if err := os.Rename(keyPath, keyPath+".old-"+stamp); err != nil {
		return fmt.Errorf("keep the old key file: %w (the new key is in %s)", err, tmp)
	}
	if err := os.Rename(tmp, keyPath); err != nil {
		return fmt.Errorf("install the new key file: %w (the new key is in %s)", err, tmp)
	}
	notePath := keyPath + ".rotation-" + stamp + ".note"
	if err := os.WriteFile(notePath, statement, 0o644); err != nil {
		return fmt.Errorf("write the rotation statement: %w", err)
	}
	fmt.Fprintf(w, "Nouvelle clé du serveur %s : empreinte %s (ancienne : %s), base %s.\n", name,
		envelope.Fingerprint(newPub), envelope.Fingerprint(oldPub), st.Backend())
	fmt.Fprintf(w, "Ancien fichier de clé gardé : %s.old-%s ; déclaration signée des deux clés : %s\n", keyPath, stamp, notePath)
	if pgstore.IsDSN(location) {
		fmt.Fprintf(w, "Copiez %s sur chaque nœud (-signing-key) avant de les redémarrer / copy it to every node before restarting them.\n", keyPath)
	}
	fmt.Fprintf(w, "\n%s", statement)
	return nil
}
