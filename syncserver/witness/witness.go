// Package witness implements "syncserver witness": an independent witness
// of a sync server's transparency log, that anyone (a union, a university)
// can run. It polls the server's checkpoint, checks that it is consistent
// with the last one it cosigned (translog.CheckpointKeeper, the same check
// as the desktop app's), and only then cosigns it with its own Ed25519
// note key and gives the cosignature to the server. A forked or rolled-back
// log is refused: nothing is signed, both checkpoints are kept as evidence
// next to the state file, the witness logs at error level and exits 3.
//
//	syncserver witness keygen -name temoin.example.org -key-out witness.key
//	syncserver witness -server https://… -name temoin.example.org -key witness.key -state witness.json [-fingerprint …] [-once]
package witness

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/keyfile"
)

// Exit codes of Run.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
	// ExitFork: the server showed a history incompatible with the one the
	// witness cosigned.
	ExitFork = 3
)

// State is what a witness remembers between runs, in a small JSON file:
// the server key it pinned on its first run and the last checkpoint it
// cosigned (as the server signed it).
type State struct {
	ServerKey api.ServerKey `json:"server_key"`
	Cosigned  string        `json:"cosigned,omitempty"`
}

// FileState is a State in a file, written atomically; it is the
// CheckpointStore of the witness's keeper. Forks go to path + ".fork-N.json".
type FileState struct {
	Path string

	mu    sync.Mutex
	State State
}

// LoadState reads the state file at path; a missing file is an empty state.
func LoadState(path string) (*FileState, error) {
	fs := &FileState{Path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fs, nil
	}
	if err != nil {
		return nil, fmt.Errorf("witness state: %w", err)
	}
	if err := json.Unmarshal(data, &fs.State); err != nil {
		return nil, fmt.Errorf("witness state %s: %w", path, err)
	}
	return fs, nil
}

func (f *FileState) save() error {
	data, err := json.MarshalIndent(f.State, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(f.Path, data)
}

func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	fh, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return fmt.Errorf("witness state: %w", err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return fmt.Errorf("witness state: %w", err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	return nil
}

// TrustedCheckpoint implements translog.CheckpointStore.
func (f *FileState) TrustedCheckpoint() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.State.Cosigned, nil
}

// SaveTrustedCheckpoint implements translog.CheckpointStore: the witness
// records a checkpoint before it cosigns it, so that it never cosigns two
// incompatible ones.
func (f *FileState) SaveTrustedCheckpoint(c string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.State.Cosigned = c
	return f.save()
}

// SaveFork implements translog.CheckpointStore: the evidence goes to a
// file of its own next to the state.
func (f *FileState) SaveFork(fk translog.Fork) error {
	data, err := json.MarshalIndent(fk, "", "  ")
	if err != nil {
		return err
	}
	for i := 1; ; i++ {
		p := fmt.Sprintf("%s.fork-%d.json", f.Path, i)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return writeFile(p, data)
		}
	}
}

// Witness cosigns the checkpoints of one server.
type Witness struct {
	Name   string
	Signer note.Signer
	Client *client.Client
	State  *FileState
	// Fingerprint, if set, is the server key's fingerprint to pin on the
	// first run (as printed in the server's activation e-mails).
	Fingerprint string
	Log         *slog.Logger

	keeper *translog.CheckpointKeeper
}

func (w *Witness) init(ctx context.Context) error {
	if w.keeper != nil {
		return nil
	}
	k, err := w.Client.ServerKey(ctx)
	if err != nil {
		return fmt.Errorf("server key: %w", err)
	}
	pinned := w.State.State.ServerKey
	if len(pinned.PublicKey) == 0 {
		if w.Fingerprint != "" && normalize(w.Fingerprint) != normalize(envelope.Fingerprint(k.PublicKey)) {
			return fmt.Errorf("server key fingerprint %s, want %s", envelope.Fingerprint(k.PublicKey), w.Fingerprint)
		}
		pinned = *k
		w.State.mu.Lock()
		w.State.State.ServerKey = pinned
		err := w.State.save()
		w.State.mu.Unlock()
		if err != nil {
			return err
		}
	} else if string(k.PublicKey) != string(pinned.PublicKey) {
		return fmt.Errorf("the server now publishes another key (%s) than the one pinned (%s)",
			envelope.Fingerprint(k.PublicKey), envelope.Fingerprint(pinned.PublicKey))
	}
	v, err := translog.NewVerifier(pinned)
	if err != nil {
		return err
	}
	w.keeper = &translog.CheckpointKeeper{Verifier: v, Store: w.State, Proofs: w.Client}
	return nil
}

func normalize(fp string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(fp, ":", " ")), ""))
}

// Step fetches the server's checkpoint, checks it and, if consistent with
// the last one cosigned, cosigns it and posts the cosignature. It returns
// the tree size cosigned, or a *translog.ForkError for a forked or
// rolled-back log (nothing is signed then).
func (w *Witness) Step(ctx context.Context) (int64, error) {
	if err := w.init(ctx); err != nil {
		return 0, err
	}
	cp, err := w.Client.Checkpoint(ctx)
	if err != nil {
		return 0, fmt.Errorf("checkpoint: %w", err)
	}
	if err := w.keeper.ObserveLatest(ctx, "witness", cp); err != nil {
		return 0, err
	}
	cosigned, tree, err := w.keeper.Verifier.Cosign(cp, w.Signer)
	if err != nil {
		return 0, err
	}
	if _, err := w.Client.PostCosignature(ctx, api.CosignatureRequest{Witness: w.Name, Checkpoint: cosigned}); err != nil {
		return tree.N, fmt.Errorf("post cosignature of tree %d: %w", tree.N, err)
	}
	return tree.N, nil
}

// Run runs "syncserver witness" with the arguments that follow it.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "keygen" {
		return keygen(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("witness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", os.Getenv("APPARIEMENT_SERVER"), "adresse du serveur observé (server URL)")
	name := fs.String("name", "", "nom du témoin, celui de sa clé (witness name)")
	keyPath := fs.String("key", "", "clé privée du témoin (witness private key, from keygen)")
	statePath := fs.String("state", "witness-state.json", "fichier d'état : clé du serveur épinglée, dernier point de contrôle cosigné (state file)")
	fp := fs.String("fingerprint", "", "empreinte de la clé du serveur à épingler au premier lancement (server key fingerprint to pin)")
	interval := fs.Duration("interval", 30*time.Second, "intervalle entre deux relevés (poll interval)")
	once := fs.Bool("once", false, "un seul relevé puis sortie (one poll, then exit)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage : syncserver witness -server URL -name W -key witness.key [-state f] [-fingerprint …] [-interval 30s] [-once]\n"+
			"        syncserver witness keygen -name W -key-out witness.key\n\nOptions :\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "witness : argument inattendu %q (unexpected argument)\n", fs.Arg(0))
		return ExitUsage
	}
	if *server == "" || *name == "" || *keyPath == "" {
		fmt.Fprintln(stderr, "witness : -server, -name et -key sont obligatoires (required)")
		fs.Usage()
		return ExitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	priv, err := keyfile.Read(*keyPath)
	if err != nil {
		log.Error("witness: key", "err", err)
		return ExitError
	}
	signer, err := translog.NewWitnessSigner(*name, priv)
	if err != nil {
		log.Error("witness: key", "err", err)
		return ExitError
	}
	st, err := LoadState(*statePath)
	if err != nil {
		log.Error("witness: state", "err", err)
		return ExitError
	}
	c, err := client.New(*server, nil)
	if err != nil {
		log.Error("witness: server", "err", err)
		return ExitError
	}
	w := &Witness{Name: *name, Signer: signer, Client: c, State: st, Fingerprint: *fp, Log: log}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return w.Loop(ctx, *interval, *once, stdout)
}

// Loop polls until ctx ends (or once). It returns ExitFork at the first
// fork, after logging it at error level with both checkpoints.
func (w *Witness) Loop(ctx context.Context, interval time.Duration, once bool, stdout io.Writer) int {
	if w.Log == nil {
		w.Log = slog.Default()
	}
	for {
		n, err := w.Step(ctx)
		var fk *translog.ForkError
		switch {
		case errors.As(err, &fk):
			w.Log.Error("witness: JOURNAL FOURCHU OU RECULÉ, rien n'est cosigné / FORKED OR ROLLED-BACK LOG, nothing cosigned",
				"reason", fk.Fork.Reason, "trusted", fk.Fork.Trusted, "offered", fk.Fork.Offered,
				"evidence", w.State.Path+".fork-*.json")
			fmt.Fprintf(stdout, "REFUS : le serveur présente un historique incompatible avec celui qu'il a déjà montré au témoin (%s)\n"+
				"REFUSED: the server shows a history incompatible with the one it showed this witness (%s)\n", fk.Fork.Reason, fk.Fork.Reason)
			return ExitFork
		case err != nil:
			w.Log.Warn("witness: poll failed", "err", err)
			if once {
				return ExitError
			}
		default:
			w.Log.Info("witness: cosigned", "tree_size", n)
			if once {
				fmt.Fprintf(stdout, "cosigné / cosigned: arbre de taille / tree size %d\n", n)
				return ExitOK
			}
		}
		select {
		case <-ctx.Done():
			return ExitOK
		case <-time.After(interval):
		}
	}
}

func keygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("witness keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "nom du témoin, ex. temoin.syndicat.example (witness name)")
	out := fs.String("key-out", "", "fichier de la clé privée à créer (private key file to create)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if *name == "" || *out == "" {
		fmt.Fprintln(stderr, "witness keygen : -name et -key-out sont obligatoires (required)")
		return ExitUsage
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		fmt.Fprintln(stderr, "witness keygen:", err)
		return ExitError
	}
	vkey, err := translog.WitnessKey(*name, pub)
	if err != nil {
		fmt.Fprintln(stderr, "witness keygen:", err)
		return ExitError
	}
	if err := keyfile.Write(*out, priv); err != nil {
		fmt.Fprintln(stderr, "witness keygen:", err)
		return ExitError
	}
	fmt.Fprintf(stdout, "Clé de vérification à faire enregistrer par un administrateur / verifier key for the admin to register:\n%s\n"+
		"  syncserver admin witness add -name %s -key %s\n", vkey, *name, vkey)
	return ExitOK
}
