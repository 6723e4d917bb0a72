package storetest

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// Fill writes into s at least one record of every kind (store.RecordKinds):
// what a test of the bulk export and import needs.
func Fill(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	pub, priv, _ := ed25519.GenerateKey(nil)
	pub2, _, _ := ed25519.GenerateKey(nil)
	update(t, s, func(tx store.Tx) error {
		must(t, tx.PutMeta("custom", []byte("value")))
		for _, p := range []domain.Person{
			{ID: "A1", Role: domain.RoleAdmin, LastName: "Admin"},
			{ID: "i1", Role: domain.RoleIntern, LastName: "Interne"},
			{ID: "i2", Role: domain.RoleIntern, LastName: "Autre"},
		} {
			must(t, tx.PutPerson(p))
		}
		must(t, tx.RegisterKey("i1", pub2, t0))
		must(t, tx.RevokeKey("i1", t0.Add(time.Hour)))
		must(t, tx.RegisterKey("i1", pub, t0.Add(2*time.Hour)))
		must(t, tx.PutCode("i2", store.CodeRecord{Salt: []byte("s"), Hash: []byte("h"), Time: 1, Memory: 8, Threads: 1,
			Expires: t0.Add(48 * time.Hour), Failures: 2}))
		must(t, tx.PutCode(store.StandInCode, store.CodeRecord{Salt: []byte("x"), Hash: []byte("y"), Expires: t0}))
		must(t, tx.CreateRound(&store.RoundRecord{Round: domain.Round{ID: "R1", Name: "Tour"}, CatalogueVersion: 3}))
		must(t, tx.PutPoste("R1", domain.Poste{ID: "P1", Capacity: 2, Version: 3}))
		must(t, tx.SetEligible("R1", []string{"i1", "i2"}))
		must(t, tx.PutManual("R1", domain.Assignment{Intern: "i2", Poste: "P1"}))
		must(t, tx.PutInput("R1", []byte(`{"frozen":true}`)))
		res := &domain.Result{Round: "R1", Assignments: []domain.Assignment{{Intern: "i1", Poste: "P1"}}}
		must(t, tx.PutPreview("R1", res))
		must(t, tx.PutResult("R1", res, []byte("signed result")))
		must(t, tx.PutCallListDraft("R1", &store.CallListDraft{Source: "import", UpdatedBy: "A1", UpdatedAt: t0}))
		must(t, tx.PutCallListVersion("R1", &store.CallListVersion{Version: 1, Digest: "d1", PublishedAt: t0, Envelope: []byte("env1")}))
		must(t, tx.PutCallListVersion("R1", &store.CallListVersion{Version: 2, Digest: "d2", PublishedAt: t0, Envelope: []byte("env2")}))
		for range 2 {
			if _, err := tx.NewCorrection(&store.Correction{Field: "capacity", Message: "m", Author: "i1", Created: t0}); err != nil {
				return err
			}
		}
		must(t, tx.Audit(store.AuditEntry{Time: t0, Actor: "A1", Action: "test", Detail: json.RawMessage(`{"b":1,"a":2}`)}))
		must(t, tx.Audit(store.AuditEntry{Time: t0, Actor: "A1", Action: "test2"}))
		for i := range 2 {
			m := &store.Mail{MailInfo: store.MailInfo{Kind: "test", To: "a@example.fr", Created: t0}, From: "s@example.fr",
				Raw: []byte("raw"), Once: fmt.Sprint("once/", i)}
			must(t, tx.EnqueueMail(m))
		}
		m, err := tx.Mail("M00000001")
		if err != nil {
			return err
		}
		m.Status, m.Attempts, m.Sent = store.MailSent, 2, t0.Add(time.Minute)
		must(t, tx.PutMail(m))
		must(t, tx.PutPreferences("i1", store.Preferences{Off: []string{"reminder"}}))
		for _, owner := range []string{"i1", "i2"} {
			if _, err := tx.PutFile(owner, "cv.pdf", []byte("%PDF-1.4 cv"), t0); err != nil {
				return err
			}
		}
		must(t, tx.UseNonce("nonce-1", t0, t0.Add(10*time.Minute)))
		must(t, tx.PutWitness(store.WitnessRecord{Witness: store.Witness{Name: "w1", Key: "w1+key"}, AddedAt: t0}))
		return nil
	})
	for i := range 5 {
		if _, err := s.Append(ctx, newPending(t, priv, fmt.Sprint("i", i%2+1), uint64(i/2+1), "P1")); err != nil {
			t.Fatal(err)
		}
	}
}

// Records returns every record of b's Export, encoded (JSON), and their
// counts by kind.
func Records(t testing.TB, b store.Backend) ([]string, map[store.RecordKind]int) {
	t.Helper()
	var out []string
	counts := map[store.RecordKind]int{}
	err := b.View(func(tx store.Tx) error {
		return tx.Export(func(r store.Record) error {
			data, err := json.Marshal(r)
			if err != nil {
				return err
			}
			out = append(out, string(data))
			counts[r.Kind]++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, counts
}

// testExportImport: a backend holding every kind of record exports it,
// an empty one imports it in batches (one transaction) and exports the
// same records; ids, sequences and counters go on from there; an import
// into a backend that holds anything is refused and writes nothing.
func testExportImport(t *testing.T, bs Backends) {
	src := open(t, bs, store.Options{Key: ServerKey})
	Fill(t, src)
	want, counts := Records(t, src.Backend())
	for _, k := range store.RecordKinds {
		if counts[k] == 0 {
			t.Errorf("Fill wrote no record of kind %s", k)
		}
	}
	var recs []store.Record
	must(t, src.View(func(tx store.Tx) error {
		return tx.Export(func(r store.Record) error { recs = append(recs, r); return nil })
	}))

	dst := bs.New(t)
	must(t, dst.View(func(tx store.Tx) error {
		if empty, err := store.IsEmpty(tx); err != nil || !empty {
			t.Errorf("a new backend: IsEmpty = %v, %v", empty, err)
		}
		return nil
	}))
	must(t, dst.Update(func(tx store.Tx) error {
		for i := 0; i < len(recs); i += 7 { // batches
			if err := tx.Import(recs[i:min(i+7, len(recs))]); err != nil {
				return err
			}
		}
		// Reads in the transaction see what it imported.
		if n := tx.TreeSize(); n != 5 {
			t.Errorf("tree size after import, in its transaction = %d, want 5", n)
		}
		return nil
	}))
	got, _ := Records(t, dst)
	if len(got) != len(want) {
		t.Fatalf("imported %d records, exported %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}

	// The import is a store that goes on where the source was.
	s2, err := store.New(dst, store.Options{Key: ServerKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	cp1, _, err := src.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	cp2, _, err := s2.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if cp1 != cp2 {
		t.Errorf("checkpoint of the import:\n%s\nwant\n%s", cp2, cp1)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	a, err := s2.Append(context.Background(), newPending(t, priv, "x1", 1))
	if err != nil || a.Index != 5 {
		t.Errorf("append after import: %+v, %v; want index 5", a, err)
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	update(t, s2, func(tx store.Tx) error {
		if id, err := tx.NewCorrection(&store.Correction{Field: "f"}); err != nil || id != "CR000003" {
			t.Errorf("NewCorrection after import = %q, %v; want CR000003", id, err)
		}
		m := &store.Mail{MailInfo: store.MailInfo{Kind: "test", To: "a@example.fr", Created: t0}, Once: "once/0"}
		if err := tx.EnqueueMail(m); !errors.Is(err, store.ErrMailOnce) {
			t.Errorf("a notification's mail again after import: %v, want ErrMailOnce", err)
		}
		m.Once = "once/new"
		if err := tx.EnqueueMail(m); err != nil || m.ID != "M00000003" {
			t.Errorf("EnqueueMail after import: %q, %v; want M00000003", m.ID, err)
		}
		must(t, tx.Audit(store.AuditEntry{Time: t0, Actor: "A1", Action: "after"}))
		log, err := tx.AuditLog(2, 10)
		if err != nil || len(log) != 1 || log[0].Seq != 3 {
			t.Errorf("audit after import: %+v, %v; want seq 3", log, err)
		}
		if err := tx.UseNonce("nonce-1", t0, t0.Add(time.Hour)); !errors.Is(err, store.ErrNonceUsed) {
			t.Errorf("a nonce used before the import: %v, want ErrNonceUsed", err)
		}
		must(t, tx.RegisterKey("i2", pub, t0))
		hist, err := tx.KeyHistory("i1")
		if err != nil || len(hist) != 2 || hist[0].Revoked.IsZero() || !hist[1].Revoked.IsZero() {
			t.Errorf("key history of i1 after import: %+v, %v", hist, err)
		}
		if n, size := tx.FilesOf("i2"); n != 1 || size != int64(len("%PDF-1.4 cv")) {
			t.Errorf("FilesOf after import = %d, %d", n, size)
		}
		due, err := tx.DueMails(t0.Add(time.Hour), 10)
		if err != nil || len(due) != 2 || due[0].ID != "M00000002" {
			t.Errorf("due mails after import: %v, %v; want M00000002 and the new one", due, err)
		}
		return nil
	})

	// A target that holds anything is refused, and keeps what it held.
	full := open(t, bs, store.Options{})
	before, _ := Records(t, full.Backend())
	err = full.Update(func(tx store.Tx) error { return tx.Import(recs) })
	if !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("import into a store holding its key name: %v, want ErrNotEmpty", err)
	}
	after, _ := Records(t, full.Backend())
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("a refused import changed the target:\n%v\n%v", before, after)
	}
	// A record of an unknown kind is refused.
	empty := bs.New(t)
	err = empty.Update(func(tx store.Tx) error { return tx.Import([]store.Record{{Kind: "nonsense"}}) })
	if !errors.Is(err, store.ErrBadRecord) {
		t.Errorf("a record of an unknown kind: %v, want ErrBadRecord", err)
	}
}
