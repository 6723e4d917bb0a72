package service

import (
	"context"
	"errors"
	"fmt"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/calllist"
	"appariement/shared/domain"
	"appariement/shared/draw"
)

// Choix au rang (issue 6): the simulation of the choices, the signed call
// list, the notices of rank changes and the live replay. Every request is
// signed, so the key must be unlocked.

// Simulation fetches what the intern would get now.
func (s *Service) Simulation(ctx context.Context, round string) (*api.SimulationMe, error) {
	c, _, err := s.signed()
	if err != nil {
		return nil, err
	}
	return c.SimulationMe(ctx, round)
}

// Amphi fetches the places still free at rank (0: the intern's own rank)
// for a specialty and subdivision ("" for all).
func (s *Service) Amphi(ctx context.Context, round, specialty, subdivision string, rank int) (*api.SimulationAmphi, error) {
	c, _, err := s.signed()
	if err != nil {
		return nil, err
	}
	return c.SimulationAmphi(ctx, round, specialty, subdivision, rank)
}

// Live fetches the replay of a published round from rank from.
func (s *Service) Live(ctx context.Context, round string, from, limit int) (*api.LiveReplay, error) {
	c, _, err := s.signed()
	if err != nil {
		return nil, err
	}
	return c.Live(ctx, round, from, limit)
}

// FetchCallList fetches the latest call list of a round, verifies its
// signature against the pinned server key, decodes it strictly, checks it
// is the round's, and caches it for offline use. Nothing is cached when a
// check fails.
func (s *Service) FetchCallList(ctx context.Context, round string) (*localstore.CallListRecord, error) {
	c, _, err := s.signed()
	if err != nil {
		return nil, err
	}
	env, err := c.CallList(ctx, round, 0)
	if err != nil {
		return nil, fmt.Errorf("fetch call list of %s: %w", round, err)
	}
	payload, err := s.Verifier.VerifyEnvelope(env, api.CallListType)
	if err != nil {
		return nil, fmt.Errorf("call list of %s: %w: %w", round, ErrBadSignature, err)
	}
	l, err := calllist.Decode(payload)
	if err != nil {
		return nil, fmt.Errorf("call list of %s: %w", round, err)
	}
	if l.ID != round {
		return nil, fmt.Errorf("call list of %s: the signed list is %q's", round, l.ID)
	}
	commitment, err := s.callListCommitment(ctx, round)
	if err != nil {
		return nil, err
	}
	if err := draw.CheckDraw(commitment, l.Seed); err != nil {
		return nil, fmt.Errorf("call list of %s: %w: %w", round, ErrCallListDraw, err)
	}
	rec := &localstore.CallListRecord{Round: round, Envelope: env.Encode(), List: l, FetchedAt: s.Now().UTC(),
		Commitment: commitment}
	// The publication date is not in the signed list: taken from the
	// version list, informative only.
	if vs, err := c.CallListVersions(ctx, round); err == nil {
		for _, v := range vs {
			if v.Version == l.Version {
				rec.PublishedAt = v.PublishedAt
			}
		}
	}
	if err := s.Store.SaveCallList(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// ErrCallListDraw: the seed of a call list does not match the commitment
// published with its round (or the round publishes none).
var ErrCallListDraw = errors.New("call list seed does not match the round's commitment")

// callListCommitment returns the commitment to round's call-list seed
// (domain.Round.CallListCommitment): from the rounds cached by the last
// sync, or else from the server's round list. A round
// without one is refused (ErrCallListDraw): its list cannot be checked.
func (s *Service) callListCommitment(ctx context.Context, round string) (string, error) {
	find := func(rs []domain.Round) string {
		for _, r := range rs {
			if r.ID == round {
				return r.CallListCommitment
			}
		}
		return ""
	}
	rs, err := s.Store.Rounds()
	if err != nil {
		return "", err
	}
	c := find(rs)
	if c == "" {
		if rs, err = s.SyncRounds(ctx); err != nil {
			return "", fmt.Errorf("call list of %s: the round's commitment: %w", round, err)
		}
		c = find(rs)
	}
	if c == "" {
		return "", fmt.Errorf("call list of %s: %w: the round publishes no commitment", round, ErrCallListDraw)
	}
	return c, nil
}

// ErrBadSignature: a document is not signed by the pinned server key.
var ErrBadSignature = errors.New("not signed by the pinned server key")

// SyncNotices fetches the intern's call list notices and caches them,
// keeping the version of the last notice seen.
func (s *Service) SyncNotices(ctx context.Context, round string) (*localstore.NoticesRecord, error) {
	c, _, err := s.signed()
	if err != nil {
		return nil, err
	}
	n, err := c.CallListNotices(ctx, round)
	if err != nil {
		return nil, fmt.Errorf("call list notices of %s: %w", round, err)
	}
	rec := &localstore.NoticesRecord{Round: round}
	if old, err := s.Store.Notices(round); err == nil {
		rec.SeenTo = old.SeenTo
	}
	rec.Notices = n
	rec.FetchedAt = s.Now().UTC()
	if err := s.Store.SaveNotices(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// MarkNoticesSeen records that the notices up to version to were seen.
func (s *Service) MarkNoticesSeen(round string, to int) error {
	rec, err := s.Store.Notices(round)
	if err != nil {
		return err
	}
	if to > rec.SeenTo {
		rec.SeenTo = to
	}
	return s.Store.SaveNotices(rec)
}
