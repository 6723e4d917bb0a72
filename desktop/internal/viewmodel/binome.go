package viewmodel

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/desktop/internal/localstore"
	"appariement/desktop/internal/service"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// Binome is an intern's binôme link in a choix au rang that allows binômes
// (domain.Round.Binomes): the partner's identifier and the joint list being
// edited (pairs of the intern's poste and the partner's, best first), the
// last signed link and its status. The link counts only when the partner
// signs the same joint list seen from their side (Mirror): that is how a
// proposal is accepted.
type Binome struct {
	svc   *service.Service
	cat   *Catalogue
	round *domain.Round
	// Partner is the partner's identifier being edited.
	Partner string
	// Pairs is the joint list being edited: Pairs[k][0] is the intern's
	// poste, Pairs[k][1] the partner's.
	Pairs    [][2]string
	versions []localstore.Item
	// links are the signed links naming the intern, as the server holds
	// them (FetchLinks); declined, the proposers whose proposal the intern
	// declined.
	links    *api.BinomeLinksResponse
	declined map[string]bool
	// Error is the last error to show.
	Error string
}

// NewBinome returns the binôme editor of the signed-in intern, over the
// round catalogue cat.
func NewBinome(svc *service.Service, cat *Catalogue) *Binome { return &Binome{svc: svc, cat: cat} }

// Load shows round r: the last signed link, if any, is the starting point
// of the edit.
func (b *Binome) Load(r *domain.Round) error {
	if b.round == nil || r == nil || b.round.ID != r.ID {
		b.links, b.declined = nil, nil
	}
	b.round, b.Partner, b.Pairs, b.Error = r, "", nil, ""
	if r == nil {
		b.versions = nil
		return nil
	}
	var err error
	if b.versions, err = b.svc.BinomeVersions(r.ID); err != nil {
		return err
	}
	if len(b.versions) > 0 {
		b.Partner, b.Pairs = linkOf(b.versions[0].List)
	}
	return nil
}

// linkOf reads the partner and joint list of a signed link item's list.
func linkOf(list []string) (string, [][2]string) {
	if len(list) == 0 {
		return "", nil
	}
	var pairs [][2]string
	for k := 1; k+1 < len(list); k += 2 {
		pairs = append(pairs, [2]string{list[k], list[k+1]})
	}
	return list[0], pairs
}

// Available reports whether the round takes binôme links now: a choix au
// rang that allows them, in its wishes' window.
// Offered reports whether the round lets interns link their lists at
// all (a choix au rang with binômes): the app shows the binôme tab only
// then.
func (b *Binome) Offered() bool {
	return b.round != nil && b.round.Procedure == domain.ChoixAuRang && b.round.Binomes
}

func (b *Binome) Available() bool {
	return b.Offered() && b.svc.WindowOpen(b.round)
}

// AddPair appends the pair (mine, theirs) to the joint list: both postes
// must be in the round's catalogue, and the pair not yet listed.
func (b *Binome) AddPair(mine, theirs string) error {
	for _, id := range []string{mine, theirs} {
		if _, ok := b.cat.Poste(id); !ok {
			return b.fail(errors.New(i18n.T("binome.unknown_poste", id)))
		}
	}
	pq := [2]string{mine, theirs}
	if slices.Contains(b.Pairs, pq) {
		return b.fail(errors.New(i18n.T("binome.duplicate", mine, theirs)))
	}
	b.Pairs = append(b.Pairs, pq)
	b.Error = ""
	return nil
}

// Remove removes the i-th pair.
func (b *Binome) Remove(i int) {
	if i >= 0 && i < len(b.Pairs) {
		b.Pairs = slices.Delete(b.Pairs, i, i+1)
	}
}

// MoveUp moves the i-th pair one place up.
func (b *Binome) MoveUp(i int) {
	if i > 0 && i < len(b.Pairs) {
		b.Pairs[i-1], b.Pairs[i] = b.Pairs[i], b.Pairs[i-1]
	}
}

// PairLabel describes the i-th pair, with the postes' titles and ids.
func (b *Binome) PairLabel(i int) string {
	return i18n.T("binome.pair", i+1, b.posteName(b.Pairs[i][0]), b.posteName(b.Pairs[i][1]))
}

// Mirror returns the joint list as the partner must sign it: each pair
// with its postes swapped.
func (b *Binome) Mirror() [][2]string {
	out := make([][2]string, len(b.Pairs))
	for k, pq := range b.Pairs {
		out[k] = [2]string{pq[1], pq[0]}
	}
	return out
}

// MirrorText is Mirror for the screen: what to tell the partner.
func (b *Binome) MirrorText() string {
	var parts []string
	for k, pq := range b.Mirror() {
		parts = append(parts, fmt.Sprintf("%d. %s + %s", k+1, pq[0], pq[1]))
	}
	return i18n.T("binome.mirror", strings.Join(parts, " ; "))
}

// Sign unlocks the key with passphrase, signs the link with the partner
// and joint list being edited and queues it.
func (b *Binome) Sign(passphrase string) error {
	if b.round == nil {
		return nil
	}
	if strings.TrimSpace(b.Partner) == "" {
		return b.fail(errors.New(i18n.T("binome.no_partner")))
	}
	return b.sign(passphrase, strings.TrimSpace(b.Partner), b.Pairs)
}

// Withdraw signs a link without partner: the intern chooses alone.
func (b *Binome) Withdraw(passphrase string) error {
	if b.round == nil {
		return nil
	}
	return b.sign(passphrase, "", nil)
}

func (b *Binome) sign(passphrase, partner string, pairs [][2]string) error {
	if err := b.svc.Unlock(passphrase); err != nil {
		b.Error = Message(err)
		return err
	}
	if _, err := b.svc.SignBinome(b.round.ID, partner, pairs); err != nil {
		var ae *api.Error
		if errors.As(err, &ae) {
			return b.fail(errors.New(ae.Message))
		}
		b.Error = Message(err)
		return err
	}
	b.Error = ""
	return b.Load(b.round)
}

func (b *Binome) fail(err error) error {
	b.Error = err.Error()
	return err
}

// Status says where the last signed link stands.
func (b *Binome) Status() string {
	if _, name, ok := b.Confirmed(); ok {
		return i18n.T("binome.status.confirmed", name)
	}
	if len(b.versions) == 0 {
		return i18n.T("binome.status.none")
	}
	last := b.versions[0]
	partner, _ := linkOf(last.List)
	switch {
	case last.State == localstore.StateRefused && last.Refusal != nil:
		return i18n.T("binome.status.refused", last.Refusal.Message)
	case partner == "":
		return i18n.T("binome.status.withdrawn")
	case last.State == localstore.StateAccepted:
		return i18n.T("binome.status.accepted", partner, partner)
	}
	return i18n.T("binome.status.pending", partner)
}

// Refresh reloads the signed links (after the outbox sent one), keeping
// the edit.
func (b *Binome) Refresh() error {
	if b.round == nil {
		return nil
	}
	var err error
	b.versions, err = b.svc.BinomeVersions(b.round.ID)
	return err
}
