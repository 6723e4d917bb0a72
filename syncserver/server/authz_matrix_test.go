package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
	"appariement/syncserver/store"
)

// caller is one column of the authorization matrix.
type caller string

const (
	anon  caller = "anonymous"
	intrn caller = "intern"
	rts   caller = "rts"
	coord caller = "coordinator"
	admin caller = "admin"
	audtr caller = "auditor"
)

var callers = []caller{anon, intrn, rts, coord, admin, audtr}

// authzRoute is one row: a route as the router declares it, its concrete
// path, and what the authorization layer must answer each caller.
type authzRoute struct {
	method, tmpl string
	signed       bool     // anonymous callers get 401
	only         []caller // if set, the other signed callers get 403
	// forbidden lists callers refused with 403 by the handler itself
	// (a rights check past the router's role list).
	forbidden []caller
	unserved  bool // must be answered 404 (see unserved)
}

// authzRoutes is the matrix. Every route the router serves must be listed:
// TestAuthzMatrix fails on a route missing here, so a new route cannot
// escape it.
var authzRoutes = []authzRoute{
	{method: "GET", tmpl: "/healthz"},
	{method: "GET", tmpl: "/readyz"},
	{method: "GET", tmpl: "/v1/server-key"},
	{method: "GET", tmpl: "/v1/server-key/rotations"},
	{method: "POST", tmpl: "/v1/enroll"},
	{method: "GET", tmpl: "/v1/me", signed: true},
	{method: "GET", tmpl: "/v1/me/preferences", signed: true},
	{method: "PUT", tmpl: "/v1/me/preferences", signed: true},
	{method: "GET", tmpl: "/v1/rounds"},
	{method: "GET", tmpl: "/v1/rounds/{round}/postes"},
	{method: "GET", tmpl: "/v1/rounds/{round}/postes/full", signed: true},
	{method: "POST", tmpl: "/v1/submissions"},
	{method: "GET", tmpl: "/v1/me/submissions", signed: true},
	{method: "PUT", tmpl: "/v1/files", signed: true},
	{method: "GET", tmpl: "/v1/files/{sha256}", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/candidates", signed: true, only: []caller{rts, admin}},
	{method: "GET", tmpl: "/v1/rounds/{round}/result", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/result/full", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/audit-bundle", signed: true, only: []caller{audtr, admin}},
	{method: "GET", tmpl: "/v1/rounds/{round}/call-list", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/call-list/versions", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/call-list/versions/{version}", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/call-list/notices", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/simulation/me", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/simulation/amphi", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/live", signed: true},
	{method: "GET", tmpl: "/v1/rounds/{round}/binomes", signed: true, only: []caller{intrn, admin}},
	{method: "POST", tmpl: "/v1/corrections", signed: true, only: []caller{rts, coord, admin}},
	{method: "GET", tmpl: "/v1/corrections", signed: true, only: []caller{rts, coord, admin}},
	{method: "GET", tmpl: "/v1/scope/people", signed: true, only: []caller{coord, admin}},
	{method: "GET", tmpl: "/v1/log/checkpoint"},
	{method: "GET", tmpl: "/v1/log/inclusion"},
	{method: "GET", tmpl: "/v1/log/consistency"},
	{method: "GET", tmpl: "/v1/log/cosignatures"},
	{method: "POST", tmpl: "/v1/log/cosignatures"},
	{method: "POST", tmpl: "/v1/admin/people", signed: true, only: []caller{admin}},
	{method: "GET", tmpl: "/v1/admin/people", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/codes", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/corrections/{id}/decision", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/people/{person}/reset-key", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds", signed: true, only: []caller{admin}},
	{method: "GET", tmpl: "/v1/admin/rounds/{round}", signed: true, only: []caller{admin}},
	{method: "GET", tmpl: "/v1/admin/rounds/{round}/participation", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/postes", signed: true, only: []caller{admin}},
	{method: "PUT", tmpl: "/v1/admin/rounds/{round}/schedule", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/transition", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/run", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/reminders", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/publish", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/live", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/next", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/assignments", signed: true, only: []caller{admin}},
	{method: "GET", tmpl: "/v1/admin/rounds/{round}/export", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/call-list/import", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/call-list/compute", signed: true, only: []caller{admin}},
	{method: "GET", tmpl: "/v1/admin/rounds/{round}/call-list/draft", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/call-list/publish", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/rounds/{round}/simulation/refresh", signed: true, only: []caller{admin}},
	{method: "GET", tmpl: "/v1/admin/audit", signed: true, only: []caller{admin}},
	{method: "GET", tmpl: "/v1/admin/mail", signed: true, only: []caller{admin}},
	{method: "GET", tmpl: "/v1/admin/backup", signed: true, only: []caller{admin}},
	{method: "GET", tmpl: "/v1/admin/log/entries", signed: true, only: []caller{admin}},
	{method: "POST", tmpl: "/v1/admin/witnesses", signed: true, only: []caller{admin}},
	{method: "PUT", tmpl: "/v1/admin/rounds/{round}/witnesses", signed: true, only: []caller{admin}},
}

// unserved are paths the API's router must answer 404 to every caller:
// /metrics is served by ServeMetrics on a listener of its own (issue 11: it
// was public on the API's address).
var unserved = []string{"GET /metrics"}

// want returns the status the authorization layer must give c on r:
// 401, 403, or 0 for "let through" (any status but 401 and 403).
func (r authzRoute) want(c caller) int {
	switch {
	case !r.signed:
		return 0
	case c == anon:
		return http.StatusUnauthorized
	case len(r.only) > 0 && !contains(r.only, c), contains(r.forbidden, c):
		return http.StatusForbidden
	}
	return 0
}

func contains(cs []caller, c caller) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// servedRoutes walks the server's router and returns "METHOD template" for
// every route it serves.
func servedRoutes(t *testing.T, s *server.Server) []string {
	t.Helper()
	r, ok := s.Handler().(*mux.Router)
	if !ok {
		t.Fatalf("server handler is %T, not a *mux.Router: the matrix cannot list its routes", s.Handler())
	}
	var out []string
	err := r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := route.GetPathTemplate()
		if err != nil {
			return err
		}
		methods, err := route.GetMethods()
		if err != nil {
			t.Errorf("route %s has no method matcher", tmpl)
			return nil
		}
		for _, m := range methods {
			out = append(out, m+" "+tmpl)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestAuthzMatrix(t *testing.T) {
	env := servertest.Start(t, servertest.Options{NoCodes: true, Configure: func(c *server.Config) {
		c.IPRate, c.IPBurst = 1e6, 1e6
		c.IdentityRate, c.IdentityBurst = 1e6, 1e6
	}})

	// Every served route is in the matrix, and every matrix row is served.
	listed := map[string]bool{}
	for _, r := range authzRoutes {
		k := r.method + " " + r.tmpl
		if listed[k] {
			t.Errorf("matrix lists %s twice", k)
		}
		listed[k] = true
	}
	served := map[string]bool{}
	for _, k := range servedRoutes(t, env.Server) {
		served[k] = true
		if !listed[k] {
			t.Errorf("route %s is served but missing from the authorization matrix", k)
		}
	}
	for k := range listed {
		if !served[k] {
			t.Errorf("matrix lists %s, which the router does not serve", k)
		}
	}
	for _, k := range unserved {
		if served[k] {
			t.Errorf("route %s must not be served on the API's router", k)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// A coordinator and an auditor, created in the store like the seeded
	// people.
	const coordID, auditorID = "coord01", "audit01"
	err := env.Server.Store().Update(func(tx store.Tx) error {
		if err := tx.PutPerson(domain.Person{ID: auditorID, Role: domain.RoleAuditor, LastName: "AUDIT",
			FirstName: "Claude", Email: "audit@example.org"}); err != nil {
			return err
		}
		return tx.PutPerson(domain.Person{ID: coordID, Role: domain.RoleCoordinator, LastName: "COORD",
			FirstName: "Camille", Email: "coord@example.org", Specialty: servertest.Specialty,
			Subdivision: servertest.Subdivision})
	})
	if err != nil {
		t.Fatal(err)
	}
	users := map[caller]*servertest.User{
		intrn: env.Register(t, env.Interns[0]),
		rts:   env.Register(t, env.RTS[0]),
		audtr: env.Register(t, auditorID),
		coord: env.Register(t, coordID),
		admin: env.User(env.AdminID, env.AdminKey),
	}

	// Real ids for the path parameters: the seeded round, a poste, an
	// uploaded file, a person who is none of the callers.
	env.Transition(t, domain.StateWishesOpen)
	ctx := context.Background()
	file, err := users[intrn].Client.UploadFile(ctx, "cv.pdf", []byte("%PDF-1.4\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"{round}":   env.Round,
		"{sha256}":  file.SHA256,
		"{person}":  env.Interns[len(env.Interns)-1],
		"{version}": "1",
		"{id}":      "CR000001",
	}
	query := map[string]string{
		"/v1/me/submissions":  "?round=" + env.Round,
		"/v1/log/inclusion":   "?index=0&size=1",
		"/v1/log/consistency": "?old=1&new=1",
		"/v1/files":           "?name=cv.pdf",
	}

	// Callers outside, routes inside: the admin column, which may change
	// the round, runs last.
	rows := slices.Clone(authzRoutes)
	for _, k := range unserved {
		method, tmpl, _ := strings.Cut(k, " ")
		rows = append(rows, authzRoute{method: method, tmpl: tmpl, unserved: true})
	}
	for _, c := range callers {
		for _, r := range rows {
			path := r.tmpl
			for k, v := range vars {
				path = strings.ReplaceAll(path, k, v)
			}
			path += query[r.tmpl]
			t.Run(r.method+" "+r.tmpl+"/"+string(c), func(t *testing.T) {
				var body []byte
				if r.method != "GET" {
					body = []byte("{}")
				}
				req, err := http.NewRequest(r.method, env.URL+path, bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if u := users[c]; u != nil {
					env.Sign(req.Header, u.Key, u.ID, r.method, path, body, env.Clock.Now())
				}
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var refusal api.Error
				if resp.StatusCode >= 400 {
					json.NewDecoder(resp.Body).Decode(&refusal)
				}
				want := r.want(c)
				if r.unserved {
					if resp.StatusCode != http.StatusNotFound {
						t.Errorf("%s %s as %s: %d %s, want 404 (not on the API's listener)", r.method, path, c, resp.StatusCode, refusal.Code)
					}
					return
				}
				switch want {
				case 0:
					if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
						t.Errorf("%s %s as %s: %d %s, want it let through", r.method, path, c, resp.StatusCode, refusal.Code)
					}
				case http.StatusUnauthorized:
					if resp.StatusCode != want || refusal.Code != api.CodeUnauthorized {
						t.Errorf("%s %s as %s: %d %s, want 401 %s", r.method, path, c, resp.StatusCode, refusal.Code, api.CodeUnauthorized)
					}
				case http.StatusForbidden:
					if resp.StatusCode != want || refusal.Code != api.CodeForbidden {
						t.Errorf("%s %s as %s: %d %s, want 403 %s", r.method, path, c, resp.StatusCode, refusal.Code, api.CodeForbidden)
					}
				}
			})
		}
	}
}
