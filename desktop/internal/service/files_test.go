package service

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"appariement/desktop/internal/keystore"
	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
)

// sessionOf opens a desktop session of user u against env's server, with
// u's key sealed in a fresh cache (what enrollment leaves behind).
func sessionOf(t *testing.T, env *servertest.Env, u *servertest.User) *Service {
	t.Helper()
	st, err := localstore.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealed, err := keystore.Seal(u.Key, pass, keystore.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	var me *domain.Person
	env.Server.Store().View(func(tx store.Tx) error { me, err = tx.Person(u.ID); return err })
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveProfile(&localstore.Profile{ServerURL: env.URL, Person: *me, ServerKey: env.ServerKey, Key: sealed}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(st, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDownloadFileIsSafe (issue 11, point 1): the RTS's app saves a
// candidate document under its own ".pdf" name whatever the intern named
// it, checks its digest before saving and refuses what is not a PDF.
func TestDownloadFileIsSafe(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{NoCodes: true})
	env.Transition(t, domain.StateWishesOpen)
	intern := env.Register(t, env.Interns[0])
	pdf := []byte("%PDF-1.7\nCV de Camille\n")
	fr, err := intern.Client.UploadFile(ctx, "cv.pdf", pdf)
	if err != nil {
		t.Fatal(err)
	}
	// A non-PDF slipped into the store behind the upload's back.
	junk := []byte("MZ\x90\x00 not a pdf")
	var junkInfo *store.FileInfo
	if err := env.Server.Store().Update(func(tx store.Tx) error {
		junkInfo, err = store.PutFile(tx, intern.ID, "lettre.pdf", junk, env.Clock.Now(), store.Quota{Files: api.MaxFilesPerPerson, Bytes: api.MaxBytesPerPerson})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	cv := api.Attachment{Kind: "cv", Name: "cv.pdf", SHA256: fr.SHA256, Size: fr.Size}
	letter := api.Attachment{Kind: "lettre", Name: "lettre.pdf", SHA256: junkInfo.SHA256, Size: junkInfo.Size}
	sub := api.Submission{Round: env.Round, Author: intern.ID, Seq: 1, ClientTime: env.Clock.Now(),
		List: []string{env.Postes[0].ID}, Attachments: []api.Attachment{cv, letter}}
	if _, err := env.Anonymous().Submit(ctx, intern.Sign(api.WishListType, sub)); err != nil {
		t.Fatal(err)
	}
	env.Transition(t, domain.StateWishesClosed)
	rts := sessionOf(t, env, env.Register(t, env.Postes[0].RTS))
	faults := env.Faults()
	rts.Client.SetTransport(faults)
	dir := t.TempDir()

	path, err := rts.DownloadFile(ctx, dir, cv)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	if filepath.Base(path) != cv.LocalName() || !strings.HasSuffix(path, ".pdf") {
		t.Fatalf("saved as %s", path)
	}
	// Named by its author "CV.hta" (a server of old would have let it
	// through): still saved as the app's own .pdf name.
	renamed := cv
	renamed.Name = "CV.hta"
	if p, err := rts.DownloadFile(ctx, t.TempDir(), renamed); err != nil || filepath.Ext(p) != ".pdf" || strings.Contains(p, "hta") {
		t.Fatalf("renamed attachment saved as %q (%v)", p, err)
	}
	// Tampered on the way: refused, nothing written.
	faults.TamperBody("GET /v1/files/{sha}", 1, func(b []byte) []byte { return append(b, "\n<script>évil</script>"...) })
	other := t.TempDir()
	if _, err := rts.DownloadFile(ctx, other, cv); !errors.Is(err, ErrFileTampered) {
		t.Fatalf("tampered download: %v, want ErrFileTampered", err)
	}
	if entries, _ := os.ReadDir(other); len(entries) != 0 {
		t.Fatalf("a tampered file was written: %v", entries)
	}
	// Not a PDF, even with the right digest: refused.
	if _, err := rts.DownloadFile(ctx, t.TempDir(), letter); !errors.Is(err, ErrNotPDF) {
		t.Fatalf("non-PDF download: %v, want ErrNotPDF", err)
	}
	// A file swapped on disk after a first download is fetched again.
	os.WriteFile(path, []byte("%PDF-swapped"), 0o600)
	if p, err := rts.DownloadFile(ctx, dir, cv); err != nil {
		t.Fatal(err)
	} else if b, _ := os.ReadFile(p); !bytes.Equal(b, pdf) {
		t.Fatalf("a swapped local file was reused: %q", b)
	}
}
