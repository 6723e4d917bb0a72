package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/store"
)

// req is one request being served.
type req struct {
	w     *statusWriter
	r     *http.Request
	route string
	body  []byte
	who   *domain.Person // the signer of a signed request
	// actor is who the request is from, for the log: the signer, or the
	// author of a submission once its signature is verified.
	actor string
	now   time.Time
	code  api.Code // refusal code, for the log
}

// endpoint describes how a route is served.
type endpoint struct {
	name   string        // route label in metrics and logs
	signed bool          // a signed request is required
	roles  []domain.Role // roles allowed (any enrolled person if empty)
	limit  int64         // body limit (api.MaxBodySize if 0)
	fn     func(*req) error
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// serve turns an endpoint into an http.Handler: address rate limit, body
// limit, signature and role checks, identity rate limit, then the handler;
// it logs and measures every request.
func (s *Server) serve(e endpoint) http.Handler {
	if e.limit == 0 {
		e.limit = api.MaxBodySize
	}
	return http.HandlerFunc(func(hw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		q := &req{w: &statusWriter{ResponseWriter: hw}, r: r, route: e.name, now: s.now()}
		q.w.Header().Set("X-Content-Type-Options", "nosniff")
		q.w.Header().Set("Cache-Control", "no-store")
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("server: panic", "route", e.name, "panic", v, "stack", string(debug.Stack()))
				if q.w.status == 0 {
					s.fail(q, api.Errorf(api.CodeInternal, "erreur interne du serveur", "internal server error"))
				}
			}
			d := time.Since(start)
			s.metrics.observeRequest(e.name, q.w.status, d)
			who := q.actor
			if q.who != nil {
				who = q.who.ID
			}
			s.log.Info("request", "method", r.Method, "route", e.name, "status", q.w.status,
				"ms", float64(d.Microseconds())/1000, "bytes", q.w.bytes, "ip", clientIP(r), "who", who, "code", string(q.code))
		}()
		if err := s.handle(q, e); err != nil {
			s.fail(q, err)
		}
	})
}

func (s *Server) handle(q *req, e endpoint) error {
	if err := s.limit(q, s.ipLim, "ip:"+clientIP(q.r)); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(q.w, q.r.Body, e.limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return api.Errorf(api.CodeBodyTooLarge, "requête trop grande (limite %d octets)",
				"request body too large (limit %d bytes)", e.limit)
		}
		return api.Errorf(api.CodeBadRequest, "lecture de la requête impossible", "cannot read the request body")
	}
	q.body = body
	if e.signed {
		if err := s.authenticate(q); err != nil {
			return err
		}
		if len(e.roles) > 0 && !slices.Contains(e.roles, q.who.Role) {
			return api.Errorf(api.CodeForbidden, "action réservée (%s) : votre rôle est %s",
				"action restricted (%s): your role is %s", roleList(e.roles), q.who.Role)
		}
		if q.who.Role != domain.RoleAdmin {
			if err := s.limit(q, s.idLim, "id:"+q.who.ID); err != nil {
				return err
			}
		}
	}
	return e.fn(q)
}

func roleList(roles []domain.Role) string {
	var out []string
	for _, r := range roles {
		out = append(out, string(r))
	}
	return strings.Join(out, ", ")
}

// authenticate checks the Authorization header of a signed request: known
// enrolled signer, signature over method, path, time, nonce and body, time
// within api.MaxClockSkew of the server's clock, nonce never seen.
func (s *Server) authenticate(q *req) error {
	unauthorized := func(why string) error {
		s.log.Debug("server: unauthorized request", "why", why)
		return api.Errorf(api.CodeUnauthorized, "requête non authentifiée : %s", "request not authenticated: %s", why)
	}
	h := q.r.Header.Get("Authorization")
	if h == "" {
		return unauthorized("signature manquante / missing signature")
	}
	a, err := api.ParseRequestAuth(h)
	if err != nil {
		return unauthorized("en-tête Authorization invalide / malformed Authorization header")
	}
	var pub []byte
	var who *domain.Person
	err = s.store.View(func(tx *store.Tx) error {
		var err error
		if pub, err = tx.PublicKey(a.ID); err != nil {
			return err
		}
		who, err = tx.Person(a.ID)
		return err
	})
	if err != nil {
		if store.IsNotFound(err) {
			return unauthorized("identifiant inconnu ou non inscrit / unknown or unenrolled identifier")
		}
		return err
	}
	if err := a.Verify(pub, q.r.Method, q.r.RequestURI, q.body, q.now); err != nil {
		return unauthorized("signature ou horodatage invalide / bad signature or timestamp")
	}
	expires := time.Unix(a.Time, 0).Add(2 * api.MaxClockSkew)
	if !s.nonces.use(a.ID+"/"+a.Nonce, expires, q.now) {
		return unauthorized("requête rejouée (nonce déjà utilisé) / replayed request (nonce already used)")
	}
	if q.r.Method != http.MethodGet && q.r.Method != http.MethodHead {
		// Changes also remember their nonce on disk, so a restart does not
		// open a replay window.
		err := s.store.Update(func(tx *store.Tx) error { return tx.UseNonce(a.ID+"/"+a.Nonce, q.now, expires) })
		if errors.Is(err, store.ErrNonceUsed) {
			return unauthorized("requête rejouée (nonce déjà utilisé) / replayed request (nonce already used)")
		}
		if err != nil {
			return err
		}
	}
	q.who = who
	return nil
}

// limit takes one token of key's limiter, or refuses with 429 and the
// delay after which a token will be there.
func (s *Server) limit(q *req, l *limiters, key string) error {
	if wait := l.take(key); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		e := api.Errorf(api.CodeRateLimited, "trop de requêtes : réessayez dans %d s",
			"too many requests: retry in %d s", secs)
		e.RetryAfter = secs
		return e
	}
	return nil
}

// fail writes a refusal. Errors that are not *api.Error are logged and
// answered as internal errors (503 with a retry delay when the store is
// closing), without their text.
func (s *Server) fail(q *req, err error) {
	var e *api.Error
	if !errors.As(err, &e) {
		if errors.Is(err, store.ErrClosed) {
			e = api.Errorf(api.CodeInternal, "serveur en cours d'arrêt : réessayez", "server shutting down: retry")
			e.Status, e.RetryAfter = http.StatusServiceUnavailable, 5
		} else {
			s.log.Error("server: internal error", "route", q.route, "err", err)
			e = api.Errorf(api.CodeInternal, "erreur interne du serveur", "internal server error")
		}
	}
	status := e.Status
	if status == 0 {
		status = e.Code.HTTPStatus()
	}
	q.code = e.Code
	if e.RetryAfter > 0 {
		q.w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	s.metrics.refused(q.route, e.Code)
	writeJSON(q.w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":"internal","message":"erreur interne du serveur","message_en":"internal server error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// ok writes a 200 JSON answer.
func (q *req) ok(v any) error {
	writeJSON(q.w, http.StatusOK, v)
	return nil
}

// decode parses the JSON body strictly into v.
func (q *req) decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(q.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return api.Errorf(api.CodeBadRequest, "corps JSON invalide : %v", "invalid JSON body: %v", err)
	}
	if dec.More() {
		return api.Errorf(api.CodeBadRequest, "données en trop après le JSON", "trailing data after the JSON body")
	}
	return nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// checkID refuses an identifier that is empty, too long or holds control
// characters (identifiers are keys of the store).
func checkID(what, id string) error {
	switch {
	case id == "":
		return api.Errorf(api.CodeMalformed, "%s manquant", "missing %s", what)
	case len(id) > api.MaxIDLength:
		return api.Errorf(api.CodeTooLarge, "%s trop long (%d octets, maximum %d)",
			"%s too long (%d bytes, at most %d)", what, len(id), api.MaxIDLength)
	case !utf8.ValidString(id) || strings.ContainsFunc(id, unicode.IsControl):
		return api.Errorf(api.CodeMalformed, "%s %q contient des caractères interdits",
			"%s %q holds forbidden characters", what, id)
	}
	return nil
}

// limiters is a set of token buckets by key (client address or identity).
type limiters struct {
	mu    sync.Mutex
	rate  rate.Limit
	burst int
	m     map[string]*limiter
}

type limiter struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiters(r rate.Limit, burst int) *limiters {
	return &limiters{rate: r, burst: burst, m: map[string]*limiter{}}
}

// take consumes a token of key's bucket and returns 0, or returns how long
// to wait for one (consuming nothing).
func (l *limiters) take(key string) time.Duration {
	if l.rate == rate.Inf {
		return 0
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[key]
	if !ok {
		if len(l.m) > 100_000 {
			for k, v := range l.m {
				if now.Sub(v.seen) > 10*time.Minute {
					delete(l.m, k)
				}
			}
		}
		e = &limiter{lim: rate.NewLimiter(l.rate, l.burst)}
		l.m[key] = e
	}
	e.seen = now
	r := e.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// nonces remembers request nonces until they expire.
type nonces struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func newNonces() *nonces { return &nonces{m: map[string]time.Time{}} }

// use records nonce until expires and reports whether it was new.
func (n *nonces) use(nonce string, expires, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if exp, ok := n.m[nonce]; ok && exp.After(now) {
		return false
	}
	if len(n.m) > 10_000 {
		for k, exp := range n.m {
			if !exp.After(now) {
				delete(n.m, k)
			}
		}
	}
	n.m[nonce] = expires
	return true
}

// notFound and friends build the usual refusals.
func notFound(format, formatEN string, args ...any) error {
	return api.Errorf(api.CodeNotFound, format, formatEN, args...)
}

func forbidden(format, formatEN string, args ...any) error {
	return api.Errorf(api.CodeForbidden, format, formatEN, args...)
}

func badRequest(format, formatEN string, args ...any) error {
	return api.Errorf(api.CodeBadRequest, format, formatEN, args...)
}

func unknownRound(id string) error {
	return api.Errorf(api.CodeUnknownRound, "tour %q inconnu", "unknown round %q", id)
}

// round loads a round or refuses with unknown_round.
func (s *Server) round(id string) (*store.RoundRecord, error) {
	var rec *store.RoundRecord
	err := s.store.View(func(tx *store.Tx) error {
		var err error
		rec, err = tx.Round(id)
		return err
	})
	if store.IsNotFound(err) {
		return nil, unknownRound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("server: round %s: %w", id, err)
	}
	return rec, nil
}
