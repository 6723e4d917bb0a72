//go:build unix

// Package pgtest runs real PostgreSQL servers on loopback for tests: a
// primary in a temporary directory, and optionally a synchronous streaming
// standby made with pg_basebackup, with helpers to stop, kill -9 and
// promote them.
//
// PostgreSQL refuses to run as root: when the test runs as root, initdb
// and the servers run as an unprivileged user (PGTEST_USER, else
// "postgres", else "nobody"), and the data directories are given to it.
// Run as any other user, they run as that user.
//
// Need skips a test when the PostgreSQL binaries are missing, with a
// message saying how to install them, except under CI (env CI set), where
// it fails the test.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the name of the superuser initdb creates.
const Superuser = "postgres"

// StandbyName is the application name of the standby, listed in the
// primary's synchronous_standby_names.
const StandbyName = "standby1"

// startTimeout bounds the wait for a server to accept connections (a
// bound against a hung server on a loaded machine, not a measure).
const startTimeout = 90 * time.Second

// Install is the advice given when the binaries are missing.
const Install = "PostgreSQL introuvable : installez-le (sudo apt-get install postgresql, ou ./scripts/install-deps postgres) ou indiquez le dossier de ses programmes dans PG_BIN / " +
	"PostgreSQL not found: install it (sudo apt-get install postgresql, or ./scripts/install-deps postgres) or set PG_BIN to the folder of its programs"

// BinDir returns the folder holding initdb, postgres and pg_basebackup:
// $PG_BIN, else the folder of initdb found in PATH, else the newest
// /usr/lib/postgresql/*/bin (Debian's layout, not in PATH).
func BinDir() (string, error) {
	has := func(dir string) bool {
		for _, p := range []string{"initdb", "postgres", "pg_basebackup"} {
			if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
				return false
			}
		}
		return true
	}
	if d := os.Getenv("PG_BIN"); d != "" {
		if has(d) {
			return d, nil
		}
		return "", fmt.Errorf("pgtest: PG_BIN=%s lacks initdb, postgres or pg_basebackup; %s", d, Install)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if has(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	return "", errors.New("pgtest: " + Install)
}

func pgVersion(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// Need returns the PostgreSQL binaries' folder, or skips the test with
// the way to install them; under CI (env CI set) it fails instead.
func Need(t testing.TB) string {
	t.Helper()
	dir, err := BinDir()
	if err == nil {
		_, err = runAs()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v (CI is set: PostgreSQL must be installed)", err)
		}
		t.Skip(err)
	}
	return dir
}

// account is who runs PostgreSQL's programs: nil for the current user.
type account struct {
	name     string
	uid, gid uint32
}

var (
	accountOnce sync.Once
	accountVal  *account
	accountErr  error
)

// runAs picks the unprivileged user when running as root.
func runAs() (*account, error) {
	accountOnce.Do(func() {
		if os.Geteuid() != 0 {
			return
		}
		names := []string{"postgres", "nobody"}
		if n := os.Getenv("PGTEST_USER"); n != "" {
			names = []string{n}
		}
		for _, n := range names {
			u, err := user.Lookup(n)
			if err != nil || u.Uid == "0" {
				continue
			}
			uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
			gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
			if err1 != nil || err2 != nil {
				continue
			}
			accountVal = &account{name: n, uid: uint32(uid), gid: uint32(gid)}
			return
		}
		accountErr = fmt.Errorf("pgtest: running as root, and none of the users %v exists to run PostgreSQL (which refuses root): create one (useradd -r postgres) or set PGTEST_USER", names)
	})
	return accountVal, accountErr
}

// Options configures Start.
type Options struct {
	// Standby adds a streaming standby that the primary waits for at each
	// commit (synchronous_standby_names, synchronous_commit=on).
	Standby bool
	// Settings are extra server settings (name → value) for both servers.
	Settings map[string]string
}

// Cluster is a primary and, with Options.Standby, its synchronous standby.
type Cluster struct {
	Primary *Server
	Standby *Server // nil without Options.Standby
}

// Server is one PostgreSQL server on loopback.
type Server struct {
	Name    string // "primary" or "standby"
	Dir     string // data directory
	Sockets string // unix socket directory
	Port    int

	bin      string
	acct     *account
	args     []string
	settings map[string]string // Options.Settings and the server's own, for its arguments
	started  bool              // accepted connections once: its port is known to others
	log      string
	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{}
	startErr error
}

// Start starts a primary (and a standby with opts.Standby) in t.TempDir()
// and stops them when the test ends. It skips or fails the test as Need
// does when PostgreSQL is missing.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	Need(t)
	c, err := Launch(t.TempDir(), opts)
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Launch starts a primary (and a standby with opts.Standby) in the empty
// folder root, outside a test (the bench's commands). The caller stops
// them with Close, also when Launch fails with a non-nil cluster.
func Launch(root string, opts Options) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	acct, err := runAs()
	if err != nil {
		return nil, err
	}
	if err := prepareRoot(root, acct); err != nil {
		return nil, err
	}
	c := &Cluster{}
	p, err := newServer(bin, acct, root, "primary")
	if err != nil {
		return nil, err
	}
	if err := p.initdb(); err != nil {
		return nil, err
	}
	c.Primary = p
	extra := map[string]string{}
	if opts.Standby {
		extra["synchronous_standby_names"] = StandbyName
	}
	p.settings = merge(opts.Settings, extra)
	p.args = serverArgs(p, p.settings, nil)
	if err := p.Start(); err != nil {
		return c, err
	}
	if !opts.Standby {
		return c, nil
	}
	sb, err := newServer(bin, acct, root, "standby")
	if err != nil {
		return c, err
	}
	if err := sb.baseBackup(p); err != nil {
		return c, err
	}
	c.Standby = sb
	sb.settings = merge(opts.Settings, nil)
	sb.args = serverArgs(sb, sb.settings, nil)
	if err := sb.Start(); err != nil {
		return c, err
	}
	if err := c.WaitSync(context.Background()); err != nil {
		return c, err
	}
	return c, nil
}

// Close stops the servers of the cluster (the standby first).
func (c *Cluster) Close() error {
	var err error
	if c.Standby != nil {
		err = c.Standby.Stop()
	}
	if c.Primary != nil {
		err = errors.Join(c.Primary.Stop(), err)
	}
	return err
}

// prepareRoot lets the unprivileged account reach root (t.TempDir makes
// its folders 0700 for the test's user).
func prepareRoot(root string, acct *account) error {
	if acct == nil {
		return nil
	}
	for _, d := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(d, 0o711); err != nil {
			return fmt.Errorf("pgtest: let %s reach %s: %w", acct.name, d, err)
		}
	}
	return nil
}

func newServer(bin string, acct *account, root, name string) (*Server, error) {
	s := &Server{Name: name, Dir: filepath.Join(root, name), bin: bin, acct: acct,
		log: filepath.Join(root, name+".log")}
	s.Sockets = filepath.Join(root, name+"-sock")
	if len(s.Sockets) > 80 { // a unix socket path has at most 107 bytes
		d, err := os.MkdirTemp("", "pgsock")
		if err != nil {
			return nil, fmt.Errorf("pgtest: socket folder: %w", err)
		}
		os.Remove(d)
		s.Sockets = d
	}
	for _, d := range []string{s.Dir, s.Sockets} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
		if err := s.chown(d); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	f.Close()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.Port = port
	return s, nil
}

func (s *Server) chown(path string) error {
	if s.acct == nil {
		return nil
	}
	if err := os.Chown(path, int(s.acct.uid), int(s.acct.gid)); err != nil {
		return fmt.Errorf("pgtest: give %s to %s: %w", path, s.acct.name, err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func serverArgs(s *Server, settings, extra map[string]string) []string {
	conf := map[string]string{
		"listen_addresses":        "127.0.0.1",
		"port":                    strconv.Itoa(s.Port),
		"unix_socket_directories": s.Sockets,
		"fsync":                   "on",
		"synchronous_commit":      "on",
		"full_page_writes":        "on",
		"wal_level":               "replica",
		"max_wal_senders":         "5",
		"hot_standby":             "on",
		"shared_buffers":          "32MB",
		"max_connections":         "60",
		"logging_collector":       "off",
	}
	for k, v := range settings {
		conf[k] = v
	}
	for k, v := range extra {
		conf[k] = v
	}
	keys := make([]string, 0, len(conf))
	for k := range conf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := []string{"-D", s.Dir}
	for _, k := range keys {
		args = append(args, "-c", k+"="+conf[k])
	}
	return args
}

// command prepares one of PostgreSQL's programs, run as the account.
func (s *Server) command(prog string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, prog), args...)
	cmd.Dir = filepath.Dir(s.Dir)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC", "PGTZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if s.acct != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: s.acct.uid, Gid: s.acct.gid, NoSetGroups: true}
		cmd.Env = append(cmd.Env, "HOME="+filepath.Dir(s.Dir), "USER="+s.acct.name)
	}
	return cmd
}

func (s *Server) run(prog string, args ...string) error {
	out, err := s.command(prog, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s %s: %w\n%s", prog, strings.Join(args, " "), err, out)
	}
	return nil
}

func (s *Server) initdb() error {
	return s.run("initdb", "-D", s.Dir, "-U", Superuser, "--auth=trust", "-E", "UTF8",
		"--locale=C", "--no-instructions")
}

// baseBackup copies primary into s's folder and configures s as its
// streaming standby named StandbyName.
func (s *Server) baseBackup(primary *Server) error {
	conn := fmt.Sprintf("host=127.0.0.1 port=%d user=%s application_name=%s", primary.Port, Superuser, StandbyName)
	if err := s.run("pg_basebackup", "-d", conn, "-D", s.Dir, "-R", "-X", "stream", "-c", "fast"); err != nil {
		return err
	}
	// -R writes standby.signal and primary_conninfo; name the standby
	// explicitly for synchronous_standby_names.
	f, err := os.OpenFile(filepath.Join(s.Dir, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: configure the standby: %w", err)
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "primary_conninfo = '%s'\n", conn)
	if err != nil {
		return fmt.Errorf("pgtest: configure the standby: %w", err)
	}
	return nil
}

// Start starts the server (again, after Stop or Kill) and waits until it
// accepts connections.
func (s *Server) Start() error { return s.startRetry(0) }

func (s *Server) startRetry(retries int) error {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return fmt.Errorf("pgtest: %s already running", s.Name)
	}
	logf, err := os.OpenFile(s.log, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("pgtest: %w", err)
	}
	var logStart int64
	if fi, err := logf.Stat(); err == nil {
		logStart = fi.Size()
	}
	cmd := s.command("postgres", s.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		s.mu.Unlock()
		return fmt.Errorf("pgtest: start %s: %w", s.Name, err)
	}
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	go func() {
		cmd.Wait()
		logf.Close()
		s.mu.Lock()
		if s.cmd == cmd {
			s.cmd = nil
		}
		s.mu.Unlock()
		close(exited)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		// Each try is short: a port taken by another listener accepts the
		// connection and never answers.
		try, cancelTry := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(try, s.DSN("postgres"))
		cancelTry()
		if err == nil {
			conn.Close(ctx)
			s.started = true
			return nil
		}
		select {
		case <-exited:
			if !s.started && s.logSince(logStart, "could not bind") && retries < 5 {
				// Another process took the free port meanwhile: take
				// another (only before the first start: a standby knows
				// its primary's port).
				port, err := freePort()
				if err != nil {
					return err
				}
				retries++
				s.Port = port
				s.args = serverArgs(s, s.settings, nil)
				return s.startRetry(retries)
			}
			if s.logSince(logStart, "pre-existing shared memory block") && ctx.Err() == nil && retries < 100 {
				// A killed server's last backend has not exited yet.
				retries++
				time.Sleep(100 * time.Millisecond)
				return s.startRetry(retries)
			}
			return fmt.Errorf("pgtest: %s exited at start: %w\n%s", s.Name, err, s.LogTail())
		case <-ctx.Done():
			return fmt.Errorf("pgtest: %s does not accept connections: %w\n%s", s.Name, err, s.LogTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// LogTail returns the end of the server's log, for error messages.
func (s *Server) LogTail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// logSince reports whether the log holds text after offset.
func (s *Server) logSince(offset int64, text string) bool {
	b, _ := os.ReadFile(s.log)
	return int64(len(b)) > offset && strings.Contains(string(b[offset:]), text)
}

// Running reports whether the server's process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// Stop shuts the server down cleanly (fast shutdown: sessions are ended,
// the last checkpoint written) and waits for it. Stopping a stopped
// server does nothing.
func (s *Server) Stop() error { return s.signal(syscall.SIGINT, 60*time.Second) }

// Kill kills the server and all its processes with SIGKILL, as a crash of
// its machine would, and waits for the postmaster to be gone.
func (s *Server) Kill() error { return s.signal(syscall.SIGKILL, 0) }

func (s *Server) signal(sig syscall.Signal, grace time.Duration) error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	pid := cmd.Process.Pid
	var children []int
	if sig == syscall.SIGKILL {
		// PostgreSQL's children each lead their own process group: kill
		// them one by one, with the postmaster, as a machine's crash would.
		children = childrenOf(pid)
		syscall.Kill(pid, syscall.SIGKILL)
		for _, c := range children {
			syscall.Kill(c, syscall.SIGKILL)
		}
	} else {
		cmd.Process.Signal(sig)
	}
	if grace > 0 {
		select {
		case <-exited:
		case <-time.After(grace):
			children = childrenOf(pid)
			syscall.Kill(pid, syscall.SIGKILL)
			for _, c := range children {
				syscall.Kill(c, syscall.SIGKILL)
			}
		}
	}
	<-exited
	// Wait until the children are gone, or the next start finds their
	// shared memory still attached (Start also retries on that).
	deadline := time.Now().Add(30 * time.Second)
	for _, c := range children {
		for alive(c) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// childrenOf lists the processes whose parent is pid (from /proc; none
// where there is no /proc).
func childrenOf(pid int) []int {
	dirs, _ := os.ReadDir("/proc")
	var out []int
	for _, d := range dirs {
		c, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if ppid, _ := procStat(c); ppid == pid {
			out = append(out, c)
		}
	}
	return out
}

// procStat returns the parent and state of process pid from /proc.
func procStat(pid int) (ppid int, state byte) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	// pid (comm) state ppid …: comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, 0
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[0][0]
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	_, state := procStat(pid)
	return state != 0 && state != 'Z' && state != 'X'
}

// Promote turns a standby into a primary and waits until it accepts
// writes. The new primary has no synchronous standby: commits are durable
// on it alone until a new standby joins.
func (s *Server) Promote(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: promote %s: %w", s.Name, err)
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_promote(true, 60)").Scan(&ok); err != nil {
		return fmt.Errorf("pgtest: promote %s: %w", s.Name, err)
	}
	if !ok {
		return fmt.Errorf("pgtest: promote %s: not promoted within 60 s\n%s", s.Name, s.LogTail())
	}
	return nil
}

// DSN returns the connection string of database db on this server (TCP
// on loopback, as the superuser).
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, s.Port, db)
}

// DSN returns a multi-host connection string of database db naming the
// primary then the standby, with target_session_attrs=read-write: a
// client reaches whichever accepts writes.
func (c *Cluster) DSN(db string) string {
	hosts := fmt.Sprintf("127.0.0.1:%d", c.Primary.Port)
	if c.Standby != nil {
		hosts += fmt.Sprintf(",127.0.0.1:%d", c.Standby.Port)
	}
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable&target_session_attrs=read-write", Superuser, hosts, db)
}

// WaitSync waits until the primary streams to the standby synchronously.
func (c *Cluster) WaitSync(ctx context.Context) error {
	if c.Standby == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.Primary.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: wait for the standby: %w", err)
	}
	defer conn.Close(ctx)
	for {
		var state string
		err := conn.QueryRow(ctx, "SELECT sync_state FROM pg_stat_replication WHERE application_name = $1", StandbyName).Scan(&state)
		if err == nil && state == "sync" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgtest: the standby is not synchronous (state %q, %v)\n%s", state, err, c.Standby.LogTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// CreateDB creates database name on the primary and returns its DSN (the
// cluster's multi-host one).
func (c *Cluster) CreateDB(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, c.Primary.DSN("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return c.DSN(name), nil
}
