package admincmd

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"appariement/shared/domain"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/store/boltstore"
)

// Init creates the first admin in the store file dbPath, offline (the
// server must not be running on it): a fresh Ed25519 key is written to
// keyOut (see keyfile.Write) and its public half registered for admin with
// boltstore.Bootstrap. keyName names the server key if the store is created.
// Init refuses to overwrite keyOut; if the bootstrap fails, the key file
// just written is removed.
func Init(dbPath, keyName string, admin domain.Person, keyOut string) error {
	if strings.TrimSpace(admin.ID) == "" {
		return errors.New("identifiant de l'administrateur vide (empty admin id)")
	}
	if _, err := os.Stat(keyOut); err == nil {
		return fmt.Errorf("le fichier de clé %s existe déjà : il n'est pas remplacé (key file exists, not overwritten)", keyOut)
	}
	if dir := filepath.Dir(keyOut); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("dossier de la clé (key directory): %w", err)
		}
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return fmt.Errorf("génération de la clé (generate key): %w", err)
	}
	if err := keyfile.Write(keyOut, priv); err != nil {
		return err
	}
	admin.Role = domain.RoleAdmin
	if err := boltstore.Bootstrap(dbPath, keyName, admin, pub); err != nil {
		os.Remove(keyOut)
		return fmt.Errorf("création de l'administrateur %s dans %s (le serveur doit être arrêté) (bootstrap): %w", admin.ID, dbPath, err)
	}
	return nil
}

func (a *app) cmdInit() cmdrun.Command {
	var db, id, last, first, email, keyOut, name string
	return cmdrun.Command{
		Name:     "init",
		Summary:  "crée le premier administrateur, hors ligne (-db -id -last-name -first-name -email -key-out)",
		Usage:    "-db store.db -id A0001 -last-name NOM -first-name Prénom -email e-mail -key-out admin.key",
		Required: []string{"db", "id", "last-name", "email", "key-out"},
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&db, "db", "", "fichier de la base du serveur (store file), serveur arrêté")
			fs.StringVar(&id, "id", "", "identifiant du premier administrateur (admin id)")
			fs.StringVar(&last, "last-name", "", "nom")
			fs.StringVar(&first, "first-name", "", "prénom")
			fs.StringVar(&email, "email", "", "adresse e-mail")
			fs.StringVar(&keyOut, "key-out", "admin.key", "fichier où écrire la clé privée (PEM PKCS #8, mode 0600)")
			fs.StringVar(&name, "name", "", "nom de la clé du serveur si la base est créée (server key name)")
		},
		Run: func(context.Context, []string) error {
			p := domain.Person{ID: id, Role: domain.RoleAdmin, LastName: last, FirstName: first, Email: email}
			if err := Init(db, name, p, keyOut); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Administrateur %s créé dans %s ; clé privée écrite dans %s (à garder secrète).\n", id, db, keyOut)
			return nil
		},
	}
}
