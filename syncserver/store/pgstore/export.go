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

// Import writes records as they are (store.Exporter); leaves and stored
// hashes of one call go in one statement each.
func (tx *Tx) Import(records []store.Record) error {
	if err := tx.writable("import"); err != nil {
		return err
	}
	if !tx.importing {
		if len(tx.leaves) > 0 || len(tx.newDig) > 0 || len(tx.newCur) > 0 {
			return store.ErrNotEmpty
		}
		empty, err := store.IsEmpty(tx)
		if err != nil {
			return err
		}
		if !empty {
			return store.ErrNotEmpty
		}
		tx.importing = true
	}
	var leafIdx, hashIdx []int64
	var leafData, hashData [][]byte
	for _, r := range records {
		switch r.Kind {
		case store.RecLeaf:
			leafIdx, leafData = append(leafIdx, r.Seq), append(leafData, nonNil(r.Data))
			continue
		case store.RecHash:
			if len(r.Data) != 32 {
				return fmt.Errorf("%w: stored hash %d of %d bytes", store.ErrBadRecord, r.Seq, len(r.Data))
			}
			hashIdx, hashData = append(hashIdx, r.Seq), append(hashData, r.Data)
			continue
		}
		if err := tx.importOne(r); err != nil {
			return err
		}
	}
	if len(leafIdx) > 0 {
		if _, err := tx.exec("import leaves", "INSERT INTO log_leaves (idx, data) SELECT * FROM unnest($1::bigint[], $2::bytea[])",
			leafIdx, leafData); err != nil {
			return err
		}
	}
	if len(hashIdx) > 0 {
		if _, err := tx.exec("import stored hashes", "INSERT INTO log_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])",
			hashIdx, hashData); err != nil {
			return err
		}
	}
	// The log head may have been read (and kept) before: read it again.
	tx.head = false
	return nil
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
	case store.RecKeyHistory:
		if r.Key == nil || r.Key.Person == "" || r.Seq <= 0 {
			return bad()
		}
		err = tx.insertDoc(what, "INSERT INTO key_history (person, seq, public_key, revoked, doc) VALUES ($1, $2, $3, $4, $5)", r.Key,
			r.Key.Person, r.Seq, []byte(r.Key.PublicKey), !r.Key.Revoked.IsZero())
	case store.RecTreeSize:
		_, err = tx.exec(what, "UPDATE log_head SET size = $1", r.Seq)
	case store.RecCorrection:
		if r.Correction == nil || r.Correction.ID == "" || r.Seq <= 0 {
			return bad()
		}
		err = tx.insertDoc(what, "INSERT INTO corrections (id, seq, doc) VALUES ($1, $2, $3)", r.Correction, r.Correction.ID, r.Seq)
	case store.RecAudit:
		if r.Audit == nil || r.Audit.Seq == 0 {
			return bad()
		}
		err = tx.insertDoc(what, "INSERT INTO audit (seq, doc) VALUES ($1, $2)", r.Audit, int64(r.Audit.Seq))
	case store.RecMail:
		m := r.Mail
		if m == nil || r.Seq <= 0 {
			return bad()
		}
		var once any
		if m.Once != "" {
			once = m.Once
		}
		err = tx.insertDoc(what, `INSERT INTO mails (seq, id, status, due, next_try_ns, once_key, doc)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, m, r.Seq, m.ID, string(m.Status), m.Status == store.MailQueued, nanos(m.NextTry), once)
	case store.RecBlob:
		if r.Name == "" {
			return bad()
		}
		_, err = tx.exec(what, "INSERT INTO blobs (sha256, data) VALUES ($1, $2)", r.Name, nonNil(r.Data))
	case store.RecFile:
		f := r.File
		if f == nil || f.SHA256 == "" || f.Owner == "" {
			return bad()
		}
		err = tx.insertDoc(what, "INSERT INTO files (sha256, owner, size, doc) VALUES ($1, $2, $3, $4)", f, f.SHA256, f.Owner, f.Size)
	case store.RecNonce:
		if r.Name == "" {
			return bad()
		}
		_, err = tx.exec(what, "INSERT INTO nonces (nonce, expires_ns) VALUES ($1, $2)", r.Name, nanos(r.Time))
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
