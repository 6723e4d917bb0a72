package intake

import (
	"fmt"
	"slices"
	"strings"

	"appariement/shared/api"
	"appariement/shared/domain"
	"appariement/syncserver/rounds"
	"appariement/syncserver/store"
)

// BinomeLinks returns the current binôme links of round that reader may
// see, each with its envelope as signed and its receipt: for an intern,
// the links they signed or that name them as partner (so that a partner
// sees a proposal), for an admin every link of the round; and the binômes
// these links form. An unknown round is refused (unknown_round); a round
// without binômes, or a reader named by no link, gets empty lists.
func (in *Service) BinomeLinks(round string, reader *domain.Person) (*api.BinomeLinksResponse, error) {
	if err := api.CheckID("tour / round", round); err != nil {
		return nil, err
	}
	type found struct {
		cur                     store.Current
		env                     []byte
		authorName, partnerName string
	}
	var all []found
	err := in.st.View(func(tx store.Tx) error {
		if _, err := rounds.Load(tx, round); err != nil {
			return err
		}
		cur, err := tx.CurrentOfType(round, api.BinomeType)
		if err != nil {
			return fmt.Errorf("intake: binôme links of %s: %w", round, err)
		}
		names := map[string]string{}
		name := func(id string) (string, error) {
			if id == "" {
				return "", nil
			}
			if n, ok := names[id]; ok {
				return n, nil
			}
			p, err := tx.Person(id)
			if store.IsNotFound(err) {
				return id, nil
			}
			if err != nil {
				return "", err
			}
			n := strings.TrimSpace(p.FirstName + " " + p.LastName)
			if n == "" {
				n = id
			}
			names[id] = n
			return n, nil
		}
		for _, c := range cur {
			partner := ""
			if len(c.List) > 0 {
				partner = c.List[0]
			}
			if reader.Role != domain.RoleAdmin && c.Author != reader.ID && partner != reader.ID {
				continue
			}
			f := found{cur: c}
			data, err := tx.Leaf(c.Index)
			if err != nil {
				return fmt.Errorf("intake: binôme link of %s (leaf %d): %w", c.Author, c.Index, err)
			}
			f.env = slices.Clone(data)
			if f.authorName, err = name(c.Author); err != nil {
				return err
			}
			if f.partnerName, err = name(partner); err != nil {
				return err
			}
			all = append(all, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &api.BinomeLinksResponse{Round: round, Links: []api.SignedBinomeLink{}}
	for _, f := range all {
		_, env, err := store.ParseLeaf(f.env)
		if err != nil {
			return nil, fmt.Errorf("intake: binôme link of %s (leaf %d): %w", f.cur.Author, f.cur.Index, err)
		}
		if env.Digest() != f.cur.Digest {
			return nil, fmt.Errorf("intake: binôme link of %s: leaf %d is not its envelope", f.cur.Author, f.cur.Index)
		}
		rc, err := in.st.Receipt(f.cur.Index, f.cur.ServerTime, f.cur.Digest)
		if err != nil {
			return nil, fmt.Errorf("intake: receipt of the binôme link of %s: %w", f.cur.Author, err)
		}
		out.Links = append(out.Links, api.SignedBinomeLink{Envelope: env, Receipt: (*api.Receipt)(rc),
			AuthorName: f.authorName, PartnerName: f.partnerName})
	}
	if out.Binomes, err = api.PairsOf(out.Links); err != nil {
		return nil, fmt.Errorf("intake: binômes of %s: %w", round, err)
	}
	return out, nil
}
