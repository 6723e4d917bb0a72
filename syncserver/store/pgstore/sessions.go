package pgstore

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"appariement/syncserver/store"
)

// OtherSessions returns the database's other client connections (server
// nodes, tools, operators' SQL sessions; replication excluded), oldest
// first, leaving out the connections of this Backend's own pool
// (store.Sessions). A role that may not see other roles' sessions
// (neither superuser nor pg_read_all_stats) sees them without their
// address or state.
func (tx *Tx) OtherSessions() ([]store.Session, error) {
	if err := tx.lock(); err != nil {
		return nil, err
	}
	var own []int64
	tx.b.pids.Range(func(k, _ any) bool {
		own = append(own, int64(k.(uint32)))
		return true
	})
	rows, err := tx.tx.Query(tx.ctx, `SELECT coalesce(application_name, ''),
			coalesce(host(client_addr) || ':' || client_port, ''), coalesce(backend_start, now()), coalesce(state, '')
		FROM pg_stat_activity
		WHERE datname = current_database() AND backend_type = 'client backend'
			AND pid <> pg_backend_pid() AND NOT (pid = ANY($1::bigint[]))
		ORDER BY backend_start, pid`, own)
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: other sessions: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Session, error) {
		var s store.Session
		var since time.Time
		err := r.Scan(&s.Application, &s.Client, &since, &s.State)
		s.Since = since.UTC()
		return s, err
	})
	if err != nil {
		return nil, classify(fmt.Errorf("pgstore: other sessions: %w", err))
	}
	return out, nil
}
