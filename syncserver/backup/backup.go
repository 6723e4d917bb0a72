// Package backup is "syncserver backup" and "syncserver restore": a copy of
// the server's bbolt file, and its verified return.
//
//	syncserver backup -server URL -id A0001 -key admin.key -out backup.db   (hot)
//	syncserver backup -db store.db -out backup.db                          (stopped server)
//	syncserver restore -from backup.db -db store.db [-force]
//
// bbolt lets one process at a time open a file for writing, and the running
// server holds that lock: a hot backup is therefore asked of the running
// server (GET /v1/admin/backup, an admin's signed request), which copies
// its store within one read transaction (store.(*Store).Backup) while
// submissions go on. With -db, the command copies the file of a stopped
// server (it says so, in French, when the file is locked).
//
// Every backup and every restore is verified: bbolt's consistency check,
// then the transparency log's tree hash recomputed from every leaf must
// equal the hash the store keeps for it, and the signed checkpoint must
// verify under the store's own key.
package backup

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/translog"
	"appariement/syncserver/adminconn"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

// lockTimeout is how long to wait for the file lock before deciding that a
// server is running on the file.
const lockTimeout = 2 * time.Second

// ErrLocked is returned when another process (the server) holds the file.
var ErrLocked = errors.New("fichier verrouillé par un autre processus (le serveur tourne-t-il dessus ?) / file locked by another process")

// Report describes a verified store file.
type Report struct {
	Size     int64 // bytes
	TreeSize int64 // leaves in the log
	Hash     tlog.Hash
	// ServerKey is the fingerprint of the server key the store recorded.
	// The key itself is never in a backup: it stays in its own file
	// (server.Config.KeyFile), to be saved apart and given to nobody.
	ServerKey string
}

// Command is "syncserver backup", writing to stdio.
func Command(stdio cmdrun.IO) cmdrun.Command {
	var db, srv, out string
	var force bool
	var conn adminconn.Flags
	return cmdrun.Command{
		Name: "backup",
		Summary: "copie vérifiée : à chaud d'un serveur en marche, ou du fichier d'un serveur arrêté\n" +
			"/ verified copy: hot from a running server, or of a stopped store's file\n" +
			"(-server URL -id A0001 -key admin.key -out backup.db | -db store.db -out backup.db)",
		Usage:   "-server URL -id A0001 -key admin.key -out backup.db | -db store.db -out backup.db",
		Timeout: time.Hour, // a national store takes a while
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&db, "db", "", "fichier du serveur à copier, serveur arrêté / store file of a stopped server")
			// No default from the environment for -server: it would
			// make -db and -server both given.
			fs.StringVar(&srv, "server", "", "copie à chaud d'un serveur en marche (URL) / hot copy of a running server (URL; "+adminconn.EnvServer+")")
			conn.RegisterIdentity(fs, "administrateur, avec -server / admin id ("+adminconn.EnvID+")",
				"clé de l'administrateur, avec -server / admin key file ("+adminconn.EnvKey+")")
			fs.StringVar(&out, "out", "", "fichier de sauvegarde à écrire / backup file to write")
			fs.BoolVar(&force, "force", false, "écraser -out s'il existe / overwrite -out")
		},
		Check: func([]string) error {
			if (db == "") == (srv == "") || out == "" {
				return cmdrun.Usagef("-out et soit -db (serveur arrêté) soit -server (à chaud) / -out and either -db or -server")
			}
			return nil
		},
		Run: func(ctx context.Context, _ []string) error {
			var rep *Report
			var err error
			if srv != "" {
				conn.Server = srv
				rep, err = remote(ctx, conn, out, force)
			} else {
				rep, err = File(db, out, force)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdio.Stdout, "sauvegarde %s : %d octets, journal de %d feuilles vérifié (hash %s), clé du serveur %s (la clé de signature n'est pas dans la sauvegarde : sauvegardez son fichier à part)\n",
				out, rep.Size, rep.TreeSize, rep.Hash, rep.ServerKey)
			return nil
		},
	}
}

// RestoreCommand is "syncserver restore", writing to stdio.
func RestoreCommand(stdio cmdrun.IO) cmdrun.Command {
	var from, db string
	var force bool
	return cmdrun.Command{
		Name: "restore",
		Summary: "vérifie et restaure une copie / verifies and restores a backup\n" +
			"(-from backup.db -db store.db [-force])",
		Usage:    "-from backup.db -db store.db [-force]",
		Required: []string{"from", "db"},
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&from, "from", "", "sauvegarde à restaurer / backup file")
			fs.StringVar(&db, "db", "", "fichier du serveur à écrire / store file to write")
			fs.BoolVar(&force, "force", false, "remplacer -db s'il existe / replace an existing -db")
		},
		Run: func(context.Context, []string) error {
			rep, err := Restore(from, db, force)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdio.Stdout, "%s restauré depuis %s : journal de %d feuilles vérifié (hash %s) ; remettez à côté le fichier de la clé du serveur %s (%s.key)\n",
				db, from, rep.TreeSize, rep.Hash, rep.ServerKey, db)
			return nil
		},
	}
}

// Run is the "syncserver backup" command, through cmdrun: it returns the
// exit code (0 done, 1 failed, 2 bad usage).
func Run(args []string, stdout, stderr io.Writer) int {
	stdio := cmdrun.IO{Stdout: stdout, Stderr: stderr}
	return cmdrun.RunCommand(context.Background(), "syncserver", Command(stdio), stdio, args)
}

// RunRestore is the "syncserver restore" command, through cmdrun.
func RunRestore(args []string, stdout, stderr io.Writer) int {
	stdio := cmdrun.IO{Stdout: stdout, Stderr: stderr}
	return cmdrun.RunCommand(context.Background(), "syncserver", RestoreCommand(stdio), stdio, args)
}

// File copies the store file db (no server running on it) to out, then
// verifies the copy. out is written whole or not at all.
func File(db, out string, force bool) (*Report, error) {
	if err := refuseExisting(out, force); err != nil {
		return nil, err
	}
	bdb, err := openRead(db)
	if err != nil {
		return nil, err
	}
	defer bdb.Close()
	err = writeAtomic(out, func(w io.Writer) error {
		return bdb.View(func(tx *bolt.Tx) error {
			_, err := tx.WriteTo(w)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("copie de %s : %w", db, err)
	}
	rep, err := Verify(out)
	if err != nil {
		os.Remove(out)
		return nil, err
	}
	return rep, nil
}

func remote(ctx context.Context, conn adminconn.Flags, out string, force bool) (*Report, error) {
	if conn.ID == "" || conn.Key == "" {
		return nil, errors.New("-server demande -id et -key (l'administrateur qui signe la demande)")
	}
	c, err := conn.Client()
	if err != nil {
		return nil, err
	}
	return Remote(ctx, c, out, force)
}

// Remote asks the running server of c (an admin identity) for a hot copy
// of its store (GET /v1/admin/backup), writes it to out whole or not at
// all, and verifies it.
func Remote(ctx context.Context, c *client.Client, out string, force bool) (*Report, error) {
	if err := refuseExisting(out, force); err != nil {
		return nil, err
	}
	if err := writeAtomic(out, func(w io.Writer) error { return c.Backup(ctx, w) }); err != nil {
		return nil, fmt.Errorf("copie à chaud depuis %s : %w", c.BaseURL(), err)
	}
	rep, err := Verify(out)
	if err != nil {
		os.Remove(out)
		return nil, err
	}
	return rep, nil
}

// Restore verifies the backup from and, if it is sound, copies it to db,
// which must not exist unless force is set (and then no process may hold it).
func Restore(from, db string, force bool) (*Report, error) {
	if err := refuseExisting(db, force); err != nil {
		return nil, err
	}
	if _, err := os.Stat(db); err == nil {
		// Replacing a file: make sure no server is running on it.
		old, err := openRead(db)
		if err != nil {
			return nil, err
		}
		old.Close()
	}
	rep, err := Verify(from)
	if err != nil {
		return nil, err
	}
	src, err := os.Open(from)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	defer src.Close()
	err = writeAtomic(db, func(w io.Writer) error {
		_, err := io.Copy(w, src)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("restauration vers %s : %w", db, err)
	}
	return rep, nil
}

// Verify checks a store file that no process holds: bbolt's consistency
// check, then the log's tree hash recomputed from every leaf against the
// stored hash, and the signed checkpoint against the store's key. The file
// is not modified (the store is opened on a temporary copy).
func Verify(path string) (*Report, error) {
	bdb, err := openRead(path)
	if err != nil {
		return nil, err
	}
	var checkErrs []error
	err = bdb.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			checkErrs = append(checkErrs, err)
		}
		return nil
	})
	bdb.Close()
	if err == nil && len(checkErrs) > 0 {
		err = errors.Join(checkErrs...)
	}
	if err != nil {
		return nil, fmt.Errorf("%s : vérification bbolt échouée / bbolt check failed: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}

	// store.Open writes (buckets, key on first open): work on a copy.
	dir, err := os.MkdirTemp("", "appariement-verify-")
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "verify.db")
	if err := copyFile(path, tmp); err != nil {
		return nil, err
	}
	s, err := boltstore.Open(tmp, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s : %w", path, err)
	}
	defer s.Close()
	rep := &Report{Size: fi.Size()}
	var stored tlog.Hash
	err = s.View(func(tx store.Tx) error {
		rep.TreeSize = tx.TreeSize()
		leaves := make([]tlog.Hash, 0, rep.TreeSize)
		if err := tx.ForEachLeaf(0, rep.TreeSize, func(_ int64, data []byte) error {
			leaves = append(leaves, tlog.RecordHash(data))
			return nil
		}); err != nil {
			return err
		}
		if int64(len(leaves)) != rep.TreeSize {
			return fmt.Errorf("%d feuilles lues pour un journal de %d", len(leaves), rep.TreeSize)
		}
		rep.Hash = merkleRoot(leaves)
		var err error
		stored, err = store.TreeHash(tx, rep.TreeSize)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s : lecture du journal / reading the log: %w", path, err)
	}
	if stored != rep.Hash {
		return nil, fmt.Errorf("%s : le hash recalculé du journal (%s) diffère du hash stocké (%s) / recomputed log hash differs from the stored one",
			path, rep.Hash, stored)
	}
	if !s.HasKey() {
		return nil, fmt.Errorf("%s : aucune clé de serveur enregistrée / no server key recorded", path)
	}
	rep.ServerKey = s.ServerKey().Fingerprint
	cp, tree, err := s.Checkpoint()
	if errors.Is(err, store.ErrNoKey) {
		// What a backup of today holds: no signing key. The log is
		// checked by its hashes above; checkpoints signed by the server
		// key (fingerprint above) are checked by those who hold them.
		return rep, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s : %w", path, err)
	}
	v, err := translog.NewVerifier(api.ServerKey(s.ServerKey()))
	if err != nil {
		return nil, fmt.Errorf("%s : %w", path, err)
	}
	if got, err := v.OpenCheckpoint(cp); err != nil || got != tree || tree.Hash != rep.Hash || tree.N != rep.TreeSize {
		return nil, fmt.Errorf("%s : le point de contrôle signé ne correspond pas au journal recalculé / the signed checkpoint does not match the recomputed log (%v)", path, err)
	}
	return rep, nil
}

// merkleRoot is RFC 6962's Merkle tree hash of the leaf hashes, computed
// independently of the store's stored interior hashes.
func merkleRoot(leaves []tlog.Hash) tlog.Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil) // RFC 6962: MTH({}) = SHA-256()
	case 1:
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return tlog.NodeHash(merkleRoot(leaves[:k]), merkleRoot(leaves[k:]))
}

func refuseExisting(path string, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s existe déjà : refus de l'écraser sans -force / %s exists, refusing to overwrite without -force", path, path)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w", err)
	}
	return nil
}

// openRead opens a bbolt file read-only, telling a held lock apart.
func openRead(path string) (*bolt.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%s : %w. Le serveur garde le fichier verrouillé tant qu'il tourne : arrêtez-le, "+
			"ou faites une sauvegarde à chaud depuis le processus serveur (store.Backup)", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("ouverture de %s : %w", path, err)
	}
	return db, nil
}

// writeAtomic writes path through a temporary file in the same directory,
// synced, then renamed over path, and syncs the directory.
func writeAtomic(path string, fill func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("%w", err)
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("%w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	defer src.Close()
	return writeAtomic(to, func(w io.Writer) error {
		_, err := io.Copy(w, src)
		return err
	})
}
