// Package pgstore is the sync server's PostgreSQL backend: the same
// records as the embedded bbolt store, in tables (migrations/*.sql,
// applied in order by Migrate and recorded in schema_migrations), shared
// by any number of server nodes. The log's appends serialise on its head
// row, so that the nodes write one sequence of indexes.
package pgstore
