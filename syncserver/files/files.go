// Package files is the candidates' files use cases: an intern's PDF
// uploads, kept by SHA-256 with their owner (Put); who may read one
// (Get: its owner, an admin, or the RTS of a poste on the owner's current
// wish list that attaches it, once that round's wishes are closed); and the
// candidates of a poste with their attachments (Candidates).
package files

import (
	"regexp"
	"slices"
	"time"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/rules"
	"appariement/syncserver/candidates"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// Service is the files use cases over a store.
type Service struct {
	st         *store.Store
	candidates candidates.Index
}

// New returns the files use cases over st.
func New(st *store.Store) *Service { return &Service{st: st} }

// Put stores data, a PDF named name uploaded by owner at now (within the
// owner's quota), and returns its SHA-256 and size.
func (f *Service) Put(owner, name string, data []byte, now time.Time) (api.FileResponse, error) {
	if err := api.CheckFileName(name); err != nil {
		return api.FileResponse{}, err
	}
	if !api.IsPDF(data) {
		return api.FileResponse{}, api.Errorf(api.CodeMalformed, "le fichier %s n'est pas un PDF", "file %s is not a PDF", name)
	}
	var fi *store.FileInfo
	err := f.st.Update(func(tx store.Tx) error {
		var err error
		fi, err = store.PutFile(tx, owner, name, data, now, quota)
		return err
	})
	if err != nil {
		return api.FileResponse{}, err
	}
	return api.FileResponse{SHA256: fi.SHA256, Size: fi.Size}, nil
}

// quota is the quota of candidate files per person.
var quota = store.Quota{Files: api.MaxFilesPerPerson, Bytes: api.MaxBytesPerPerson}

// apiAttachments converts a stored submission's attachments.
func apiAttachments(in []store.Attachment) []api.Attachment {
	if in == nil {
		return nil
	}
	out := make([]api.Attachment, len(in))
	for i, a := range in {
		out[i] = api.Attachment(a)
	}
	return out
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Get returns the file of SHA-256 sha (its record and bytes) if who may
// read it at now. The refusal is the same whether the file exists or not.
func (f *Service) Get(who *domain.Person, now time.Time, sha string) (*store.FileInfo, []byte, error) {
	if !shaRE.MatchString(sha) {
		return nil, nil, api.Errorf(api.CodeBadRequest, "empreinte SHA-256 invalide", "invalid SHA-256")
	}
	var data []byte
	var info *store.FileInfo
	err := f.st.View(func(tx store.Tx) error {
		owners, err := tx.FileOwners(sha)
		if err != nil {
			return err
		}
		for _, fi := range owners {
			ok, err := mayRead(tx, who, now, &fi)
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
		return nil, nil, err
	}
	if info == nil {
		return nil, nil, api.Errorf(api.CodeNotFound, "fichier %s introuvable ou non accessible", "file %s not found or not yours to read", sha)
	}
	return info, data, nil
}

// mayRead reports whether who may read fi at now.
func mayRead(tx store.Tx, who *domain.Person, now time.Time, fi *store.FileInfo) (bool, error) {
	if fi.Owner == who.ID || who.Role == domain.RoleAdmin {
		return true, nil
	}
	if who.Role != domain.RoleRTS {
		return false, nil
	}
	recs, err := tx.Rounds()
	if err != nil {
		return false, err
	}
	for _, r := range recs {
		if !rules.AtLeast(&r.Round, now, domain.StateWishesClosed) {
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
			if p.RTS == who.ID {
				return true, nil
			}
		}
	}
	return false, nil
}

// Candidates lists the interns whose current wish list names poste in
// round, with their rank and attachments, for the poste's RTS or an admin
// (who), once the round's wishes are closed at now.
func (f *Service) Candidates(who *domain.Person, now time.Time, round, poste string) (api.CandidatesResponse, error) {
	if err := api.CheckID("poste", poste); err != nil {
		return api.CandidatesResponse{}, err
	}
	out := api.CandidatesResponse{Round: round, Poste: poste, Candidates: []api.Candidate{}}
	err := f.st.View(func(tx store.Tx) error {
		rec, err := tx.Round(round)
		if store.IsNotFound(err) {
			return rounds.UnknownRound(round)
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
		if who.Role != domain.RoleAdmin && p.RTS != who.ID {
			return api.Errorf(api.CodeForbidden, "le poste %s n'est pas sous votre responsabilité", "poste %s is not yours", poste)
		}
		if !rules.AtLeast(&rec.Round, now, domain.StateWishesClosed) {
			return api.Errorf(api.CodeWindowNotOpen, "les candidatures du tour %s sont visibles après la clôture des vœux",
				"the candidates of round %s are visible once the wishes are closed", round)
		}
		authors, err := f.candidates.Of(tx, &rec.Round, poste, now)
		if err != nil {
			return err
		}
		for _, author := range authors {
			// The RTS is not told where the intern put the poste: a ranking
			// must not favour those who listed it first (docs/ranking.fr.md).
			wl, err := tx.Current(round, author, "")
			if err != nil {
				return err
			}
			in, err := tx.Person(wl.Author)
			if err != nil {
				return err
			}
			att := apiAttachments(wl.Attachments)
			if att == nil {
				att = []api.Attachment{}
			}
			out.Candidates = append(out.Candidates, api.Candidate{Intern: *in, Attachments: att})
		}
		return nil
	})
	return out, err
}
