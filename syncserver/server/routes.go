package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/catalogue"
	"appariement/syncserver/rounds"
)

var (
	anyone = []domain.Role(nil)
	admins = []domain.Role{domain.RoleAdmin}
)

// routes registers every route. The paths are those of shared/client.
func (s *Server) routes() {
	r := mux.NewRouter()
	r.NotFoundHandler = s.serve(endpoint{name: "not_found", fn: func(*req) error {
		return notFound("adresse inconnue", "no such route")
	}})
	r.MethodNotAllowedHandler = s.serve(endpoint{name: "method_not_allowed", fn: func(q *req) error {
		e := badRequest("méthode %s non permise ici", "method %s not allowed here", q.r.Method)
		e.(*api.Error).Status = http.StatusMethodNotAllowed
		return e
	}})
	add := func(method, path string, e endpoint) {
		if e.name == "" {
			e.name = method + " " + path
		}
		r.Handle(path, s.serve(e)).Methods(method)
	}

	add("GET", "/healthz", endpoint{fn: s.healthz})
	add("GET", "/readyz", endpoint{fn: s.readyz})

	add("GET", "/v1/server-key", endpoint{fn: func(q *req) error { return q.ok(apiServerKey(s.store.ServerKey())) }})
	add("GET", "/v1/server-key/rotations", endpoint{fn: s.keyRotations})
	add("POST", "/v1/enroll", endpoint{fn: s.enroll})
	add("GET", "/v1/me", endpoint{signed: true, fn: func(q *req) error { return q.ok(q.who) }})
	add("GET", "/v1/me/preferences", endpoint{signed: true, fn: s.preferences})
	add("PUT", "/v1/me/preferences", endpoint{signed: true, fn: s.preferences})
	add("GET", "/v1/rounds", endpoint{fn: s.listRounds})
	add("GET", "/v1/rounds/{round}/postes", endpoint{fn: s.catalogue})
	add("GET", "/v1/rounds/{round}/postes/full", endpoint{signed: true, fn: s.catalogue})
	add("POST", "/v1/submissions", endpoint{limit: api.MaxSubmissionSize, fn: s.submit})
	add("GET", "/v1/me/submissions", endpoint{signed: true, fn: s.mySubmissions})
	add("PUT", "/v1/files", endpoint{signed: true, limit: api.MaxFileSize, fn: s.putFile})
	add("GET", "/v1/files/{sha256}", endpoint{signed: true, fn: s.getFile})
	add("GET", "/v1/rounds/{round}/candidates", endpoint{signed: true,
		roles: []domain.Role{domain.RoleRTS, domain.RoleAdmin}, fn: s.candidates})
	add("GET", "/v1/rounds/{round}/result", endpoint{signed: true, fn: s.personalResult})
	add("GET", "/v1/rounds/{round}/result/full", endpoint{signed: true, fn: s.fullResult})
	add("GET", "/v1/rounds/{round}/audit-bundle", endpoint{signed: true,
		roles: []domain.Role{domain.RoleAuditor, domain.RoleAdmin}, fn: s.auditBundle})
	add("GET", "/v1/rounds/{round}/call-list", endpoint{signed: true, fn: s.getCallList})
	add("GET", "/v1/rounds/{round}/call-list/versions", endpoint{signed: true, fn: s.callListVersions})
	add("GET", "/v1/rounds/{round}/call-list/versions/{version}", endpoint{signed: true, fn: s.getCallList})
	add("GET", "/v1/rounds/{round}/call-list/notices", endpoint{signed: true, fn: s.callListNotices})
	add("GET", "/v1/rounds/{round}/simulation/me", endpoint{signed: true, fn: s.simulationMe})
	add("GET", "/v1/rounds/{round}/simulation/amphi", endpoint{signed: true, fn: s.simulationAmphi})
	add("GET", "/v1/rounds/{round}/live", endpoint{signed: true, fn: s.live})
	add("GET", "/v1/rounds/{round}/binomes", endpoint{signed: true,
		roles: []domain.Role{domain.RoleIntern, domain.RoleAdmin}, fn: s.binomeLinks})
	add("POST", "/v1/corrections", endpoint{signed: true, roles: staff, fn: s.fileCorrection})
	add("GET", "/v1/corrections", endpoint{signed: true, roles: staff, fn: s.listCorrections})
	add("GET", "/v1/scope/people", endpoint{signed: true,
		roles: []domain.Role{domain.RoleCoordinator, domain.RoleAdmin}, fn: s.scopePeople})
	add("GET", "/v1/log/checkpoint", endpoint{fn: s.checkpoint})
	add("GET", "/v1/log/inclusion", endpoint{fn: s.inclusion})
	add("GET", "/v1/log/consistency", endpoint{fn: s.consistency})
	add("GET", "/v1/log/cosignatures", endpoint{fn: s.cosignatures})
	add("POST", "/v1/log/cosignatures", endpoint{fn: s.postCosignature})

	a := func(method, path string, fn func(*req) error) {
		add(method, "/v1/admin"+path, endpoint{signed: true, roles: admins, fn: fn})
	}
	add("POST", "/v1/admin/people", endpoint{signed: true, roles: admins, limit: api.MaxFileSize, fn: s.importPeople})
	a("GET", "/people", s.listPeople)
	a("POST", "/codes", s.issueCodes)
	a("POST", "/people/{person}/reset-key", s.resetKey)
	a("POST", "/rounds", s.createRound)
	a("GET", "/rounds/{round}", s.roundDetail)
	a("GET", "/rounds/{round}/participation", s.participation)
	add("POST", "/v1/admin/rounds/{round}/postes", endpoint{signed: true, roles: admins, limit: api.MaxFileSize, fn: s.importPostes})
	a("PUT", "/rounds/{round}/schedule", s.schedule)
	a("POST", "/rounds/{round}/transition", s.transition)
	a("POST", "/rounds/{round}/run", s.run)
	a("POST", "/rounds/{round}/reminders", s.sendReminders)
	a("POST", "/rounds/{round}/publish", s.publish)
	a("POST", "/rounds/{round}/live", s.startLive)
	a("POST", "/rounds/{round}/next", s.nextRound)
	a("POST", "/rounds/{round}/assignments", s.assign)
	a("GET", "/rounds/{round}/export", s.export)
	add("POST", "/v1/admin/rounds/{round}/call-list/import", endpoint{signed: true, roles: admins, limit: api.MaxFileSize, fn: s.importCallList})
	a("POST", "/rounds/{round}/call-list/compute", s.computeCallList)
	a("GET", "/rounds/{round}/call-list/draft", s.callListDraft)
	a("POST", "/rounds/{round}/call-list/publish", s.publishCallList)
	a("POST", "/rounds/{round}/simulation/refresh", s.refreshSimulation)
	a("POST", "/corrections/{id}/decision", s.decideCorrection)
	a("GET", "/audit", s.auditLog)
	a("GET", "/mail", s.adminMail)
	a("GET", "/backup", s.backup)
	a("GET", "/log/entries", s.logEntries)
	a("POST", "/witnesses", s.addWitness)
	a("PUT", "/rounds/{round}/witnesses", s.setMinCosignatures)
	s.router = r
}

func (s *Server) listRounds(q *req) error {
	list, err := rounds.List(s.store)
	if err != nil {
		return err
	}
	// The list changes rarely and the apps poll it: its ETag is the digest
	// of the rounds (not of the server time), If-None-Match → 304.
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	if q.notModified(contentETag("rounds", b)) {
		return nil
	}
	return q.ok(api.RoundsResponse{ServerTime: q.now.UTC(), Rounds: list})
}

// contentETag is a strong ETag for content b of kind.
func contentETag(kind string, b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf(`"%s-%s"`, kind, hex.EncodeToString(sum[:12]))
}

// notModified sets etag on the answer and, when the request's
// If-None-Match names it, answers 304 Not Modified and reports true.
func (q *req) notModified(etag string) bool {
	q.w.Header().Set("ETag", etag)
	q.w.Header().Set("Cache-Control", "no-cache")
	for _, m := range strings.Split(q.r.Header.Get("If-None-Match"), ",") {
		if m = strings.TrimSpace(m); m == etag || m == "*" {
			q.w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// catalogue answers the postes of a round changed since ?since=N, with the
// catalogue version as ETag: If-None-Match with the current version → 304.
func (s *Server) catalogue(q *req) error {
	id := mux.Vars(q.r)["round"]
	var since uint64
	if v := q.r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return badRequest("paramètre since invalide", "invalid since parameter")
		}
		since = n
	}
	rec, err := s.round(id)
	if err != nil {
		return err
	}
	// The RTS e-mail addresses go to signed-in users only (the /full
	// route): the catalogue open to anyone must not be a directory of them.
	contacts := q.who != nil
	etag := fmt.Sprintf(`"%s-%d"`, rec.ID, rec.CatalogueVersion)
	if contacts {
		etag = fmt.Sprintf(`"%s-%d-full"`, rec.ID, rec.CatalogueVersion)
	}
	q.w.Header().Set("ETag", etag)
	q.w.Header().Set("Cache-Control", "no-cache")
	if match := q.r.Header.Get("If-None-Match"); match == etag || match == "*" {
		q.w.WriteHeader(http.StatusNotModified)
		return nil
	}
	out := api.CatalogueResponse{Round: id, Since: since, Version: rec.CatalogueVersion, Postes: []domain.Poste{}, Contacts: contacts}
	if since < rec.CatalogueVersion {
		if out.Postes, err = catalogue.Since(s.store, id, since, contacts); err != nil {
			return err
		}
	}
	return q.ok(out)
}

func (s *Server) mySubmissions(q *req) error {
	round := q.r.URL.Query().Get("round")
	if err := checkID("tour / round", round); err != nil {
		return err
	}
	out, err := s.transparency.Own(round, q.who.ID)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// keyRotations serves the rotations of the server's key, oldest first,
// each with its statement signed by both keys: a client pinned on an old
// key follows them to the current one (translog.FollowRotations).
func (s *Server) keyRotations(q *req) error {
	rots, err := s.store.KeyRotations()
	if err != nil {
		return err
	}
	out := make([]api.KeyRotation, 0, len(rots))
	for _, r := range rots {
		out = append(out, api.KeyRotation{Time: r.Time, Old: r.Old, New: r.New, Statement: string(r.Statement)})
	}
	return q.ok(out)
}

func (s *Server) checkpoint(q *req) error {
	text, err := s.transparency.Checkpoint()
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	q.w.WriteHeader(http.StatusOK)
	q.w.Write([]byte(text))
	return nil
}

func queryInt(q *req, name string) (int64, error) {
	n, err := strconv.ParseInt(q.r.URL.Query().Get(name), 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("paramètre %s invalide", "invalid %s parameter", name)
	}
	return n, nil
}

func (s *Server) inclusion(q *req) error {
	index, err := queryInt(q, "index")
	if err != nil {
		return err
	}
	size, err := queryInt(q, "size")
	if err != nil {
		return err
	}
	p, err := s.transparency.Inclusion(index, size)
	if err != nil {
		return err
	}
	return q.ok(api.ProofResponse{Proof: p})
}

func (s *Server) consistency(q *req) error {
	older, err := queryInt(q, "old")
	if err != nil {
		return err
	}
	newer, err := queryInt(q, "new")
	if err != nil {
		return err
	}
	p, err := s.transparency.Consistency(older, newer)
	if err != nil {
		return err
	}
	return q.ok(api.ProofResponse{Proof: p})
}
