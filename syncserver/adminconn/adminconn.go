// Package adminconn is how a command speaks to a running server as an
// admin: the flags -server, -id and -key (defaults from the environment)
// and the signed client they give.
package adminconn

import (
	"flag"
	"fmt"
	"net/http"
	"os"

	"appariement/shared/client"
	"appariement/syncserver/keyfile"
)

// Environment variables giving the defaults of -server, -id and -key.
const (
	EnvServer = "APPARIEMENT_SERVER"
	EnvID     = "APPARIEMENT_ADMIN_ID"
	EnvKey    = "APPARIEMENT_ADMIN_KEY"
)

// Flags are the connection flags of one command.
type Flags struct {
	Server, ID, Key string
}

// Register adds -server, -id and -key to fs, their defaults read from the
// environment.
func (f *Flags) Register(fs *flag.FlagSet) { f.RegisterKeyAs(fs, "key") }

// RegisterKeyAs is Register with the admin's key file given by the flag
// keyFlag instead of -key, for a command whose -key is something else
// (admin witness add -key is the witness's verifier key).
func (f *Flags) RegisterKeyAs(fs *flag.FlagSet, keyFlag string) {
	fs.StringVar(&f.Server, "server", os.Getenv(EnvServer), "adresse du serveur, ex. http://127.0.0.1:8080 (server URL)")
	fs.StringVar(&f.ID, "id", os.Getenv(EnvID), "identifiant de l'administrateur (admin id)")
	fs.StringVar(&f.Key, keyFlag, os.Getenv(EnvKey), "fichier de la clé privée de l'administrateur (admin key file)")
}

// RegisterIdentity adds -id and -key only, with the help texts given, for a
// command whose -server has another meaning or no default.
func (f *Flags) RegisterIdentity(fs *flag.FlagSet, idHelp, keyHelp string) {
	fs.StringVar(&f.ID, "id", os.Getenv(EnvID), idHelp)
	fs.StringVar(&f.Key, "key", os.Getenv(EnvKey), keyHelp)
}

// Names are the connection flags, for cmdrun.Command.Required.
var Names = []string{"server", "id", "key"}

// Client reads the key file and returns the client of f.Server signing as
// f.ID. The client has no timeout of its own: the command's context bounds
// its requests.
func (f *Flags) Client() (*client.Client, error) {
	key, err := keyfile.Read(f.Key)
	if err != nil {
		return nil, err
	}
	c, err := client.New(f.Server, &http.Client{})
	if err != nil {
		return nil, fmt.Errorf("adresse du serveur invalide (bad server URL): %w", err)
	}
	return c.WithIdentity(f.ID, key), nil
}
