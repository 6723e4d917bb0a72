package service

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/envelope"
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
	now := s.Now()
	if pairs == nil {
		pairs = [][2]string{}
	}
	check := api.BinomeLink{Round: round, Author: me, Seq: 1, Partner: partner, Pairs: pairs}
	if err := check.CheckShape(); err != nil {
		return localstore.Item{}, err
	}
	item, err := s.Store.EnqueueSigned(round, nil, func(seq uint64) (localstore.Item, error) {
		link := check
		link.Seq, link.ClientTime = seq, now.UTC().Truncate(time.Second)
		payload, err := json.Marshal(link)
		if err != nil {
			return localstore.Item{}, err
		}
		env := envelope.Sign(priv, api.BinomeType, payload)
		list := []string{partner}
		for _, pq := range pairs {
			list = append(list, pq[0], pq[1])
		}
		return localstore.Item{
			Kind: localstore.KindBinome, Round: round, Seq: seq, CreatedAt: now.UTC(),
			Envelope: env.Encode(), Digest: env.Digest(), List: list,
		}, nil
	})
	if err != nil {
		return localstore.Item{}, fmt.Errorf("sign binôme link: %w", err)
	}
	s.Outbox.Kick()
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
