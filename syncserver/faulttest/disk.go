package faulttest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/envelope"
)

// ErrMountNotPermitted is returned by MountTmpfs when the process may not
// mount (not root, or in a container without CAP_SYS_ADMIN).
var ErrMountNotPermitted = errors.New("mount not permitted")

// MountTmpfs mounts a tmpfs of size bytes on dir (which must exist). The
// caller unmounts it with Unmount.
func MountTmpfs(dir string, size int64) error {
	err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0700", size))
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("faulttest: mount tmpfs on %s: %w (%v)", dir, ErrMountNotPermitted, err)
	}
	if err != nil {
		return fmt.Errorf("faulttest: mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

// Unmount unmounts dir (lazily if it is still busy).
func Unmount(dir string) error {
	if err := syscall.Unmount(dir, 0); err != nil {
		if err2 := syscall.Unmount(dir, syscall.MNT_DETACH); err2 != nil {
			return fmt.Errorf("faulttest: unmount %s: %w", dir, err)
		}
	}
	return nil
}

// fill writes a file in dir until the file system is full, then gives
// back headroom bytes; it returns the file's path.
func fill(dir string, headroom int64) (string, error) {
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("faulttest: filler: %w", err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	var n int64
	for {
		w, err := f.Write(chunk)
		n += int64(w)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("faulttest: filler: %w", err)
		}
	}
	if err := f.Truncate(max(0, n-headroom)); err != nil {
		return "", fmt.Errorf("faulttest: filler: %w", err)
	}
	return path, nil
}

// diskFamily fills the tmpfs of a server's store during a burst.
func diskFamily(ctx context.Context, o *Options) ([]*Row, error) {
	row := &Row{Fault: "disk full (tmpfs) during a burst"}
	dir, err := os.MkdirTemp("", "appariement-faulttest-disk-")
	if err != nil {
		return nil, fmt.Errorf("faulttest: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := MountTmpfs(dir, 24<<20); err != nil {
		if errors.Is(err, ErrMountNotPermitted) && os.Getenv("CI") == "" {
			row.Skipped = "mount -t tmpfs not permitted here (run as root, or in CI): " + err.Error()
			return []*Row{row}, nil
		}
		return []*Row{row}, err
	}
	defer Unmount(dir)
	interns := 3000
	if o.Short {
		interns = 1000
	}
	h, err := start(o, dir, interns, nil)
	if err != nil {
		return []*Row{row}, err
	}
	defer h.close()
	filler, err := fill(dir, 256<<10)
	if err != nil {
		return []*Row{row}, err
	}
	l := newLedger()
	c, err := client.New(h.url, nil)
	if err != nil {
		return []*Row{row}, err
	}
	// The burst: every intern sends one list, once; the refused ones are
	// kept to be sent again once space is back.
	var (
		mu       sync.Mutex
		refusals []*envelope.Envelope
		next     atomic.Int64
		wg       sync.WaitGroup
		requests atomic.Int64
	)
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= interns {
					return
				}
				env := h.cat.WishList(i, 1, 3, time.Now())
				rc, err := c.Submit(ctx, env)
				requests.Add(1)
				out, e, _ := classify(err)
				mu.Lock()
				switch out {
				case acked:
					l.add(env, rc)
				case retryable:
					if e.Code != api.CodeStorageUnavailable {
						row.fail("refusal %s during the full disk", e.Code)
					}
					row.Refused++
					refusals = append(refusals, env)
				case server500:
					row.Status500++
					row.fail("answer %d %s: %s", e.Status, e.Code, e.MessageEN)
				default:
					row.fail("unexpected answer: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if row.Refused == 0 {
		row.fail("the disk never filled up: %d lists accepted", l.len())
	}
	// What operators and load balancers see while the disk is full.
	status, _, body, err := httpGet(ctx, h.url+"/healthz")
	if err != nil || status != http.StatusOK || !strings.Contains(body, `"writable":false`) {
		row.fail("/healthz while full: %d %s %v (want 200 with the store not writable)", status, body, err)
	}
	status, retry, body, err := httpGet(ctx, h.url+"/readyz")
	if err != nil || status != http.StatusServiceUnavailable || retry == "" || !strings.Contains(body, "storage_unavailable") {
		row.fail("/readyz while full: %d Retry-After %q %s %v (want 503 with a retry time)", status, retry, body, err)
	}
	_, _, metrics, _ := httpGet(ctx, h.metrics+"/metrics")
	if !strings.Contains(metrics, "appariement_store_writable 0") || !strings.Contains(metrics, `appariement_store_write_failures_total{reason="no_space"}`) {
		row.fail("metrics do not show the full disk")
	}
	if !h.errors.contains("store: cannot write") || !h.errors.contains("no_space") {
		row.fail("no error line says the disk is full")
	}
	// Space comes back: ready again without a restart, and the refused
	// lists go in.
	freed := time.Now()
	if err := os.Remove(filler); err != nil {
		return []*Row{row}, fmt.Errorf("faulttest: %w", err)
	}
	if _, err := waitReady(ctx, h.url, 30*time.Second); err != nil {
		row.fail("%v", err)
	}
	next.Store(0)
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(refusals) {
					return
				}
				env := refusals[k]
				rc, err := c.Submit(ctx, env)
				requests.Add(1)
				if err != nil {
					mu.Lock()
					row.fail("list refused during the full disk, sent again once space is back: %v", err)
					mu.Unlock()
					continue
				}
				l.add(env, rc)
			}
		}()
	}
	wg.Wait()
	row.Recovered = time.Since(freed)
	row.Requests = int(requests.Load())
	if err := verify(ctx, h.url, h.verifier, l, h.srv.Store(), row); err != nil {
		return []*Row{row}, err
	}
	row.Note = fmt.Sprintf("503 storage_unavailable + Retry-After, /healthz writable=false, /readyz 503; %d refused lists accepted once space was freed, no restart", len(refusals))
	return []*Row{row}, nil
}
