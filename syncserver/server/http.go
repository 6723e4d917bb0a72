package server

import (
	"bytes"
	"container/list"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/rounds"
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
	ip    string   // the client's address (see Server.clientIP)
}

// endpoint describes how a route is served.
type endpoint struct {
	name   string        // route label in metrics and logs
	signed bool          // a signed request is required
	roles  []domain.Role // roles allowed (any enrolled person if empty)
	// limit bounds the body: api.MaxBodySize if 0 for a signed route, read
	// only once its headers are authenticated; api.MaxAnonymousBody if 0 for
	// a route open to anyone.
	limit int64
	fn    func(*req) error
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
		e.limit = api.MaxAnonymousBody
		if e.signed {
			e.limit = api.MaxBodySize
		}
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
				"ms", float64(d.Microseconds())/1000, "bytes", q.w.bytes, "ip", q.ip, "who", who, "code", string(q.code))
		}()
		if err := s.handle(q, e); err != nil {
			s.fail(q, err)
		}
	})
}

// handle runs the checks of an endpoint in the order that keeps an
// unauthenticated caller cheap: address limit; for a signed route, the
// signature over the headers (identity, server, timestamp, nonce, declared
// body digest), the role and the identity's limit before a byte of the body
// is read; then the body, bounded, checked against the signed digest; the
// nonce on disk for a change; then the handler.
func (s *Server) handle(q *req, e endpoint) error {
	q.ip = s.clientIP(q.r)
	if err := s.limit(q, s.ipLim, "ip:"+q.ip); err != nil {
		return err
	}
	if !e.signed {
		body, err := readBody(q, e.limit)
		if err != nil {
			return err
		}
		q.body = body
		return e.fn(q)
	}
	a, err := s.authenticate(q)
	if err != nil {
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
	body, err := readBody(q, e.limit)
	if err != nil {
		return err
	}
	if err := a.CheckBody(body); err != nil {
		return unauthorized("le contenu ne correspond pas à l'empreinte signée / the body does not match the signed digest")
	}
	q.body = body
	if q.r.Method != http.MethodGet && q.r.Method != http.MethodHead {
		// Changes also remember their nonce on disk, so a restart does not
		// open a replay window.
		expires := q.now.Add(nonceTTL)
		err := s.accounts.UseNonce(a.ID+"/"+a.Nonce, q.now, expires)
		if errors.Is(err, store.ErrNonceUsed) {
			return unauthorized("requête rejouée (nonce déjà utilisé) / replayed request (nonce already used)")
		}
		if err != nil {
			return err
		}
	}
	return e.fn(q)
}

// readBody reads the request body, refusing one longer than limit.
func readBody(q *req, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(q.w, q.r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, api.Errorf(api.CodeBodyTooLarge, "requête trop grande (limite %d octets)",
				"request body too large (limit %d bytes)", limit)
		}
		return nil, api.Errorf(api.CodeBadRequest, "lecture de la requête impossible", "cannot read the request body")
	}
	return body, nil
}

func roleList(roles []domain.Role) string {
	var out []string
	for _, r := range roles {
		out = append(out, string(r))
	}
	return strings.Join(out, ", ")
}

// nonceTTL is how long a request nonce is remembered: a timestamp accepted
// at t lies within api.MaxClockSkew of t, so the same request can verify
// until t + 2 × MaxClockSkew at the latest.
const nonceTTL = 2 * api.MaxClockSkew

func unauthorized(why string) error {
	return api.Errorf(api.CodeUnauthorized, "requête non authentifiée : %s", "request not authenticated: %s", why)
}

// authenticate checks the headers of a signed request, without its body:
// a known enrolled signer, a version 2 signature bound to this server over
// method, path, identifier, time, nonce and the declared body digest, a
// time within api.MaxClockSkew of the server's clock and a nonce never
// seen. It sets q.who; the caller checks the body against the digest.
func (s *Server) authenticate(q *req) (*api.RequestAuth, error) {
	h := q.r.Header.Get("Authorization")
	if h == "" {
		return nil, unauthorized("signature manquante / missing signature")
	}
	a, err := api.ParseRequestAuth(h, q.r.Header.Get("Content-Digest"))
	if errors.Is(err, api.ErrOldRequestScheme) {
		return nil, unauthorized("ancienne version de la signature des requêtes : mettez l'application à jour / " +
			"old request signature version: update the application")
	}
	if err != nil {
		s.log.Debug("server: unauthorized request", "why", err)
		return nil, unauthorized("en-têtes Authorization ou Content-Digest invalides / malformed Authorization or Content-Digest header")
	}
	pub, who, err := s.accounts.Signer(a.ID)
	if err != nil {
		if store.IsNotFound(err) {
			return nil, unauthorized("identifiant inconnu ou non inscrit / unknown or unenrolled identifier")
		}
		return nil, err
	}
	if err := a.Verify(pub, s.keyID, q.r.Method, q.r.RequestURI, q.now); err != nil {
		s.log.Debug("server: unauthorized request", "why", err)
		return nil, unauthorized("signature ou horodatage invalide (ou requête destinée à un autre serveur) / " +
			"bad signature or timestamp (or a request meant for another server)")
	}
	if !s.nonces.use(a.ID+"/"+a.Nonce, q.now) {
		return nil, unauthorized("requête rejouée (nonce déjà utilisé) / replayed request (nonce already used)")
	}
	q.who = who
	return a, nil
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
// closing or its disk refuses writes), without their text.
func (s *Server) fail(q *req, err error) {
	e := storeRefusal(err)
	if e == nil && !errors.As(err, &e) {
		if store.IsStorageUnavailable(err) {
			e = s.storageRefusal(q, err)
		} else if errors.Is(err, store.ErrClosed) {
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

// clientIP returns the address a request comes from: its peer's, or, when
// the peer is a trusted proxy (Config.TrustedProxies), the right-most
// address of X-Forwarded-For that is not itself a trusted proxy. Without
// trusted proxies the header is never read: anyone can write it.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.cfg.TrustedProxies) == 0 {
		return host
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trustedProxy(peer) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break // not written by a proxy of ours: stop at the last good hop
		}
		client = a.Unmap()
		if !s.trustedProxy(client) {
			break
		}
	}
	return client.String()
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// checkID refuses an identifier that is empty, too long or holds control
// characters (identifiers are keys of the store).
func checkID(what, id string) error { return api.CheckID(what, id) }

// limiters is a set of token buckets by key (client address or identity).
// The map is bounded: buckets are kept in least-recently-used order, those
// idle for longer than limiterIdle are dropped as keys come and go, and
// the least recently used is dropped when maxLimiters are in use, so that
// made-up keys cannot grow it. Every operation is O(1).
type limiters struct {
	mu    sync.Mutex
	rate  rate.Limit
	burst int
	max   int
	m     map[string]*list.Element // of *limiter
	lru   list.List                // front: most recently used
}

type limiter struct {
	key  string
	lim  *rate.Limiter
	seen time.Time
}

const (
	maxLimiters = 100_000
	limiterIdle = 10 * time.Minute
)

func newLimiters(r rate.Limit, burst int) *limiters {
	return &limiters{rate: r, burst: burst, max: maxLimiters, m: map[string]*list.Element{}}
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
	var e *limiter
	if el, ok := l.m[key]; ok {
		e = el.Value.(*limiter)
		l.lru.MoveToFront(el)
	} else {
		// Drop a few idle buckets at every new key, and the oldest if full.
		for i := 0; i < 2; i++ {
			if back := l.lru.Back(); back != nil && now.Sub(back.Value.(*limiter).seen) > limiterIdle {
				l.remove(back)
			}
		}
		if l.lru.Len() >= l.max {
			l.remove(l.lru.Back())
		}
		e = &limiter{key: key, lim: rate.NewLimiter(l.rate, l.burst)}
		l.m[key] = l.lru.PushFront(e)
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

func (l *limiters) remove(el *list.Element) {
	delete(l.m, el.Value.(*limiter).key)
	l.lru.Remove(el)
}

// size returns the number of buckets kept.
func (l *limiters) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// nonces remembers request nonces for nonceTTL after their first use. They
// are queued in the order they were seen, which is the order they expire
// in, so that expiring them is O(1) per nonce, whatever their number.
type nonces struct {
	mu    sync.Mutex
	m     map[string]struct{}
	queue []nonceEntry // queue[head:] waiting to expire, oldest first
	head  int
	last  time.Time // latest expiry queued: expiries never go backwards
}

type nonceEntry struct {
	nonce   string
	expires time.Time
}

func newNonces() *nonces { return &nonces{m: map[string]struct{}{}} }

// use records nonce until now + nonceTTL and reports whether it was new.
func (n *nonces) use(nonce string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.expire(now)
	if _, ok := n.m[nonce]; ok {
		return false
	}
	exp := now.Add(nonceTTL)
	if exp.Before(n.last) { // the clock went back: keep the queue in order
		exp = n.last
	}
	n.last = exp
	n.m[nonce] = struct{}{}
	n.queue = append(n.queue, nonceEntry{nonce, exp})
	return true
}

// expire forgets the nonces expired at now.
func (n *nonces) expire(now time.Time) {
	for n.head < len(n.queue) && !n.queue[n.head].expires.After(now) {
		delete(n.m, n.queue[n.head].nonce)
		n.queue[n.head] = nonceEntry{}
		n.head++
	}
	// Reclaim the queue's dead front once it is half of it (amortised O(1)).
	if n.head > 1024 && n.head*2 > len(n.queue) {
		n.queue = append([]nonceEntry(nil), n.queue[n.head:]...)
		n.head = 0
	}
}

// size returns the number of nonces remembered.
func (n *nonces) size() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.m)
}

// notFound and friends build the usual refusals.
func notFound(format, formatEN string, args ...any) error {
	return api.Errorf(api.CodeNotFound, format, formatEN, args...)
}

func badRequest(format, formatEN string, args ...any) error {
	return api.Errorf(api.CodeBadRequest, format, formatEN, args...)
}

func unknownRound(id string) error { return rounds.UnknownRound(id) }

// round loads a round or refuses with unknown_round.
func (s *Server) round(id string) (*store.RoundRecord, error) { return rounds.Get(s.store, id) }
