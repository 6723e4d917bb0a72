package api

import (
	"fmt"

	"appariement/shared/envelope"
)

// SignedBinomeLink is one current binôme link of a round as the server
// holds it: the envelope exactly as its author signed it (the link is its
// payload, api.DecodeBinomeLink), the server's receipt of it, and the
// names of the two interns it links, for display.
type SignedBinomeLink struct {
	Envelope *envelope.Envelope `json:"envelope"`
	Receipt  *Receipt           `json:"receipt"`
	// AuthorName and PartnerName are "Prénom Nom" (PartnerName empty for
	// a withdrawal).
	AuthorName  string `json:"author_name"`
	PartnerName string `json:"partner_name,omitempty"`
}

// Link decodes the link signed in the envelope (strictly, with its shape
// checked): the envelope, not a copy beside it, is what counts.
func (s *SignedBinomeLink) Link() (*BinomeLink, error) {
	if s.Envelope == nil || s.Envelope.PayloadType != BinomeType {
		return nil, Errorf(CodeMalformed, "lien de binôme sans enveloppe de binôme", "binôme link without a binôme envelope")
	}
	return DecodeBinomeLink(s.Envelope.Payload)
}

// BinomeLinksResponse answers GET /v1/rounds/{round}/binomes: the
// current links of the round that name the caller, as author or as
// partner (every link of the round for an admin), sorted by author, and
// the binômes they form (PairLinks).
type BinomeLinksResponse struct {
	Round   string             `json:"round"`
	Links   []SignedBinomeLink `json:"links"`
	Binomes []LinkedBinome     `json:"binomes"`
}

// PairsOf returns the binômes formed by links (the latest of each author):
// PairLinks over their decoded links. A link that does not decode is an
// error naming its author's envelope index.
func PairsOf(links []SignedBinomeLink) ([]LinkedBinome, error) {
	by := make(map[string]*BinomeLink, len(links))
	for i := range links {
		l, err := links[i].Link()
		if err != nil {
			return nil, fmt.Errorf("binôme link %d: %w", i+1, err)
		}
		if prev, ok := by[l.Author]; ok && prev.Seq >= l.Seq {
			continue
		}
		by[l.Author] = l
	}
	return PairLinks(by)
}
