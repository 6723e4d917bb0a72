package roundadmin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/shared/frozen"
	"appariement/shared/importer"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// FullResult returns the signed full result of a published round.
func (s *Service) FullResult(round string) ([]byte, error) {
	var signed []byte
	err := s.st.View(func(tx store.Tx) error {
		var err error
		_, _, signed, err = rounds.Published(tx, round)
		return err
	})
	return signed, err
}

// PersonalResult returns who's signed result of a published round: an
// intern's assignment, or the interns assigned to an RTS's postes, with
// who's last submission of the round and its inclusion proof in the
// frozen checkpoint.
func (s *Service) PersonalResult(who *domain.Person, round string) ([]byte, error) {
	var (
		rec    *store.RoundRecord
		res    *domain.Result
		signed []byte
		subs   []store.Current
	)
	pr := api.PersonalResult{Round: round, Person: who.ID, Assignments: []domain.Assignment{}}
	inInput := map[int64]string{} // who's envelopes in the frozen input: index → digest
	err := s.st.View(func(tx store.Tx) error {
		var err error
		if rec, res, signed, err = rounds.Published(tx, round); err != nil {
			return err
		}
		if subs, err = tx.Submissions(round, who.ID); err != nil {
			return err
		}
		if doc, err := tx.Input(round); err == nil {
			in, err := frozen.Decode(doc)
			if err != nil {
				return err
			}
			for _, e := range in.Envelopes {
				if e.Author == who.ID {
					inInput[e.Index] = e.Digest
				}
			}
		} else if !store.IsNotFound(err) {
			return err
		}
		for _, a := range res.Assignments {
			switch {
			case who.Role == domain.RoleIntern && a.Intern == who.ID:
				pr.Assignments = append(pr.Assignments, a)
			case who.Role == domain.RoleRTS:
				p, err := tx.Poste(round, a.Poste)
				if err != nil {
					return err
				}
				if p.RTS == who.ID {
					pr.Assignments = append(pr.Assignments, a)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	full, err := store.DecodeOwnEnvelope(signed)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(full.Payload)
	pr.Procedure, pr.Checkpoint, pr.ResultDigest, pr.PublishedAt = res.Procedure, res.Checkpoint, hex.EncodeToString(sum[:]), rec.PublishedAt
	pr.InputDigest = res.InputDigest
	if who.Role == domain.RoleIntern {
		for _, w := range res.WhyNot {
			if w.Intern == who.ID {
				pr.WhyNot = append(pr.WhyNot, w)
			}
		}
	}
	var last *store.Current
	for i := range subs {
		if c := &subs[i]; c.Index < res.TreeSize && (last == nil || c.Index > last.Index) {
			last = c
		}
	}
	if last != nil {
		proof, err := s.st.InclusionProof(last.Index, res.TreeSize)
		if err != nil {
			return nil, err
		}
		pr.LastSubmission = &api.IncludedEntry{Index: last.Index, ServerTime: last.ServerTime, Digest: last.Digest, Proof: proof,
			InInput: inInput[last.Index] == last.Digest}
	}
	payload, err := json.Marshal(pr)
	if err != nil {
		return nil, err
	}
	return s.st.Sign(api.PersonalResultType, payload).Encode(), nil
}

// Participation answers who has submitted what in a round, from the
// current submissions.
func (s *Service) Participation(id string) (api.Participation, error) {
	out := api.Participation{Round: id, Submitted: []string{}, Wished: map[string]int{}, Ranked: map[string]int{}}
	err := s.st.View(func(tx store.Tx) error {
		if _, err := rounds.Load(tx, id); err != nil {
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
		return api.Participation{}, err
	}
	slices.Sort(out.Submitted)
	return out, nil
}

// Export writes the published (or previewed) result of a round as a CSV
// or XLSX file (format api.FormatCSV or api.FormatXLSX), audited
// "export" before it is handed out.
func (s *Service) Export(a rounds.Actor, id, format string) ([]byte, error) {
	if format != api.FormatCSV && format != api.FormatXLSX {
		return nil, api.Errorf(api.CodeBadRequest, "format %q inconnu (csv ou xlsx)", "unknown format %q (csv or xlsx)", format)
	}
	var rows []importer.ExportRow
	err := s.st.View(func(tx store.Tx) error {
		if _, err := rounds.Load(tx, id); err != nil {
			return err
		}
		res, err := rounds.Outcome(tx, id)
		if store.IsNotFound(err) {
			return api.Errorf(api.CodeInvalidState, "le tour %s n'a pas encore de résultat", "round %s has no result yet", id)
		}
		if err != nil {
			return err
		}
		row := func(intern string) (importer.ExportRow, error) {
			p, err := tx.Person(intern)
			if err != nil {
				return importer.ExportRow{}, err
			}
			return importer.ExportRow{InternID: p.ID, LastName: p.LastName, FirstName: p.FirstName,
				Specialty: p.Specialty, Subdivision: p.Subdivision}, nil
		}
		for _, a := range res.Assignments {
			r, err := row(a.Intern)
			if err != nil {
				return err
			}
			p, err := tx.Poste(id, a.Poste)
			if err != nil {
				return err
			}
			r.PosteID, r.Etablissement, r.Service, r.Town, r.Manual, r.Reason = p.ID, p.Etablissement, p.Service, p.Town, a.Manual, a.Reason
			rows = append(rows, r)
		}
		for _, intern := range res.Unmatched {
			r, err := row(intern)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if format == api.FormatCSV {
		err = importer.WriteAssignmentsCSV(&buf, rows)
	} else {
		err = importer.WriteAssignmentsXLSX(&buf, rows)
	}
	if err != nil {
		return nil, fmt.Errorf("roundadmin: export %s: %w", id, err)
	}
	if err := s.st.Update(func(tx store.Tx) error {
		return tx.Audit(a.Audit("export", id, "", "", map[string]string{"format": format}))
	}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
