package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/syncserver/faulttest"
	"appariement/syncserver/servertest"
)

// TestFullDiskEveryWriteRoute: with the store on a full tmpfs, every kind
// of write (a submission, an enrollment, an admin change, a file upload)
// is either done or refused with 503 storage_unavailable and a retry
// delay, never a 500; /healthz stays 200 and says the store is not
// writable, /readyz is 503; once space is freed the server is ready again
// by itself and the same writes succeed.
func TestFullDiskEveryWriteRoute(t *testing.T) {
	dir := t.TempDir()
	if err := faulttest.MountTmpfs(dir, 8<<20); err != nil {
		if errors.Is(err, faulttest.ErrMountNotPermitted) && os.Getenv("CI") == "" {
			t.Skipf("full disk not tested: %v (run as root)", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { faulttest.Unmount(dir) })
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Interns: 3, Postes: 1, Dir: dir})
	env.Transition(t, domain.StateWishesOpen)
	alice := env.Enroll(t, env.Interns[0])

	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for chunk := make([]byte, 64<<10); ; {
		if _, err := f.Write(chunk); errors.Is(err, syscall.ENOSPC) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	f.Close()

	// Submissions until one meets the full disk (bbolt may reuse free pages).
	refused := 0
	for seq := uint64(1); seq <= 300 && refused == 0; seq++ {
		_, err := alice.Client.Submit(ctx, alice.WishList(env.Round, seq, env.Postes[0].ID))
		if err != nil {
			wantRetry(t, err, api.CodeStorageUnavailable)
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("300 lists accepted on a full disk")
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 256<<10)...)
	writes := map[string]func() error{
		"enroll": func() error {
			_, err := env.Anonymous().Enroll(ctx, env.Interns[1], env.Codes[env.Interns[1]], pub)
			return err
		},
		"schedule": func() error {
			_, err := env.Admin.Schedule(ctx, env.Round, api.ScheduleRequest{WishesClose: env.Clock.Now().Add(48 * time.Hour), Reason: "test"})
			return err
		},
		"upload": func() error { _, err := alice.Client.UploadFile(ctx, "cv.pdf", pdf); return err },
	}
	for name, write := range writes {
		if err := write(); err != nil {
			if e, ok := errors.AsType[*api.Error](err); ok && e.Code == api.CodeStorageUnavailable {
				if ok, after := client.Retryable(err); !ok || after <= 0 {
					t.Errorf("%s: storage_unavailable without a retry delay", name)
				}
				continue
			}
			t.Errorf("%s on a full disk: %v (want done, or 503 storage_unavailable)", name, err)
		}
	}
	// Fail the store once more, then look at the health checks.
	for seq := uint64(1000); ; seq++ {
		if _, err := alice.Client.Submit(ctx, alice.WishList(env.Round, seq, env.Postes[0].ID)); err != nil {
			wantRetry(t, err, api.CodeStorageUnavailable)
			break
		}
	}
	status, _, body := getHealth(t, env, "/healthz")
	if store := body["store"].(map[string]any); status != http.StatusOK || store["writable"] != false || store["reason"] != "no_space" {
		t.Fatalf("/healthz on a full disk: %d %v", status, body)
	}
	if status, retry, _ := getHealth(t, env, "/readyz"); status != http.StatusServiceUnavailable || retry == "" {
		t.Fatalf("/readyz on a full disk: %d Retry-After %q", status, retry)
	}
	if m := string(scrape(t, env.Server)); !strings.Contains(m, "appariement_store_writable 0") {
		t.Fatal("metrics: store writable")
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if status, _, _ := getHealth(t, env, "/readyz"); status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready 15 s after space was freed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	must[*api.Receipt](t)(alice.Client.Submit(ctx, alice.WishList(env.Round, 2000, env.Postes[0].ID)))
	for name, write := range writes {
		if err := write(); err != nil {
			if e, ok := errors.AsType[*api.Error](err); ok && (e.Code == api.CodeBadCode || e.Code == api.CodeAlreadyEnrolled) {
				continue // enrolled on the full disk already: its code is used
			}
			t.Errorf("%s once space is back: %v", name, err)
		}
	}
}
