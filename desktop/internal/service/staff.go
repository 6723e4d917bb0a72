package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"appariement/desktop/internal/cache"
	"appariement/shared/api"
	"appariement/shared/client"
	"appariement/shared/envelope"
)

// ErrEmptyRanking is returned when signing a ranking without any candidate.
var ErrEmptyRanking = errors.New("the ranking is empty")

// Signed returns a client that signs requests as the user (key unlocked).
func (s *Service) Signed() (*client.Client, error) {
	c, _, err := s.signed()
	return c, err
}

// Candidates fetches the candidates of a poste (RTS, after the wishes).
func (s *Service) Candidates(ctx context.Context, round, poste string) (*api.CandidatesResponse, error) {
	c, err := s.Signed()
	if err != nil {
		return nil, err
	}
	return c.Candidates(ctx, round, poste)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// DownloadFile fetches a candidate document into dir (a temporary folder
// if empty) and returns its path. A file already there is reused.
func (s *Service) DownloadFile(ctx context.Context, dir string, a api.Attachment) (string, error) {
	c, err := s.Signed()
	if err != nil {
		return "", err
	}
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "appariement-fichiers")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	name := unsafeName.ReplaceAllString(a.Name, "_")
	if name == "" || name == "." || name == ".." {
		name = "document.pdf"
	}
	sha := a.SHA256
	if len(sha) > 12 {
		sha = sha[:12]
	}
	path := filepath.Join(dir, sha+"-"+name)
	if st, err := os.Stat(path); err == nil && st.Size() == a.Size {
		return path, nil
	}
	f, err := os.CreateTemp(dir, ".dl-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := c.File(ctx, a.SHA256, f); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

// SignRanking turns the ranking draft of a poste into a signed envelope
// (api.RankingType) and queues it in the outbox. The key must be unlocked.
func (s *Service) SignRanking(round, poste string) (cache.Item, error) {
	_, priv, err := s.signed()
	if err != nil {
		return cache.Item{}, err
	}
	d, err := s.Store.RankingDraft(round, poste)
	if err != nil {
		return cache.Item{}, err
	}
	if len(d.List) == 0 {
		return cache.Item{}, ErrEmptyRanking
	}
	me := s.Profile.Person.ID
	now := s.Now()
	item, err := s.Store.EnqueueSigned(round, nil, func(seq uint64) (cache.Item, error) {
		sub := api.Submission{
			Round: round, Author: me, Seq: seq, ClientTime: now.UTC().Truncate(time.Second),
			Poste: poste, List: append([]string(nil), d.List...),
		}
		payload, err := json.Marshal(sub)
		if err != nil {
			return cache.Item{}, err
		}
		env := envelope.Sign(priv, api.RankingType, payload)
		return cache.Item{
			Kind: cache.KindEnvelope, Round: round, Poste: poste, Seq: seq, CreatedAt: now.UTC(),
			Envelope: env.Encode(), Digest: env.Digest(), List: sub.List,
		}, nil
	})
	if err != nil {
		return cache.Item{}, fmt.Errorf("sign ranking of %s: %w", poste, err)
	}
	s.Outbox.Kick()
	return item, nil
}

// RankingVersions returns the signed rankings of a poste, newest first.
func (s *Service) RankingVersions(round, poste string) ([]cache.Item, error) {
	items, err := s.Store.Items()
	if err != nil {
		return nil, err
	}
	var out []cache.Item
	for _, it := range items {
		if it.Kind == cache.KindEnvelope && it.Round == round && it.Poste == poste {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out, nil
}
