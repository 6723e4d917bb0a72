package servertest

import (
	"testing"

	"appariement/shared/api"
)

// Restart stops the server's first node, runs between (with the node's
// store file and key file, as an operator would on a stopped server:
// keycmd.Rotate, a restore…), and starts a new node on the same files: the
// env's Server, URL, ServerKey and Admin then speak to it and pin the key
// it now holds.
func (e *Env) Restart(t testing.TB, between func(db, keyFile string) error) {
	t.Helper()
	if err := e.Server.Close(); err != nil {
		t.Fatalf("servertest: stop: %v", err)
	}
	if between != nil {
		if err := between(e.DBPath, e.KeyFile); err != nil {
			t.Fatalf("servertest: while stopped: %v", err)
		}
	}
	e.Server, e.URL = e.AddNode(t)
	e.ServerKey = api.ServerKey(e.Server.Store().ServerKey())
	e.Admin = e.Client(e.AdminID, e.AdminKey)
}
