package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// BinomeType is an intern's signed link with another intern of the same
// choix au rang (BinomeLink): the two choose together when both have
// signed matching links before the wishes close.
const BinomeType = "application/vnd.appariement.binome+json"

// BinomeLink is the payload of a binôme envelope, signed by Author. Two
// links make a binôme when each names the other as Partner, for the same
// round, with the same joint list seen from each side (LinksMatch); the
// latest link of each author (highest Seq) is the one that counts, and a
// link with an empty Partner withdraws the author's link.
type BinomeLink struct {
	Round      string    `json:"round"`
	Author     string    `json:"author"`
	Seq        uint64    `json:"seq"`         // per author and round, as for wish lists
	ClientTime time.Time `json:"client_time"` // informative only
	// Partner is the other intern; empty withdraws the link.
	Partner string `json:"partner"`
	// Pairs is the joint list, best first: Pairs[k][0] is the author's
	// poste and Pairs[k][1] the partner's in the k-th choice of the pair.
	Pairs [][2]string `json:"pairs"`
}

// DecodeBinomeLink parses a binôme payload strictly (unknown fields and
// trailing data are refused) and checks its shape (CheckShape).
func DecodeBinomeLink(payload []byte) (*BinomeLink, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var l BinomeLink
	if err := dec.Decode(&l); err != nil {
		return nil, Errorf(CodeMalformed, "binôme illisible : %v", "unreadable binôme: %v", err)
	}
	if dec.More() {
		return nil, Errorf(CodeMalformed, "binôme : données après la fin", "binôme: trailing data")
	}
	// encoding/json fills a [2]string from any array: a pair of another
	// length must be refused, not cut or padded.
	var shape struct {
		Pairs [][]json.RawMessage `json:"pairs"`
	}
	if err := json.Unmarshal(payload, &shape); err != nil {
		return nil, Errorf(CodeMalformed, "binôme illisible : %v", "unreadable binôme: %v", err)
	}
	for k, pq := range shape.Pairs {
		if len(pq) != 2 {
			return nil, Errorf(CodeMalformed, "binôme de %s : la paire %d a %d postes au lieu de 2",
				"binôme of %s: pair %d has %d postes instead of 2", l.Author, k+1, len(pq))
		}
	}
	if err := l.CheckShape(); err != nil {
		return nil, err
	}
	return &l, nil
}

// CheckShape refuses a link whose ids are invalid, that links the author
// with itself, names a pair twice, holds more than MaxListLength pairs, or
// withdraws (no partner) while listing pairs; each refusal names the
// author and the pair.
func (l *BinomeLink) CheckShape() error {
	for _, c := range []struct{ what, id string }{{"tour / round", l.Round}, {"auteur / author", l.Author}} {
		if err := CheckID(c.what, c.id); err != nil {
			return err
		}
	}
	if l.Partner == "" {
		if len(l.Pairs) > 0 {
			return Errorf(CodeMalformed, "binôme de %s : une liste commune sans binôme", "binôme of %s: a joint list without a partner", l.Author)
		}
		return nil
	}
	if err := CheckID("binôme / partner", l.Partner); err != nil {
		return err
	}
	if l.Partner == l.Author {
		return Errorf(CodeBadRequest, "binôme de %s : on ne peut pas se lier avec soi-même", "binôme of %s: one cannot link with oneself", l.Author)
	}
	if len(l.Pairs) > MaxListLength {
		return Errorf(CodeTooLarge, "binôme de %s : %d paires, maximum %d", "binôme of %s: %d pairs, at most %d", l.Author, len(l.Pairs), MaxListLength)
	}
	seen := make(map[[2]string]int, len(l.Pairs))
	for k, pq := range l.Pairs {
		for _, p := range pq {
			if err := CheckID("poste", p); err != nil {
				return err
			}
		}
		if first, dup := seen[pq]; dup {
			return Errorf(CodeDuplicate, "binôme de %s : la paire %d (%s + %s) répète la paire %d",
				"binôme of %s: pair %d (%s + %s) repeats pair %d", l.Author, k+1, pq[0], pq[1], first)
		}
		seen[pq] = k + 1
	}
	return nil
}

// LinksMatch reports whether a and b are the two halves of one binôme:
// same round, each the other's partner, and the same joint list, b's pairs
// being a's with their postes swapped.
func LinksMatch(a, b *BinomeLink) bool {
	if a.Round != b.Round || a.Partner != b.Author || b.Partner != a.Author || a.Partner == "" || len(a.Pairs) != len(b.Pairs) {
		return false
	}
	for k := range a.Pairs {
		if a.Pairs[k] != [2]string{b.Pairs[k][1], b.Pairs[k][0]} {
			return false
		}
	}
	return true
}

// LinkedBinome is a binôme formed by two matching links, in canonical
// form: Interns in increasing order, Pairs oriented the same way.
type LinkedBinome struct {
	Interns [2]string   `json:"interns"`
	Pairs   [][2]string `json:"pairs"`
}

// Canonical returns the binôme of a link in canonical form.
func (l *BinomeLink) Canonical() LinkedBinome {
	b := LinkedBinome{Interns: [2]string{l.Author, l.Partner}, Pairs: [][2]string{}}
	swap := l.Partner < l.Author
	if swap {
		b.Interns = [2]string{l.Partner, l.Author}
	}
	for _, pq := range l.Pairs {
		if swap {
			pq = [2]string{pq[1], pq[0]}
		}
		b.Pairs = append(b.Pairs, pq)
	}
	return b
}

// PairLinks returns the binômes formed by the latest link of each author
// (links holds one per author, by author id): those whose links match
// (LinksMatch), in canonical form, sorted by their first intern. A link
// whose partner did not sign the matching one forms nothing.
func PairLinks(links map[string]*BinomeLink) ([]LinkedBinome, error) {
	out := []LinkedBinome{}
	for author, l := range links {
		if l.Author != author {
			return nil, fmt.Errorf("binôme links: link of %s filed under %s", l.Author, author)
		}
		if l.Partner == "" || l.Partner < author {
			continue // each binôme once, from its first intern
		}
		if other, ok := links[l.Partner]; ok && LinksMatch(l, other) {
			out = append(out, l.Canonical())
		}
	}
	slices.SortFunc(out, func(a, b LinkedBinome) int { return cmp.Compare(a.Interns[0], b.Interns[0]) })
	return out, nil
}
