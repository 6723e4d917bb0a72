// Package servecmd implements the "serve" subcommand of the sync server: it
// opens the store, serves the /v1 API on an address and shuts down
// gracefully when its context is cancelled (SIGINT or SIGTERM, see cmdrun).
//
//	syncserver serve -db store.db -addr 127.0.0.1:8080 [-name appariement.example]
//	                 [-store 'postgres://h1,h2/db?target_session_attrs=read-write' -signing-key server.key]
//	                 [-tls-cert cert.pem -tls-key key.pem] [-mail dir:D|smtp://…|smtps://…]
//	                 [-public-url https://appariement.example] [-log-format text|json]
//	                 [-metrics-addr 127.0.0.1:9090]
//
// The Prometheus metrics are served on -metrics-addr, a listener of their
// own (loopback by default, "" for none), never on the API's address.
//
// With -store postgres://…, the store is a PostgreSQL database that any
// number of serve nodes share (syncserver/store/pgstore): each is given
// the same -signing-key file.
package servecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"golang.org/x/time/rate"

	"appariement/syncserver/cmdrun"
	"appariement/syncserver/server"
	_ "appariement/syncserver/store/pgstore" // the postgres:// backend of -store
)

const help = `Ouvre la base (créée si absente), sert l'API /v1 et s'arrête proprement sur
SIGINT ou SIGTERM. L'empreinte de la clé du serveur est affichée au démarrage :
les utilisateurs la comparent à celle que montre l'application.
(Opens the store, serves the API, stops gracefully on SIGINT/SIGTERM.)`

// Command is "syncserver serve", writing to stdio. It serves until its
// context is cancelled (SIGINT or SIGTERM, see cmdrun), then shuts down
// gracefully and returns nil.
func Command(stdio cmdrun.IO) cmdrun.Command {
	var db, location, signingKey, addr, name, cert, key, mailTo, outbox, publicURL, mailFrom, logFormat, logLevel, metricsAddr string
	var ipRate, idRate, enrollRate float64
	var ipBurst, idBurst, enrollBurst int
	var proxies []netip.Prefix
	var logger *slog.Logger
	return cmdrun.Command{
		Name: "serve",
		Summary: "sert l'API / serves the API\n" +
			"(-db store.db -addr 127.0.0.1:8080 [-mail dir:D|smtp://u:p@host:587|smtps://…] [-tls-cert f -tls-key f])",
		Usage:    "-db store.db -addr 127.0.0.1:8080 [options]",
		Help:     help,
		Graceful: true,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&db, "db", "store.db", "fichier de la base bbolt (store file)")
			fs.StringVar(&location, "store", "", "base PostgreSQL partagée par plusieurs nœuds, à la place de -db : "+
				"postgres://hôte1,hôte2/base?target_session_attrs=read-write, avec -signing-key "+
				"(PostgreSQL database shared by several nodes, instead of -db)")
			fs.StringVar(&signingKey, "signing-key", "", "fichier de la clé de signature du serveur, hors de la base (défaut : <db>.key, créé avec la base ; server signing key file)")
			fs.StringVar(&addr, "addr", "127.0.0.1:8080", "adresse d'écoute (listen address)")
			fs.StringVar(&name, "name", "", "nom de la clé du serveur dans les checkpoints, fixé à la création (server key name)")
			fs.StringVar(&cert, "tls-cert", "", "certificat TLS PEM (with -tls-key: HTTPS)")
			fs.StringVar(&key, "tls-key", "", "clé TLS PEM")
			fs.StringVar(&mailTo, "mail", "", "envoi des e-mails, depuis la file durable de la base : dir:DOSSIER (démo : un fichier .eml par e-mail), "+
				"smtp://utilisateur:mot-de-passe@hôte:587?starttls=1 ou smtps://utilisateur:mot-de-passe@hôte:465 (mail transport)")
			fs.StringVar(&outbox, "outbox", "", "ancienne forme de -mail dir:DOSSIER (activation e-mail outbox)")
			fs.StringVar(&publicURL, "public-url", "", "adresse publique citée dans les e-mails (public URL)")
			fs.StringVar(&mailFrom, "mail-from", "Appariement <ne-pas-repondre@appariement.invalid>", "expéditeur des e-mails (From)")
			fs.StringVar(&logFormat, "log-format", "text", "format des journaux : text ou json")
			fs.StringVar(&logLevel, "log-level", "info", "niveau des journaux : debug, info, warn, error")
			fs.Float64Var(&ipRate, "ip-rate", 0, "requêtes par seconde et par adresse cliente (0 : défaut du serveur, 50)")
			fs.IntVar(&ipBurst, "ip-burst", 0, "rafale par adresse cliente (0 : défaut, 200)")
			fs.Float64Var(&idRate, "identity-rate", 0, "requêtes par seconde et par identité signée (0 : défaut, 5)")
			fs.IntVar(&idBurst, "identity-burst", 0, "rafale par identité (0 : défaut, 30)")
			fs.StringVar(&metricsAddr, "metrics-addr", "127.0.0.1:9090",
				"adresse des métriques Prometheus (GET /metrics), sans authentification : boucle locale ou réseau de supervision ; vide : aucune (metrics listen address)")
			fs.Float64Var(&enrollRate, "enroll-rate", 0, "essais d'inscription par seconde et par adresse cliente (0 : défaut, 0.5)")
			fs.IntVar(&enrollBurst, "enroll-burst", 0, "rafale d'essais d'inscription par adresse cliente (0 : défaut, 30)")
			fs.Func("trusted-proxy", "réseau (CIDR) ou adresse d'un proxy inverse de confiance, dont X-Forwarded-For donne l'adresse du client ; "+
				"répétable ou séparé par des virgules (trusted reverse proxy; X-Forwarded-For is read only from these)", func(v string) error {
				ps, err := ParseTrustedProxies(v)
				proxies = append(proxies, ps...)
				return err
			})
		},
		Check: func([]string) (err error) {
			if (cert == "") != (key == "") {
				return cmdrun.Usagef("-tls-cert et -tls-key vont ensemble (both or neither)")
			}
			if location != "" {
				if !server.IsLocation(location) {
					return cmdrun.Usagef("-store attend une adresse postgres://… (a postgres:// location), pas %q", location)
				}
				if signingKey == "" {
					return cmdrun.Usagef("-store demande -signing-key : le même fichier de clé sur chaque nœud (-store needs -signing-key, the same key file on every node)")
				}
				db = location
			}
			if logger, err = NewLogger(stdio.Stderr, logFormat, logLevel); err != nil {
				return cmdrun.Usagef("%v", err)
			}
			return nil
		},
		Run: func(ctx context.Context, _ []string) error {
			cfg := server.Config{DBPath: db, KeyFile: signingKey, Name: name, TLSCert: cert, TLSKey: key, Mail: mailTo, OutboxDir: outbox,
				PublicURL: publicURL, MailFrom: mailFrom, Logger: logger,
				IPRate: rate.Limit(ipRate), IPBurst: ipBurst, IdentityRate: rate.Limit(idRate), IdentityBurst: idBurst,
				TrustedProxies: proxies, EnrollRate: rate.Limit(enrollRate), EnrollBurst: enrollBurst}
			if metricsAddr != "" && !server.IsLoopback(metricsAddr) {
				logger.Warn("serve: metrics on a non-loopback address: they have no authentication, keep them on a monitoring network",
					"metrics_addr", metricsAddr)
			}
			onMetrics := func(a net.Addr) { fmt.Fprintf(stdio.Stdout, "Métriques (metrics) : http://%s/metrics\n", a) }
			err := serveWithMetrics(ctx, cfg, addr, metricsAddr, onMetrics, func(srv *server.Server, a net.Addr) {
				k := srv.Store().ServerKey()
				fmt.Fprintf(stdio.Stdout, "Serveur Appariement à l'écoute sur %s (base %s)\n", URL(cfg, a), srv.Store().Backend())
				fmt.Fprintf(stdio.Stdout, "Empreinte de la clé du serveur (server key fingerprint) : %s\n", k.Fingerprint)
				fmt.Fprintf(stdio.Stdout, "Nom de la clé : %s\n", k.Name)
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(stdio.Stdout, "Serveur arrêté proprement (server stopped).")
			return nil
		},
	}
}

// Run runs the serve subcommand with the arguments that follow "serve",
// through cmdrun, without an end (the syncserver binary runs Command with
// a context that SIGINT and SIGTERM cancel). It returns 1 on failure, 2 on
// bad usage.
func Run(args []string, stdout, stderr io.Writer) int {
	ctx := context.Background()
	stdio := cmdrun.IO{Stdout: stdout, Stderr: stderr}
	return cmdrun.RunCommand(ctx, "syncserver", Command(stdio), stdio, args)
}

// ParseTrustedProxies parses a comma-separated list of CIDR prefixes or
// single addresses (a single address is its own /32 or /128).
func ParseTrustedProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("proxy de confiance %q : ni adresse ni réseau CIDR (trusted proxy: not an address or CIDR)", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// NewLogger builds the slog logger of the server: format "text" or
// "json", level "debug", "info", "warn" or "error".
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("niveau de journal %q inconnu (unknown log level): %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("format de journal %q inconnu : text ou json (unknown log format)", format)
}

// URL returns the base URL clients use to reach a server configured with
// cfg and listening on a. A server listening on every interface (":8080")
// is reached on loopback here.
func URL(cfg server.Config, a net.Addr) string {
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	host := a.String()
	if ta, ok := a.(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
	}
	return scheme + "://" + host
}

// Serve opens the server described by cfg, listens on addr, calls ready
// (if not nil) once it listens, and serves until ctx is done; it then
// closes the server (requests in flight may finish) and returns nil. Any
// failure to open, listen or serve is returned.
func Serve(ctx context.Context, cfg server.Config, addr string, ready func(*server.Server, net.Addr)) error {
	srv, err := server.Open(cfg)
	if err != nil {
		return fmt.Errorf("ouverture du serveur (open %s): %w", cfg.DBPath, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		return fmt.Errorf("écoute sur %s (listen): %w", addr, err)
	}
	return ServeOn(ctx, srv, ln, ready)
}

// serveWithMetrics is Serve with the Prometheus metrics on a listener of
// their own at metricsAddr (none if empty); onMetrics is told its address.
func serveWithMetrics(ctx context.Context, cfg server.Config, addr, metricsAddr string,
	onMetrics func(net.Addr), ready func(*server.Server, net.Addr)) error {
	if metricsAddr == "" {
		return Serve(ctx, cfg, addr, ready)
	}
	srv, err := server.Open(cfg)
	if err != nil {
		return fmt.Errorf("ouverture du serveur (open %s): %w", cfg.DBPath, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		return fmt.Errorf("écoute sur %s (listen): %w", addr, err)
	}
	mln, err := net.Listen("tcp", metricsAddr)
	if err != nil {
		ln.Close()
		srv.Close()
		return fmt.Errorf("écoute des métriques sur %s (metrics listen): %w", metricsAddr, err)
	}
	onMetrics(mln.Addr())
	go func() {
		if err := srv.ServeMetrics(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Logger.Error("serve: metrics stopped", "err", err)
		}
	}()
	return ServeOn(ctx, srv, ln, ready)
}

// ServeOn serves srv on ln until ctx is done, like Serve, for callers that
// opened the server themselves. It closes srv before returning.
func ServeOn(ctx context.Context, srv *server.Server, ln net.Listener, ready func(*server.Server, net.Addr)) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if ready != nil {
		ready(srv, ln.Addr())
	}
	select {
	case err := <-done:
		srv.Close()
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("service interrompu (serve): %w", err)
	case <-ctx.Done():
	}
	cerr := srv.Close()
	serr := <-done
	if serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("service interrompu (serve): %w", serr)
	}
	if cerr != nil {
		return fmt.Errorf("fermeture du serveur (close): %w", cerr)
	}
	return nil
}
