package server

import (
	"strconv"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/syncserver/live"
)

// The "simulation des choix" of a choix au rang (syncserver/simulation)
// and the live replay of a run round (syncserver/live).

// simulationMe answers the caller's view of the simulation
// (GET /v1/rounds/{round}/simulation/me).
func (s *Server) simulationMe(q *req) error {
	out, err := s.sims.Me(q.who.ID, mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return q.ok(out)
}

// simulationAmphi answers the places still free after everyone ranked
// above rank, for one specialty (and subdivision) if asked
// (GET /v1/rounds/{round}/simulation/amphi?specialty=&subdivision=&rank=).
// Without rank, an intern of the round sees its own turn.
func (s *Server) simulationAmphi(q *req) error {
	v := q.r.URL.Query()
	out, err := s.sims.Amphi(q.who.ID, mux.Vars(q.r)["round"], v.Get("specialty"), v.Get("subdivision"), v.Get("rank"))
	if err != nil {
		return err
	}
	return q.ok(out)
}

// refreshSimulation computes the simulation of a round now
// (POST /v1/admin/rounds/{round}/simulation/refresh).
func (s *Server) refreshSimulation(q *req) error {
	out, err := s.sims.Refresh(mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return q.ok(out)
}

// live answers the choices of a run round, rank by rank from ?from=
// (default 1, at most ?limit=, default 1000, at most 5000), for the live
// replay (GET /v1/rounds/{round}/live): see live.Service.Replay.
func (s *Server) live(q *req) error {
	from, limit := 1, 1000
	for name, p := range map[string]*int{"from": &from, "limit": &limit} {
		if v := q.r.URL.Query().Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (name == "limit" && n > live.MaxLimit) {
				return badRequest("paramètre %s invalide", "invalid %s parameter", name)
			}
			*p = n
		}
	}
	out, err := s.reveal.Replay(q.who.Role, mux.Vars(q.r)["round"], from, limit, q.now)
	if err != nil {
		return err
	}
	return q.ok(out)
}

// startLive starts the live reveal of a matched choix-au-rang round at the
// pace asked, or changes the pace of a running one
// (POST /v1/admin/rounds/{round}/live). Audited as "live-start".
func (s *Server) startLive(q *req) error {
	var in api.LiveStartRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	r, err := s.reveal.Start(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(r)
}
