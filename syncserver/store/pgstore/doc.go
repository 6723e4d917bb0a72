// Package pgstore is the sync server's PostgreSQL backend (a
// store.Backend): the same records as the embedded bbolt store, in tables
// (migrations/*.sql, applied in order by Migrate, each in its own
// transaction, recorded with its checksum in schema_migrations), shared by
// any number of server nodes.
//
// It registers the postgres:// and postgresql:// locations with
// store.Open, so that
//
//	syncserver serve -store 'postgres://app@db1,db2/appariement?target_session_attrs=read-write' -signing-key server.key
//
// runs a node; every node is given the same signing key file.
//
// What it promises beyond the contract:
//
//   - One log for every node: an append batch locks the log head row
//     (SELECT … FOR UPDATE) in its transaction, and every Update that
//     reads or writes anything but replay nonces takes one advisory lock
//     first, so that Updates of all nodes run as if one after the other.
//     Nonce checks are one atomic statement and run in parallel.
//   - Durable receipts: Update returns nil only when COMMIT returned,
//     which, with synchronous_commit=on and synchronous_standby_names, is
//     once the standby has the transaction. Commits never carry a
//     deadline and sessions have no statement_timeout: cancelling the
//     wait for the standby would leave the transaction on the primary
//     alone; PostgreSQL's warning that it did so is caught and the commit
//     answered as unavailable all the same.
//   - Failover: the pool reconnects by itself to whichever host of the
//     connection string accepts writes. Until then every use fails with a
//     *store.StorageError (reason database_unavailable): the server
//     answers 503 with Retry-After, and a client's retry of the same
//     envelope gets its first receipt if the commit had reached the
//     standby.
//
// What stays per node (see store.Backend): the request rate limits, the
// last leaf time used by the early clock check, the cached checkpoint and
// the recorded public key (a key rotation is seen by the other nodes when
// they restart). The nodes' clocks must agree (NTP): an append batch is
// refused (clock_behind) when its node's clock reads before the last
// leaf, which another node may have written a few milliseconds ahead.
package pgstore
