package service

import (
	"context"
	"fmt"
	"sort"
	"time"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/domain"
)

// SignBinome signs the user's binôme link of round with partner and the
// joint list (each pair: the user's poste, then the partner's), checked
// with api.BinomeLink.CheckShape, and queues it in the outbox; an empty
// partner withdraws the link. The key must be unlocked.
func (s *Service) SignBinome(round, partner string, pairs [][2]string) (localstore.Item, error) {
	_, priv, err := s.signed()
	if err != nil {
		return localstore.Item{}, err
	}
	me := s.Profile.Person.ID
	if pairs == nil {
		pairs = [][2]string{}
	}
	check := api.BinomeLink{Round: round, Author: me, Seq: 1, Partner: partner, Pairs: pairs}
	if err := check.CheckShape(); err != nil {
		return localstore.Item{}, err
	}
	list := []string{partner}
	for _, pq := range pairs {
		list = append(list, pq[0], pq[1])
	}
	item, err := s.signQueue(priv, round, api.BinomeType, nil, func(seq uint64, clientTime time.Time) (any, localstore.Item) {
		link := check
		link.Seq, link.ClientTime = seq, clientTime
		return link, localstore.Item{Kind: localstore.KindBinome, List: list}
	})
	if err != nil {
		return localstore.Item{}, fmt.Errorf("sign binôme link: %w", err)
	}
	return item, nil
}

// BinomeVersions returns the signed binôme links of round, newest first.
func (s *Service) BinomeVersions(round string) ([]localstore.Item, error) {
	items, err := s.Store.Items()
	if err != nil {
		return nil, err
	}
	var out []localstore.Item
	for _, it := range items {
		if it.Kind == localstore.KindBinome && it.Round == round {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out, nil
}

// BinomeLinks fetches the current binôme links of round that name the
// user (GET /v1/rounds/{round}/binomes) and checks each: its receipt
// proves the server logged exactly that envelope (translog.Verifier), the
// link it signs is of round and names the user as author or partner
// (any intern for an admin). The
// binômes are recomputed here from the links (api.PairsOf), not taken
// from the server's word.
func (s *Service) BinomeLinks(ctx context.Context, round string) (*api.BinomeLinksResponse, error) {
	c, _, err := s.signed()
	if err != nil {
		return nil, err
	}
	r, err := c.BinomeLinks(ctx, round)
	if err != nil {
		return nil, fmt.Errorf("fetch binôme links of %s: %w", round, err)
	}
	me, admin := s.Profile.Person.ID, s.Profile.Person.Role == domain.RoleAdmin
	for i, l := range r.Links {
		link, err := l.Link()
		if err != nil {
			return nil, fmt.Errorf("binôme links of %s: %w", round, err)
		}
		if l.Receipt == nil {
			return nil, fmt.Errorf("binôme link of %s in %s: %w: no receipt", link.Author, round, ErrBadSignature)
		}
		if err := s.Verifier.VerifyReceipt(l.Envelope, l.Receipt); err != nil {
			return nil, fmt.Errorf("binôme link of %s in %s: %w: %w", link.Author, round, ErrBadSignature, err)
		}
		if link.Round != round || (!admin && link.Author != me && link.Partner != me) {
			return nil, fmt.Errorf("binôme links of %s: link %d (%s → %s, round %s) does not name %s", round, i+1, link.Author, link.Partner, link.Round, me)
		}
	}
	if r.Binomes, err = api.PairsOf(r.Links); err != nil {
		return nil, fmt.Errorf("binôme links of %s: %w", round, err)
	}
	return r, nil
}
