//go:build unix

package loadtest

import (
	"context"
	"os"

	"appariement/syncserver/pgtest"
)

// launchPG starts a PostgreSQL primary and its synchronous standby on
// loopback in a temporary folder and returns a database's multi-host
// location; stop (never nil) stops them and removes the folder.
func launchPG() (dsn string, stop func(), err error) {
	root, err := os.MkdirTemp("", "appariement-loadtest-pg-")
	if err != nil {
		return "", func() {}, err
	}
	cluster, err := pgtest.Launch(root, pgtest.Options{Standby: true})
	stop = func() {
		if cluster != nil {
			cluster.Close()
		}
		os.RemoveAll(root)
	}
	if err == nil {
		dsn, err = cluster.CreateDB(context.Background(), "loadtest")
	}
	return dsn, stop, err
}
