// Package clustertest holds the failover test of the PostgreSQL
// deployment (issue 13, point 5): a primary and a synchronous standby on
// loopback, two API nodes sharing them, a burst of signed submissions
// through both; one API node goes away, then the primary is killed with
// SIGKILL and the standby promoted, while clients retry.
//
// The Go test (TestFailover, in go test ./...) runs the API nodes
// in-process and stops one; the bench's command runs them as child
// processes ("serve -store …") and kills one with SIGKILL:
//
//	go run ./syncserver/lab clustertest -interns 200 -each 10   (make clustertest)
//
// Both check the same invariants (Check). They need PostgreSQL's programs
// (see pgtest.Need and pgtest.BinDir).
package clustertest
