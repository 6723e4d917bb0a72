// Package keycmd is "syncserver key": the server's signing key, which
// lives in its own file beside the store (server.Config.KeyFile), never in
// the store or its backups.
//
//	syncserver key show -db store.db              fingerprint of the store's key
//	syncserver key rotate -db store.db [-key f]   new key, server stopped
//
// A rotation keeps the log: checkpoints and results signed from then on
// use the new key, and a statement signed by both keys says so, for the
// administration to publish with the new fingerprint.
package keycmd

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/mod/sumdb/note"

	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

// Command is "syncserver key": show and rotate, writing to stdio.
func Command(stdio cmdrun.IO) cmdrun.Command {
	return cmdrun.Command{
		Name: "key",
		Summary: "la clé de signature du serveur, dans son propre fichier / the server's signing key\n" +
			"(show -db store.db | rotate -db store.db [-key store.db.key], serveur arrêté)",
		Usage: "show|rotate -db store.db [-key store.db.key]",
		Sub: []cmdrun.Command{
			keyCommand("show", "empreinte de la clé de la base / fingerprint of the store's key", func(db, _ string) error {
				return show(db, stdio.Stdout)
			}),
			keyCommand("rotate", "nouvelle clé, serveur arrêté / new key, server stopped", func(db, keyPath string) error {
				return Rotate(db, keyPath, time.Now(), stdio.Stdout)
			}),
		},
	}
}

// keyCommand is a subcommand of "key" on the store db and its key file.
func keyCommand(name, summary string, run func(db, keyPath string) error) cmdrun.Command {
	var db, keyPath string
	return cmdrun.Command{
		Name:    name,
		Summary: summary,
		Usage:   "-db store.db [-key store.db.key]",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&db, "db", "store.db", "fichier de la base, serveur arrêté (store file, server stopped)")
			fs.StringVar(&keyPath, "key", "", "fichier de la clé de signature (défaut : <db>.key)")
		},
		Run: func(context.Context, []string) error {
			if keyPath == "" {
				keyPath = db + ".key"
			}
			return run(db, keyPath)
		},
	}
}

func show(db string, w io.Writer) error {
	st, err := boltstore.Open(db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	k := st.ServerKey()
	fmt.Fprintf(w, "Clé du serveur %s : empreinte %s\n", k.Name, k.Fingerprint)
	rots, err := st.KeyRotations()
	for _, r := range rots {
		fmt.Fprintf(w, "  rotation du %s : %s → %s\n", r.Time.Format(time.RFC3339), envelope.Fingerprint(r.Old), envelope.Fingerprint(r.New))
	}
	return err
}

// Rotate replaces the signing key of the (stopped) store at db, whose key
// is in keyPath: a new key is made, recorded by the store (the old public
// key goes to its history), written to keyPath (the old file is kept as
// keyPath.old-TIME), and a statement of the rotation signed by both keys is
// written to keyPath.rotation-TIME.note and printed.
func Rotate(db, keyPath string, now time.Time, w io.Writer) error {
	old, err := keyfile.Read(keyPath)
	if err != nil {
		return err
	}
	st, err := boltstore.Open(db, store.Options{Key: old})
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
	text := fmt.Sprintf("appariement server key rotation\nname %s\nold %s\nnew %s\ntime %s\n",
		name, envelope.Fingerprint(oldPub), envelope.Fingerprint(newPub), now.UTC().Format(time.RFC3339))
	s1, err := translog.NewSigner(name, old)
	if err != nil {
		return err
	}
	s2, err := translog.NewSigner(name, fresh)
	if err != nil {
		return err
	}
	statement, err := note.Sign(&note.Note{Text: text}, s1, s2)
	if err != nil {
		return fmt.Errorf("sign the rotation statement: %w", err)
	}
	if err := st.RotateKey(fresh, now); err != nil {
		return err
	}
	// From here the store expects the new key: the files follow.
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
	fmt.Fprintf(w, "Nouvelle clé du serveur %s : empreinte %s (ancienne : %s).\n", name,
		envelope.Fingerprint(newPub), envelope.Fingerprint(oldPub))
	fmt.Fprintf(w, "Ancien fichier de clé gardé : %s.old-%s ; déclaration signée des deux clés : %s\n\n%s",
		keyPath, stamp, notePath, statement)
	return nil
}

// VerifyRotation checks a rotation statement against the old and the new
// public keys of a server named name.
func VerifyRotation(statement []byte, name string, oldPub, newPub ed25519.PublicKey) error {
	var vs []note.Verifier
	for _, pub := range []ed25519.PublicKey{oldPub, newPub} {
		vk, err := translog.NoteKey(name, pub)
		if err != nil {
			return err
		}
		v, err := note.NewVerifier(vk)
		if err != nil {
			return err
		}
		vs = append(vs, v)
	}
	n, err := note.Open(statement, note.VerifierList(vs...))
	if err != nil {
		return fmt.Errorf("rotation statement: %w", err)
	}
	if len(n.Sigs) != 2 {
		return errors.New("rotation statement: not signed by both keys")
	}
	return nil
}
