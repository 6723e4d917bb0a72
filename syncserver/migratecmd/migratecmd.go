// Package migratecmd is "syncserver migrate": the copy of everything a
// store holds (a bbolt file) into an empty store of another backend (a
// PostgreSQL database), verified before it is committed.
//
//	syncserver migrate -from store.db -to 'postgres://…' [-signing-key store.db.key] [-dry-run]
//
// The server must be stopped (bbolt: one process holds the file); the
// source is opened read only and never written. The copy is the source's
// bulk export (store.Tx.Export) imported into the target (store.Tx.Import,
// COPY for the big tables on PostgreSQL) in batches inside ONE transaction
// of the target, and a target that holds anything is refused, saying what
// it holds. Inside that transaction, before its commit, the log's root
// hash is recomputed on the target, from its stored hashes and from its
// leaves, and compared with the source's (and with the source's signed
// checkpoints: the one the signing key signs, and those the witnesses
// cosigned), and every kind of record is counted and digested on both
// sides. Any difference, failure or interruption (Ctrl-C, kill -9, the
// database lost) rolls everything back: the target stays empty and the
// same command can be run again. Exit 1 on any failure.
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
	"appariement/syncserver/store/boltstore" // the "file" backend
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
	// Progress, if set, is called after each batch is imported (in the
	// target's transaction, not committed yet) with the records copied so
	// far and the source's total.
	Progress func(copied, total int)
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
	// Copied is set once the verified copy is committed.
	Copied  bool
	Elapsed time.Duration
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

// ErrMismatch is returned when the target differs from the source: the
// copy is then not committed.
var ErrMismatch = errors.New("la cible diffère de la source / the target differs from the source")

// ErrWrongKey is the refusal of a signing key that is not the source's.
var ErrWrongKey = errors.New("la clé de signature n'est pas celle de la source : rien n'a été écrit / the signing key is not the source's: nothing was written")

// Command is "syncserver migrate", writing to stdio.
func Command(stdio cmdrun.IO) cmdrun.Command {
	var o Options
	return cmdrun.Command{
		Name: "migrate",
		Summary: "copie vérifiée d'un fichier bbolt vers une base PostgreSQL vide, serveur arrêté\n" +
			"/ verified copy of a bbolt file into an empty PostgreSQL database, server stopped\n" +
			"(-from store.db -to 'postgres://…' [-signing-key store.db.key] [-dry-run])",
		Usage: "-from store.db -to 'postgres://…' [-signing-key f] [-dry-run] [-batch n]",
		Help: "Copie tout (personnes, clés, tours, journal, accusés, fichiers, courriels, audit…) en UNE transaction de la cible,\n" +
			"vérifiée avant sa validation (racine du journal recalculée, point de contrôle signé, chaque enregistrement compté\n" +
			"et résumé) : une migration interrompue (Ctrl-C, kill -9, panne, différence) ne laisse rien, relancez la même commande.\n" +
			"La source n'est ouverte qu'en lecture.\n" +
			"Copies everything in ONE transaction of the target, verified before its commit (root hash, signed checkpoint,\n" +
			"every record counted and digested): a cut migration leaves nothing, run the same command again. The source is only read.",
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
			var last time.Time
			o.Progress = func(copied, total int) {
				if now := time.Now(); now.Sub(last) >= 2*time.Second || copied == total {
					last = now
					fmt.Fprintf(stdio.Stderr, "… %d / %d enregistrements copiés, non encore validés (records copied, not committed yet)\n", copied, total)
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
//
// The copy and its verification are one transaction of the target: the
// records are imported batch by batch, then the target's root hash (from
// its stored hashes and from its leaves), the counts and digests of every
// kind and the signed checkpoints are checked in that same transaction,
// which commits only if all agree. A migration cut at any point (ctx
// cancelled, a failure, a verification that finds a difference, the
// process killed, the database lost) leaves the target as it was: empty,
// so that the same command can be run again. The source is opened read
// only (a bbolt file: bbolt's ReadOnly) and never written.
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
	src, err := openSource(o.From)
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
	if key != nil && !bytes.Equal(key.Public().(ed25519.PublicKey), srcSum.pub) {
		return rep, fmt.Errorf("%s : %w", o.SigningKey, ErrWrongKey)
	}
	if o.DryRun && o.To == "" {
		return rep, nil
	}
	dst, err := store.OpenBackend(o.To)
	if err != nil {
		return rep, fmt.Errorf("cible / target: %w", err)
	}
	defer dst.Close()
	if err := refuseNotEmpty(dst, srcSum); err != nil {
		return rep, err
	}
	if o.DryRun {
		return rep, nil
	}
	total := srcSum.total()
	err = dst.Update(func(ttx store.Tx) error {
		copied := 0
		err := src.View(func(stx store.Tx) error {
			batch := make([]store.Record, 0, o.Batch)
			flush := func() error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := ttx.Import(batch); err != nil {
					return err
				}
				copied += len(batch)
				batch = batch[:0]
				if o.Progress != nil {
					o.Progress(copied, total)
				}
				return nil
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
		if err != nil {
			return err
		}
		if afterImport != nil {
			if err := afterImport(ttx); err != nil {
				return err
			}
		}
		// The verification, before the commit.
		dstSum, err := summariseTx(ttx)
		if err != nil {
			return fmt.Errorf("vérification de la cible / checking the target: %w", err)
		}
		rep.Target, rep.TargetRoot = dstSum.counts, dstSum.root
		rep.Problems = compare(srcSum, dstSum)
		n, problems := checkpoints(srcSum, ttx, key)
		rep.Checkpoints, rep.Problems = n, append(rep.Problems, problems...)
		if len(rep.Problems) > 0 {
			return ErrMismatch
		}
		// Cut just before the commit: nothing either.
		return ctx.Err()
	})
	rep.Elapsed = time.Since(start)
	if errors.Is(err, store.ErrNotEmpty) {
		// Filled by someone else since the check above.
		return rep, refuseNotEmpty(dst, srcSum)
	}
	if err != nil {
		return rep, fmt.Errorf("copie vers %s : rien n'a été écrit, la cible est restée vide ; relancez la même commande "+
			"/ copy into %s: nothing was written, the target is still empty; run the same command again: %w", dst, dst, err)
	}
	rep.Copied = true
	return rep, nil
}

// afterImport, if set (tests), is called in the target's transaction once
// every record is imported, before the verification.
var afterImport func(store.Tx) error

// openSource opens the source store for reading only: a bbolt file
// (path or file://) with bbolt's ReadOnly, another backend as it opens
// (read in View transactions only).
func openSource(location string) (store.Backend, error) {
	scheme, rest, ok := strings.Cut(location, "://")
	switch {
	case !ok:
		return boltstore.OpenReadOnly(location)
	case scheme == "file":
		return boltstore.OpenReadOnly(rest)
	}
	return store.OpenBackend(location)
}

// refuseNotEmpty returns a *NotEmptyError if dst holds any record, saying
// what it holds and whether it is already the copy of the source.
func refuseNotEmpty(dst store.Backend, src *summary) error {
	var held *summary
	err := dst.View(func(tx store.Tx) error {
		empty, err := store.IsEmpty(tx)
		if err != nil || empty {
			return err
		}
		held, err = summariseTx(tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("cible %s / target: %w", dst, err)
	}
	if held == nil {
		return nil
	}
	return &NotEmptyError{Target: dst.String(), Records: held.total(), People: held.counts[store.RecPerson],
		Rounds: held.counts[store.RecRound], TreeSize: held.size, Root: held.root, Same: len(compare(src, held)) == 0}
}

// NotEmptyError is the refusal of a target that holds records: nothing
// is written to it. errors.Is(err, ErrNotEmpty) holds.
type NotEmptyError struct {
	Target         string // the target, without its password
	Records        int    // what it holds
	People, Rounds int
	TreeSize       int64
	Root           tlog.Hash
	Same           bool // it holds the source's copy: the migration was done
}

func (e *NotEmptyError) Error() string {
	fr := fmt.Sprintf("la cible n'est pas vide : %s contient déjà %d enregistrements (%d personnes, %d tours, journal de %d feuilles, racine %s)",
		e.Target, e.Records, e.People, e.Rounds, e.TreeSize, e.Root)
	en := fmt.Sprintf("the target is not empty: %s already holds %d records (%d people, %d rounds, a log of %d leaves, root hash %s)",
		e.Target, e.Records, e.People, e.Rounds, e.TreeSize, e.Root)
	if e.Same {
		fr += " : c'est déjà la copie vérifiée de cette source, la migration a été faite ; rien n'a été écrit"
		en += ": it is already this source's verified copy, the migration was done; nothing was written"
	} else {
		fr += ", qui ne sont pas ceux de la source ; la migration ne se fait que vers une base vide (créez-en une, ou videz-la) ; rien n'a été écrit"
		en += ", not the source's; migrate only into an empty database (create one, or empty it); nothing was written"
	}
	return fr + " / " + en
}

// Unwrap makes errors.Is(err, ErrNotEmpty) hold.
func (e *NotEmptyError) Unwrap() error { return ErrNotEmpty }

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

// summarise reads the summary of b in one View.
func summarise(b store.Backend) (*summary, error) {
	var s *summary
	err := b.View(func(tx store.Tx) (err error) {
		s, err = summariseTx(tx)
		return err
	})
	return s, err
}

// total is the number of records summarised.
func (s *summary) total() int {
	n := 0
	for _, c := range s.counts {
		n += c
	}
	return n
}

// summariseTx reads the summary of tx's backend.
func summariseTx(tx store.Tx) (*summary, error) {
	s := &summary{counts: map[store.RecordKind]int{}, digests: map[store.RecordKind][32]byte{}}
	hashes := map[store.RecordKind][][32]byte{}
	err := func() error {
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
	}()
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
func checkpoints(src *summary, tx store.Tx, key ed25519.PrivateKey) (int, []string) {
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
	err = func() error {
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
	}()
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
		if len(r.Problems) > 0 {
			fmt.Fprintf(w, "ÉCHEC de la vérification avant validation : rien n'a été écrit / verification FAILED before the commit: nothing was written (%d):\n",
				len(r.Problems))
			for _, p := range r.Problems {
				fmt.Fprintf(w, "  - %s\n", p)
			}
		}
		return
	}
	fmt.Fprintf(w, "Racine recalculée sur la cible / root hash recomputed on the target: %s\n", r.TargetRoot)
	fmt.Fprintf(w, "Points de contrôle signés vérifiés sur la cible / signed checkpoints verified on the target: %d\n", r.Checkpoints)
	// A copy is committed only once verified (Migrate).
	fmt.Fprintf(w, "Vérification réussie en %s, copie validée : la cible est identique à la source / verified and committed: the target is the source's copy\n",
		r.Elapsed.Round(time.Millisecond))
}
