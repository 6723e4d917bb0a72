package main

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"appariement/syncserver/cmdrun"
)

// TestProductionBinaryHasNoTestBench: the server binary links none of the
// demo generator and the load, crash and fault testers (syncserver/lab).
func TestProductionBinaryHasNoTestBench(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bench := range []string{"/democmd", "/demodata", "/loadtest", "/crashtest", "/faulttest", "/servertest"} {
			if strings.HasSuffix(dep, bench) {
				t.Errorf("syncserver links %s", dep)
			}
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"demo"}, cmdrun.IO{Stdout: &out, Stderr: &errOut}); code != 2 || !strings.Contains(errOut.String(), "lab") {
		t.Fatalf("syncserver demo: exit %d, %q", code, errOut.String())
	}
}

// TestEveryCommandHasHelp: every command of the tree, down to the
// subcommands of admin, answers -h with its usage and exit 0, and is listed
// with a summary in its group's usage.
func TestEveryCommandHasHelp(t *testing.T) {
	var walk func(path []string, c cmdrun.Command)
	walk = func(path []string, c cmdrun.Command) {
		for _, sub := range c.Sub {
			p := append(path[:len(path):len(path)], sub.Name)
			if sub.Summary == "" {
				t.Errorf("%v: no summary", p)
			}
			var out, errOut strings.Builder
			stdio := cmdrun.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}
			if code := run(context.Background(), append(p, "-h"), stdio); code != 0 || out.Len()+errOut.Len() == 0 {
				t.Errorf("syncserver %s -h: exit %d, %q %q", strings.Join(p, " "), code, out.String(), errOut.String())
			}
			walk(p, sub)
		}
	}
	walk(nil, root(cmdrun.IO{}))
}

// TestServeStopsWhenInterrupted: the dispatcher's context, which SIGINT
// and SIGTERM cancel in main, stops serve gracefully: exit 0 and its
// farewell line.
func TestServeStopsWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errOut strings.Builder
	stdio := cmdrun.IO{Stdout: pw, Stderr: &lockedWriter{w: &errOut}}
	done := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"serve", "-db", filepath.Join(t.TempDir(), "store.db"), "-addr", "127.0.0.1:0", "-metrics-addr", ""}, stdio)
		pw.Close()
		done <- code
	}()
	sc := bufio.NewScanner(pr)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), "à l'écoute") {
			cancel() // what SIGINT does
		}
	}
	if code := <-done; code != 0 || !strings.Contains(strings.Join(lines, "\n"), "Serveur arrêté proprement") {
		t.Fatalf("exit %d\n%s\n%s", code, strings.Join(lines, "\n"), errOut.String())
	}
}

// lockedWriter serialises the server's log lines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
