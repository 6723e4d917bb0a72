package crashtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// childEnv names the store file when the test binary runs as the child server.
const childEnv = "APPARIEMENT_CRASHTEST_CHILD_DB"

func TestMain(m *testing.M) {
	if db := os.Getenv(childEnv); db != "" {
		if err := Serve(db, 2*time.Minute, os.Stdout, os.Stderr); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCrash: two kill -9 with 200 interns; every receipt survives.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	var log bytes.Buffer
	rep, err := Do(context.Background(), Options{Kills: 2, Interns: 200, Concurrency: 16, Seed: 42,
		Command: func(db string) (*exec.Cmd, error) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+db)
			cmd.Stderr = os.Stderr
			return cmd, nil
		}}, &log)
	t.Log(log.String())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kills != 2 || rep.Receipts == 0 || rep.BoltChecks != 3 || rep.Checkpoints == 0 {
		t.Fatalf("report %+v", rep)
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Log(out.String())
}
