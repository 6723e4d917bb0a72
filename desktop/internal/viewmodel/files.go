package viewmodel

import (
	"encoding/json"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// Files is the candidate file: CV, cover letter and training contract, as
// PDFs, attached to the wish list.
type Files struct {
	svc   *service.Service
	round *domain.Round
	draft *localstore.Draft
	sent  map[string]localstore.ItemState // sha → state of its upload
	Error string
}

func (f *Files) load(r *domain.Round) error {
	f.round = r
	f.draft = &localstore.Draft{}
	if r == nil {
		return nil
	}
	d, err := f.svc.Store.Draft(r.ID)
	if err != nil {
		return err
	}
	f.draft = d
	items, err := f.svc.Store.Items()
	if err != nil {
		return err
	}
	f.sent = map[string]localstore.ItemState{}
	for _, it := range items {
		if it.Kind == localstore.KindFile {
			f.sent[it.FileSHA] = it.State
		}
	}
	return nil
}

// FileRow is one kind of document.
type FileRow struct {
	Kind   string
	Label  string // "Curriculum vitæ"
	Name   string // file name, "" if none
	Detail string // size and upload state
}

// Rows returns one row per kind of document.
func (f *Files) Rows() []FileRow {
	var out []FileRow
	for _, k := range service.AttachmentKinds {
		row := FileRow{Kind: k, Label: i18n.T("file.kind." + k), Detail: i18n.T("file.none")}
		for _, a := range f.draft.Attachments {
			if a.Kind == k {
				row.Name = a.Name
				row.Detail = FormatSize(a.Size) + " — " + f.stateText(a.SHA256)
			}
		}
		out = append(out, row)
	}
	return out
}

func (f *Files) stateText(sha string) string {
	switch f.sent[sha] {
	case localstore.StateAccepted:
		return i18n.T("file.sent")
	case localstore.StatePending:
		return i18n.T("file.pending")
	case localstore.StateRefused:
		return i18n.T("file.refused")
	}
	return i18n.T("file.local")
}

// Editable reports whether documents may still be replaced.
func (f *Files) Editable() bool { return f.round != nil && f.svc.WindowOpen(f.round) }

// Attach adds or replaces the document of a kind.
func (f *Files) Attach(kind, name string, data []byte) error {
	if f.round == nil {
		return service.ErrWindowClosed
	}
	d, err := f.svc.Attach(f.round, kind, name, data)
	f.Error = Message(err)
	if err != nil {
		return err
	}
	f.draft = d
	return nil
}

// Remove removes the document of a kind.
func (f *Files) Remove(kind string) error {
	if f.round == nil {
		return nil
	}
	d, err := f.svc.Detach(f.round, kind)
	f.Error = Message(err)
	if err != nil {
		return err
	}
	f.draft = d
	return nil
}

func decodeSubmission(envBytes []byte) *api.Submission {
	var env struct {
		Payload []byte `json:"payload"`
	}
	if json.Unmarshal(envBytes, &env) != nil {
		return nil
	}
	sub, err := api.DecodeSubmission(env.Payload)
	if err != nil {
		return nil
	}
	return sub
}
