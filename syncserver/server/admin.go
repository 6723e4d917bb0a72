package server

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Admin routes: every change is made in one transaction with its audit
// entry (who, when, what, why).

func jsonDetail(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func (q *req) audit(action, round, target, reason string, detail any) store.AuditEntry {
	return q.by().Audit(action, round, target, reason, detail)
}

// needReason refuses a missing or too long reason (rules.CheckReason).
func needReason(reason string) error { return rules.CheckReason(reason) }

func (s *Server) listPeople(q *req) error {
	out := []api.PersonStatus{}
	err := s.store.View(func(tx store.Tx) error {
		people, err := tx.People()
		for _, p := range people {
			_, kerr := tx.PublicKey(p.ID)
			out = append(out, api.PersonStatus{Person: p, Enrolled: kerr == nil, PendingCode: tx.HasPendingCode(p.ID)})
		}
		return err
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// issueCodes issues activation codes (POST /v1/admin/codes). The codes
// are hashed in parallel outside the write transaction, then stored with
// their e-mails and audit entries in one commit.
func (s *Server) issueCodes(q *req) error {
	var in api.IssueCodesRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if len(in.People) == 0 && !in.AllWithoutKey {
		return badRequest("personne désignée", "nobody designated")
	}
	var targets []domain.Person
	err := s.store.View(func(tx store.Tx) error {
		if in.AllWithoutKey {
			people, err := tx.People()
			if err != nil {
				return err
			}
			for _, p := range people {
				if _, err := tx.PublicKey(p.ID); store.IsNotFound(err) {
					targets = append(targets, p)
				}
			}
		}
		for _, id := range in.People {
			p, err := tx.Person(id)
			if store.IsNotFound(err) {
				return notFound("personne %s inconnue", "unknown person %s", id)
			}
			if err != nil {
				return err
			}
			if _, err := tx.PublicKey(id); err == nil {
				return api.Errorf(api.CodeAlreadyEnrolled, "%s est déjà inscrit : utilisez la réinitialisation de clé",
					"%s is already enrolled: use a key reset", id)
			}
			targets = append(targets, *p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	acts := make([]*store.Activation, len(targets))
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	next := make(chan int)
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				a, err := s.store.NewActivation(q.now, s.cfg.ActivationTTL)
				mu.Lock()
				acts[i], firstErr = a, cmp.Or(firstErr, err)
				mu.Unlock()
			}
		}()
	}
	for i := range targets {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	out := api.IssueCodesResponse{Codes: []api.IssuedCode{}}
	err = s.store.Update(func(tx store.Tx) error {
		out.Codes = out.Codes[:0]
		for i := range targets {
			if _, err := tx.PublicKey(targets[i].ID); err == nil {
				continue // enrolled meanwhile
			}
			ic, err := s.storeCode(tx, &targets[i], acts[i], q.now)
			if err != nil {
				return err
			}
			out.Codes = append(out.Codes, ic)
			if err := tx.Audit(q.audit("issue-code", "", ic.Person, "", map[string]any{"expires": ic.Expires, "outbox": ic.Outbox})); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mailEnqueued()
	return q.ok(out)
}

// resetKey revokes a person's key and issues a new code
// (POST /v1/admin/people/{person}/reset-key), with a mandatory reason.
func (s *Server) resetKey(q *req) error {
	id := mux.Vars(q.r)["person"]
	var in api.ResetKeyRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if err := needReason(in.Reason); err != nil {
		return err
	}
	var ic api.IssuedCode
	err := s.store.Update(func(tx store.Tx) error {
		p, err := tx.Person(id)
		if store.IsNotFound(err) {
			return notFound("personne %s inconnue", "unknown person %s", id)
		}
		if err != nil {
			return err
		}
		if err := tx.RevokeKey(id, q.now); err != nil {
			return err
		}
		a, err := s.store.NewActivation(q.now, s.cfg.ActivationTTL)
		if err != nil {
			return err
		}
		if ic, err = s.storeCode(tx, p, a, q.now); err != nil {
			return err
		}
		return tx.Audit(q.audit("reset-key", "", id, in.Reason, map[string]any{"expires": ic.Expires, "outbox": ic.Outbox}))
	})
	if err != nil {
		return err
	}
	s.mailEnqueued()
	return q.ok(ic)
}

// by is who sends the request and when, for the use cases.
func (q *req) by() rounds.Actor {
	a := rounds.Actor{Now: q.now}
	if q.who != nil {
		a.ID, a.Role = q.who.ID, q.who.Role
	}
	return a
}

// createRound creates a first round (POST /v1/admin/rounds).
func (s *Server) createRound(q *req) error {
	var in api.CreateRoundRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if err := checkID("tour / round", in.ID); err != nil {
		return err
	}
	r, err := s.roundAdmin.Create(q.by(), in)
	if err != nil {
		return err
	}
	return q.ok(r)
}

// roundDetail answers what a round holds (GET /v1/admin/rounds/{round}).
func (s *Server) roundDetail(q *req) error {
	d, err := s.roundAdmin.Detail(mux.Vars(q.r)["round"], q.now)
	if err != nil {
		return err
	}
	return q.ok(d)
}

// schedule sets a round's windows (PUT /v1/admin/rounds/{round}/schedule).
func (s *Server) schedule(q *req) error {
	var in api.ScheduleRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	r, err := s.roundAdmin.Schedule(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(r)
}

// transition moves a round to its next state
// (POST /v1/admin/rounds/{round}/transition).
func (s *Server) transition(q *req) error {
	var in api.TransitionRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	r, err := s.roundAdmin.Transition(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(r)
}

// run computes a round's matching as a preview
// (POST /v1/admin/rounds/{round}/run).
func (s *Server) run(q *req) error {
	res, err := s.roundAdmin.Run(q.by(), mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return q.ok(res)
}

// publish signs the previewed result and publishes it
// (POST /v1/admin/rounds/{round}/publish); the answer is the envelope.
func (s *Server) publish(q *req) error {
	signed, err := s.roundAdmin.Publish(q.by(), mux.Vars(q.r)["round"])
	if err != nil {
		return err
	}
	return writeSigned(q, signed)
}

// nextRound creates round 2 (or 3) from a published round
// (POST /v1/admin/rounds/{round}/next).
func (s *Server) nextRound(q *req) error {
	var in api.NextRoundRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	if err := checkID("tour / round", in.ID); err != nil {
		return err
	}
	r, err := s.roundAdmin.Next(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(r)
}

// assign records a manual assignment of a third round, with its reason
// (POST /v1/admin/rounds/{round}/assignments).
func (s *Server) assign(q *req) error {
	var in api.ManualAssignmentRequest
	if err := q.decode(&in); err != nil {
		return err
	}
	a, err := s.roundAdmin.Assign(q.by(), mux.Vars(q.r)["round"], in)
	if err != nil {
		return err
	}
	return q.ok(a)
}

func (s *Server) auditLog(q *req) error {
	after, limit := uint64(0), 500
	if v := q.r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return badRequest("paramètre after invalide", "invalid after parameter")
		}
		after = n
	}
	if v := q.r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			return badRequest("paramètre limit invalide (1 à 5000)", "invalid limit parameter (1 to 5000)")
		}
		limit = n
	}
	out := api.AuditResponse{Entries: []api.AuditEntry{}}
	err := s.store.View(func(tx store.Tx) error {
		e, err := tx.AuditLog(after, limit)
		out.Entries = append(out.Entries, apiAudit(e)...)
		return err
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// logEntries serves decoded log leaves [start, end) (at most 1000).
func (s *Server) logEntries(q *req) error {
	start, err := queryInt(q, "start")
	if err != nil {
		return err
	}
	end, err := queryInt(q, "end")
	if err != nil {
		return err
	}
	if end < start || end-start > 1000 {
		return badRequest("intervalle invalide (1000 entrées au plus)", "invalid range (at most 1000 entries)")
	}
	out := api.LogEntriesResponse{Start: start, Entries: []api.LogEntry{}}
	err = s.store.View(func(tx store.Tx) error {
		out.TreeSize = tx.TreeSize()
		return tx.ForEachLeaf(start, min(end, out.TreeSize), func(i int64, data []byte) error {
			at, env, err := store.ParseLeaf(data)
			if err != nil {
				return fmt.Errorf("server: leaf %d: %w", i, err)
			}
			out.Entries = append(out.Entries, api.LogEntry{Index: i, ServerTime: at, Digest: env.Digest(), Envelope: env})
			return nil
		})
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}

// backup streams a hot copy of the whole store (GET /v1/admin/backup): one
// bbolt read transaction, so submissions go on while it is copied. The
// request is audited before the copy starts, so the copy records it.
func (s *Server) backup(q *req) error {
	if err := s.store.Update(func(tx store.Tx) error {
		return tx.Audit(q.audit("backup", "", "", "", nil))
	}); err != nil {
		return err
	}
	// A large store takes longer than the usual write timeout.
	_ = http.NewResponseController(q.w).SetWriteDeadline(time.Time{})
	q.w.Header().Set("Content-Type", "application/octet-stream")
	q.w.Header().Set("Content-Disposition", `attachment; filename="appariement-backup.db"`)
	q.w.WriteHeader(http.StatusOK)
	if err := s.store.Backup(q.w); err != nil {
		// Headers are gone: the client sees a truncated copy, which its
		// verification refuses. Log it for the operator.
		s.log.Error("backup interrupted", "err", err)
	}
	return nil
}
