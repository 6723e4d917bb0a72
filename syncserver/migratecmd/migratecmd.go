// Package migratecmd is "syncserver migrate": the copy of everything a
// store holds (a bbolt file) into an empty store of another backend (a
// PostgreSQL database), verified on arrival.
//
//	syncserver migrate -from store.db -to 'postgres://…' [-signing-key store.db.key] [-dry-run]
//
// The server must be stopped (bbolt: one process holds the file). The
// copy is the source's bulk export (store.Tx.Export) imported into the
// target (store.Tx.Import) in batches inside one transaction: it commits
// whole or not at all, and a target that holds anything is refused. On
// arrival the log's root hash is recomputed on the target, from its stored
// hashes and from its leaves, and compared with the source's (and with
// the source's signed checkpoint: the one the signing key signs, and those
// the witnesses cosigned), and every kind of record is counted and
// digested on both sides. Any difference is a failure (exit 1).
package migratecmd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/cmdrun"
	"appariement/syncserver/keyfile"
	"appariement/syncserver/store"
	_ "appariement/syncserver/store/boltstore" // the "file" backend
	"appariement/syncserver/store/pgstore"
)

// DefaultBatch is the number of records imported per call.
const DefaultBatch = 1000

// Options is what a migration is asked to do.
type Options struct {
	From, To string // store locations (a file path, a postgres:// URL)
	// SigningKey, if set, is the server's key file: the source's
	// checkpoint is signed with it and verified against the target.
	SigningKey string
	DryRun     bool // count the source only
	Batch      int  // records per Import (DefaultBatch if 0)
}

// Report is what a migration found and did.
type Report struct {
	Counts   map[store.RecordKind]int // records of the source, by kind
	Target   map[store.RecordKind]int // records of the target after the copy
	TreeSize int64
	Root     tlog.Hash // the source's root hash
	// TargetRoot is the target's, from its stored hashes (and equal to
	// the one from its leaves, or Problems says so).
	TargetRoot tlog.Hash
	// Checkpoints counts the signed checkpoints verified against the
	// target (the signing key's, the witnesses').
	Checkpoints int
	Copied      bool
	Elapsed     time.Duration
	// Problems lists every difference found (French, then English).
	Problems []string
}

// ErrNotEmpty is the refusal of a target that holds data.
var ErrNotEmpty = errors.New("la cible n'est pas vide : la migration ne se fait que vers une base vide (créez-en une, ou videz-la), rien n'a été écrit " +
	"/ the target is not empty: migrate only into an empty database (create one, or empty it); nothing was written")

// ErrEmptySource is the refusal of a source that holds nothing.
var ErrEmptySource = errors.New("la source est vide : rien à migrer (est-ce le bon fichier ?) / the source is empty: nothing to migrate (is it the right file?)")

// ErrKeyInStore is the refusal of a source that still keeps the signing
// key inside (a store of an earlier version): it must not reach the
// database.
var ErrKeyInStore = errors.New("la source garde encore la clé de signature en son sein (ancienne version) : démarrez une fois " +
	"« syncserver serve -db store.db », qui la déplace dans store.db.key, puis arrêtez-le et migrez " +
	"/ the source still keeps the signing key inside (earlier version): start \"syncserver serve -db store.db\" once, " +
	"which moves it into store.db.key, stop it, then migrate")

// ErrMismatch is returned when the target differs from the source.
var ErrMismatch = errors.New("la cible diffère de la source / the target differs from the source")

// Command is "syncserver migrate", writing to stdio.
func Command(stdio cmdrun.IO) cmdrun.Command {
	var o Options
	return cmdrun.Command{
		Name: "migrate",
		Summary: "copie vérifiée d'un fichier bbolt vers une base PostgreSQL vide, serveur arrêté\n" +
			"/ verified copy of a bbolt file into an empty PostgreSQL database, server stopped\n" +
			"(-from store.db -to 'postgres://…' [-signing-key store.db.key] [-dry-run])",
		Usage: "-from store.db -to 'postgres://…' [-signing-key f] [-dry-run] [-batch n]",
		Help: "Copie tout (personnes, clés, tours, journal, accusés, fichiers, courriels, audit…) en une transaction,\n" +
			"puis recalcule la racine du journal sur la cible et la compare à la source et à son point de contrôle signé.\n" +
			"Copies everything in one transaction, then recomputes the log's root hash on the target and compares it\n" +
			"with the source's and its signed checkpoint.",
		Timeout:  4 * time.Hour,
		Required: []string{"from", "to"},
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&o.From, "from", "", "magasin source (fichier bbolt du serveur arrêté) / source store (bbolt file of the stopped server)")
			fs.StringVar(&o.To, "to", "", "magasin cible, vide (postgres://…) / empty target store")
			fs.StringVar(&o.SigningKey, "signing-key", "", "clé de signature du serveur, pour vérifier son point de contrôle (défaut : <from>.key s'il existe) / server signing key (default: <from>.key if present)")
			fs.BoolVar(&o.DryRun, "dry-run", false, "compter seulement, sans rien écrire / count only, write nothing")
			fs.IntVar(&o.Batch, "batch", DefaultBatch, "enregistrements par lot / records per batch")
		},
		Check: func([]string) error {
			if o.From == o.To {
				return cmdrun.Usagef("-from et -to désignent le même magasin (-from and -to name the same store)")
			}
			if o.Batch <= 0 {
				return cmdrun.Usagef("-batch doit être positif (must be positive)")
			}
			return nil
		},
		Run: func(ctx context.Context, _ []string) error {
			if o.SigningKey == "" && !strings.Contains(o.From, "://") {
				if _, err := os.Stat(o.From + ".key"); err == nil {
					o.SigningKey = o.From + ".key"
				}
			}
			rep, err := Migrate(ctx, o)
			if rep != nil {
				rep.Print(stdio.Stdout, o)
			}
			return err
		},
	}
}

// Migrate copies the store at o.From into the empty store at o.To and
// verifies the copy. The report is returned with any error past opening
// the stores.
func Migrate(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	var key ed25519.PrivateKey
	if o.SigningKey != "" {
		k, err := keyfile.Read(o.SigningKey)
		if err != nil {
			return nil, fmt.Errorf("clé de signature / signing key: %w", err)
		}
		key = k
	}
	if !strings.Contains(o.From, "://") {
		// bbolt would create a missing file: a mistyped path must not
		// give an empty source.
		if _, err := os.Stat(o.From); err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
	}
	src, err := store.OpenBackend(o.From)
	if err != nil {
		return nil, fmt.Errorf("source %s (le serveur est-il arrêté ? / is the server stopped?): %w", o.From, err)
	}
	defer src.Close()
	rep := &Report{}
	srcSum, err := summarise(src)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src, err)
	}
	rep.Counts, rep.TreeSize, rep.Root = srcSum.counts, srcSum.size, srcSum.root
	if len(srcSum.counts) == 0 {
		return rep, fmt.Errorf("source %s : %w", src, ErrEmptySource)
	}
	if srcSum.seed {
		return rep, fmt.Errorf("source %s : %w", src, ErrKeyInStore)
	}
	if o.DryRun && o.To == "" {
		return rep, nil
	}
	dst, err := store.OpenBackend(o.To)
	if err != nil {
		return rep, fmt.Errorf("cible / target: %w", err)
	}
	defer dst.Close()
	var empty bool
	if err := dst.View(func(tx store.Tx) error { empty, err = store.IsEmpty(tx); return err }); err != nil {
		return rep, fmt.Errorf("cible %s / target: %w", dst, err)
	}
	if !empty {
		return rep, fmt.Errorf("%s: %w", dst, ErrNotEmpty)
	}
	if o.DryRun {
		return rep, nil
	}
	err = dst.Update(func(ttx store.Tx) error {
		return src.View(func(stx store.Tx) error {
			batch := make([]store.Record, 0, o.Batch)
			flush := func() error {
				if err := ctx.Err(); err != nil {
					return err
				}
				err := ttx.Import(batch)
				batch = batch[:0]
				return err
			}
			err := stx.Export(func(r store.Record) error {
				batch = append(batch, r)
				if len(batch) == o.Batch {
					return flush()
				}
				return nil
			})
			if err == nil && len(batch) > 0 {
				err = flush()
			}
			return err
		})
	})
	if errors.Is(err, store.ErrNotEmpty) {
		return rep, fmt.Errorf("%s: %w", dst, ErrNotEmpty)
	}
	if err != nil {
		return rep, fmt.Errorf("copie vers %s (rien n'a été écrit / nothing was written): %w", dst, err)
	}
	rep.Copied = true
	dstSum, err := summarise(dst)
	if err != nil {
		return rep, fmt.Errorf("vérification de la cible / checking the target: %w", err)
	}
	rep.Target, rep.TargetRoot = dstSum.counts, dstSum.root
	rep.Problems = compare(srcSum, dstSum)
	n, problems := checkpoints(srcSum, dst, key)
	rep.Checkpoints, rep.Problems = n, append(rep.Problems, problems...)
	rep.Elapsed = time.Since(start)
	if len(rep.Problems) > 0 {
		return rep, ErrMismatch
	}
	return rep, nil
}

// summary is what is compared of a store: counts and digests of its
// records by kind, its log's root hash from the stored hashes and from
// the leaves, its recorded key and the witnesses' checkpoints.
type summary struct {
	counts    map[store.RecordKind]int
	digests   map[store.RecordKind][32]byte
	size      int64
	root      tlog.Hash // from the stored hashes
	leafRoot  tlog.Hash // from the leaves
	name      string
	pub       []byte
	witnesses []store.WitnessRecord
	seed      bool // the signing key's seed is in the store (MetaSeed)
}

func summarise(b store.Backend) (*summary, error) {
	s := &summary{counts: map[store.RecordKind]int{}, digests: map[store.RecordKind][32]byte{}}
	hashes := map[store.RecordKind][][32]byte{}
	err := b.View(func(tx store.Tx) error {
		var leaves hashList
		var nLeaves int64
		err := tx.Export(func(r store.Record) error {
			data, err := json.Marshal(r)
			if err != nil {
				return err
			}
			s.counts[r.Kind]++
			hashes[r.Kind] = append(hashes[r.Kind], sha256.Sum256(data))
			switch r.Kind {
			case store.RecMeta:
				switch r.Name {
				case store.MetaName:
					s.name = string(r.Data)
				case store.MetaPublicKey:
					s.pub = bytes.Clone(r.Data)
				case store.MetaSeed:
					s.seed = true
				}
			case store.RecTreeSize:
				s.size = r.Seq
			case store.RecLeaf:
				if r.Seq != nLeaves {
					return fmt.Errorf("leaf %d after %d leaves", r.Seq, nLeaves)
				}
				hs, err := tlog.StoredHashes(r.Seq, r.Data, &leaves)
				if err != nil {
					return err
				}
				leaves.h = append(leaves.h, hs...)
				nLeaves++
			case store.RecWitness:
				s.witnesses = append(s.witnesses, *r.Witness)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if s.size > 0 {
			if s.root, err = tlog.TreeHash(s.size, tx); err != nil {
				return fmt.Errorf("root hash from the stored hashes: %w", err)
			}
			if nLeaves == s.size {
				s.leafRoot, err = tlog.TreeHash(s.size, &leaves)
				if err != nil {
					return fmt.Errorf("root hash from the leaves: %w", err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, hs := range hashes {
		slices.SortFunc(hs, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
		h := sha256.New()
		for _, x := range hs {
			h.Write(x[:])
		}
		s.digests[k] = [32]byte(h.Sum(nil))
	}
	return s, nil
}

// hashList is the stored hashes recomputed from the leaves, in memory.
type hashList struct{ h []tlog.Hash }

func (l *hashList) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(l.h)) {
			return nil, fmt.Errorf("stored hash %d not computed", x)
		}
		out[i] = l.h[x]
	}
	return out, nil
}

// compare lists the differences between the source's summary and the
// target's.
func compare(src, dst *summary) []string {
	var out []string
	for _, k := range store.RecordKinds {
		if src.counts[k] != dst.counts[k] {
			out = append(out, fmt.Sprintf("%s : %d dans la source, %d dans la cible / %d in the source, %d in the target",
				k, src.counts[k], dst.counts[k], src.counts[k], dst.counts[k]))
		} else if src.digests[k] != dst.digests[k] {
			out = append(out, fmt.Sprintf("%s : mêmes nombres, contenus différents / same counts, different contents", k))
		}
	}
	if src.size != dst.size {
		out = append(out, fmt.Sprintf("taille du journal : %d dans la source, %d dans la cible / log size: %d in the source, %d in the target",
			src.size, dst.size, src.size, dst.size))
	}
	if src.root != dst.root {
		out = append(out, fmt.Sprintf("racine du journal : %s dans la source, %s dans la cible / log root hash: %s in the source, %s in the target",
			src.root, dst.root, src.root, dst.root))
	}
	for _, s := range []*summary{src, dst} {
		side := "source"
		if s == dst {
			side = "cible / target"
		}
		if s.leafRoot != s.root {
			out = append(out, fmt.Sprintf("%s : la racine recalculée des feuilles (%s) n'est pas celle des hachés stockés (%s) "+
				"/ the root hash from the leaves is not the one from the stored hashes", side, s.leafRoot, s.root))
		}
	}
	return out
}

// checkpoints verifies against the target's log the source's signed
// checkpoints: the one key signs (if given) and every one a witness
// cosigned. It returns how many verified and the problems found.
func checkpoints(src *summary, dst store.Backend, key ed25519.PrivateKey) (int, []string) {
	var out []string
	if len(src.pub) != ed25519.PublicKeySize {
		if key == nil && len(src.witnesses) == 0 {
			return 0, nil
		}
		return 0, []string{"la source n'a pas de clé publique enregistrée / the source recorded no public key"}
	}
	nk, err := translog.NoteKey(src.name, src.pub)
	if err != nil {
		return 0, []string{err.Error()}
	}
	v, err := translog.NewVerifier(api.ServerKey{Name: src.name, PublicKey: src.pub, NoteKey: nk,
		Fingerprint: envelope.Fingerprint(src.pub)})
	if err != nil {
		return 0, []string{err.Error()}
	}
	var notes []string
	if key != nil {
		if !bytes.Equal(key.Public().(ed25519.PublicKey), src.pub) {
			return 0, []string{"la clé de signature n'est pas celle de la source / the signing key is not the source's"}
		}
		signer, err := translog.NewSigner(src.name, key)
		if err == nil {
			var cp string
			cp, err = translog.SignTree(signer, tlog.Tree{N: src.size, Hash: src.root})
			notes = append(notes, cp)
		}
		if err != nil {
			out = append(out, err.Error())
		}
	}
	for _, w := range src.witnesses {
		if w.Cosigned != "" {
			notes = append(notes, w.Cosigned)
		}
	}
	n := 0
	err = dst.View(func(tx store.Tx) error {
		for _, cp := range notes {
			tree, err := v.OpenCheckpoint(cp)
			if err != nil {
				out = append(out, fmt.Sprintf("point de contrôle de la source illisible / unreadable source checkpoint: %v", err))
				continue
			}
			if tree.N > src.size {
				out = append(out, fmt.Sprintf("point de contrôle de taille %d > journal %d / checkpoint larger than the log", tree.N, src.size))
				continue
			}
			if tree.N == 0 {
				n++
				continue
			}
			h, err := tlog.TreeHash(tree.N, tx)
			if err != nil {
				return err
			}
			if h != tree.Hash {
				out = append(out, fmt.Sprintf("point de contrôle signé de taille %d : racine %s, la cible a %s / signed checkpoint of size %d: root %s, the target has %s",
					tree.N, tree.Hash, h, tree.N, tree.Hash, h))
				continue
			}
			n++
		}
		return nil
	})
	if err != nil {
		out = append(out, err.Error())
	}
	return n, out
}

// Print writes the report, French first, then English.
func (r *Report) Print(w io.Writer, o Options) {
	total := 0
	for _, n := range r.Counts {
		total += n
	}
	verb := "copiés / copied"
	if !r.Copied {
		verb = "à copier / to copy"
	}
	fmt.Fprintf(w, "Migration %s → %s : %d enregistrements %s\n", pgstore.Redact(o.From), pgstore.Redact(o.To), total, verb)
	for _, k := range store.RecordKinds {
		if r.Counts[k] == 0 && r.Target[k] == 0 {
			continue
		}
		if r.Copied {
			fmt.Fprintf(w, "  %-18s %8d  (cible / target %d)\n", k, r.Counts[k], r.Target[k])
		} else {
			fmt.Fprintf(w, "  %-18s %8d\n", k, r.Counts[k])
		}
	}
	fmt.Fprintf(w, "Journal : %d feuilles, racine %s / log: %d leaves, root hash %s\n", r.TreeSize, r.Root, r.TreeSize, r.Root)
	if !r.Copied {
		return
	}
	fmt.Fprintf(w, "Racine recalculée sur la cible / root hash recomputed on the target: %s\n", r.TargetRoot)
	fmt.Fprintf(w, "Points de contrôle signés vérifiés sur la cible / signed checkpoints verified on the target: %d\n", r.Checkpoints)
	if len(r.Problems) == 0 {
		fmt.Fprintf(w, "Vérification réussie en %s : la cible est identique à la source / verified: the target is the source's copy\n",
			r.Elapsed.Round(time.Millisecond))
		return
	}
	fmt.Fprintf(w, "ÉCHEC de la vérification / verification FAILED (%d):\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
}
