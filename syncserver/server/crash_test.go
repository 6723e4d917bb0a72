package server_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/domain"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/server"
	"appariement/syncserver/store"
	"appariement/syncserver/store/boltstore"
)

// crashEnv names the store file when the test binary runs as the server
// child of TestKillDashNine.
const crashEnv = "APPARIEMENT_CRASHSERVER_DB"

// crashMailEnv, if set, is the child's Config.Mail (TestMailKillDashNine).
const crashMailEnv = "APPARIEMENT_CRASHSERVER_MAIL"

func TestMain(m *testing.M) {
	if db := os.Getenv(crashEnv); db != "" {
		runCrashServer(db)
		return
	}
	os.Exit(m.Run())
}

// runCrashServer serves the store file db on a loopback port, prints
// "ADDR host:port" and serves until killed.
func runCrashServer(db string) {
	srv, err := server.Open(server.Config{DBPath: db, Name: "crash.test", IPRate: rate.Inf, IdentityRate: rate.Inf,
		Mail: os.Getenv(crashMailEnv), MailBackoff: 50 * time.Millisecond, MailPoll: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	fmt.Fprintln(os.Stderr, srv.Serve(ln))
	os.Exit(1)
}

// startCrashServer starts the test binary as a server child on db and
// returns the command and its base URL.
func startCrashServer(t *testing.T, db string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), crashEnv+"="+db), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("crash server did not start: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if !ok {
		t.Fatalf("crash server said %q", line)
	}
	return cmd, "http://" + addr
}

// TestKillDashNine: a server child is killed with SIGKILL in the middle of
// a burst of submissions. After a restart on the same file, every receipt
// it handed out is still good: the leaf is in the log (its hash is proved
// included in the new checkpoint) and every old checkpoint is consistent
// with the new one.
func TestKillDashNine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	const interns = 60
	db := filepath.Join(t.TempDir(), "crash.db")
	keys := seedCrashStore(t, db, interns)

	cmd, url := startCrashServer(t, db)
	c, err := client.New(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := api.ServerKey{}
	if k, err := c.ServerKey(context.Background()); err != nil {
		t.Fatal(err)
	} else {
		key = *k
	}
	v, err := translog.NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}

	type got struct {
		env *envelope.Envelope
		rc  *api.Receipt
	}
	var (
		mu       sync.Mutex
		receipts []got
		count    atomic.Int64
		wg       sync.WaitGroup
	)
	for i := range interns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("c%03d", i)
			for seq := uint64(1); ; seq++ {
				b := fmt.Appendf(nil, `{"round":"RC","author":%q,"seq":%d,"client_time":"2026-01-01T00:00:00Z","list":["P%d"]}`, id, seq, int(seq)%4+1)
				e := envelope.Sign(keys[i], api.WishListType, b)
				rc, err := c.Submit(context.Background(), e)
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				receipts = append(receipts, got{e, rc})
				mu.Unlock()
				count.Add(1)
			}
		}()
	}
	for count.Load() < 300 {
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d receipts before the kill", len(receipts))

	_, url2 := startCrashServer(t, db)
	c2, _ := client.New(url2, nil)
	ctx := context.Background()
	cp, err := c2.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := v.OpenCheckpoint(cp)
	if err != nil {
		t.Fatal(err)
	}
	if tree.N < int64(len(receipts)) {
		t.Fatalf("log has %d leaves after restart, %d receipts were given", tree.N, len(receipts))
	}
	consistent := map[string]bool{}
	for _, g := range receipts {
		proof, err := c2.InclusionProof(ctx, g.rc.Index, tree.N)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifyInclusion(cp, g.rc.Index, translog.LeafHash(g.rc.ServerTime, g.env), proof); err != nil {
			t.Fatalf("receipt %d lost after kill -9: %v", g.rc.Index, err)
		}
		if consistent[g.rc.Checkpoint] {
			continue
		}
		old, err := v.OpenCheckpoint(g.rc.Checkpoint)
		if err != nil {
			t.Fatal(err)
		}
		cproof, err := c2.ConsistencyProof(ctx, old.N, tree.N)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifyConsistency(g.rc.Checkpoint, cp, cproof); err != nil {
			t.Fatalf("checkpoint of size %d inconsistent after kill -9: %v", old.N, err)
		}
		consistent[g.rc.Checkpoint] = true
	}
	// Sending an acknowledged envelope again gives the same receipt.
	g := receipts[len(receipts)-1]
	rc, err := c2.Submit(ctx, g.env)
	if err != nil || rc.Index != g.rc.Index || !rc.ServerTime.Equal(g.rc.ServerTime) {
		t.Fatalf("resend after restart: %+v, %v; first %+v", rc, err, g.rc)
	}
}

// seedCrashStore writes a store with a round RC open for wishes, 4 postes
// and n enrolled interns c000…, and returns their keys.
func seedCrashStore(t *testing.T, db string, n int) []ed25519.PrivateKey {
	t.Helper()
	s, err := boltstore.Open(db, store.Options{Name: "crash.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keys := make([]ed25519.PrivateKey, n)
	err = s.Update(func(tx store.Tx) error {
		rec := &store.RoundRecord{Round: domain.Round{ID: "RC", Procedure: domain.Appariement, Number: 1, State: domain.StateWishesOpen}}
		if err := tx.CreateRound(rec); err != nil {
			return err
		}
		var postes []domain.Poste
		for k := range 4 {
			postes = append(postes, domain.Poste{ID: fmt.Sprintf("P%d", k+1), Specialty: "CARDIO", Subdivision: "LYON", RTS: "r", Capacity: 10})
		}
		if _, err := store.PutPostes(tx, "RC", postes, false); err != nil {
			return err
		}
		var ids []string
		for i := range n {
			id := fmt.Sprintf("c%03d", i)
			pub, priv, _ := ed25519.GenerateKey(nil)
			keys[i] = priv
			if err := tx.PutPerson(domain.Person{ID: id, Role: domain.RoleIntern, Specialty: "CARDIO", Subdivision: "LYON"}); err != nil {
				return err
			}
			if err := tx.RegisterKey(id, pub, time.Now().Add(-time.Minute)); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return tx.SetEligible("RC", ids)
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
