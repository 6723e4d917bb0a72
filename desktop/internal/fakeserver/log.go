package fakeserver

import (
	"net/http"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"

	"appariement/shared/api"
	"appariement/shared/translog"
)

// The log's read routes, as the real server has them: the current
// checkpoint, consistency proofs and the witnesses (none here unless
// Witnesses is set).

func (s *Server) logRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/log/checkpoint", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		cp := s.checkpoint(int64(len(s.leaves)))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(cp))
	})
	mux.HandleFunc("GET /v1/log/consistency", func(w http.ResponseWriter, r *http.Request) {
		older, err1 := strconv.ParseInt(r.URL.Query().Get("old"), 10, 64)
		newer, err2 := strconv.ParseInt(r.URL.Query().Get("new"), 10, 64)
		s.mu.Lock()
		defer s.mu.Unlock()
		if err1 != nil || err2 != nil || older < 0 || older > newer || newer > int64(len(s.leaves)) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"code":"not_found","message":"pas de tels arbres","message_en":"no such trees"}`))
			return
		}
		var p tlog.TreeProof
		if older > 0 && older < newer {
			p, err1 = tlog.ProveTree(newer, older, s.reader())
			if err1 != nil {
				panic(err1)
			}
		}
		reply(w, api.ProofResponse{Proof: translog.ProofBytes(p)})
	})
	mux.HandleFunc("GET /v1/log/cosignatures", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		reply(w, api.WitnessesResponse{Checkpoint: s.checkpoint(int64(len(s.leaves))), Witnesses: []api.WitnessStatus{}})
	})
}
