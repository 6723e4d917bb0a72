package viewmodel

import (
	"context"
	"fmt"
	"slices"
	"time"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/domain"
	"appariement/shared/rules"
)

// WishList is the wish list editor of the current round: add from the
// catalogue, reorder, remove, every change saved as a draft at once; sign;
// and the status of each signed version.
type WishList struct {
	svc      *service.Service
	cat      *Catalogue
	round    *domain.Round
	draft    *localstore.Draft
	versions []localstore.Item
	// Selected is the position of the selected wish (-1: none).
	Selected int
	// Error is the last error to show.
	Error string
}

func (w *WishList) load(r *domain.Round) error {
	w.round = r
	w.Selected = -1
	if r == nil {
		w.draft, w.versions = &localstore.Draft{}, nil
		return nil
	}
	d, err := w.svc.Store.Draft(r.ID)
	if err != nil {
		return err
	}
	w.draft = d
	w.versions, err = w.svc.Versions(r.ID)
	return err
}

// Len is the number of wishes.
func (w *WishList) Len() int { return len(w.draft.List) }

// ID returns the poste id of the i-th wish.
func (w *WishList) ID(i int) string { return w.draft.List[i] }

// Label describes the i-th wish: rank ("2", or "2 (ex aequo)" in a tie
// group), title, établissement and town.
func (w *WishList) Label(i int) string {
	id := w.draft.List[i]
	p, ok := w.cat.Poste(id)
	if !ok {
		return fmt.Sprintf("%s. %s — %s", w.RankLabel(i), id, i18n.T("wish.unknown_poste"))
	}
	return fmt.Sprintf("%s. %s", w.RankLabel(i), w.cat.RowTitle(p))
}

// TiesAllowed reports whether the round lets the intern put wishes ex
// aequo (domain.Round.WishTies, an appariement only).
func (w *WishList) TiesAllowed() bool {
	return w.round != nil && w.round.Procedure == domain.Appariement && w.round.WishTies
}

// RankLabel is the rank of the i-th wish as shown: its position, or, in a
// tie group, the position of the group's first wish and "(ex aequo)"
// (1, 2 (ex aequo), 2 (ex aequo), 4).
func (w *WishList) RankLabel(i int) string {
	if i < 0 || i >= w.Len() {
		return ""
	}
	first := i
	for first > 0 && w.TiedWithPrevious(first) {
		first--
	}
	if first < i || (i+1 < w.Len() && w.TiedWithPrevious(i+1)) {
		return i18n.T("rts.rank_tied", first+1)
	}
	return fmt.Sprint(i + 1)
}

// TiedWithPrevious reports whether the i-th wish is ex aequo with the one
// above (only counted in a round that allows it).
func (w *WishList) TiedWithPrevious(i int) bool {
	return w.TiesAllowed() && i > 0 && i < w.Len() && slices.Contains(w.draft.Tied, w.draft.List[i])
}

// ToggleTie puts the i-th wish ex aequo with the one above, or back below
// it, in a round that allows wishes ex aequo (the round's published draw
// breaks the tie); elsewhere it does nothing.
func (w *WishList) ToggleTie(i int) error {
	if !w.TiesAllowed() || !w.Editable() || i <= 0 || i >= w.Len() {
		return nil
	}
	id := w.draft.List[i]
	if k := slices.Index(w.draft.Tied, id); k >= 0 {
		w.draft.Tied = slices.Delete(w.draft.Tied, k, k+1)
	} else {
		w.draft.Tied = append(w.draft.Tied, id)
	}
	w.Selected = i
	return w.save()
}

// ranks are the ranks the list is signed with: nil for a strict order, or
// in a round that does not allow ties.
func (w *WishList) ranks() []int {
	if !w.TiesAllowed() {
		return nil
	}
	return w.draft.Ranks()
}

// Detail is the second line of the i-th wish: établissement, town,
// specialty, subdivision.
func (w *WishList) Detail(i int) string {
	p, ok := w.cat.Poste(w.draft.List[i])
	if !ok {
		return w.draft.List[i]
	}
	return w.cat.RowDetail(p)
}

// Contains reports whether a poste is in the list.
func (w *WishList) Contains(id string) bool { return slices.Contains(w.draft.List, id) }

// Editable reports whether the list may still change.
func (w *WishList) Editable() bool { return w.round != nil && w.svc.WindowOpen(w.round) }

func (w *WishList) save() error {
	w.draft.Round = w.round.ID
	w.draft.UpdatedAt = time.Now().UTC()
	err := w.svc.Store.SaveDraft(w.draft)
	w.Error = Message(err)
	return err
}

// Add appends a poste to the list (false if it is already there).
func (w *WishList) Add(id string) (bool, error) {
	if w.round == nil || w.Contains(id) {
		return false, nil
	}
	if !w.Editable() {
		w.Error = Message(service.ErrWindowClosed)
		return false, service.ErrWindowClosed
	}
	if p, ok := w.cat.Poste(id); ok && !eligible(w.svc.Me(), p) {
		w.Error = Message(service.ErrNotEligible)
		return false, service.ErrNotEligible
	}
	w.draft.List = append(w.draft.List, id)
	w.Selected = len(w.draft.List) - 1
	return true, w.save()
}

// AddBlocked says why poste id cannot be added to the list now, before
// the intern tries: the window is not open, or the poste is one the
// intern cannot take by the rule the server applies (rules.CheckWish:
// withdrawn, other specialty or subdivision). It is empty when the poste
// can be added (or is already in the list).
func (w *WishList) AddBlocked(id string) string {
	if w.round == nil || id == "" || w.Contains(id) {
		return ""
	}
	if !w.Editable() {
		return Message(service.ErrWindowClosed)
	}
	if p, ok := w.cat.Poste(id); ok {
		me := w.svc.Me()
		if err := rules.CheckWish(w.round.ID, &me, p); err != nil {
			return Message(err)
		}
	}
	return ""
}

// Remove removes the i-th wish.
func (w *WishList) Remove(i int) error {
	if i < 0 || i >= w.Len() || !w.Editable() {
		return nil
	}
	before := rankByID(w.draft.List, w.draft.Ranks())
	w.draft.List = slices.Delete(w.draft.List, i, i+1)
	w.draft.Tied = settleTies(w.draft.List, w.draft.Tied, before)
	if w.Selected >= w.Len() {
		w.Selected = w.Len() - 1
	}
	return w.save()
}

// Move moves the i-th wish by delta places (-1: up, +1: down) and keeps it
// selected.
func (w *WishList) Move(i, delta int) error {
	j := i + delta
	if i < 0 || i >= w.Len() || j < 0 || j >= w.Len() || !w.Editable() {
		return nil
	}
	l := w.draft.List
	before := rankByID(l, w.draft.Ranks())
	l[i], l[j] = l[j], l[i]
	w.draft.Tied = settleTies(l, w.draft.Tied, before, l[i], l[j])
	w.Selected = j
	return w.save()
}

// MoveSelected moves the selected wish (keyboard shortcuts).
func (w *WishList) MoveSelected(delta int) error { return w.Move(w.Selected, delta) }

// RemoveSelected removes the selected wish.
func (w *WishList) RemoveSelected() error { return w.Remove(w.Selected) }

// DraftStatus says whether the draft has changes not signed yet.
func (w *WishList) DraftStatus() string {
	if w.round == nil {
		return i18n.T("round.none")
	}
	if len(w.versions) > 0 && slices.Equal(w.versions[0].List, w.draft.List) && slices.Equal(w.versions[0].Ranks, w.ranks()) && w.attachmentsSigned() {
		return i18n.T("wish.draft_signed", w.versions[0].Seq)
	}
	if w.Len() == 0 {
		return i18n.T("wish.draft_empty")
	}
	return i18n.T("wish.draft_status", FormatTime(w.draft.UpdatedAt))
}

// attachmentsSigned reports whether the newest version carries the draft's
// attachments.
func (w *WishList) attachmentsSigned() bool {
	if len(w.versions) == 0 {
		return false
	}
	signed := map[string]bool{}
	if sub := decodeSubmission(w.versions[0].Envelope); sub != nil {
		for _, a := range sub.Attachments {
			signed[a.SHA256] = true
		}
		if len(sub.Attachments) != len(w.draft.Attachments) {
			return false
		}
	}
	for _, a := range w.draft.Attachments {
		if !signed[a.SHA256] {
			return false
		}
	}
	return true
}

// Version is one signed version of the list, for display.
type Version struct {
	Title  string
	Status string
	State  localstore.ItemState
}

// Versions returns the signed versions, newest first.
func (w *WishList) Versions() []Version {
	out := make([]Version, 0, len(w.versions))
	for _, it := range w.versions {
		v := versionOf(it, WishVersionLabel(it.Seq, len(it.List), it.CreatedAt))
		if it.State == localstore.StateAccepted && it.Receipt != nil {
			v.Status += Cosigned(w.svc, it.Receipt.Checkpoint)
		}
		out = append(out, v)
	}
	supersede(out, w.versions)
	return out
}

// Superseded is the State of a refused version that a newer accepted one
// replaced: the refusal no longer applies to the list.
const Superseded localstore.ItemState = "superseded"

// supersede marks the refused versions older than an accepted one (items
// newest first, as vs): the refusal is history, not a problem of the list
// that counts now.
func supersede(vs []Version, items []localstore.Item) {
	var newer *localstore.Item
	for i := range items {
		it := &items[i]
		if it.State == localstore.StateRefused && newer != nil {
			vs[i].State = Superseded
			vs[i].Status = i18n.T("state.superseded", Message(it.Refusal), newer.Seq)
		}
		if it.State == localstore.StateAccepted && newer == nil {
			newer = it
		}
	}
}

// versionOf describes the state of a signed item.
func versionOf(it localstore.Item, title string) Version {
	v := Version{State: it.State, Title: title}
	switch it.State {
	case localstore.StatePending:
		v.Status = i18n.T("state.signed")
		if it.Attempts > 0 {
			v.Status += " — " + i18n.N("state.attempts", it.Attempts, it.Attempts)
		}
	case localstore.StateAccepted:
		v.Status = i18n.T("state.accepted", FormatTime(it.Receipt.ServerTime), it.Receipt.Index)
	case localstore.StateRefused:
		v.Status = i18n.T("state.refused", Message(it.Refusal))
	}
	return v
}

// SignOutcome is the result of Sign, to apply with SignDone.
type SignOutcome struct {
	Item localstore.Item
	Err  error
}

// Sign unlocks the key with the passphrase, learns the last accepted
// sequence number if the server answers quickly, and signs the draft into
// the outbox. It blocks (Argon2id, network): run it in the background.
func (w *WishList) Sign(ctx context.Context, passphrase string) SignOutcome {
	if w.round == nil {
		return SignOutcome{Err: service.ErrEmptyList}
	}
	if err := rules.CheckWishTies(w.round, &domain.WishList{Round: w.round.ID, Intern: w.svc.Me().ID, Postes: w.draft.List, Ranks: w.ranks()}); err != nil {
		return SignOutcome{Err: err}
	}
	if err := w.svc.Unlock(passphrase); err != nil {
		return SignOutcome{Err: err}
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_ = w.svc.SyncSubmissions(sctx, w.round.ID) // offline: the local counter is enough
	cancel()
	it, err := w.svc.Sign(w.round.ID)
	return SignOutcome{Item: it, Err: err}
}

// SignDone shows the outcome of Sign.
func (w *WishList) SignDone(o SignOutcome) error {
	w.Error = Message(o.Err)
	if o.Err != nil {
		return o.Err
	}
	return w.load(w.round)
}

// eligible reports whether intern me may wish poste p, by the rule the
// server applies.
func eligible(me domain.Person, p *domain.Poste) bool {
	q := *p
	q.Closed = false // a closed poste is shown as such, not as ineligible
	return rules.CheckWish("", &me, &q) == nil
}
