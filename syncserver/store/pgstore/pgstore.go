package pgstore

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"

	"appariement/shared/api"
	"appariement/shared/envelope"
	"appariement/shared/translog"
	"appariement/syncserver/store"
)

// DefaultName is the key name of a server whose configuration names none.
const DefaultName = store.DefaultName

// Options tunes a store. The zero value is usable.
type Options struct {
	// Name is the server's key name, used in signed checkpoints; recorded
	// by the first node to open the database, kept by the others.
	Name string
	// Clock gives the server time stamped in log leaves (time.Now if nil).
	Clock func() time.Time
	// MaxBatch bounds the submissions committed in one transaction (default 512).
	MaxBatch int
	// OnBatch, if set, is called after each group commit with its size and duration.
	OnBatch func(n int, d time.Duration)
	// Logger receives the store's few log lines (slog.Default if nil).
	Logger *slog.Logger
	// Key is the server's signing key, given to every node (its own file
	// on each, see keyfile); never written to the database.
	Key ed25519.PrivateKey
	// MaxConns bounds the node's connections to the database (default 16).
	MaxConns int32
}

// Store is a PostgreSQL database opened by one server node. It is safe
// for concurrent use, and any number of nodes may open the same database.
type Store struct {
	pool *pgxpool.Pool
	opts Options
	name string

	keyMu  sync.RWMutex
	key    ed25519.PrivateKey
	pub    ed25519.PublicKey
	signer note.Signer

	appends chan *pending
	stop    chan struct{}
	stopped chan struct{}
	closeMu sync.Once

	// syncCancelled records the connections on which PostgreSQL reported a
	// cancelled wait for the synchronous standby: that commit is local only.
	syncCancelled sync.Map // *pgconn.PgConn → struct{}

	cp     checkpointCache
	health health
}

// ctx is the context of the store's own work (group commits, reads made
// for the server outside a request).
func (s *Store) ctx() context.Context { return context.Background() }

// Server meta keys.
const (
	metaName = "key-name"
	metaPub  = "public-key"
)

// Open connects to the database at dsn (a PostgreSQL URL or key=value
// string; several hosts with target_session_attrs=read-write for a
// primary and its standby), applies the migrations it lacks, and records
// the key name on first open.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connection string: %w", err)
	}
	cfg.MaxConns = opts.MaxConns
	s := &Store{
		opts:    opts,
		appends: make(chan *pending, 4*opts.MaxBatch),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	cfg.ConnConfig.OnNotice = s.onNotice
	// Every session: UTC, and no statement timeout, which would cancel a
	// commit's wait for the standby and leave it committed locally only.
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = "0"
	cfg.ConnConfig.RuntimeParams["application_name"] = "appariement"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	s.pool = pool
	if _, err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	go s.commitLoop()
	return s, nil
}

func (s *Store) onNotice(c *pgconn.PgConn, n *pgconn.Notice) {
	// "canceling wait for synchronous replication due to user request" /
	// "…terminating connection due to administrator command": the
	// transaction committed on the primary but maybe not on the standby.
	if n.Severity == "WARNING" && containsFold(n.Message, "synchronous replication") {
		s.syncCancelled.Store(c, struct{}{})
		s.opts.Logger.Error("pgstore: a commit's wait for the synchronous standby was cancelled", "message", n.Message)
	}
}

func (s *Store) init(ctx context.Context) error {
	name := s.opts.Name
	if name == "" {
		name = DefaultName
	}
	err := s.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.Exec(ctx, "INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
			metaName, []byte(name))
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: init: %w", err)
	}
	err = s.view(ctx, func(tx *Tx) error {
		var v []byte
		if err := tx.tx.QueryRow(ctx, "SELECT value FROM server_meta WHERE key = $1", metaName).Scan(&v); err != nil {
			return err
		}
		s.name = string(v)
		err := tx.tx.QueryRow(ctx, "SELECT value FROM server_meta WHERE key = $1", metaPub).Scan(&v)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		case len(v) == ed25519.PublicKeySize:
			s.pub = ed25519.PublicKey(v)
		default:
			return fmt.Errorf("recorded public key of %d bytes", len(v))
		}
		last, err := tx.lastLeafTime()
		s.health.setLastLeaf(last)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: init: %w", err)
	}
	if s.opts.Name != "" && s.opts.Name != s.name {
		s.opts.Logger.Warn("pgstore: configured key name differs from the recorded one; keeping the recorded name",
			"configured", s.opts.Name, "recorded", s.name)
	}
	if s.opts.Key != nil {
		return s.SetKey(s.opts.Key)
	}
	return nil
}

// SetKey gives the store its signing key: the one the database recorded,
// or, for a database that recorded none, a new one (its public half is
// recorded; a second node racing with another key is refused).
func (s *Store) SetKey(key ed25519.PrivateKey) error {
	pub := key.Public().(ed25519.PublicKey)
	ctx := context.Background()
	var recorded []byte
	err := s.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.Exec(ctx, "INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", metaPub, []byte(pub))
		if err != nil {
			return err
		}
		return tx.tx.QueryRow(ctx, "SELECT value FROM server_meta WHERE key = $1", metaPub).Scan(&recorded)
	})
	if err != nil {
		return fmt.Errorf("pgstore: record the server key: %w", err)
	}
	if !pub.Equal(ed25519.PublicKey(recorded)) {
		return fmt.Errorf("%w (the store's key is %s, this one %s)", store.ErrKeyMismatch,
			envelope.Fingerprint(recorded), envelope.Fingerprint(pub))
	}
	s.keyMu.Lock()
	s.pub = pub
	s.keyMu.Unlock()
	return s.useKey(key)
}

func (s *Store) useKey(key ed25519.PrivateKey) error {
	signer, err := translog.NewSigner(s.name, key)
	if err != nil {
		return fmt.Errorf("pgstore: checkpoint signer: %w", err)
	}
	s.keyMu.Lock()
	s.key, s.signer = key, signer
	s.keyMu.Unlock()
	return nil
}

// HasKey reports whether the database recorded a server key.
func (s *Store) HasKey() bool {
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	return s.pub != nil
}

// RotateKey replaces the signing key: the new public half is recorded,
// the rotation kept in key_rotations. Every node must be given the new key.
func (s *Store) RotateKey(newKey ed25519.PrivateKey, now time.Time) error {
	s.keyMu.RLock()
	old := s.pub
	s.keyMu.RUnlock()
	if old == nil {
		return store.ErrNoKey
	}
	rot := store.KeyRotation{Time: now.UTC(), Old: old, New: newKey.Public().(ed25519.PublicKey)}
	ctx := context.Background()
	err := s.update(ctx, func(tx *Tx) error {
		seq, err := tx.next("key_rotations")
		if err != nil {
			return err
		}
		doc, err := json.Marshal(rot)
		if err != nil {
			return err
		}
		if _, err := tx.tx.Exec(ctx, "INSERT INTO key_rotations (seq, rotated, old_key, new_key, doc) VALUES ($1, $2, $3, $4, $5)",
			seq, rot.Time, []byte(rot.Old), []byte(rot.New), doc); err != nil {
			return err
		}
		_, err = tx.tx.Exec(ctx, "UPDATE server_meta SET value = $2 WHERE key = $1", metaPub, []byte(rot.New))
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: rotate the server key: %w", err)
	}
	s.keyMu.Lock()
	s.pub = rot.New
	s.keyMu.Unlock()
	return s.useKey(newKey)
}

// KeyRotations returns the rotations of the server's key, oldest first.
func (s *Store) KeyRotations() ([]store.KeyRotation, error) {
	ctx := context.Background()
	var out []store.KeyRotation
	err := s.view(ctx, func(tx *Tx) error {
		var err error
		out, err = queryDocs[store.KeyRotation](tx, "SELECT doc FROM key_rotations ORDER BY seq")
		return err
	})
	return out, err
}

// Close stops the group committer, failing appends still queued, and
// closes the node's connections.
func (s *Store) Close() error {
	s.closeMu.Do(func() { close(s.stop) })
	<-s.stopped
	s.pool.Close()
	return nil
}

// Now returns the store's clock reading.
func (s *Store) Now() time.Time { return s.opts.Clock() }

// ServerKey returns what clients pin.
func (s *Store) ServerKey() api.ServerKey {
	s.keyMu.RLock()
	pub := s.pub
	s.keyMu.RUnlock()
	if pub == nil {
		return api.ServerKey{Name: s.name}
	}
	nk, err := translog.NoteKey(s.name, pub)
	if err != nil {
		panic("pgstore: note key of a valid ed25519 key: " + err.Error())
	}
	return api.ServerKey{Name: s.name, PublicKey: pub, NoteKey: nk, Fingerprint: envelope.Fingerprint(pub)}
}

// Sign returns an envelope of payload signed by the server. It panics on a
// store opened without its key.
func (s *Store) Sign(payloadType string, payload []byte) *envelope.Envelope {
	s.keyMu.RLock()
	key := s.key
	s.keyMu.RUnlock()
	if key == nil {
		panic(store.ErrNoKey)
	}
	return envelope.Sign(key, payloadType, payload)
}

// Pool returns the node's connection pool (for tests and tools).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// view runs fn in a read-only transaction (repeatable read: one snapshot).
func (s *Store) view(ctx context.Context, fn func(tx *Tx) error) error {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return s.noteErr(err)
	}
	defer ptx.Rollback(context.WithoutCancel(ctx))
	tx := &Tx{ctx: ctx, tx: ptx, s: s}
	if err := fn(tx); err != nil {
		return s.noteErr(err)
	}
	if tx.err != nil {
		return s.noteErr(tx.err)
	}
	return s.noteErr(ptx.Commit(ctx))
}

// update runs fn in a read-write transaction, committed if fn returns nil.
// A failure to reach the database, or a commit whose outcome is not known
// to be durable on the primary and the synchronous standby, returns a
// *store.StorageError (errors.Is store.ErrStorageUnavailable).
func (s *Store) update(ctx context.Context, fn func(tx *Tx) error) error {
	ptx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.noteErr(err)
	}
	defer ptx.Rollback(context.WithoutCancel(ctx))
	tx := &Tx{ctx: ctx, tx: ptx, s: s, write: true}
	if err := fn(tx); err != nil {
		return s.noteErr(err)
	}
	if tx.err != nil {
		return s.noteErr(tx.err)
	}
	return s.commit(ptx)
}

// commit commits ptx without a deadline (a cancelled wait for the standby
// would leave the transaction committed locally only) and checks that
// PostgreSQL did not report such a cancellation meanwhile.
func (s *Store) commit(ptx pgx.Tx) error {
	conn := ptx.Conn().PgConn()
	s.syncCancelled.Delete(conn)
	err := ptx.Commit(context.Background())
	if _, cancelled := s.syncCancelled.LoadAndDelete(conn); cancelled && err == nil {
		err = errors.New("the commit's wait for the synchronous standby was cancelled: committed on the primary only")
		conn.Close(context.Background()) // do not reuse a session in that state
		return s.noteErr(&store.StorageError{Reason: ReasonDatabase, Err: err})
	}
	return s.noteErr(err)
}

// ReasonDatabase is the StorageError reason of a database that cannot be
// reached or did not confirm a commit.
const ReasonDatabase = "database_unavailable"

// noteErr classifies err: the database's unavailability becomes a
// *store.StorageError, recorded in the store's health; other errors (a
// refusal, a constraint) are returned as they are.
func (s *Store) noteErr(err error) error {
	if err == nil {
		s.health.ok()
		return nil
	}
	var se *store.StorageError
	if errors.As(err, &se) {
		s.health.fail(se)
		return err
	}
	if !unavailable(err) {
		return err
	}
	se = &store.StorageError{Reason: ReasonDatabase, Err: err}
	s.health.fail(se)
	return se
}

// unavailable reports whether err says the database cannot be used now
// (connection lost or refused, server shutting down or in recovery, a
// read-only standby) rather than refusing this request.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08": // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, crash, cannot connect now
			return true
		case pgErr.Code == "25006": // read-only transaction: a standby, after a failover
			return true
		case pgErr.Code == "53300", pgErr.Code == "53100", pgErr.Code == "53200": // too many connections, disk full, out of memory
			return true
		case pgErr.Code == "40001", pgErr.Code == "40P01": // serialization failure, deadlock: retry
			return true
		}
		return false
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) ||
		containsFold(err.Error(), "conn closed") || containsFold(err.Error(), "unexpected EOF") ||
		containsFold(err.Error(), "broken pipe") || containsFold(err.Error(), "connection reset")
}

// View runs fn in a read-only transaction (one snapshot of the database).
func (s *Store) View(fn func(tx *Tx) error) error { return s.view(s.ctx(), fn) }

// Update runs fn in a read-write transaction, committed (on the primary
// and its synchronous standby) if fn returns nil.
func (s *Store) Update(fn func(tx *Tx) error) error { return s.update(s.ctx(), fn) }
