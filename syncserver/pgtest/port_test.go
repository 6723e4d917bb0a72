//go:build unix

package pgtest

import (
	"fmt"
	"net"
	"testing"
)

// TestStartTakesAnotherPort: a port taken between its choice and the
// server's first start makes the server take another.
func TestStartTakesAnotherPort(t *testing.T) {
	bin := Need(t)
	acct, _ := runAs()
	root := t.TempDir()
	if err := prepareRoot(root, acct); err != nil {
		t.Fatal(err)
	}
	s, err := newServer(bin, acct, root, "primary")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	if err := s.initdb(); err != nil {
		t.Fatal(err)
	}
	taken := s.Port
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", taken))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s.settings = map[string]string{}
	s.args = serverArgs(s, s.settings, nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if s.Port == taken {
		t.Fatalf("the server runs on port %d, taken by another listener", taken)
	}
}
