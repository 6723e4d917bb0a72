package auditing

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// serverKey signs the test stores' checkpoints.
var serverKey = func() ed25519.PrivateKey { _, k, _ := ed25519.GenerateKey(nil); return k }()

func code(err error) api.Code {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not an api.Error"
	}
	return ""
}

// notPublished refuses every round, as the rounds' rule does for a round
// that is not published.
func notPublished(tx store.Tx, round string) (*store.RoundRecord, *domain.Result, []byte, error) {
	return nil, nil, nil, api.Errorf(api.CodeInvalidState, "pas publié", "not published")
}

// open returns the audit use cases over a real store in t.TempDir() whose
// log holds n leaves, and the store.
func open(t *testing.T, n int) (*Service, *store.Store) {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{Key: serverKey, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, priv, _ := ed25519.GenerateKey(nil)
	for i := 1; i <= n; i++ {
		env := envelope.Sign(priv, api.WishListType, fmt.Appendf(nil, `{"round":"R1","author":"i1","seq":%d,"client_time":"2026-03-02T09:00:00Z","list":[]}`, i))
		if _, err := st.Append(context.Background(), &store.Pending{Env: env,
			Current: store.Current{Round: "R1", Author: "i1", PayloadType: api.WishListType, Seq: uint64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	return New(st, notPublished), st
}

func TestEntry(t *testing.T) {
	for _, tc := range []struct {
		detail any
		want   string
	}{
		{nil, ""},
		{map[string]string{"poste": "P1"}, `{"poste":"P1"}`},
		{make(chan int), ""}, // cannot be encoded: no detail
	} {
		e := Entry(now, "adm", "act", "R1", "i1", "why", tc.detail)
		if string(e.Detail) != tc.want || e.Actor != "adm" || e.Action != "act" || e.Round != "R1" || e.Target != "i1" || e.Reason != "why" || !e.Time.Equal(now) {
			t.Errorf("Entry(%v) = %+v, want detail %s", tc.detail, e, tc.want)
		}
	}
}

func TestLogEntries(t *testing.T) {
	a, _ := open(t, 3)
	for _, tc := range []struct {
		start, end int64
		n          int
		want       api.Code
	}{
		{0, 3, 3, ""}, {1, 2, 1, ""}, {0, 10, 3, ""}, {2, 1, 0, api.CodeBadRequest}, {0, 1001, 0, api.CodeBadRequest},
	} {
		out, err := a.LogEntries(tc.start, tc.end)
		if code(err) != tc.want || len(out.Entries) != tc.n {
			t.Errorf("LogEntries(%d, %d): %d entries, %v; want %d, %q", tc.start, tc.end, len(out.Entries), err, tc.n, tc.want)
			continue
		}
		if tc.want == "" && (out.TreeSize != 3 || (tc.n > 0 && out.Entries[0].Index != tc.start)) {
			t.Errorf("LogEntries(%d, %d): %+v", tc.start, tc.end, out)
		}
	}
}

// TestBackupIsAudited: the copy holds its own audit entry; the audit log
// reads it back.
func TestBackupIsAudited(t *testing.T) {
	a, _ := open(t, 1)
	var buf bytes.Buffer
	started, err := a.Backup("adm", now, func() io.Writer { return &buf })
	if err != nil || !started || buf.Len() == 0 {
		t.Fatalf("Backup: started %v, %d bytes, %v", started, buf.Len(), err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := writeFile(copyPath, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	cp, err := boltstore.Open(copyPath, store.Options{Key: serverKey})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if log, err := New(cp, notPublished).Log(0, 10); err != nil || len(log.Entries) != 1 || log.Entries[0].Action != "backup" {
		t.Errorf("the copy's audit log: %+v, %v", log, err)
	}
	log, err := a.Log(0, 10)
	if err != nil || len(log.Entries) != 1 || log.Entries[0].Actor != "adm" {
		t.Errorf("audit log: %+v, %v", log, err)
	}
	if _, err := a.Bundle("R1"); code(err) != api.CodeInvalidState {
		t.Errorf("Bundle of an unpublished round: %v, want invalid_state", err)
	}
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }
