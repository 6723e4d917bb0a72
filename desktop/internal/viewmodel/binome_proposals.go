package viewmodel

import (
	"context"
	"errors"
	"strings"

	"appariement/desktop/internal/i18n"
	"appariement/shared/api"
)

// BinomeLinksData is what FetchLinks brought back, to ApplyLinks on the
// UI goroutine.
type BinomeLinksData struct {
	Round string
	Links *api.BinomeLinksResponse
	Err   error
}

// FetchLinks fetches the signed links of the round that name the intern
// (service.BinomeLinks: receipts checked, binômes recomputed). It blocks
// and changes nothing on screen.
func (b *Binome) FetchLinks(ctx context.Context) BinomeLinksData {
	if b.round == nil {
		return BinomeLinksData{}
	}
	r, err := b.svc.BinomeLinks(ctx, b.round.ID)
	return BinomeLinksData{Round: b.round.ID, Links: r, Err: err}
}

// ApplyLinks shows what FetchLinks brought back; a failure keeps the
// links shown before and says why.
func (b *Binome) ApplyLinks(d BinomeLinksData) {
	if b.round == nil || d.Round != b.round.ID {
		return
	}
	if d.Err != nil {
		var ae *api.Error
		if errors.As(d.Err, &ae) {
			b.Error = ae.Message
		} else {
			b.Error = Message(d.Err)
		}
		return
	}
	b.links = d.Links
}

// Proposal is another intern's signed link naming the intern as partner,
// seen from the intern's side: accepting it is signing Pairs.
type Proposal struct {
	// From is the proposing intern's id, FromName their name.
	From, FromName string
	// Pairs is the joint list as the intern must sign it: Pairs[k][0]
	// the intern's poste, Pairs[k][1] the proposer's.
	Pairs [][2]string
}

// Proposals returns the links of others naming the intern that the
// intern has neither accepted (a matching link of theirs) nor declined,
// in the server's order (by author).
func (b *Binome) Proposals() []Proposal {
	if b.links == nil {
		return nil
	}
	me := b.svc.Me().ID
	mine := b.myLink()
	var out []Proposal
	for _, l := range b.links.Links {
		link, err := l.Link()
		if err != nil || link.Author == me || link.Partner != me || b.declined[link.Author] {
			continue
		}
		if mine != nil && api.LinksMatch(mine, link) {
			continue // accepted: a confirmed binôme
		}
		p := Proposal{From: link.Author, FromName: l.AuthorName}
		for _, pq := range link.Pairs {
			p.Pairs = append(p.Pairs, [2]string{pq[1], pq[0]})
		}
		out = append(out, p)
	}
	return out
}

// myLink is the intern's own current link as the server holds it, or nil.
func (b *Binome) myLink() *api.BinomeLink {
	if b.links == nil {
		return nil
	}
	me := b.svc.Me().ID
	for _, l := range b.links.Links {
		if link, err := l.Link(); err == nil && link.Author == me {
			return link
		}
	}
	return nil
}

// ProposalTitle is "X vous propose un binôme" for proposal p.
func (b *Binome) ProposalTitle(p Proposal) string {
	name := p.FromName
	if name == "" || name == p.From {
		name = p.From
	} else {
		name += " (" + p.From + ")"
	}
	return i18n.T("binome.proposal", name)
}

// ProposalPairs lists the pairs of p, one line each, from the intern's
// side, with the postes' titles.
func (b *Binome) ProposalPairs(p Proposal) string {
	lines := make([]string, len(p.Pairs))
	for k, pq := range p.Pairs {
		lines[k] = i18n.T("binome.proposal_pair", k+1, b.posteName(pq[0]), b.posteName(pq[1]))
	}
	return strings.Join(lines, "\n")
}

// posteName names a poste of a proposal: its title and id (titles repeat).
func (b *Binome) posteName(id string) string {
	if p, ok := b.cat.Poste(id); ok {
		return b.cat.RowTitle(p) + " (" + id + ")"
	}
	return id
}

// LinksFetched reports whether the signed links naming the intern were
// fetched for this round (FetchLinks needs the key): until then no
// proposal can be shown.
func (b *Binome) LinksFetched() bool { return b.links != nil }

// Accept signs the link that makes p a binôme: the proposer as partner
// and the same joint list seen from the intern's side (it replaces the
// intern's own link, if any).
func (b *Binome) Accept(p Proposal, passphrase string) error {
	if b.round == nil {
		return nil
	}
	b.Partner, b.Pairs = p.From, append([][2]string(nil), p.Pairs...)
	return b.sign(passphrase, p.From, b.Pairs)
}

// Decline hides p: declining is not signing; nothing is sent, and the
// proposer's link forms nothing without the intern's.
func (b *Binome) Decline(p Proposal) {
	if b.declined == nil {
		b.declined = map[string]bool{}
	}
	b.declined[p.From] = true
}

// Confirmed returns the partner of the intern's binôme when both links
// are in the server's log and match, and their name.
func (b *Binome) Confirmed() (partner, name string, ok bool) {
	if b.links == nil {
		return "", "", false
	}
	me := b.svc.Me().ID
	for _, bn := range b.links.Binomes {
		if bn.Interns[0] != me && bn.Interns[1] != me {
			continue
		}
		partner = bn.Interns[0]
		if partner == me {
			partner = bn.Interns[1]
		}
		name = partner
		for _, l := range b.links.Links {
			if link, err := l.Link(); err == nil && link.Author == partner && l.AuthorName != "" {
				name = l.AuthorName
			}
		}
		return partner, name, true
	}
	return "", "", false
}
