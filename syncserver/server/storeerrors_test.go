package server

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"appariement/shared/api"
	"appariement/syncserver/store"
	"appariement/syncserver/store/pgstore"
)

// TestStorageRefusalNamesTheCause: a write refused for lack of disk space
// and one refused because the database cannot be reached both answer 503
// storage_unavailable with a retry delay, but each sentence (French, then
// English) names its own cause.
func TestStorageRefusalNamesTheCause(t *testing.T) {
	if reasonDatabase != pgstore.ReasonDatabase {
		t.Fatalf("reasonDatabase %q, pgstore.ReasonDatabase %q", reasonDatabase, pgstore.ReasonDatabase)
	}
	for _, tc := range []struct {
		err    error
		fr, en string
		notFr  string
		notEn  string
	}{
		{&store.StorageError{Reason: "no_space", Err: syscall.ENOSPC}, "espace disque", "disk space", "base de données", "database"},
		{fmt.Errorf("commit: %w", syscall.EDQUOT), "espace disque", "disk space", "base de données", "database"},
		{fmt.Errorf("store: begin: %w", &store.StorageError{Reason: pgstore.ReasonDatabase, Err: errors.New("connection refused")}),
			"base de données injoignable", "database unreachable", "espace disque", "disk space"},
	} {
		if !store.IsStorageUnavailable(tc.err) {
			t.Fatalf("%v: not a storage refusal", tc.err)
		}
		e := storageRefusalError(store.StorageReason(tc.err))
		if e.Code != api.CodeStorageUnavailable || e.RetryAfter <= 0 {
			t.Errorf("%v: code %s, retry after %d", tc.err, e.Code, e.RetryAfter)
		}
		if !strings.Contains(e.Message, tc.fr) || strings.Contains(e.Message, tc.notFr) {
			t.Errorf("%v: French %q, want %q and not %q", tc.err, e.Message, tc.fr, tc.notFr)
		}
		if !strings.Contains(e.MessageEN, tc.en) || strings.Contains(e.MessageEN, tc.notEn) {
			t.Errorf("%v: English %q, want %q and not %q", tc.err, e.MessageEN, tc.en, tc.notEn)
		}
	}
}
