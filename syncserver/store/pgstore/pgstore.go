package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"appariement/syncserver/store"
)

// Options tunes a Backend. The zero value is usable.
type Options struct {
	// MaxConns bounds the node's connections to the database (default 16).
	MaxConns int32
	// Logger receives the backend's few log lines (slog.Default if nil).
	Logger *slog.Logger
}

// Backend is a PostgreSQL database opened by one server node: a
// store.Backend. Any number of nodes may open the same database.
//
// Update serialises with every other Update of every node that reads or
// writes anything but replay nonces: its first such call takes one
// transaction-scoped advisory lock (writeLock), held until commit. Nonce
// checks (UseNonce alone, one atomic statement) do not wait for it, so
// that the requests of all nodes check their nonces in parallel. View runs
// in a read-only REPEATABLE READ transaction: one snapshot.
type Backend struct {
	pool   *pgxpool.Pool
	name   string
	logger *slog.Logger

	// syncCancelled records the connections on which PostgreSQL reported
	// a cancelled wait for the synchronous standby: that commit is local
	// to the primary, and must not be acknowledged.
	syncCancelled sync.Map // *pgconn.PgConn → struct{}

	// pids are the server processes of this Backend's own connections,
	// which OtherSessions leaves out.
	pids sync.Map // uint32 → struct{}

	closeOnce sync.Once
	closed    chan struct{}
}

var (
	_ store.Backend = (*Backend)(nil)
	_ store.Tx      = (*Tx)(nil)
)

// writeLock is the advisory lock key that serialises Updates.
const writeLock = 0x6170706172777269 // "apparwri"

// Open connects to the database at dsn, applies the migrations it lacks
// and opens a store.Store over it.
func Open(ctx context.Context, dsn string, opts store.Options) (*store.Store, error) {
	b, err := OpenBackend(ctx, dsn, Options{Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	return store.New(b, opts)
}

// IsDSN reports whether s names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a file.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// OpenBackend connects to the database at dsn (a PostgreSQL URL or
// key=value string; several hosts with target_session_attrs=read-write
// for a primary and its standby: the pool reconnects to whichever accepts
// writes after a failover) and applies the migrations it lacks.
func OpenBackend(ctx context.Context, dsn string, opts Options) (*Backend, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connection string: %w", redact(err, dsn))
	}
	cfg.MaxConns = opts.MaxConns
	b := &Backend{name: Redact(dsn), logger: opts.Logger, closed: make(chan struct{})}
	cfg.ConnConfig.OnNotice = b.onNotice
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		b.pids.Store(c.PgConn().PID(), struct{}{})
		return nil
	}
	cfg.BeforeClose = func(c *pgx.Conn) { b.pids.Delete(c.PgConn().PID()) }
	// Every session in UTC and without a statement timeout, which would
	// cancel a commit's wait for the standby and leave it committed on the
	// primary only.
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = "0"
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "appariement"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect to %s: %w", b.name, err)
	}
	b.pool = pool
	if _, err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: %s: %w", b.name, classify(err))
	}
	return b, nil
}

// Redact returns dsn without its password, for logs.
func Redact(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil || cfg.Password == "" {
		return dsn
	}
	return strings.ReplaceAll(dsn, cfg.Password, "xxxxx")
}

func redact(err error, dsn string) error {
	cfg, perr := pgconn.ParseConfig(dsn)
	if perr != nil || cfg.Password == "" {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), cfg.Password, "xxxxx"))
}

func (b *Backend) onNotice(c *pgconn.PgConn, n *pgconn.Notice) {
	// "canceling wait for synchronous replication due to user request" /
	// "… and terminating connection due to administrator command": the
	// transaction committed on the primary, maybe not on the standby.
	// (lc_messages may translate it: the French words are matched too.)
	msg := strings.ToLower(n.Message)
	if strings.Contains(msg, "synchronous replication") || strings.Contains(msg, "réplication synchrone") {
		b.syncCancelled.Store(c, struct{}{})
		b.logger.Error("pgstore: a commit's wait for the synchronous standby was cancelled", "message", n.Message)
	}
}

// Pool returns the node's connection pool (for tests and tools).
func (b *Backend) Pool() *pgxpool.Pool { return b.pool }

// String names the database, without its password.
func (b *Backend) String() string { return b.name }

// FreeBytes returns -1: the space left to the database server is not
// known to the node.
func (b *Backend) FreeBytes() int64 { return -1 }

// Close closes the node's connections.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		close(b.closed)
		b.pool.Close()
	})
	return nil
}

func (b *Backend) isClosed() bool {
	select {
	case <-b.closed:
		return true
	default:
		return false
	}
}

// View runs fn in a read-only transaction that sees one snapshot.
func (b *Backend) View(fn func(store.Tx) error) error {
	if b.isClosed() {
		return store.ErrClosed
	}
	ctx := context.Background()
	ptx, err := b.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return classify(fmt.Errorf("pgstore: begin: %w", err))
	}
	defer ptx.Rollback(ctx)
	tx := &Tx{ctx: ctx, tx: ptx, b: b}
	err = fn(tx)
	if tx.err != nil {
		// A method without an error result failed: fn's own error, if
		// any, may come from the zero value it got (a tree size of 0, a
		// person not eligible), so the backend's error is the answer.
		return classify(tx.err)
	}
	if err != nil {
		return err
	}
	return classify(ptx.Commit(ctx))
}

// Update runs fn in a read-write transaction, committed if fn returns nil.
// It returns nil once the commit is confirmed by the primary, which
// confirms only once its synchronous standby has the transaction. A
// database that cannot be reached, or a commit whose outcome is unknown
// or not replicated, returns a *store.StorageError (errors.Is
// store.ErrStorageUnavailable): the server answers 503 with Retry-After,
// and the client's retry of the same envelope finds it if it was kept.
func (b *Backend) Update(fn func(store.Tx) error) error {
	if b.isClosed() {
		return store.ErrClosed
	}
	ctx := context.Background()
	ptx, err := b.pool.Begin(ctx)
	if err != nil {
		return classify(fmt.Errorf("pgstore: begin: %w", err))
	}
	defer ptx.Rollback(ctx)
	tx := &Tx{ctx: ctx, tx: ptx, b: b, write: true}
	err = fn(tx)
	if tx.err != nil {
		return classify(tx.err) // see View
	}
	if err != nil {
		return err
	}
	if err := tx.flush(); err != nil {
		return classify(err)
	}
	return b.commit(ptx)
}

// commit commits ptx without a deadline (a cancelled wait for the standby
// would leave the transaction committed locally only) and checks that
// PostgreSQL did not report such a cancellation meanwhile.
func (b *Backend) commit(ptx pgx.Tx) error {
	conn := ptx.Conn().PgConn()
	b.syncCancelled.Delete(conn)
	err := ptx.Commit(context.Background())
	if _, cancelled := b.syncCancelled.LoadAndDelete(conn); cancelled && err == nil {
		conn.Close(context.Background()) // never reuse a session in that state
		return &store.StorageError{Reason: ReasonDatabase,
			Err: errors.New("pgstore: the commit's wait for the synchronous standby was cancelled: committed on the primary only")}
	}
	if err != nil {
		return classify(fmt.Errorf("pgstore: commit: %w", err))
	}
	return nil
}

// ReasonDatabase is the store.StorageError reason of a database that
// cannot be reached, is read-only (a standby), or did not confirm a commit.
const ReasonDatabase = "database_unavailable"

// classify turns the database's unavailability into a *store.StorageError;
// other errors are returned as they are.
func classify(err error) error {
	if err == nil || !Unavailable(err) {
		return err
	}
	var se *store.StorageError
	if errors.As(err, &se) {
		return err
	}
	return &store.StorageError{Reason: ReasonDatabase, Err: err}
}

// Unavailable reports whether err says the database cannot be used now
// (connection lost or refused, server shutting down or in recovery, a
// read-only standby, out of resources) rather than refusing this request.
func Unavailable(err error) bool {
	var se *store.StorageError
	if errors.As(err, &se) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case strings.HasPrefix(pgErr.Code, "53"): // insufficient resources (disk full, too many connections)
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, crash, cannot connect now
			return true
		case pgErr.Code == "25006": // read-only transaction: a standby, after a failover
			return true
		case pgErr.Code == "40001", pgErr.Code == "40P01": // serialization failure, deadlock: retry
			return true
		}
		return false
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"conn closed", "unexpected eof", "broken pipe", "connection reset", "connection refused", "closed pool"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// openTimeout bounds connecting and migrating when a server opens the
// store by its location (store.Open).
const openTimeout = time.Minute

func init() {
	open := func(location string) (store.Backend, error) {
		ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
		defer cancel()
		return OpenBackend(ctx, location, Options{})
	}
	store.Register("postgres", open)
	store.Register("postgresql", open)
}
