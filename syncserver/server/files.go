package server

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/syncserver/store"
)

var shaRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// putFile stores a candidate file (PUT /v1/files?name=): a PDF of at most
// api.MaxFileSize bytes, kept by SHA-256 with its owner.
func (s *Server) putFile(q *req) error {
	name := q.r.URL.Query().Get("name")
	if err := api.CheckFileName(name); err != nil {
		return err
	}
	if !api.IsPDF(q.body) {
		return api.Errorf(api.CodeMalformed, "le fichier %s n'est pas un PDF", "file %s is not a PDF", name)
	}
	var fi *store.FileInfo
	err := s.store.Update(func(tx store.Tx) error {
		var err error
		fi, err = store.PutFile(tx, q.who.ID, name, q.body, q.now, fileQuota)
		return err
	})
	if err != nil {
		return err
	}
	return q.ok(api.FileResponse{SHA256: fi.SHA256, Size: fi.Size})
}

// getFile serves a candidate file (GET /v1/files/{sha256}) to its owner,
// to an admin, or to the RTS of a poste on the owner's current wish list
// to which the file is attached, once that round's wishes are closed.
func (s *Server) getFile(q *req) error {
	sha := mux.Vars(q.r)["sha256"]
	if !shaRE.MatchString(sha) {
		return badRequest("empreinte SHA-256 invalide", "invalid SHA-256")
	}
	var data []byte
	var info *store.FileInfo
	err := s.store.View(func(tx store.Tx) error {
		owners, err := tx.FileOwners(sha)
		if err != nil {
			return err
		}
		for _, fi := range owners {
			ok, err := s.mayRead(tx, q, &fi)
			if err != nil {
				return err
			}
			if ok {
				info = &fi
				break
			}
		}
		if info == nil {
			return nil
		}
		data, err = tx.FileData(sha)
		return err
	})
	if err != nil {
		return err
	}
	if info == nil {
		// Same answer whether the file exists or not.
		return notFound("fichier %s introuvable ou non accessible", "file %s not found or not yours to read", sha)
	}
	h := q.w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", strings.ToValidUTF8(info.Name, "_")))
	h.Set("Content-Security-Policy", "sandbox")
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(data)
	return nil
}

func (s *Server) mayRead(tx store.Tx, q *req, fi *store.FileInfo) (bool, error) {
	if fi.Owner == q.who.ID || q.who.Role == domain.RoleAdmin {
		return true, nil
	}
	if q.who.Role != domain.RoleRTS {
		return false, nil
	}
	recs, err := tx.Rounds()
	if err != nil {
		return false, err
	}
	for _, r := range recs {
		if !rules.AtLeast(&r.Round, q.now, domain.StateWishesClosed) {
			continue
		}
		wl, err := store.CurrentOfAuthor(tx, r.ID, fi.Owner, api.WishListType)
		if store.IsNotFound(err) {
			continue
		}
		if err != nil {
			return false, err
		}
		if !slices.ContainsFunc(wl.Attachments, func(a store.Attachment) bool { return a.SHA256 == fi.SHA256 }) {
			continue
		}
		for _, id := range wl.List {
			p, err := tx.Poste(r.ID, id)
			if err != nil {
				return false, err
			}
			if p.RTS == q.who.ID {
				return true, nil
			}
		}
	}
	return false, nil
}

// candidates lists the interns whose current wish list names a poste
// (GET /v1/rounds/{round}/candidates?poste=P), for the poste's RTS or an
// admin, once the round's wishes are closed.
func (s *Server) candidates(q *req) error {
	round := mux.Vars(q.r)["round"]
	poste := q.r.URL.Query().Get("poste")
	if err := checkID("poste", poste); err != nil {
		return err
	}
	out := api.CandidatesResponse{Round: round, Poste: poste, Candidates: []api.Candidate{}}
	err := s.store.View(func(tx store.Tx) error {
		rec, err := tx.Round(round)
		if store.IsNotFound(err) {
			return unknownRound(round)
		}
		if err != nil {
			return err
		}
		p, err := tx.Poste(round, poste)
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeUnknownPoste, "le poste %s n'existe pas dans le tour %s",
				"poste %s does not exist in round %s", poste, round)
		}
		if err != nil {
			return err
		}
		if q.who.Role != domain.RoleAdmin && p.RTS != q.who.ID {
			return forbidden("le poste %s n'est pas sous votre responsabilité", "poste %s is not yours", poste)
		}
		if !rules.AtLeast(&rec.Round, q.now, domain.StateWishesClosed) {
			return api.Errorf(api.CodeWindowNotOpen, "les candidatures du tour %s sont visibles après la clôture des vœux",
				"the candidates of round %s are visible once the wishes are closed", round)
		}
		wls, err := tx.CurrentOfType(round, api.WishListType)
		if err != nil {
			return err
		}
		for _, wl := range wls {
			i := slices.Index(wl.List, poste)
			if i < 0 {
				continue
			}
			in, err := tx.Person(wl.Author)
			if err != nil {
				return err
			}
			att := apiAttachments(wl.Attachments)
			if att == nil {
				att = []api.Attachment{}
			}
			out.Candidates = append(out.Candidates, api.Candidate{Intern: *in, Rank: i + 1, Attachments: att})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return q.ok(out)
}
