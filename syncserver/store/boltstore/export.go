package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"appariement/syncserver/store"
)

// counterBuckets are the buckets whose bbolt sequence is a store counter.
var counterBuckets = map[string][]byte{
	store.CounterKeyHistory:  bKeyHist,
	store.CounterAudit:       bAudit,
	store.CounterMail:        bMail,
	store.CounterCorrections: bCorrect,
}

// Export calls fn with every record of the file (store.Exporter).
func (tx *Tx) Export(fn func(store.Record) error) error {
	steps := []func(func(store.Record) error) error{
		tx.exportMeta, tx.exportCounters,
		func(fn func(store.Record) error) error {
			ps, err := tx.People()
			if err != nil {
				return err
			}
			for i := range ps {
				if err := fn(store.Record{Kind: store.RecPerson, Person: &ps[i]}); err != nil {
					return err
				}
			}
			return nil
		},
		eachJSON[store.KeyRecord](tx, bKeys, func(_ []byte, k *store.KeyRecord) store.Record {
			return store.Record{Kind: store.RecKey, Key: k}
		}),
		eachJSON[store.KeyRecord](tx, bKeyHist, func(k []byte, r *store.KeyRecord) store.Record {
			return store.Record{Kind: store.RecKeyHistory, Seq: int64(binary.BigEndian.Uint64(k[len(k)-8:])), Key: r}
		}),
		eachJSON[store.CodeRecord](tx, bCodes, func(k []byte, c *store.CodeRecord) store.Record {
			return store.Record{Kind: store.RecCode, Name: string(k), Code: c}
		}),
		func(fn func(store.Record) error) error { return store.ExportRounds(tx, fn) },
		func(fn func(store.Record) error) error { return store.ExportLog(tx, fn) },
		eachJSON[store.Accepted](tx, bDigests, func(k []byte, a *store.Accepted) store.Record {
			return store.Record{Kind: store.RecAccepted, Name: string(k), Accepted: a}
		}),
		eachJSON[store.Current](tx, bSubs, func(_ []byte, c *store.Current) store.Record {
			return store.Record{Kind: store.RecCurrent, Current: c}
		}),
		eachJSON[store.Correction](tx, bCorrect, func(k []byte, c *store.Correction) store.Record {
			return store.Record{Kind: store.RecCorrection, Seq: store.Seq(c.ID, "CR"), Correction: c}
		}),
		eachJSON[store.AuditEntry](tx, bAudit, func(_ []byte, e *store.AuditEntry) store.Record {
			return store.Record{Kind: store.RecAudit, Seq: int64(e.Seq), Audit: e}
		}),
		eachJSON[store.Mail](tx, bMail, func(k []byte, m *store.Mail) store.Record {
			return store.Record{Kind: store.RecMail, Seq: int64(binary.BigEndian.Uint64(k)), Mail: m}
		}),
		eachJSON[store.Preferences](tx, bPrefs, func(k []byte, p *store.Preferences) store.Record {
			return store.Record{Kind: store.RecPreferences, Name: string(k), Preferences: p}
		}),
		func(fn func(store.Record) error) error {
			return tx.bucket(bBlobs).ForEach(func(k, v []byte) error {
				return fn(store.Record{Kind: store.RecBlob, Name: string(k), Data: bytes.Clone(v)})
			})
		},
		eachJSON[store.FileInfo](tx, bFiles, func(_ []byte, f *store.FileInfo) store.Record {
			return store.Record{Kind: store.RecFile, File: f}
		}),
		tx.exportNonces,
		func(fn func(store.Record) error) error {
			ws, err := tx.Witnesses()
			if err != nil {
				return err
			}
			for i := range ws {
				if err := fn(store.Record{Kind: store.RecWitness, Witness: &ws[i]}); err != nil {
					return err
				}
			}
			return nil
		},
	}
	for _, step := range steps {
		if err := step(fn); err != nil {
			return err
		}
	}
	return nil
}

// eachJSON returns the step that decodes every value of bucket name as a
// T and gives the record rec makes of it.
func eachJSON[T any](tx *Tx, name []byte, rec func(k []byte, v *T) store.Record) func(func(store.Record) error) error {
	return func(fn func(store.Record) error) error {
		return tx.bucket(name).ForEach(func(k, v []byte) error {
			var x T
			if err := json.Unmarshal(v, &x); err != nil {
				return fmt.Errorf("store: export %s %q: %w", name, k, err)
			}
			return fn(rec(bytes.Clone(k), &x))
		})
	}
}

func (tx *Tx) exportMeta(fn func(store.Record) error) error {
	return tx.bucket(bMeta).ForEach(func(k, v []byte) error {
		if bytes.Equal(k, kSize) {
			return nil // the tree size is its own record
		}
		return fn(store.Record{Kind: store.RecMeta, Name: string(k), Data: bytes.Clone(v)})
	})
}

func (tx *Tx) exportCounters(fn func(store.Record) error) error {
	for _, name := range store.Counters {
		if n := tx.bucket(counterBuckets[name]).Sequence(); n > 0 {
			if err := fn(store.Record{Kind: store.RecCounter, Name: name, Seq: int64(n)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (tx *Tx) exportNonces(fn func(store.Record) error) error {
	c := tx.bucket(bNonces).Cursor()
	for k, v := c.Seek([]byte{nonceByName}); k != nil && k[0] == nonceByName; k, v = c.Next() {
		if len(v) != 8 {
			continue
		}
		exp := time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC()
		if err := fn(store.Record{Kind: store.RecNonce, Name: string(k[1:]), Time: exp}); err != nil {
			return err
		}
	}
	return nil
}

// Import writes records as they are (store.Exporter).
func (tx *Tx) Import(records []store.Record) error {
	if !tx.tx.Writable() {
		return fmt.Errorf("store: import in a read-only transaction")
	}
	if !tx.importing {
		empty, err := store.IsEmpty(tx)
		if err != nil {
			return err
		}
		if !empty {
			return store.ErrNotEmpty
		}
		tx.importing = true
	}
	for _, r := range records {
		if err := tx.importOne(r); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) importOne(r store.Record) error {
	if done, err := store.ImportCommon(tx, r); done {
		return err
	}
	bad := func() error {
		return fmt.Errorf("%w: %s %q without its fields", store.ErrBadRecord, r.Kind, r.Name)
	}
	var err error
	switch r.Kind {
	case store.RecCounter:
		b, ok := counterBuckets[r.Name]
		if !ok || r.Seq < 0 {
			return fmt.Errorf("%w: counter %q", store.ErrBadRecord, r.Name)
		}
		err = tx.bucket(b).SetSequence(uint64(r.Seq))
	case store.RecKey:
		if r.Key == nil || r.Key.Person == "" {
			return bad()
		}
		err = putJSON(tx.bucket(bKeys), []byte(r.Key.Person), r.Key)
	case store.RecKeyHistory:
		if r.Key == nil || r.Key.Person == "" || r.Seq <= 0 {
			return bad()
		}
		err = putJSON(tx.bucket(bKeyHist), append(key(r.Key.Person, ""), u64(uint64(r.Seq))...), r.Key)
	case store.RecTreeSize:
		err = tx.bucket(bMeta).Put(kSize, u64(uint64(r.Seq)))
	case store.RecLeaf:
		err = tx.bucket(bLeaves).Put(u64(uint64(r.Seq)), bytes.Clone(r.Data))
	case store.RecHash:
		if len(r.Data) != 32 {
			return bad()
		}
		err = tx.bucket(bHashes).Put(u64(uint64(r.Seq)), bytes.Clone(r.Data))
	case store.RecCorrection:
		if r.Correction == nil || r.Correction.ID == "" {
			return bad()
		}
		err = putJSON(tx.bucket(bCorrect), []byte(r.Correction.ID), r.Correction)
	case store.RecAudit:
		if r.Audit == nil || r.Audit.Seq == 0 {
			return bad()
		}
		err = putJSON(tx.bucket(bAudit), u64(r.Audit.Seq), r.Audit)
	case store.RecMail:
		err = tx.importMail(r)
	case store.RecBlob:
		if r.Name == "" {
			return bad()
		}
		err = tx.bucket(bBlobs).Put([]byte(r.Name), bytes.Clone(r.Data))
	case store.RecFile:
		f := r.File
		if f == nil || f.SHA256 == "" || f.Owner == "" {
			return bad()
		}
		if err = putJSON(tx.bucket(bFiles), key(f.SHA256, f.Owner), f); err == nil {
			err = tx.bucket(bOwnFiles).Put(key(f.Owner, f.SHA256), u64(uint64(f.Size)))
		}
	case store.RecNonce:
		if r.Name == "" {
			return bad()
		}
		b, exp := tx.bucket(bNonces), r.Time.UnixNano()
		if err = b.Put(append([]byte{nonceByName}, r.Name...), u64(uint64(exp))); err == nil {
			err = b.Put(expiryKey(exp, r.Name), nil)
		}
	default:
		return fmt.Errorf("%w: unknown kind %q", store.ErrBadRecord, r.Kind)
	}
	if err != nil {
		return fmt.Errorf("store: import %s %q: %w", r.Kind, r.Name, err)
	}
	return nil
}

func (tx *Tx) importMail(r store.Record) error {
	m := r.Mail
	if m == nil || r.Seq <= 0 {
		return fmt.Errorf("%w: mail %d without its fields", store.ErrBadRecord, r.Seq)
	}
	k := u64(uint64(r.Seq))
	if err := putJSON(tx.bucket(bMail), k, m); err != nil {
		return err
	}
	if m.Status == store.MailQueued {
		if err := tx.bucket(bMailDue).Put(k, nil); err != nil {
			return err
		}
	}
	if m.Once != "" {
		return tx.bucket(bMailOnce).Put([]byte(m.Once), []byte(m.ID))
	}
	return nil
}
