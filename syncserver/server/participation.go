package server

import (
	"slices"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/syncserver/store"
)

// participation answers who has submitted what in a round (GET
// /v1/admin/rounds/{round}/participation), from the current submissions.
func (s *Server) participation(q *req) error {
	id := mux.Vars(q.r)["round"]
	out := api.Participation{Round: id, Submitted: []string{}, Wished: map[string]int{}, Ranked: map[string]int{}}
	err := s.store.View(func(tx store.Tx) error {
		if err := roundExists(tx, id); err != nil {
			return err
		}
		wl, err := tx.CurrentOfType(id, api.WishListType)
		if err != nil {
			return err
		}
		for _, c := range wl {
			out.Submitted = append(out.Submitted, c.Author)
			for _, p := range c.List {
				out.Wished[p]++
			}
		}
		rk, err := tx.CurrentOfType(id, api.RankingType)
		if err != nil {
			return err
		}
		for _, c := range rk {
			out.Ranked[c.Poste] = len(c.List)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(out.Submitted)
	return q.ok(out)
}
