//go:build unix

package servecmd

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"appariement/syncserver/pgtest"
	"appariement/syncserver/server"
)

func TestStoreUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-store", "postgres://127.0.0.1/x"}, "-signing-key"},
		{[]string{"-store", "x.db", "-signing-key", "k"}, "postgres://"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if code := Run(tt.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and a message naming %s", tt.args, code, errb.String(), tt.want)
		}
	}
}

// TestServeOnPostgres serves two nodes on one PostgreSQL database with one
// key file: the same server key, both ready.
func TestServeOnPostgres(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{Standby: true})
	dsn, err := c.CreateDB(context.Background(), "serve")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "server.key")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var fingerprints []string
	var dones []chan error
	for range 2 {
		cfg := server.Config{DBPath: dsn, KeyFile: keyFile}
		addrc := make(chan string, 1)
		done := make(chan error, 1)
		dones = append(dones, done)
		go func() {
			done <- Serve(ctx, cfg, "127.0.0.1:0", func(srv *server.Server, a net.Addr) {
				fingerprints = append(fingerprints, srv.Store().ServerKey().Fingerprint)
				addrc <- URL(cfg, a)
			})
		}()
		var url string
		select {
		case url = <-addrc:
		case err := <-done:
			t.Fatalf("Serve: %v", err)
		case <-time.After(60 * time.Second):
			t.Fatal("server did not start")
		}
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/readyz: %d %s", resp.StatusCode, body)
		}
	}
	if fingerprints[0] == "" || fingerprints[0] != fingerprints[1] {
		t.Fatalf("server keys %v: want one key for both nodes", fingerprints)
	}
	if _, err := server.Open(server.Config{DBPath: dsn}); err == nil || !strings.Contains(err.Error(), "KeyFile") {
		t.Fatalf("a location without a key file: %v; want a refusal naming KeyFile", err)
	}
	cancel()
	for _, done := range dones {
		if err := <-done; err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	}
}
