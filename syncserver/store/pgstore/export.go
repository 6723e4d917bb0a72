package pgstore

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Export calls fn with every record of the database (store.Exporter), in
// byte order of the keys (COLLATE "C"), as the embedded store.
func (tx *Tx) Export(fn func(store.Record) error) error {
	if err := tx.flush(); err != nil {
		return err
	}
	if err := tx.lock(); err != nil {
		return err
	}
	steps := []func() error{
		func() error {
			return tx.rows(`SELECT key, value FROM server_meta ORDER BY key COLLATE "C"`, func(r pgx.Rows) error {
				var rec = store.Record{Kind: store.RecMeta}
				if err := r.Scan(&rec.Name, &rec.Data); err != nil {
					return err
				}
				if rec.Data == nil {
					rec.Data = []byte{}
				}
				return fn(rec)
			})
		},
		func() error {
			return tx.rows(`SELECT name, value FROM counters WHERE value > 0 ORDER BY name COLLATE "C"`, func(r pgx.Rows) error {
				var rec = store.Record{Kind: store.RecCounter}
				if err := r.Scan(&rec.Name, &rec.Seq); err != nil {
					return err
				}
				return fn(rec)
			})
		},
		docs(tx, `SELECT '', 0, doc FROM people ORDER BY id COLLATE "C"`, func(_ string, _ int64, p *domain.Person) store.Record {
			return store.Record{Kind: store.RecPerson, Person: p}
		}, fn),
		docs(tx, `SELECT '', 0, doc FROM person_keys ORDER BY person COLLATE "C"`, func(_ string, _ int64, k *store.KeyRecord) store.Record {
			return store.Record{Kind: store.RecKey, Key: k}
		}, fn),
		docs(tx, `SELECT '', seq, doc FROM key_history ORDER BY person COLLATE "C", seq`, func(_ string, seq int64, k *store.KeyRecord) store.Record {
			return store.Record{Kind: store.RecKeyHistory, Seq: seq, Key: k}
		}, fn),
		docs(tx, `SELECT person, 0, doc FROM activations ORDER BY person COLLATE "C"`, func(id string, _ int64, c *store.CodeRecord) store.Record {
			if id == codeKey(store.StandInCode) {
				id = store.StandInCode
			}
			return store.Record{Kind: store.RecCode, Name: id, Code: c}
		}, fn),
		func() error { return store.ExportRounds(tx, fn) },
		func() error { return store.ExportLog(tx, fn) },
		func() error {
			return tx.rows(`SELECT digest, idx, server_time_ns FROM accepted ORDER BY digest COLLATE "C"`, func(r pgx.Rows) error {
				var a store.Accepted
				var rec = store.Record{Kind: store.RecAccepted, Accepted: &a}
				var ns int64
				if err := r.Scan(&rec.Name, &a.Index, &ns); err != nil {
					return err
				}
				a.ServerTime = fromNanos(ns)
				return fn(rec)
			})
		},
		docs(tx, `SELECT '', 0, doc FROM submissions ORDER BY round COLLATE "C", author COLLATE "C", poste COLLATE "C"`,
			func(_ string, _ int64, c *store.Current) store.Record {
				return store.Record{Kind: store.RecCurrent, Current: c}
			}, fn),
		docs(tx, `SELECT '', seq, doc FROM corrections ORDER BY seq`, func(_ string, seq int64, c *store.Correction) store.Record {
			return store.Record{Kind: store.RecCorrection, Seq: seq, Correction: c}
		}, fn),
		docs(tx, `SELECT '', seq, doc FROM audit ORDER BY seq`, func(_ string, seq int64, e *store.AuditEntry) store.Record {
			return store.Record{Kind: store.RecAudit, Seq: seq, Audit: e}
		}, fn),
		docs(tx, `SELECT '', seq, doc FROM mails ORDER BY seq`, func(_ string, seq int64, m *store.Mail) store.Record {
			return store.Record{Kind: store.RecMail, Seq: seq, Mail: m}
		}, fn),
		docs(tx, `SELECT person, 0, doc FROM preferences ORDER BY person COLLATE "C"`, func(id string, _ int64, p *store.Preferences) store.Record {
			return store.Record{Kind: store.RecPreferences, Name: id, Preferences: p}
		}, fn),
		func() error {
			return tx.rows(`SELECT sha256, data FROM blobs ORDER BY sha256 COLLATE "C"`, func(r pgx.Rows) error {
				var rec = store.Record{Kind: store.RecBlob}
				if err := r.Scan(&rec.Name, &rec.Data); err != nil {
					return err
				}
				if rec.Data == nil {
					rec.Data = []byte{}
				}
				return fn(rec)
			})
		},
		docs(tx, `SELECT '', 0, doc FROM files ORDER BY sha256 COLLATE "C", owner COLLATE "C"`, func(_ string, _ int64, f *store.FileInfo) store.Record {
			return store.Record{Kind: store.RecFile, File: f}
		}, fn),
		func() error {
			return tx.rows(`SELECT nonce, expires_ns FROM nonces ORDER BY nonce COLLATE "C"`, func(r pgx.Rows) error {
				var rec = store.Record{Kind: store.RecNonce}
				var ns int64
				if err := r.Scan(&rec.Name, &ns); err != nil {
					return err
				}
				rec.Time = fromNanos(ns)
				return fn(rec)
			})
		},
		docs(tx, `SELECT '', 0, doc FROM witnesses ORDER BY name COLLATE "C"`, func(_ string, _ int64, w *store.WitnessRecord) store.Record {
			return store.Record{Kind: store.RecWitness, Witness: w}
		}, fn),
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// rows runs query and calls each with every row, as they come (each must
// not use the transaction).
func (tx *Tx) rows(query string, each func(pgx.Rows) error) error {
	rows, err := tx.tx.Query(tx.ctx, query)
	if err != nil {
		return classify(fmt.Errorf("pgstore: export: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return classify(fmt.Errorf("pgstore: export: %w", err))
	}
	return nil
}

// docs returns the export step of a query of (text, bigint, json doc)
// rows: rec makes a record of each decoded doc.
func docs[T any](tx *Tx, query string, rec func(name string, seq int64, v *T) store.Record, fn func(store.Record) error) func() error {
	return func() error {
		type row struct {
			name string
			seq  int64
			doc  []byte
		}
		rows, err := tx.tx.Query(tx.ctx, query)
		if err != nil {
			return classify(fmt.Errorf("pgstore: export: %w", err))
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			err := r.Scan(&x.name, &x.seq, &x.doc)
			return x, err
		})
		if err != nil {
			return classify(fmt.Errorf("pgstore: export: %w", err))
		}
		for _, x := range list {
			var v T
			if err := json.Unmarshal(x.doc, &v); err != nil {
				return fmt.Errorf("pgstore: export %q: %w", query, err)
			}
			if err := fn(rec(x.name, x.seq, &v)); err != nil {
				return err
			}
		}
		return nil
	}
}

// Import writes records as they are (store.Exporter). The records of
// the big tables (log leaves and stored hashes, accepted digests, current
// submissions, key history, corrections, audit, mails, blobs, files,
// nonces) are written with COPY (pgx CopyFrom), one per table and call,
// in the transaction: a migration that is cut leaves nothing.
func (tx *Tx) Import(records []store.Record) error {
	if err := tx.writable("import"); err != nil {
		return err
	}
	if !tx.importing {
		if len(tx.leaves) > 0 || len(tx.newDig) > 0 || len(tx.newCur) > 0 {
			return store.ErrNotEmpty
		}
		if err := store.RequireEmpty(tx); err != nil {
			return err
		}
		tx.importing = true
	}
	var c copies
	for _, r := range records {
		copied, err := c.add(r)
		if err != nil {
			return err
		}
		if copied {
			continue
		}
		if err := tx.importOne(r); err != nil {
			return err
		}
	}
	// What the contract's methods buffered (none of the copied kinds)
	// goes first, then one COPY per table.
	if err := tx.flush(); err != nil {
		return err
	}
	for _, t := range copyTables {
		rows := c.rows[t.name]
		if len(rows) == 0 {
			continue
		}
		n, err := tx.tx.CopyFrom(tx.ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows))
		if err != nil {
			return classify(fmt.Errorf("pgstore: import %d rows into %s: %w", len(rows), t.name, err))
		}
		if n != int64(len(rows)) {
			return fmt.Errorf("pgstore: import into %s: %d rows copied of %d", t.name, n, len(rows))
		}
	}
	// The log head may have been read (and kept) before: read it again.
	tx.head = false
	return nil
}

// copyTables are the tables Import fills with COPY, and their columns.
var copyTables = []struct {
	name string
	cols []string
}{
	{"log_leaves", []string{"idx", "data"}},
	{"log_hashes", []string{"idx", "hash"}},
	{"accepted", []string{"digest", "idx", "server_time_ns"}},
	{"submissions", []string{"round", "author", "poste", "payload_type", "seq", "idx", "doc"}},
	{"key_history", []string{"person", "seq", "public_key", "revoked", "doc"}},
	{"corrections", []string{"id", "seq", "doc"}},
	{"audit", []string{"seq", "doc"}},
	{"mails", []string{"seq", "id", "status", "due", "next_try_ns", "once_key", "doc"}},
	{"blobs", []string{"sha256", "data"}},
	{"files", []string{"sha256", "owner", "size", "doc"}},
	{"nonces", []string{"nonce", "expires_ns"}},
}

// copies are the rows of one Import call for the tables of copyTables.
type copies struct{ rows map[string][][]any }

// add takes r's row if its kind goes to a COPY table, and reports whether
// it did; a record of such a kind without its fields is ErrBadRecord.
func (c *copies) add(r store.Record) (bool, error) {
	bad := func() (bool, error) {
		return true, fmt.Errorf("%w: %s %q without its fields", store.ErrBadRecord, r.Kind, r.Name)
	}
	var table string
	var row []any
	var doc any // encoded as the last column
	switch r.Kind {
	case store.RecLeaf:
		table, row = "log_leaves", []any{r.Seq, nonNil(r.Data)}
	case store.RecHash:
		if len(r.Data) != 32 {
			return true, fmt.Errorf("%w: stored hash %d of %d bytes", store.ErrBadRecord, r.Seq, len(r.Data))
		}
		table, row = "log_hashes", []any{r.Seq, bytes.Clone(r.Data)}
	case store.RecAccepted:
		if r.Accepted == nil {
			return bad()
		}
		table, row = "accepted", []any{r.Name, r.Accepted.Index, nanos(r.Accepted.ServerTime)}
	case store.RecCurrent:
		if r.Current == nil {
			return bad()
		}
		cur := *r.Current
		cur.ServerTime = cur.ServerTime.UTC()
		table, row, doc = "submissions", []any{cur.Round, cur.Author, cur.Poste, cur.PayloadType, int64(cur.Seq), cur.Index}, cur
	case store.RecKeyHistory:
		if r.Key == nil || r.Key.Person == "" || r.Seq <= 0 {
			return bad()
		}
		table, row, doc = "key_history", []any{r.Key.Person, r.Seq, []byte(r.Key.PublicKey), !r.Key.Revoked.IsZero()}, r.Key
	case store.RecCorrection:
		if r.Correction == nil || r.Correction.ID == "" || r.Seq <= 0 {
			return bad()
		}
		table, row, doc = "corrections", []any{r.Correction.ID, r.Seq}, r.Correction
	case store.RecAudit:
		if r.Audit == nil || r.Audit.Seq == 0 {
			return bad()
		}
		table, row, doc = "audit", []any{int64(r.Audit.Seq)}, r.Audit
	case store.RecMail:
		m := r.Mail
		if m == nil || r.Seq <= 0 {
			return bad()
		}
		var once any
		if m.Once != "" {
			once = m.Once
		}
		table, row, doc = "mails", []any{r.Seq, m.ID, string(m.Status), m.Status == store.MailQueued, nanos(m.NextTry), once}, m
	case store.RecBlob:
		if r.Name == "" {
			return bad()
		}
		table, row = "blobs", []any{r.Name, nonNil(r.Data)}
	case store.RecFile:
		f := r.File
		if f == nil || f.SHA256 == "" || f.Owner == "" {
			return bad()
		}
		table, row, doc = "files", []any{f.SHA256, f.Owner, f.Size}, f
	case store.RecNonce:
		if r.Name == "" {
			return bad()
		}
		table, row = "nonces", []any{r.Name, nanos(r.Time)}
	default:
		return false, nil
	}
	if !storable(row...) {
		return true, fmt.Errorf("%w (import %s %q)", errText, r.Kind, r.Name)
	}
	if doc != nil {
		b, err := encode(doc)
		if err != nil {
			return true, fmt.Errorf("pgstore: import %s %q: %w", r.Kind, r.Name, err)
		}
		row = append(row, b)
	}
	if c.rows == nil {
		c.rows = map[string][][]any{}
	}
	c.rows[table] = append(c.rows[table], row)
	return true, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return bytes.Clone(b)
}

func (tx *Tx) importOne(r store.Record) error {
	if done, err := store.ImportCommon(tx, r); done {
		return err
	}
	bad := func() error {
		return fmt.Errorf("%w: %s %q without its fields", store.ErrBadRecord, r.Kind, r.Name)
	}
	what := fmt.Sprintf("import %s %q", r.Kind, r.Name)
	var err error
	switch r.Kind {
	case store.RecCounter:
		if r.Seq < 0 {
			return bad()
		}
		_, err = tx.exec(what, `INSERT INTO counters (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`, r.Name, r.Seq)
	case store.RecKey:
		if r.Key == nil || r.Key.Person == "" {
			return bad()
		}
		err = tx.insertDoc(what, "INSERT INTO person_keys (person, public_key, doc) VALUES ($1, $2, $3)", r.Key,
			r.Key.Person, []byte(r.Key.PublicKey))
	case store.RecTreeSize:
		_, err = tx.exec(what, "UPDATE log_head SET size = $1", r.Seq)
	default:
		return fmt.Errorf("%w: unknown kind %q", store.ErrBadRecord, r.Kind)
	}
	return err
}

// insertDoc runs query with args and the JSON of doc as its last argument.
func (tx *Tx) insertDoc(what, query string, doc any, args ...any) error {
	b, err := encode(doc)
	if err != nil {
		return fmt.Errorf("pgstore: %s: %w", what, err)
	}
	_, err = tx.exec(what, query, append(args, b)...)
	return err
}
