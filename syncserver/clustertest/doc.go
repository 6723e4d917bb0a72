// Package clustertest holds the failover test of the PostgreSQL
// deployment (issue 13, point 5): a primary and a synchronous standby on
// loopback, two API nodes sharing them, a burst of signed submissions
// through both; one API node is stopped, then the primary is killed with
// SIGKILL and the standby promoted, while clients retry. Run it with
//
//	go test -v ./syncserver/clustertest
//
// (make clustertest). It needs PostgreSQL's programs (see pgtest.Need).
package clustertest
